// `scripts/flash --role kiosk --touch`, end to end on image files laid out
// like Raspberry Pi OS (pi-image.ts) and read back with mtools and debugfs:
// - a Lite image is refused before anything is written (looked into for a
//   .img, judged by its name for a compressed one);
// - on a desktop image the card gets a kiosk config with the touch screen and
//   no buttons, and an installer that sets the screen up; the root partition
//   is left as it was;
// - that installer's screen step, run from the card in the first-boot
//   sandbox (sandbox.ts, as root), creates the screen's user, its labwc,
//   wayfire and LXDE autostarts (the guide page, no blanking), the Chromium
//   launcher, and the desktop's automatic login, and can run again;
// - the launcher waits for the kiosk program's port, then starts Chromium in
//   kiosk mode on the page (a stand-in browser records how it was started).

import { execFile as execFileCb, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenLauncher } from '../../scripts/flash-lib/first-boot.js';
import { parseDeviceConfig } from '../../shared/config/device-config.js';
import { tempDir } from '../helpers/hub.js';
import { waitFor } from '../helpers/pty.js';
import { skipping } from '../helpers/skip.js';
import {
  buildPiImage,
  DESKTOP_FILES,
  ext4Read,
  fatRead,
  type PiImage,
  rangeHash,
  standInBundle,
} from './pi-image.js';
import { inSandbox, makeRoot, sandboxProblem } from './sandbox.js';

const execFile = promisify(execFileCb);
const FLASH = join(import.meta.dirname, '..', '..', 'scripts', 'flash');
const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

let dir: { path: string; remove: () => void };
let lite: PiImage;
let desktop: PiImage;
let bundle: string;
let secretFile: string;
const noSandbox = await sandboxProblem();

beforeAll(async () => {
  dir = tempDir('qms-flash-touch-');
  [lite, desktop] = await Promise.all([
    buildPiImage(dir.path, 'firstrun'),
    buildPiImage(dir.path, 'firstrun', { desktop: true }),
  ]);
  bundle = await standInBundle(dir.path);
  secretFile = join(dir.path, 'guide-01.secret');
  writeFileSync(secretFile, 'guide-01-secret-token\n');
}, 120_000);
afterAll(() => dir?.remove());

