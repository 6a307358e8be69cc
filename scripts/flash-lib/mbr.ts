// The MBR partition table of a Raspberry Pi OS image: a FAT32 boot partition
// ("bootfs", type 0x0c) then an ext4 root ("rootfs", type 0x83). Read from the
// first 512 bytes, so that files can be placed in a partition by offset with
// mtools and debugfs, without loop mounts.

import { FlashError } from './errors.js';

export const SECTOR = 512;

export interface MbrPartition {
  /** 1–4, as in /dev/sdb1. */
  number: number;
  type: number;
  bootable: boolean;
  startSector: number;
  sectors: number;
  /** Byte offset from the start of the disk. */
  offset: number;
  size: number;
}

/** FAT12/16/32 types (CHS and LBA) that a Pi boot partition may carry. */
const FAT_TYPES = new Set([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e]);
const LINUX = 0x83;
const GPT_PROTECTIVE = 0xee;
const EXTENDED = new Set([0x05, 0x0f, 0x85]);

export function parseMbr(sector: Buffer, source = 'image'): MbrPartition[] {
  if (sector.length < SECTOR || sector[510] !== 0x55 || sector[511] !== 0xaa) {
    throw new FlashError(`${source}: no MBR partition table (the first sector has no 55 AA signature)`);
  }
  const partitions: MbrPartition[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 446 + i * 16;
    const type = sector[at + 4]!;
    const startSector = sector.readUInt32LE(at + 8);
    const sectors = sector.readUInt32LE(at + 12);
    if (type === 0 || sectors === 0) continue;
    if (type === GPT_PROTECTIVE) {
      throw new FlashError(`${source}: GPT partition table; Raspberry Pi OS images use MBR`);
    }
    partitions.push({
      number: i + 1,
      type,
      bootable: sector[at] === 0x80,
      startSector,
      sectors,
      offset: startSector * SECTOR,
      size: sectors * SECTOR,
    });
  }
  return partitions;
}

export interface PiLayout {
  boot: MbrPartition;
  /** The first Linux partition, if any (images of other systems may lack one). */
  root: MbrPartition | undefined;
}

/** The boot (first FAT) and root (first Linux) partitions. */
export function piLayout(partitions: MbrPartition[], source = 'image'): PiLayout {
  const boot = partitions.find((p) => FAT_TYPES.has(p.type));
  if (!boot) {
    const types = partitions.map((p) => `0x${p.type.toString(16).padStart(2, '0')}`).join(', ') || 'none';
    throw new FlashError(`${source}: no FAT boot partition (partition types: ${types})`);
  }
  const root = partitions.find((p) => p.type === LINUX && !EXTENDED.has(p.type));
  return { boot, root };
}
