// What a bundle declares about itself, and the checks that make a wrong one a
// build error: every ELF file (the runtime, each .node, any other binary) with
// its CPU and hash, every file's hash in SHA256SUMS (`sha256sum -c` on the
// device before it switches), and no native file for another CPU.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sha256 } from './cache.js';
import { machineName, readElfHeader } from './elf.js';
import type { Target } from './targets.js';

export const SUMS_FILE = 'SHA256SUMS';
export const BUNDLE_FILE = 'BUNDLE.json';

export interface NativeFile {
  path: string;
  machine: string;
  bits: 32 | 64;
  bytes: number;
  sha256: string;
}

export interface Scan {
  /** Every regular file, relative, sorted. */
  files: string[];
  native: NativeFile[];
  /** Problems: ELF for another CPU, a .node that is not ELF. */
  wrong: string[];
}

export function scanTree(dir: string, target: Target): Scan {
  const files = readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
  const native: NativeFile[] = [];
  const wrong: string[] = [];
  for (const path of files) {
    const full = join(dir, path);
    const elf = readElfHeader(full);
    if (!elf) {
      if (path.endsWith('.node')) wrong.push(`${path}: a .node that is not ELF (another OS)`);
      continue;
    }
    const data = readFileSync(full);
    native.push({
      path,
      machine: machineName(elf.machine),
      bits: elf.bits,
      bytes: data.length,
      sha256: sha256(data),
    });
    if (elf.machine !== target.elfMachine || elf.bits !== 64)
      wrong.push(`${path}: ${elf.bits}-bit ${machineName(elf.machine)}, not ${target.machineName}`);
  }
  return { files, native, wrong };
}

/** `sha256sum` format, every file but SHA256SUMS itself. */
export function sumsText(dir: string, files: string[]): string {
  return files
    .filter((f) => f !== SUMS_FILE)
    .map((f) => `${sha256(readFileSync(join(dir, f)))}  ${f}\n`)
    .join('');
}

/** Size of every file under `dir`, in bytes. */
export function treeBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}
