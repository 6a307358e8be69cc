// The ELF header of a file: enough to tell which CPU a native file is for
// (e_machine), without running it or depending on `file`.

import { closeSync, openSync, readSync } from 'node:fs';

export interface ElfHeader {
  bits: 32 | 64;
  machine: number;
}

const MACHINES: Record<number, string> = {
  3: 'i386',
  40: 'arm',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv64',
};

export const machineName = (machine: number) => MACHINES[machine] ?? `e_machine ${machine}`;

/** The header of an ELF file, or null for anything else (text, Mach-O, PE, too short). */
export function readElfHeader(path: string): ElfHeader | null {
  const head = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return parseElfHeader(head.subarray(0, n));
}

export function parseElfHeader(head: Buffer): ElfHeader | null {
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return null;
  const bits = head[4] === 1 ? 32 : head[4] === 2 ? 64 : null;
  const little = head[5] === 1 ? true : head[5] === 2 ? false : null;
  if (bits === null || little === null) return null;
  return { bits, machine: little ? head.readUInt16LE(18) : head.readUInt16BE(18) };
}
