// First boot from the card alone: scripts/flash writes a card image with the
// real arm64 bundle (test/helpers/bundles.ts), and the installer it put on the
// card runs as qms-install.service would run it, in a sandbox with NO network:
// a fresh network namespace (`unshare -n`: only a loopback that is down) and a
// chroot whose /usr is this machine's, read-only, and whose /etc, /opt, /var
// are the "device's" own. npm, npx, curl, wget and apt-get are traps that
// record any call and fail, so the test proves none was needed.
// Stand-ins for what this machine lacks: `uname -m` says aarch64 (the CPU of
// a Pi), and systemctl only records daemon-reload/restart (there is no
// systemd running here; `enable` is the real one, which works offline).
// Then qms-update: a bundle for another CPU, a damaged one and one of the old
// kind (no runtime) are refused with nothing changed; a good one replaces the
// application and keeps the previous; rollback brings it back. The installed
// runtime and its native modules then load under qemu-aarch64-static. A hub
// card installs the same way; only its optional chrony install (the office's
// time server) tries apt-get, and the installation goes on without it.

import { execFile as execFileCb } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleNode } from '../arm64/appliance.js';
import { BUILD_TIMEOUT_MS, type TestBundles, testBundles } from '../helpers/bundles.js';
import { tempDir } from '../helpers/hub.js';
import { skipping } from '../helpers/skip.js';
import { buildPiImage, standInBundle } from './pi-image.js';
import { makeRoot, inSandbox as runInSandbox, sandboxProblem } from './sandbox.js';

const execFile = promisify(execFileCb);
const FLASH = join(import.meta.dirname, '..', '..', 'scripts', 'flash');
const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

let dir: { path: string; remove: () => void };
let bundles: TestBundles;
/** The device's root filesystem. */
let root: string;
const timings: string[] = [];

const noSandbox = await sandboxProblem();

/** Run a command in the kiosk's sandboxed root (or another device's). */
const inSandbox = (command: string, deviceRoot = root) => runInSandbox(command, deviceRoot);

const inRoot = (path: string) => join(root, path);
const trapLog = () =>
  existsSync(inRoot('var/log/qms-trap.log')) ? readFileSync(inRoot('var/log/qms-trap.log'), 'utf8') : '';
const builtAt = (path: string) =>
  (JSON.parse(readFileSync(inRoot(`${path}/BUNDLE.json`), 'utf8')) as { builtAt: string }).builtAt;

beforeAll(async () => {
  bundles = await testBundles();
  dir = tempDir('qms-offline-install-');
  root = join(dir.path, 'device-root');
}, BUILD_TIMEOUT_MS + 60_000);

afterAll(() => {
  dir?.remove();
  if (timings.length) console.log(`\noffline install (arm64 bundle):\n  ${timings.join('\n  ')}\n`);
}, 120_000);