async function flash(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFile(FLASH, args, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const kioskArgs = (image: string, target: string) => [
  '-i',
  image,
  '-t',
  target,
  '-r',
  'kiosk',
  '--id',
  'guide-01',
  '--hub',
  '192.168.1.10',
  '--password-file',
  secretFile,
  '--bundle',
  bundle,
  '--touch',
];

describe('scripts/flash --touch', () => {
  it('refuses a Lite image before writing anything', async () => {
    const target = join(dir.path, 'lite-touch.img');
    const run = await flash(kioskArgs(lite.img, target));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'flash: --touch needs Raspberry Pi OS with desktop (Bookworm), not Lite: the image has no browser (/usr/bin/chromium-browser or /usr/bin/chromium), no desktop',
    );
    expect(existsSync(target)).toBe(false);
    // A compressed image is judged by its name before it is written.
    const named = join(dir.path, '2024-11-19-raspios-bookworm-arm64-lite.img.xz');
    writeFileSync(named, readFileSync(lite.xz));
    const byName = await flash(kioskArgs(named, join(dir.path, 'lite-xz.img')));
    expect(byName.code).toBe(1);
    expect(byName.stderr).toMatch(/looks like the Lite image/);
    expect(existsSync(join(dir.path, 'lite-xz.img'))).toBe(false);
  }, 60_000);

  it('writes a kiosk with the touch screen and no buttons, and an installer that sets the screen up', async () => {
    const target = join(dir.path, 'guide-01.img');
    const run = await flash(kioskArgs(desktop.img, target));
    expect(run.stderr).not.toMatch(/flash: /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /screen +touch screen: qms-screen logs in to the desktop and opens http:\/\/127\.0\.0\.1:8181\/guide in Chromium's kiosk mode; no screen blanking/,
    );
    // The root partition is not touched: the screen is set up at first boot.
    expect(rangeHash(target, desktop.rootOffset, desktop.size)).toBe(
      rangeHash(desktop.img, desktop.rootOffset, desktop.size),
    );
    const read = async (path: string) => (await fatRead(target, desktop.bootOffset, path)).toString();
    const configText = await read('qms/kiosk.json');
    const secretCopy = join(dir.path, 'secret-copy');
    writeFileSync(secretCopy, 'guide-01-secret-token\n');
    const config = parseDeviceConfig(
      JSON.stringify({ ...JSON.parse(configText), credentials: { passwordFile: secretCopy } }),
      join(dir.path, 'kiosk.json'),
    );
    if (config.role !== 'kiosk') throw new Error('not a kiosk');
    expect(config.hardware.buttons).toEqual([]);
    expect(config.hardware.touch).toEqual({ port: 8181, ticketsPerMinute: 6, documents: true });
    const install = await read('qms/install.sh');
    expect(install).toContain("SCREEN_URL='http://127.0.0.1:8181/guide'");
    expect(install).toContain("SCREEN_USER='qms-screen'");
    expect(install).toContain('if [ -n "$SCREEN_URL" ]; then setup_screen; fi');
    // The image's desktop files are still there, as the Pi will find them.
    expect((await ext4Read(target, desktop.rootOffset, 'etc/lightdm/lightdm.conf')).toString()).toContain(
      'autologin-user=pi',
    );
  }, 60_000);

  it('refuses a touch port the screen could not know', async () => {
    const hardware = join(dir.path, 'hardware.json');
    writeFileSync(hardware, JSON.stringify({ touch: { port: 0 } }));
    const run = await flash([...kioskArgs(desktop.img, join(dir.path, 'port0.img')), '--hardware', hardware]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/hardware\.touch\.port 0 \(any free port\) is for tests/);
  });

  it.skipIf(skipping('first boot of the touch screen (sandbox)', noSandbox))(
    'first boot sets up the screen: its user, autostart, no blanking, automatic login',
    async () => {
      const target = join(dir.path, 'guide-01.img');
      const root = join(dir.path, 'device-root');
      makeRoot(root);
      // The desktop image's own files, as the Pi has them.
      for (const [path, text, mode] of DESKTOP_FILES.filter(([p]) => p.startsWith('etc/'))) {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), text, { mode });
      }
      mkdirSync(join(root, 'home'), { recursive: true });
      await execFile(
        'mcopy',
        ['-s', '-n', '-i', `${target}@@${desktop.bootOffset}`, '::/qms', join(root, 'boot/firmware/')],
        {
          env: MTOOLS_ENV,
        },
      );

      const run = await inSandbox('bash /boot/firmware/qms/install.sh screen', root);
      expect(run.output).toMatch(
        /touch screen: qms-screen opens http:\/\/127\.0\.0\.1:8181\/guide in Chromium's kiosk mode/,
      );
      expect(run.code).toBe(0);
      const at = (path: string) => join(root, path);
      const passwd = readFileSync(at('etc/passwd'), 'utf8');
      const user = /^qms-screen:x:(\d+):(\d+):QMS touch screen:\/home\/qms-screen:\/bin\/bash$/m.exec(passwd);
      expect(user).not.toBeNull();
      // No password to log in with, and not an administrator.
      expect(readFileSync(at('etc/shadow'), 'utf8')).toMatch(/^qms-screen:!/m);
      const groups = readFileSync(at('etc/group'), 'utf8');
      expect(groups).not.toMatch(/^sudo:.*qms-screen/m);
      if (/^video:/m.test(groups)) expect(groups).toMatch(/^video:[^\n]*qms-screen/m);

      const home = at('home/qms-screen');
      const owned = (path: string) => {
        const st = statSync(join(home, path));
        return [st.uid, st.gid];
      };
      expect(readFileSync(join(home, '.config/labwc/autostart'), 'utf8')).toBe(
        '# QMS touch screen: only the guide page; no panel, no desktop icons, no screen blanking.\n/usr/local/bin/qms-screen &\n',
      );
      const wayfire = readFileSync(join(home, '.config/wayfire.ini'), 'utf8');
      expect(wayfire).toMatch(
        /\[autostart\]\nautostart_wf_shell = false\nqms_screen = \/usr\/local\/bin\/qms-screen/,
      );
      expect(wayfire).toMatch(/\[idle\]\ndpms_timeout = -1\nscreensaver_timeout = -1/);
      expect(readFileSync(join(home, '.config/lxsession/LXDE-pi/autostart'), 'utf8')).toBe(
        '@xset s off\n@xset -dpms\n@xset s noblank\n@/usr/local/bin/qms-screen\n',
      );
      for (const path of [
        '.config/labwc/autostart',
        '.config/wayfire.ini',
        '.config/lxsession/LXDE-pi/autostart',
      ]) {
        expect(owned(path), path).toEqual([Number(user![1]), Number(user![2])]);
      }
      const launcher = at('usr-local/bin/qms-screen');
      expect(statSync(launcher).mode & 0o777).toBe(0o755);
      expect(readFileSync(launcher, 'utf8')).toBe(screenLauncher('http://127.0.0.1:8181/guide'));
      // The desktop logs the screen's user in; the image's own automatic login is commented out.
      expect(readFileSync(at('etc/lightdm/lightdm.conf.d/90-qms-screen.conf'), 'utf8')).toBe(
        '# QMS touch screen (scripts/flash --touch)\n[Seat:*]\nautologin-user=qms-screen\nautologin-user-timeout=0\n',
      );
      expect(readFileSync(at('etc/lightdm/lightdm.conf'), 'utf8')).toMatch(
        /^#autologin-user=pi {2}# QMS: lightdm\.conf\.d\/90-qms-screen\.conf$/m,
      );
      expect(readFileSync(at('var/log/qms-systemctl.log'), 'utf8')).toContain(
        'systemctl set-default graphical.target',
      );

      // Again (a technician setting the screen up anew): the same result, one autologin line.
      const again = await inSandbox('bash /boot/firmware/qms/install.sh screen', root);
      expect(again.code).toBe(0);
      expect(readFileSync(at('etc/lightdm/lightdm.conf'), 'utf8').match(/autologin-user=/g)).toHaveLength(1);
      expect(readFileSync(at('etc/passwd'), 'utf8').match(/^qms-screen:/gm)).toHaveLength(1);
    },
    120_000,
  );
});

