// Safety checks on the target before anything is written. A block device
// must be a whole disk that is removable (USB reader, SD slot), not mounted,
// not read-only, and never the disk the running system lives on. An image
// file must not be the source image or attached to a loop device.
//
// Everything is read from /proc and /sys; both roots can be moved with
// QMS_FLASH_PROC_ROOT and QMS_FLASH_SYS_ROOT so tests can describe any machine.

import { constants, type Stats } from 'node:fs';
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FlashError } from './errors.js';
import { formatBytes } from './progress.js';

export interface SystemRoots {
  proc: string;
  sys: string;
}

export function systemRoots(env: Record<string, string | undefined> = process.env): SystemRoots {
  return { proc: env.QMS_FLASH_PROC_ROOT || '/proc', sys: env.QMS_FLASH_SYS_ROOT || '/sys' };
}

export type TargetInfo =
  | { kind: 'file'; path: string; exists: boolean }
  | {
      kind: 'block';
      path: string;
      /** Kernel name: sdb, mmcblk0. */
      name: string;
      size: number;
      removable: boolean;
      /** "Generic STORAGE DEVICE", from /sys/block/<name>/device/{vendor,model}. */
      model: string;
    };

export function describeTarget(target: TargetInfo): string {
  if (target.kind === 'file') return `${target.path} (image file${target.exists ? ', replaced' : ', new'})`;
  const model = target.model ? `${target.model}, ` : '';
  return `${target.path} (${model}${formatBytes(target.size)}, ${target.removable ? 'removable' : 'NOT removable'})`;
}

// ---------------------------------------------------------------- /proc and /sys readers

interface MountEntry {
  device: string;
  mountPoint: string;
  source: string;
}

const unescapeOctal = (text: string) =>
  text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 7 || dash < 6) continue;
    out.push({
      device: fields[2]!,
      mountPoint: unescapeOctal(fields[4]!),
      source: unescapeOctal(fields[dash + 2] ?? ''),
    });
  }
  return out;
}

async function readMounts(roots: SystemRoots): Promise<MountEntry[]> {
  try {
    return parseMountinfo(await readFile(join(roots.proc, 'self', 'mountinfo'), 'utf8'));
  } catch (error) {
    throw new FlashError(
      `cannot read ${join(roots.proc, 'self', 'mountinfo')} to check mounts: ${(error as Error).message}`,
    );
  }
}

async function readSwaps(roots: SystemRoots): Promise<string[]> {
  try {
    const text = await readFile(join(roots.proc, 'swaps'), 'utf8');
    return text
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0] ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

const exists = (path: string) =>
  access(path, constants.F_OK).then(
    () => true,
    () => false,
  );

const readTrim = (path: string) =>
  readFile(path, 'utf8').then(
    (t) => t.trim(),
    () => '',
  );

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/** The /sys/devices/... folder of a block device number, e.g. "8:16". */
async function sysDirOf(roots: SystemRoots, device: string): Promise<string | undefined> {
  try {
    return await realpath(join(roots.sys, 'dev', 'block', device));
  } catch {
    return undefined;
  }
}

async function sysDirByName(roots: SystemRoots, name: string): Promise<string | undefined> {
  try {
    return await realpath(join(roots.sys, 'class', 'block', name));
  } catch {
    return undefined;
  }
}

/** The whole disks under a block device: itself, its parent if a partition, the members of a dm/md device. */
async function disksOf(sysDir: string, depth = 0): Promise<Set<string>> {
  const out = new Set<string>();
  if (depth > 8) return out;
  if (await exists(join(sysDir, 'partition'))) {
    out.add(basename(dirname(sysDir)));
    return out;
  }
  const slaves = await listDir(join(sysDir, 'slaves'));
  if (slaves.length) {
    for (const slave of slaves) {
      const dir = await realpath(join(sysDir, 'slaves', slave)).catch(() => undefined);
      if (dir) for (const d of await disksOf(dir, depth + 1)) out.add(d);
    }
    return out;
  }
  out.add(basename(sysDir));
  return out;
}

/** Disks holding the file system mounted at `mountPoint` ("/"). */
async function disksHolding(
  roots: SystemRoots,
  mounts: MountEntry[],
  mountPoint: string,
): Promise<Set<string>> {
  const entry = mounts.filter((m) => m.mountPoint === mountPoint).at(-1);
  if (!entry) return new Set();
  let dir = entry.device.startsWith('0:') ? undefined : await sysDirOf(roots, entry.device);
  if (!dir && entry.source.startsWith('/dev/')) {
    const real = await realpath(entry.source).catch(() => entry.source);
    dir = await sysDirByName(roots, basename(real));
  }
  return dir ? disksOf(dir) : new Set();
}

/** Device numbers and names of a disk, its partitions, and whatever is stacked on them (dm, md). */
async function deviceFamily(sysDir: string): Promise<{ devices: Set<string>; names: Set<string> }> {
  const devices = new Set<string>();
  const names = new Set<string>();
  const visit = async (dir: string, depth: number) => {
    if (depth > 8 || names.has(basename(dir))) return;
    names.add(basename(dir));
    const dev = await readTrim(join(dir, 'dev'));
    if (dev) devices.add(dev);
    for (const holder of await listDir(join(dir, 'holders'))) {
      const h = await realpath(join(dir, 'holders', holder)).catch(() => undefined);
      if (h) await visit(h, depth + 1);
    }
  };
  await visit(sysDir, 0);
  for (const child of await listDir(sysDir)) {
    if (await exists(join(sysDir, child, 'partition'))) await visit(join(sysDir, child), 1);
  }
  return { devices, names };
}

const majorOf = (rdev: number) =>
  Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minorOf = (rdev: number) => Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);

