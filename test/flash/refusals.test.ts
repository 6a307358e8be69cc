// Every refusal of scripts/flash happens before anything is written: a clear
// one-line message, a non-zero exit, no target file created, the source
// image untouched. Block-device refusals use a device node with a major
// number no driver owns (so nothing could be opened even by mistake) and a
// fake /sys and /proc (QMS_FLASH_SYS_ROOT, QMS_FLASH_PROC_ROOT) describing
// the machine: where / lives, what is mounted, whether the disk is removable.

import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/hub.js';
import { buildPiImage, type PiImage, sha256, standInBundle } from './pi-image.js';

const execFile = promisify(execFileCb);
const FLASH = join(import.meta.dirname, '..', '..', 'scripts', 'flash');

// About twenty refusals run at once, each starting scripts/flash (tsx) several
// times: on a busy 2-core machine one start takes seconds.
vi.setConfig({ testTimeout: 90_000 });

let dir: { path: string; remove: () => void };
let image: PiImage;
let imageHash: string;
let secret: string;
let bundle: string;
let major = 0;
let canMknod = false;
let noMknodReason = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function flash(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFile(FLASH, args, {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A kiosk flash to `target` with everything valid; `extra` overrides. */
const kiosk = (target: string, ...extra: string[]) => [
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
  secret,
  '--bundle',
  bundle,
  '--button',
  '5=can-cuoc',
  ...extra,
];

let counter = 0;
const freshTarget = () => join(dir.path, `target-${++counter}.img`);

function expectRefused(run: Run, code: number, message: RegExp, target?: string) {
  expect(run.code, run.stdout + run.stderr).toBe(code);
  expect(run.stderr).toMatch(message);
  expect(run.stderr.trim().split('\n')[0]).toMatch(/^flash: /);
  expect(run.stdout).not.toMatch(/Wrote /);
  if (target) expect(existsSync(target)).toBe(false);
}

// ---------------------------------------------------------------- a fake machine

interface Machine {
  /** The SD card reader's disk. */
  bus: 'usb' | 'ata';
  removable: boolean;
  readOnly?: boolean;
  sectors?: number;
  /** Device number (minor) holding "/": 2 = the card's partition 2, 16 = another disk. */
  rootMinor: number;
  /** Extra mounts: [minor, mount point]. */
  mounts?: Array<[number, string]>;
}

/** A /sys and /proc describing `m`; returns the env for scripts/flash. */
function machine(name: string, m: Machine): Record<string, string> {
  const root = join(dir.path, `machine-${name}`);
  const sys = join(root, 'sys');
  const proc = join(root, 'proc');
  const busPath =
    m.bus === 'usb'
      ? 'devices/platform/scb/fd500000.pcie/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block'
      : 'devices/platform/ata1/host0/target0:0:0/0:0:0:0/block';
  const disk = join(sys, busPath, 'sdz');
  const other = join(sys, 'devices/virtual/block/vdz');
  const node = (path: string, files: Record<string, string>) => {
    mkdirSync(path, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(path, file)), { recursive: true });
      writeFileSync(join(path, file), `${text}\n`);
    }
  };
  node(disk, {
    dev: `${major}:0`,
    size: String(m.sectors ?? 62_333_952),
    removable: m.removable ? '1' : '0',
    ro: m.readOnly ? '1' : '0',
    'device/vendor': 'Generic',
    'device/model': 'STORAGE DEVICE',
  });
  node(join(disk, 'sdz1'), { dev: `${major}:1`, partition: '1' });
  node(join(disk, 'sdz2'), { dev: `${major}:2`, partition: '2' });
  node(other, { dev: `${major}:16`, size: '100000000', removable: '0', ro: '0' });
  const link = (from: string, to: string) => {
    mkdirSync(dirname(from), { recursive: true });
    symlinkSync(relative(dirname(from), to), from);
  };
  link(join(sys, 'dev/block', `${major}:0`), disk);
  link(join(sys, 'dev/block', `${major}:1`), join(disk, 'sdz1'));
  link(join(sys, 'dev/block', `${major}:2`), join(disk, 'sdz2'));
  link(join(sys, 'dev/block', `${major}:16`), other);
  link(join(sys, 'class/block/sdz'), disk);
  mkdirSync(join(sys, 'block'), { recursive: true });

  const rootSource = m.rootMinor === 16 ? '/dev/vdz' : `/dev/sdz${m.rootMinor}`;
  const lines = [
    `22 1 0:21 / /proc rw,relatime - proc proc rw`,
    `27 1 ${major}:${m.rootMinor} / / rw,relatime - ext4 ${rootSource} rw`,
    ...(m.mounts ?? []).map(
      ([minor, point], i) =>
        `${40 + i} 27 ${major}:${minor} / ${point.replace(/ /g, '\\040')} rw,nosuid - vfat /dev/sdz${minor} rw`,
    ),
  ];
  mkdirSync(join(proc, 'self'), { recursive: true });
  writeFileSync(join(proc, 'self', 'mountinfo'), `${lines.join('\n')}\n`);
  writeFileSync(join(proc, 'swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');
  return { QMS_FLASH_SYS_ROOT: sys, QMS_FLASH_PROC_ROOT: proc };
}

/** A block device node for the fake card (minor 0 = disk, 1/2 = partitions). */
function deviceNode(name: string, minor: number): string {
  const path = join(dir.path, `node-${name}`);
  execFileSync('mknod', [path, 'b', String(major), String(minor)]);
  return path;
}

beforeAll(async () => {
  dir = tempDir('qms-flash-refusals-');
  image = await buildPiImage(dir.path, 'firstrun');
  imageHash = sha256(readFileSync(image.xz));
  secret = join(dir.path, 'kiosk-01.secret');
  writeFileSync(secret, 'a-secret\n');
  bundle = await standInBundle(dir.path);

  // A block major that no driver has registered: opening such a node fails (ENXIO).
  const text = readFileSync('/proc/devices', 'utf8');
  const used = new Set(
    text
      .split('Block devices:')[1]!
      .split('\n')
      .map((l) => Number.parseInt(l, 10))
      .filter(Number.isFinite),
  );
  major = [240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250].find((n) => !used.has(n)) ?? 0;
  try {
    if (!major) throw new Error('no free block major between 240 and 250 in /proc/devices');
    execFileSync('mknod', [join(dir.path, 'probe'), 'b', String(major), '0'], { stdio: 'pipe' });
    canMknod = true;
  } catch (error) {
    canMknod = false;
    const why = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    noMknodReason = `cannot make a block device node here (${why}): the block-device refusals need mknod (root, no seccomp/container block)`;
    console.warn(`skipping the block-device refusal tests: ${noMknodReason}`);
  }
}, 60_000);

afterAll(() => {
  // The source image is never touched, whatever was refused.
  if (image) expect(sha256(readFileSync(image.xz))).toBe(imageHash);
  dir?.remove();
});

describe('bad arguments: exit 2, nothing written', () => {
  it.concurrent('wrong role', async () => {
    const target = freshTarget();
    const args = kiosk(target);
    args[args.indexOf('kiosk')] = 'printer';
    expectRefused(
      await flash(args),
      2,
      /--role: expected one of kiosk, rating, speaker, hub, got "printer"/,
      target,
    );
  });

  it.concurrent('unreadable credential: missing file, a folder, an empty file', async () => {
    const missing = freshTarget();
    const run1 = await flash(
      [...kiosk(missing)].map((a) => (a === secret ? join(dir.path, 'nope.secret') : a)),
    );
    expectRefused(run1, 2, /--password-file: cannot read .*nope\.secret \(no such file\)/, missing);

    const folder = freshTarget();
    const run2 = await flash([...kiosk(folder)].map((a) => (a === secret ? dir.path : a)));
    expectRefused(run2, 2, /--password-file: cannot read .* \(is a folder\)/, folder);

    const emptyFile = join(dir.path, 'empty.secret');
    writeFileSync(emptyFile, '\n');
    const empty = freshTarget();
    const run3 = await flash([...kiosk(empty)].map((a) => (a === secret ? emptyFile : a)));
    expectRefused(run3, 2, /--password-file: .*empty\.secret is empty/, empty);
  });

  it.concurrent('an RTC model the overlay does not know', async () => {
    const target = freshTarget();
    expectRefused(
      await flash([...kiosk(target), '--rtc', 'ds3232x']),
      2,
      /--rtc: expected one of ds3231, ds1307, pcf8523, pcf85063a, mcp7940x \(a DS3231 module: ds3231\), got "ds3232x"/,
      target,
    );
  });

  it.concurrent('no credential at all, or two', async () => {
    const target = freshTarget();
    const args = kiosk(target).filter((a) => a !== '--password-file' && a !== secret);
    expectRefused(await flash(args), 2, /a device credential is needed/, target);
    expectRefused(
      await flash([...kiosk(target), '--admin-user', 'admin']),
      2,
      /give one credential source/,
      target,
    );
  });

  it.concurrent('unknown option, stray argument, missing --id, bad id', async () => {
    const target = freshTarget();
    expectRefused(await flash([...kiosk(target), '--colour', 'red']), 2, /Unknown option '--colour'/, target);
    expectRefused(await flash([...kiosk(target), 'extra']), 2, /unexpected argument "extra"/, target);
    const noId = kiosk(target).filter((a) => a !== '--id' && a !== 'kiosk-01');
    expectRefused(await flash(noId), 2, /--id is required for a kiosk/, target);
    expectRefused(
      await flash(kiosk(target).map((a) => (a === 'kiosk-01' ? 'Kiosk_01' : a))),
      2,
      /--id: expected/,
      target,
    );
  });

  it.concurrent("another role's hardware flag, a rating device without its counter", async () => {
    const target = freshTarget();
    expectRefused(
      await flash([...kiosk(target), '--counter', '3']),
      2,
      /--counter is for the rating role, not kiosk/,
      target,
    );
    const rating = kiosk(target)
      .map((a) => (a === 'kiosk' ? 'rating' : a === 'kiosk-01' ? 'rating-03' : a))
      .filter((a) => a !== '--button' && a !== '5=can-cuoc');
    expectRefused(await flash(rating), 2, /rating: give the counter it serves with --counter N/, target);
  });

  it.concurrent('Wi-Fi passphrase too short, SSH key that is a private key', async () => {
    const target = freshTarget();
    expectRefused(
      await flash([...kiosk(target), '--wifi-ssid', 'Office', '--wifi-password', 'short']),
      2,
      /Wi-Fi passphrase: expected 8–63 printable ASCII characters/,
      target,
    );
    const privateKey = join(dir.path, 'id_ed25519');
    writeFileSync(
      privateKey,
      '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n',
    );
    expectRefused(
      await flash([...kiosk(target), '--ssh-key', privateKey]),
      2,
      /that is a private key: give the \.pub file/,
      target,
    );
  });

  it.concurrent('missing bundle', async () => {
    const target = freshTarget();
    const args = kiosk(target).map((a) => (a === bundle ? join(dir.path, 'no-bundle.tar.gz') : a));
    expectRefused(await flash(args), 2, /--bundle: .*no-bundle\.tar\.gz is not a readable file/, target);
  });

  it.concurrent('a bundle that is not for a Raspberry Pi, or that needs npm on the device, or no bundle at all', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        await standInBundle(dir.path, 'x64'),
        /is for x64; a Raspberry Pi \(64-bit OS\) needs `npm run bundle -- --arch arm64`/,
      ],
      [await standInBundle(dir.path, null), /carries no Node\.js runtime .*build it again/],
      [secret, /is not a bundle from `npm run bundle -- --arch arm64`/],
    ];
    for (const [wrong, message] of cases) {
      const target = freshTarget();
      const args = kiosk(target).map((a) => (a === bundle ? wrong : a));
      expectRefused(await flash(args), 2, message, target);
    }
  });
});

