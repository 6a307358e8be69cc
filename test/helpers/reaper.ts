// Servers a test starts outside its own process tree (PostgreSQL daemonises
// through pg_ctl; Mosquitto outlives a killed parent) must not outlive the
// test process, whatever way it ends: a failed beforeAll that never reached
// its server's remove(), a timeout, a crash, a killed worker. A small
// detached shell watches this process and, once it is gone, runs the clean-up.

import { spawn } from 'node:child_process';

export interface Reaper {
  /** The clean-up is no longer needed (the server was removed the ordinary way). */
  cancel(): void;
}

/** Run `script` (sh) as soon as this process has ended. */
export function whenProcessEnds(script: string): Reaper {
  const watcher = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done\n${script}`],
    {
      detached: true, // its own process group: the Ctrl+C that ends the tests does not end it first
      stdio: 'ignore',
    },
  );
  watcher.unref();
  return {
    cancel() {
      if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
    },
  };
}

/** A path for a single-quoted sh word. */
export const shQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