// ---------------------------------------------------------------- the checks

export interface TargetCheckOptions {
  imagePath: string;
  allowNonRemovable: boolean;
  roots?: SystemRoots;
}

export async function inspectTarget(path: string, options: TargetCheckOptions): Promise<TargetInfo> {
  const roots = options.roots ?? systemRoots();
  const absolute = resolve(path);
  let info: Stats;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new FlashError(`--target: cannot examine ${path} (${code})`);
    if (absolute.startsWith('/dev/')) {
      throw new FlashError(
        `--target: ${path} does not exist (is the card reader plugged in? lsblk lists the disks)`,
      );
    }
    const parent = dirname(absolute);
    const parentInfo = await stat(parent).catch(() => undefined);
    if (!parentInfo?.isDirectory()) throw new FlashError(`--target: folder ${parent} does not exist`);
    return { kind: 'file', path: absolute, exists: false };
  }

  if (info.isDirectory())
    throw new FlashError(`--target: ${path} is a folder; give a device or an image file name`);
  if (info.isFile()) return checkFileTarget(absolute, info, options, roots);
  if (info.isBlockDevice()) return checkBlockTarget(absolute, info, options, roots);
  throw new FlashError(`--target: ${path} is neither a block device nor a regular file`);
}

async function checkFileTarget(
  path: string,
  info: Stats,
  options: TargetCheckOptions,
  roots: SystemRoots,
): Promise<TargetInfo> {
  const image = await stat(options.imagePath).catch(() => undefined);
  if (image && image.dev === info.dev && image.ino === info.ino) {
    throw new FlashError(`--target: ${path} is the source image itself`);
  }
  const real = await realpath(path);
  for (const loop of await listDir(join(roots.sys, 'block'))) {
    if (!loop.startsWith('loop')) continue;
    const backing = await readTrim(join(roots.sys, 'block', loop, 'loop', 'backing_file'));
    if (backing && (backing === real || backing === path)) {
      throw new FlashError(
        `--target: ${path} is attached to /dev/${loop} (detach it first: losetup -d /dev/${loop})`,
      );
    }
  }
  const swaps = await readSwaps(roots);
  if (swaps.includes(real)) throw new FlashError(`--target: ${path} is in use as swap`);
  return { kind: 'file', path, exists: true };
}

async function checkBlockTarget(
  path: string,
  info: Stats,
  options: TargetCheckOptions,
  roots: SystemRoots,
): Promise<TargetInfo> {
  const device = `${majorOf(info.rdev)}:${minorOf(info.rdev)}`;
  const sysDir = await sysDirOf(roots, device);
  if (!sysDir) {
    throw new FlashError(
      `--target: ${path} (device ${device}) is not known to the kernel (${roots.sys}/dev/block/${device})`,
    );
  }
  const name = basename(sysDir);
  if (await exists(join(sysDir, 'partition'))) {
    const disk = basename(dirname(sysDir));
    throw new FlashError(`--target: ${path} is a partition (${name}); give the whole disk, /dev/${disk}`);
  }

  const mounts = await readMounts(roots);
  const systemDisks = await disksHolding(roots, mounts, '/');
  if (systemDisks.has(name)) {
    throw new FlashError(
      `--target: ${path} (${name}) is the disk this computer runs from (it holds /); refusing`,
    );
  }

  const family = await deviceFamily(sysDir);
  const mounted = mounts.filter(
    (m) =>
      family.devices.has(m.device) || (m.source.startsWith('/dev/') && family.names.has(basename(m.source))),
  );
  if (mounted.length) {
    const where = [...new Set(mounted.map((m) => m.mountPoint))].join(', ');
    throw new FlashError(
      `--target: ${path} is mounted (${where}); unmount it first (e.g. sudo umount ${mounted.map((m) => m.source).filter((s) => s.startsWith('/dev/'))[0] ?? where})`,
    );
  }
  const swaps = (await readSwaps(roots)).filter((s) => family.names.has(basename(s)));
  if (swaps.length) throw new FlashError(`--target: ${path} is in use as swap (${swaps.join(', ')})`);

  if ((await readTrim(join(sysDir, 'ro'))) === '1') {
    throw new FlashError(`--target: ${path} is read-only (check the lock switch on the SD card or adapter)`);
  }
  const size = Number(await readTrim(join(sysDir, 'size'))) * 512;
  if (!size) throw new FlashError(`--target: ${path} has no medium (is the card inserted?)`);

  const removable =
    (await readTrim(join(sysDir, 'removable'))) === '1' ||
    name.startsWith('mmcblk') ||
    sysDir.includes('/usb');
  if (!removable && !options.allowNonRemovable) {
    throw new FlashError(
      `--target: ${path} (${name}) is not a removable disk (not USB, not an SD slot); if you are sure, add --allow-non-removable`,
    );
  }
  const model = [
    await readTrim(join(sysDir, 'device', 'vendor')),
    await readTrim(join(sysDir, 'device', 'model')),
  ]
    .filter(Boolean)
    .join(' ');
  return { kind: 'block', path, name, size, removable, model };
}
