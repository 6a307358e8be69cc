// An edge program (kiosk, rating) as its own process, started the way
// systemd starts it (`node --import tsx edge/<program>/main.ts --config …`),
// so fault tests exercise the program itself: its start-up, its state files,
// its exit code. In simulate mode a line on stdin presses a button
// (`press 0`, `press satisfied`); what it does is read from its log.

import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const ENTRY = { kiosk: 'edge/kiosk/main.ts', rating: 'edge/rating-button/main.ts' } as const;
const READY = { kiosk: /INFO kiosk: kiosk ready/, rating: /INFO rating: rating device ready/ } as const;

export interface DeviceProcess {
  child: ChildProcess;
  /** Everything it wrote, stdout and stderr. */
  output(): string;
  /** A line on its stdin. */
  send(line: string): void;
  /** Resolves with the first match in the output from `from` on (a character offset), or rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number, from?: number): Promise<RegExpMatchArray>;
  /** Ends it (SIGKILL: a power cut) and resolves with its exit code (null after a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exitCode: number | null;
}

export async function spawnDevice(
  program: keyof typeof ENTRY,
  configPath: string,
  env: Record<string, string> = {},
): Promise<DeviceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[program], '--config', configPath], {
    env: { ...process.env, QMS_LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const device: DeviceProcess = {
    child,
    output: () => output,
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    async waitFor(pattern, ms = 20_000, from = 0) {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = output.slice(from).match(pattern);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `${program} exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${output}`,
          );
        }
        if (Date.now() > deadline) throw new Error(`${program}: no ${pattern} within ${ms} ms:\n${output}`);
        await sleep(20);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    get exitCode() {
      return child.exitCode;
    },
  };
  await device.waitFor(READY[program], 30_000);
  return device;
}