describe('refusals: exit 1, nothing written', () => {
  it.concurrent('missing image', async () => {
    const target = freshTarget();
    const args = kiosk(target).map((a) => (a === image.xz ? join(dir.path, 'raspios-missing.img.xz') : a));
    expectRefused(await flash(args), 1, /--image: .*raspios-missing\.img\.xz does not exist/, target);
  });

  it.concurrent('an image that is not a Raspberry Pi OS image (no partition table)', async () => {
    const fake = join(dir.path, 'random.img');
    writeFileSync(fake, Buffer.alloc(1024 * 1024, 7));
    const target = freshTarget();
    const args = kiosk(target).map((a) => (a === image.xz ? fake : a));
    expectRefused(await flash(args), 1, /random\.img: no MBR partition table/, target);
  });

  it.concurrent('a configuration the device would refuse (one GPIO for two things)', async () => {
    const target = freshTarget();
    expectRefused(
      await flash([...kiosk(target), '--led', '5']),
      1,
      /the device configuration would be refused by the device: hardware\.led\.gpio: GPIO 5 is already used by hardware\.buttons\.0\.gpio/,
      target,
    );
  });

  it.concurrent('a missing device under /dev, the source image as target, a folder', async () => {
    expectRefused(
      await flash(kiosk('/dev/sdzz-qms-test')),
      1,
      /--target: \/dev\/sdzz-qms-test does not exist/,
    );
    expect(existsSync('/dev/sdzz-qms-test')).toBe(false);
    expectRefused(await flash(kiosk(image.xz)), 1, /is the source image itself/);
    expectRefused(await flash(kiosk(dir.path)), 1, /is a folder/);
  });

  it.concurrent('an image file attached to a loop device', async () => {
    const target = join(dir.path, 'looped.img');
    writeFileSync(target, 'in use');
    const sys = join(dir.path, 'loop-sys');
    mkdirSync(join(sys, 'block', 'loop3', 'loop'), { recursive: true });
    writeFileSync(join(sys, 'block', 'loop3', 'loop', 'backing_file'), `${target}\n`);
    const run = await flash(kiosk(target), { QMS_FLASH_SYS_ROOT: sys });
    expectRefused(
      run,
      1,
      /looped\.img is attached to \/dev\/loop3 \(detach it first: losetup -d \/dev\/loop3\)/,
    );
    expect(readFileSync(target, 'utf8')).toBe('in use');
  });
});