describe('the screen launcher', () => {
  let server: Server | null = null;
  afterAll(() => server?.close());

  it('waits for the kiosk program, then opens the page in kiosk mode with a fresh profile', async () => {
    const work = join(dir.path, 'launcher');
    mkdirSync(join(work, 'bin'), { recursive: true });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const launcher = join(work, 'qms-screen');
    writeFileSync(launcher, screenLauncher(`http://127.0.0.1:${port}/guide`), { mode: 0o755 });
    // A stand-in browser: records its arguments, then "closes" (the launcher starts it again).
    const calls = join(work, 'calls');
    writeFileSync(join(work, 'bin', 'chromium-browser'), `#!/bin/sh\necho "$*" >>'${calls}'\n`);
    chmodSync(join(work, 'bin', 'chromium-browser'), 0o755);
    const child = spawn('bash', [launcher], {
      env: { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH}`, XDG_RUNTIME_DIR: work },
      stdio: 'ignore',
    });
    try {
      // Nothing listens yet: no browser.
      await new Promise((r) => setTimeout(r, 1500));
      expect(existsSync(calls)).toBe(false);
      server = createServer((s) => s.destroy()).listen(port, '127.0.0.1');
      await waitFor(() => existsSync(calls), 15_000, 'the browser started');
      const args = readFileSync(calls, 'utf8').split('\n')[0]!;
      expect(args).toContain(`--kiosk http://127.0.0.1:${port}/guide`);
      expect(args).toContain(`--user-data-dir=${work}/qms-screen-profile`);
      for (const flag of [
        '--noerrdialogs',
        '--disable-pinch',
        '--overscroll-history-navigation=0',
        '--password-store=basic',
      ])
        expect(args).toContain(flag);
      // Closed: started again.
      await waitFor(() => readFileSync(calls, 'utf8').trim().split('\n').length >= 2, 15_000, 'a restart');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
