// A small image laid out like Raspberry Pi OS Lite, built with the real tools
// and no loop mounts: an MBR (sfdisk) with a FAT32 "bootfs" (mkfs.vfat
// --offset, files put in with mcopy) and an ext4 "rootfs" (mkfs.ext4 -d -E
// offset=), then compressed with xz. Plus read-back helpers that use mtools
// and debugfs directly, independent of scripts/flash-lib.

import { execFile as execFileCb } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);
/** mkfs.*, sfdisk and debugfs are in /usr/sbin, often not in a non-root PATH. */
const ENV = { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`, LC_ALL: 'C' };
const MTOOLS_ENV = { ...ENV, MTOOLS_SKIP_CHECK: '1' };

export const SECTOR = 512;
export const DISK_ID = '5e3da7a1';
/** 96 MiB by default: 4 MiB gap, 48 MiB bootfs, 44 MiB rootfs (a real bundle needs a larger bootfs). */
const BOOT_START = 8192;
const ROOT_SECTORS = 90_112;
const MIB_SECTORS = 2048;

export type ImageKind = 'firstrun' | 'cloud-init';

export interface PiImage {
  img: string;
  xz: string;
  size: number;
  bootOffset: number;
  bootSize: number;
  rootOffset: number;
  /** What the boot partition holds, path → bytes (folders are implied). */
  bootFiles: Map<string, Buffer>;
  rootFiles: Map<string, Buffer>;
  cmdline: string;
}

export const BOOKWORM_CMDLINE = `console=serial0,115200 console=tty1 root=PARTUUID=${DISK_ID}-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n`;

/** What makes the root partition look like Raspberry Pi OS with desktop (labwc, Chromium, lightdm). */
export const DESKTOP_FILES: [path: string, text: string, mode: number][] = [
  ['usr/bin/chromium-browser', '#!/bin/sh\n# stand-in for Raspberry Pi OS Chromium\n', 0o755],
  ['usr/bin/labwc', '#!/bin/sh\n# stand-in for the labwc compositor\n', 0o755],
  ['usr/sbin/lightdm', '#!/bin/sh\n# stand-in for the login manager\n', 0o755],
  [
    'etc/lightdm/lightdm.conf',
    '[LightDM]\n\n[Seat:*]\ngreeter-session=pi-greeter-labwc\nuser-session=LXDE-pi-labwc\nautologin-user=pi\nautologin-session=LXDE-pi-labwc\n',
    0o644,
  ],
];

export async function buildPiImage(
  dir: string,
  kind: ImageKind,
  options: { bootMiB?: number; desktop?: boolean } = {},
): Promise<PiImage> {
  const BOOT_SECTORS = (options.bootMiB ?? 48) * MIB_SECTORS;
  const ROOT_START = BOOT_START + BOOT_SECTORS;
  const TOTAL_SECTORS = ROOT_START + ROOT_SECTORS;
  const img = join(
    dir,
    `raspios-${kind}${options.bootMiB ? `-${options.bootMiB}` : ''}${options.desktop ? '-desktop' : ''}.img`,
  );
  await execFile('truncate', ['-s', String(TOTAL_SECTORS * SECTOR), img]);
  const table = [
    'label: dos',
    `label-id: 0x${DISK_ID}`,
    'unit: sectors',
    '',
    `start=${BOOT_START}, size=${BOOT_SECTORS}, type=c`,
    `start=${ROOT_START}, type=83`,
    '',
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    const child = execFileCb('sfdisk', ['--quiet', img], { env: ENV }, (error) =>
      error ? reject(error) : resolve(),
    );
    child.stdin!.end(table);
  });

  // bootfs: FAT32 with 512-byte clusters (48 MiB is below FAT32's minimum otherwise).
  // (Staging folders are per image: two kinds or sizes can be built at once.)
  await execFile(
    'mkfs.vfat',
    ['-F', '32', '-s', '1', '-n', 'bootfs', '--offset', String(BOOT_START), img, String(BOOT_SECTORS / 2)],
    { env: ENV },
  );
  const bootFiles = new Map<string, Buffer>([
    ['cmdline.txt', Buffer.from(BOOKWORM_CMDLINE)],
    [
      'config.txt',
      Buffer.from(
        '# For more options and information see\n# http://rptl.io/configtxt\ndtparam=audio=on\ncamera_auto_detect=1\nauto_initramfs=1\ndtoverlay=vc4-kms-v3d\narm_64bit=1\n[all]\n',
      ),
    ],
    [
      'issue.txt',
      Buffer.from(
        'Raspberry Pi reference 2024-11-19\nGenerated using pi-gen (test image for scripts/flash)\n',
      ),
    ],
    ['kernel8.img', randomBytes(2 * 1024 * 1024)],
    ['start4.elf', randomBytes(512 * 1024)],
    ['bcm2711-rpi-4-b.dtb', randomBytes(50 * 1024)],
    ['overlays/README', Buffer.from('Overlays for the Raspberry Pi firmware.\n')],
  ]);
  if (kind === 'cloud-init') {
    // As Raspberry Pi OS images with cloud-init ship them: commented templates.
    bootFiles.set(
      'user-data',
      Buffer.from('#cloud-config\n# This is the user-data configuration file for cloud-init.\n'),
    );
    bootFiles.set(
      'meta-data',
      Buffer.from('# This is the meta-data configuration file for cloud-init.\ninstance-id: rpios-image\n'),
    );
    bootFiles.set(
      'network-config',
      Buffer.from('# This is the network-config file for cloud-init.\nnetwork:\n  version: 2\n'),
    );
  }
  const staging = `${img}.boot`;
  mkdirSync(join(staging, 'overlays'), { recursive: true });
  for (const [path, data] of bootFiles) writeFileSync(join(staging, path), data);
  const fat = `${img}@@${BOOT_START * SECTOR}`;
  await execFile('mmd', ['-i', fat, '::/overlays'], { env: MTOOLS_ENV });
  for (const path of bootFiles.keys()) {
    await execFile('mcopy', ['-i', fat, join(staging, path), `::/${path}`], { env: MTOOLS_ENV });
  }

  // rootfs: ext4 filled from a folder.
  const rootDir = `${img}.root`;
  const rootFiles = new Map<string, Buffer>([
    [
      'etc/fstab',
      Buffer.from(
        `proc            /proc           proc    defaults          0       0\nPARTUUID=${DISK_ID}-01  /boot/firmware  vfat    defaults          0       2\nPARTUUID=${DISK_ID}-02  /               ext4    defaults,noatime  0       1\n`,
      ),
    ],
    ['etc/hostname', Buffer.from('raspberrypi\n')],
    [
      'etc/os-release',
      Buffer.from('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n'),
    ],
    ['usr/lib/raspberrypi-sys-mods/imager_custom', Buffer.from('#!/bin/sh\n# stand-in\n')],
    ['usr/lib/example.bin', randomBytes(1024 * 1024)],
  ]);
  if (options.desktop) for (const [path, text] of DESKTOP_FILES) rootFiles.set(path, Buffer.from(text));
  for (const [path, data] of rootFiles) {
    mkdirSync(join(rootDir, path, '..'), { recursive: true });
    writeFileSync(join(rootDir, path), data);
  }
  chmodSync(join(rootDir, 'usr/lib/raspberrypi-sys-mods/imager_custom'), 0o755);
  if (options.desktop) for (const [path, , mode] of DESKTOP_FILES) chmodSync(join(rootDir, path), mode);
  const rootKiB = ((TOTAL_SECTORS - ROOT_START) * SECTOR) / 1024;
  await execFile(
    'mkfs.ext4',
    ['-q', '-F', '-L', 'rootfs', '-d', rootDir, '-E', `offset=${ROOT_START * SECTOR}`, img, `${rootKiB}k`],
    { env: ENV },
  );

  await execFile('xz', ['-T0', '-1', '-k', '-f', img]);
  return {
    img,
    xz: `${img}.xz`,
    size: TOTAL_SECTORS * SECTOR,
    bootOffset: BOOT_START * SECTOR,
    bootSize: BOOT_SECTORS * SECTOR,
    rootOffset: ROOT_START * SECTOR,
    bootFiles,
    rootFiles,
    cmdline: BOOKWORM_CMDLINE,
  };
}

// ---------------------------------------------------------------- read-back

/** Every file in the FAT partition (folders left out), via `mdir -/ -b`. */
export async function fatList(path: string, offset: number): Promise<string[]> {
  const { stdout } = await execFile('mdir', ['-/', '-b', '-i', `${path}@@${offset}`, '::/'], {
    env: MTOOLS_ENV,
  });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('::/') && !l.endsWith('/'))
    .map((l) => l.slice(3))
    .sort();
}

export async function fatRead(path: string, offset: number, file: string): Promise<Buffer> {
  const { stdout } = await execFile('mtype', ['-i', `${path}@@${offset}`, `::/${file}`], {
    env: MTOOLS_ENV,
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

export async function ext4Read(path: string, offset: number, file: string): Promise<Buffer> {
  const { stdout } = await execFile('debugfs', ['-R', `cat /${file}`, `${path}?offset=${offset}`], {
    env: ENV,
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** `e2ls` from e2tools, when installed, for a second opinion on the root partition. */
export async function ext4List(path: string, offset: number, dir: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await execFile('e2ls', [`${path}?offset=${offset}:${dir}`], { env: ENV });
    return stdout.split(/\s+/).filter(Boolean).sort();
  } catch {
    return undefined;
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a byte range of a file. */
export function rangeHash(path: string, start: number, end: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  try {
    let at = start;
    while (at < end) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * A small stand-in for `npm run bundle -- --arch ARCH`, enough for scripts/flash's
 * checks (BUNDLE.json first, with the target and the runtime); test/arm64 builds
 * the real one. `arch: null` gives a bundle of the old kind, without a runtime.
 */
export async function standInBundle(dir: string, arch: string | null = 'arm64'): Promise<string> {
  const tree = join(dir, `stand-in-bundle-${arch}`);
  mkdirSync(join(tree, 'dist', 'hub'), { recursive: true });
  writeFileSync(join(tree, 'dist', 'hub', 'main.js'), '// hub\n');
  writeFileSync(join(tree, 'package.json'), '{"name":"qms-one-stop","version":"0.1.0"}\n');
  if (arch)
    writeFileSync(
      join(tree, 'BUNDLE.json'),
      `${JSON.stringify({ name: 'qms', version: '0.1.0', arch, node: { version: '20.20.2' } }, null, 2)}\n`,
    );
  else writeFileSync(join(tree, 'BUNDLE.json'), '{"name":"qms","version":"0.1.0","nodeModules":null}\n');
  const out = join(dir, `qms-bundle-${arch}.tar.gz`);
  await execFile('tar', ['--sort=name', '-czf', out, '-C', tree, '.']);
  return out;
}