describe('dry run', () => {
  it.concurrent('prints the plan and writes nothing (new target, existing target)', async () => {
    const target = freshTarget();
    const run = await flash([...kiosk(target), '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Plan for kiosk-01 \(kiosk\)/);
    expect(run.stdout).toMatch(
      /qms\/kiosk-01\.secret +credential → \/etc\/qms\/kiosk-01\.secret \(mode 600\)/,
    );
    expect(run.stdout).toMatch(/"passwordFile": "\/etc\/qms\/kiosk-01\.secret"/);
    expect(run.stdout).not.toMatch(/a-secret/);
    expect(run.stdout).toMatch(/Dry run: nothing written\./);
    expect(existsSync(target)).toBe(false);

    const existing = join(dir.path, 'existing.img');
    writeFileSync(existing, 'keep me');
    const plainBefore = sha256(readFileSync(image.img));
    const run2 = await flash(['--dry-run', ...kiosk(existing).map((a) => (a === image.xz ? image.img : a))]);
    expect(run2.code, run2.stderr).toBe(0);
    // A plain .img shows the convention before writing.
    expect(run2.stdout).toMatch(
      /first boot firstrun\.sh via systemd\.run \(boot partition at \/boot\/firmware\)/,
    );
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    // Reading the plan from the source image left it as it was.
    expect(sha256(readFileSync(image.img))).toBe(plainBefore);
  });
});

describe('block devices (fake /sys and /proc, a device node no driver owns)', () => {
  const blockIt = (name: string, fn: () => Promise<void>) =>
    it.concurrent(name, async (ctx) => {
      if (!canMknod) ctx.skip(noMknodReason);
      await fn();
    });

  blockIt('refuses the disk the system runs from', async () => {
    const env = machine('system', { bus: 'usb', removable: true, rootMinor: 2 });
    const run = await flash([...kiosk(deviceNode('system', 0)), '--yes'], env);
    expectRefused(run, 1, /\(sdz\) is the disk this computer runs from \(it holds \/\); refusing/);
    // Even with every override.
    const run2 = await flash([...kiosk(deviceNode('system2', 0)), '--yes', '--allow-non-removable'], env);
    expectRefused(run2, 1, /is the disk this computer runs from/);
  });

  blockIt('refuses a mounted card', async () => {
    const env = machine('mounted', {
      bus: 'usb',
      removable: true,
      rootMinor: 16,
      mounts: [[1, '/media/tech/boot fs']],
    });
    const run = await flash([...kiosk(deviceNode('mounted', 0)), '--yes'], env);
    expectRefused(
      run,
      1,
      /is mounted \(\/media\/tech\/boot fs\); unmount it first \(e\.g\. sudo umount \/dev\/sdz1\)/,
    );
  });

  blockIt('refuses a partition instead of the whole disk', async () => {
    const env = machine('partition', { bus: 'usb', removable: true, rootMinor: 16 });
    const run = await flash([...kiosk(deviceNode('partition', 1)), '--yes'], env);
    expectRefused(run, 1, /is a partition \(sdz1\); give the whole disk, \/dev\/sdz/);
  });

  blockIt('refuses a non-removable disk unless --allow-non-removable', async () => {
    const env = machine('fixed', { bus: 'ata', removable: false, rootMinor: 16 });
    const node = deviceNode('fixed', 0);
    const run = await flash([...kiosk(node), '--yes'], env);
    expectRefused(
      run,
      1,
      /\(sdz\) is not a removable disk \(not USB, not an SD slot\); if you are sure, add --allow-non-removable/,
    );
    const allowed = await flash([...kiosk(node), '--allow-non-removable', '--dry-run'], env);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(
      /target +.*node-fixed \(Generic STORAGE DEVICE, 29\.72 GiB, NOT removable\)/,
    );
  });

  blockIt('refuses a read-only card and one smaller than the image', async () => {
    const ro = machine('ro', { bus: 'usb', removable: true, readOnly: true, rootMinor: 16 });
    expectRefused(
      await flash([...kiosk(deviceNode('ro', 0)), '--yes'], ro),
      1,
      /is read-only \(check the lock switch/,
    );
    const small = machine('small', { bus: 'usb', removable: true, rootMinor: 16, sectors: 2048 });
    expectRefused(
      await flash([...kiosk(deviceNode('small', 0)), '--yes'], small),
      1,
      /holds 1\.0 MiB, the image needs 96\.0 MiB/,
    );
  });

  blockIt('asks for confirmation: without a terminal and without --yes it refuses', async () => {
    const env = machine('confirm', { bus: 'usb', removable: true, rootMinor: 16 });
    const node = deviceNode('confirm', 0);
    const dry = await flash([...kiosk(node), '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/target +.*node-confirm \(Generic STORAGE DEVICE, 29\.72 GiB, removable\)/);
    const run = await flash(kiosk(node), env);
    expectRefused(
      run,
      1,
      /refusing to erase .*node-confirm without confirmation: run in a terminal or add --yes/,
    );
  });
});
