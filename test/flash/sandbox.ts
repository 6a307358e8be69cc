// A sandbox standing in for a Raspberry Pi's first boot, for the installer
// that scripts/flash puts on a card: a fresh network namespace (`unshare -n`:
// only a loopback that is down) and a chroot whose /usr is this machine's,
// read-only, and whose /etc, /opt, /var are the "device's" own. npm, npx,
// curl, wget and apt-get are traps that record any call and fail; `uname -m`
// says aarch64; systemctl only records what needs a running systemd.

import { execFile as execFileCb } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);
export const TRAPPED = ['npm', 'npx', 'curl', 'wget', 'apt-get', 'apt'];

/** Why the sandbox cannot be made here, or null. */
export async function sandboxProblem(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root (unshare -m -n, chroot)';
  try {
    await execFile('unshare', ['-m', '-n', '--fork', 'true']);
    return null;
  } catch (error) {
    return `unshare -m -n is not permitted here: ${(error as Error).message.split('\n')[0]}`;
  }
}
/** The device's filesystem: this machine's /usr (read-only, mounted per run), its own /etc, /opt, /var. */
export function makeRoot(path: string): void {
  for (const d of [
    'usr',
    'proc',
    'dev',
    'tmp',
    'run',
    'opt',
    'var/tmp',
    'var/log',
    'boot/firmware',
    'root',
    'usr-local/bin',
    'usr-local/sbin',
  ])
    mkdirSync(join(path, d), { recursive: true });
  cpSync('/etc', join(path, 'etc'), { recursive: true, dereference: false, verbatimSymlinks: true });
  mkdirSync(join(path, 'etc', 'systemd', 'system'), { recursive: true });
  for (const d of ['bin', 'sbin', 'lib', 'lib64'])
    if (existsSync(`/usr/${d}`)) symlinkSync(`usr/${d}`, join(path, d));
  const bin = join(path, 'usr-local', 'bin');
  for (const name of TRAPPED) {
    writeFileSync(
      join(bin, name),
      `#!/bin/sh\necho "${name} $*" >>/var/log/qms-trap.log\necho "${name}: no network here" >&2\nexit 1\n`,
    );
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(
    join(bin, 'uname'),
    '#!/bin/sh\n# A Raspberry Pi: aarch64.\nif [ "$1" = -m ]; then echo aarch64; else exec /usr/bin/uname "$@"; fi\n',
  );
  writeFileSync(
    join(bin, 'systemctl'),
    '#!/bin/sh\n# No systemd runs here: enable/disable are real (offline symlinks), the rest is recorded.\ncase "$1" in\n  enable | disable | is-enabled) exec /usr/bin/systemctl "$@" ;;\n  *) echo "systemctl $*" >>/var/log/qms-systemctl.log ;;\nesac\n',
  );
  for (const name of ['uname', 'systemctl']) chmodSync(join(bin, name), 0o755);
}

export interface SandboxRun {
  code: number;
  output: string;
  /** `ip -o link` inside, before the command. */
  links: string;
}

/** Run `command` as root in the device's filesystem, in a fresh mount and network namespace. */
export async function inSandbox(command: string, deviceRoot: string): Promise<SandboxRun> {
  const script = `
set -e
r=$1
mount --bind /usr "$r/usr"
mount -o remount,bind,ro "$r/usr"
mount --bind "$r/usr-local" "$r/usr/local"
mount --bind /dev "$r/dev"
mount -t proc proc "$r/proc"
echo "LINKS $(ip -o link | awk '{print $2 $3}' | tr '\\n' ' ')"
set +e
chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$2" 2>&1
echo "EXIT $?"
`;
  const { stdout } = await execFile(
    'unshare',
    ['-m', '-n', '--fork', 'bash', '-c', script, 'sandbox', deviceRoot, command],
    {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 600_000,
    },
  );
  const links = /^LINKS (.*)$/m.exec(stdout)?.[1] ?? '';
  const code = Number(/^EXIT (\d+)$/m.exec(stdout)?.[1] ?? -1);
  const output = stdout.replace(/^LINKS .*\n/m, '').replace(/^EXIT \d+\n?$/m, '');
  return { code, output, links };
}