const skipBoot = skipping('first boot with no network (sandbox)', noSandbox);
describe.skipIf(skipBoot)('first boot with no network, from a card written with the arm64 bundle', () => {
  it('installs the kiosk: no npm, no download; the unit runs the bundled Node.js', async () => {
    // A Raspberry Pi OS-like image with a bootfs large enough for the real bundle (Pi OS has 512 MiB).
    const image = await buildPiImage(dir.path, 'firstrun', { bootMiB: 160 });
    const target = join(dir.path, 'kiosk-01.img');
    const secretFile = join(dir.path, 'kiosk-01.secret');
    writeFileSync(secretFile, 'kiosk-01-secret-token\n');
    let started = performance.now();
    const flashed = await execFile(
      FLASH,
      [
        '-i',
        image.xz,
        '-t',
        target,
        '-r',
        'kiosk',
        '--id',
        'kiosk-01',
        '--hub',
        '192.168.1.10',
        '--password-file',
        secretFile,
        '--bundle',
        bundles.arm64,
        '--button',
        '5=can-cuoc',
      ],
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
    );
    timings.push(`card written with the bundle in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(flashed.stdout).toMatch(
      /application bundle \(qms-bundle-linux-arm64\.tar\.gz: 0\.1\.0, arm64, Node\.js 20\.\d+\.\d+\)/,
    );

    // The card's boot partition, as the Pi mounts it at /boot/firmware.
    makeRoot(root);
    await execFile(
      'mcopy',
      ['-s', '-n', '-i', `${target}@@${image.bootOffset}`, '::/qms', inRoot('boot/firmware/')],
      {
        env: MTOOLS_ENV,
      },
    );
    expect(statSync(inRoot('boot/firmware/qms/qms-bundle.tar.gz')).size).toBe(statSync(bundles.arm64).size);

    const stage = await inSandbox('bash /boot/firmware/qms/install.sh stage');
    expect(stage.output).toMatch(/staged: qms-install\.service installs qms-kiosk\.service/);
    expect(stage.code).toBe(0);
    const unit = readFileSync(inRoot('etc/systemd/system/qms-install.service'), 'utf8');
    expect(unit).not.toMatch(/network-online/); // the bundle is on the card: nothing to wait for
    expect(readFileSync(inRoot('etc/systemd/timesyncd.conf.d/qms.conf'), 'utf8')).toContain(
      'NTP=192.168.1.10',
    );

    started = performance.now();
    const run = await inSandbox('bash /boot/firmware/qms/install.sh run');
    timings.push(
      `install.sh run (unpack, check, install) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    // No network at all: a loopback that is down, nothing else.
    expect(run.links.trim()).toBe('lo:<LOOPBACK>');
    expect(run.output).toMatch(/application installed in \/opt\/qms \("version": "0\.1\.0", arm64/);
    expect(run.output).toMatch(/done: qms-kiosk\.service enabled and started/);
    expect(run.code).toBe(0);
    expect(trapLog()).toBe(''); // npm, npx, curl, wget, apt-get: never called

    // The application: the bundle, intact, with its own runtime.
    const manifest = JSON.parse(readFileSync(inRoot('opt/qms/BUNDLE.json'), 'utf8'));
    expect(manifest).toMatchObject({ arch: 'arm64', node: { path: 'node/bin/node' } });
    await execFile('sha256sum', ['--quiet', '--strict', '-c', 'SHA256SUMS'], {
      cwd: inRoot('opt/qms'),
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(existsSync(inRoot('opt/qms/node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(
      true,
    );
    // Owned by root, readable and runnable by the service user, writable by nobody else.
    for (const [path, mode] of [
      ['opt/qms', 0o755],
      ['opt/qms/node/bin/node', 0o755],
      ['opt/qms/dist/hub/main.js', 0o644],
    ] as const) {
      const st = statSync(inRoot(path));
      expect([path, st.mode & 0o777, st.uid]).toEqual([path, mode, 0]);
    }
    // Configuration and credential, the card's copy of the secret gone.
    const passwd = readFileSync(inRoot('etc/passwd'), 'utf8');
    const qms = /^qms:x:(\d+):(\d+):/m.exec(passwd);
    expect(qms).not.toBeNull();
    const config = statSync(inRoot('etc/qms/kiosk.json'));
    expect([config.mode & 0o777, config.uid, config.gid]).toEqual([0o640, 0, Number(qms![2])]);
    const secret = statSync(inRoot('etc/qms/kiosk-01.secret'));
    expect([secret.mode & 0o777, secret.uid]).toEqual([0o600, Number(qms![1])]);
    expect(existsSync(inRoot('boot/firmware/qms/kiosk-01.secret'))).toBe(false);
    // The unit runs the bundled node, enabled the way systemctl does it.
    const kioskUnit = readFileSync(inRoot('etc/systemd/system/qms-kiosk.service'), 'utf8');
    expect(kioskUnit).toContain(
      'ExecStart=/opt/qms/node/bin/node /opt/qms/dist/edge/kiosk/main.js --config /etc/qms/kiosk.json',
    );
    const wants = inRoot('etc/systemd/system/multi-user.target.wants/qms-kiosk.service');
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);
    expect(readlinkSync(wants)).toBe('/etc/systemd/system/qms-kiosk.service');
    expect(readFileSync(inRoot('var/log/qms-systemctl.log'), 'utf8')).toMatch(
      /daemon-reload[\s\S]*restart qms-kiosk\.service/,
    );
    expect(existsSync(inRoot('usr-local/sbin/qms-update'))).toBe(true);
    expect(existsSync(inRoot('var/lib/qms-install/done'))).toBe(true);
    expect(readFileSync(inRoot('boot/firmware/qms/install.log'), 'utf8')).toMatch(/done: qms-kiosk\.service/);
  }, 900_000);

  it('qms-update refuses a bundle for another CPU, a damaged one and one without a runtime; nothing changes', async () => {
    const before = builtAt('opt/qms');
    const x64 = inRoot('var/tmp/x64.tar.gz');
    cpSync(bundles.x64, x64);
    const plain = await standInBundle(dir.path, null);
    cpSync(plain, inRoot('var/tmp/plain.tar.gz'));
    // Damaged: one file of the application changed after the build (SHA256SUMS no longer holds).
    const tree = join(dir.path, 'damaged');
    mkdirSync(tree);
    await execFile('tar', ['-xzf', bundles.arm64, '-C', tree]);
    appendFileSync(join(tree, 'dist', 'hub', 'main.js'), '\n// changed on the way\n');
    await execFile('tar', ['-czf', inRoot('var/tmp/damaged.tar.gz'), '-C', tree, '.']);
    writeFileSync(inRoot('var/tmp/not-a-bundle.tar.gz'), 'garbage');

    const cases: Array<[string, RegExp]> = [
      [
        'x64.tar.gz',
        /the bundle is for x64; this device is aarch64: build one with npm run bundle -- --arch arm64/,
      ],
      ['damaged.tar.gz', /the bundle is damaged \(copy it again\): .*dist\/hub\/main\.js: FAILED/],
      ['plain.tar.gz', /not a complete QMS bundle \(no SHA256SUMS\)/],
      ['not-a-bundle.tar.gz', /cannot unpack \/var\/tmp\/not-a-bundle\.tar\.gz/],
      ['missing.tar.gz', /no bundle at \/var\/tmp\/missing\.tar\.gz/],
    ];
    for (const [file, message] of cases) {
      const run = await inSandbox(`qms-update update /var/tmp/${file}`);
      expect(run.output, file).toMatch(message);
      expect(run.code, file).not.toBe(0);
      expect(builtAt('opt/qms'), file).toBe(before);
      expect(existsSync(inRoot('opt/qms.new')), file).toBe(false);
      expect(existsSync(inRoot('opt/qms.previous')), file).toBe(false);
    }
    // A system whose C library is older than the native modules need (Raspberry Pi OS Bullseye: 2.31).
    const getconf = inRoot('usr-local/bin/getconf');
    writeFileSync(getconf, '#!/bin/sh\necho glibc 2.31\n');
    chmodSync(getconf, 0o755);
    cpSync(bundles.arm64, inRoot('var/tmp/good.tar.gz'));
    const old = await inSandbox('qms-update update /var/tmp/good.tar.gz');
    rmSync(getconf);
    expect(old.output).toMatch(/this system has glibc 2\.31; the bundle needs 2\.\d+ or later/);
    expect(old.code).not.toBe(0);
    expect(builtAt('opt/qms')).toBe(before);
    expect(trapLog()).toBe('');
  }, 600_000);

  it('qms-update installs a good bundle offline, keeps the previous one, and rolls back', async () => {
    const first = builtAt('opt/qms');
    cpSync(bundles.arm64, inRoot('var/tmp/again.tar.gz'));
    const update = await inSandbox('qms-update update /var/tmp/again.tar.gz');
    expect(update.output).toMatch(/updated; qms-kiosk\.service restarted/);
    expect(update.code).toBe(0);
    expect(builtAt('opt/qms.previous')).toBe(first);
    expect(existsSync(inRoot('opt/qms/node/bin/node'))).toBe(true);
    const rollback = await inSandbox('qms-update rollback');
    expect(rollback.output).toMatch(/rolled back/);
    expect(rollback.code).toBe(0);
    expect(builtAt('opt/qms')).toBe(first);
    expect(existsSync(inRoot('opt/qms.failed/BUNDLE.json'))).toBe(true);
    expect(trapLog()).toBe('');
  }, 600_000);

  it('the hub installs offline too: only the optional chrony install tries the network, and fails softly', async () => {
    const image = await buildPiImage(dir.path, 'cloud-init', { bootMiB: 160 });
    const target = join(dir.path, 'hub.img');
    await execFile(
      FLASH,
      [
        '-i',
        image.xz,
        '-t',
        target,
        '-r',
        'hub',
        '--public-url',
        'http://192.168.1.10:8080',
        '--bundle',
        bundles.arm64,
      ],
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const hubRoot = join(dir.path, 'hub-root');
    makeRoot(hubRoot);
    await execFile(
      'mcopy',
      ['-s', '-n', '-i', `${target}@@${image.bootOffset}`, '::/qms', join(hubRoot, 'boot/firmware/')],
      {
        env: MTOOLS_ENV,
      },
    );
    const stage = await inSandbox('bash /boot/firmware/qms/install.sh stage', hubRoot);
    expect(stage.code).toBe(0);
    const run = await inSandbox('bash /boot/firmware/qms/install.sh run', hubRoot);
    expect(run.links.trim()).toBe('lo:<LOOPBACK>');
    expect(run.output).toMatch(/warning: could not install chrony/);
    expect(run.output).toMatch(/done: qms-hub\.service enabled and started/);
    expect(run.code).toBe(0);
    const trapped = readFileSync(join(hubRoot, 'var/log/qms-trap.log'), 'utf8');
    expect(
      trapped
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['apt-get']);
    expect(readFileSync(join(hubRoot, 'etc/systemd/system/qms-hub.service'), 'utf8')).toContain(
      'ExecStart=/opt/qms/node/bin/node /opt/qms/dist/hub/main.js',
    );
    expect(existsSync(join(hubRoot, 'etc/qms/hub.json'))).toBe(true);
  }, 600_000);

  it('the installed runtime and its native modules load (under qemu-aarch64-static)', async (context) => {
    const launcher = bundleNode(inRoot('opt/qms'), 'arm64');
    if (typeof launcher === 'string') {
      skipping('the installed runtime under qemu-aarch64-static', launcher);
      return context.skip(launcher);
    }
    const probe = `
      const { default: Database } = await import('better-sqlite3');
      const { createCanvas } = await import('@napi-rs/canvas');
      const { SerialPort } = await import('serialport');
      await import('onoff');
      const db = new Database(':memory:');
      const canvas = createCanvas(8, 8);
      console.log(JSON.stringify({ arch: process.arch, node: process.version, sqlite: db.prepare('select sqlite_version() v').get().v, png: (await canvas.encode('png')).length > 0, serial: typeof SerialPort.list }));`;
    const { stdout } = await execFile(
      launcher.command,
      [...launcher.args, '--input-type=module', '-e', probe],
      {
        cwd: inRoot('opt/qms'),
        timeout: 300_000,
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ arch: 'arm64', png: true, serial: 'function' });
  }, 400_000);
});
