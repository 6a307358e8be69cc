// A real hub process whose clock a test moves: libfaketime (Debian package
// faketime) preloaded, reading its offset from a file at every clock call
// (FAKETIME_NO_CACHE), the monotonic clock left real (DONT_FAKE_MONOTONIC:
// Node's timers run on it, and the hub measures steps against it). The NTP
// status the hub reads comes from stub `timedatectl` / `chronyc` commands
// first on its PATH.

import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LIBFAKETIME = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
].find((p) => existsSync(p));

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

export class FakeTime {
  readonly file: string;
  private readonly bin: string;
  private readonly ntpFile: string;

  constructor(dir: string) {
    if (!LIBFAKETIME) throw new Error('libfaketime not found: apt-get install faketime');
    this.file = join(dir, 'faketime');
    this.bin = join(dir, 'bin');
    this.ntpFile = join(dir, 'ntp-synchronised');
    mkdirSync(this.bin, { recursive: true });
    // systemd's answer, from the file a test writes; chrony absent.
    writeFileSync(join(this.bin, 'timedatectl'), `#!/bin/sh\ncat '${this.ntpFile}'\n`);
    writeFileSync(join(this.bin, 'chronyc'), '#!/bin/sh\necho "506 Cannot talk to daemon" >&2\nexit 1\n');
    chmodSync(join(this.bin, 'timedatectl'), 0o755);
    chmodSync(join(this.bin, 'chronyc'), 0o755);
    this.at(Date.now());
    this.synced(false);
  }

  /** From now on the process's wall clock reads `target` (then runs on). */
  at(target: number): this {
    const seconds = Math.round((target - Date.now()) / 1000);
    writeAtomically(this.file, `${seconds >= 0 ? '+' : ''}${seconds}\n`);
    return this;
  }

  /** What `timedatectl show -p NTPSynchronized --value` answers. */
  synced(on: boolean): this {
    writeAtomically(this.ntpFile, on ? 'yes\n' : 'no\n');
    return this;
  }

  env(): Record<string, string> {
    return {
      LD_PRELOAD: LIBFAKETIME!,
      FAKETIME_TIMESTAMP_FILE: this.file,
      FAKETIME_NO_CACHE: '1',
      DONT_FAKE_MONOTONIC: '1',
      PATH: `${this.bin}:${process.env.PATH ?? ''}`,
    };
  }
}
