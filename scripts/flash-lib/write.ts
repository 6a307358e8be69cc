// Write the image stream to the target, hashing what goes out, then read the
// target back and compare hashes. An image file target is written sparse
// (runs of zeros become holes), a block device gets every byte.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { FlashError } from './errors.js';
import type { ImageSource } from './image.js';
import { Progress, type ProgressOptions } from './progress.js';
import { toolEnv } from './tools.js';

const run = promisify(execFile);
const BLOCK = 4 * 1024 * 1024;

export interface WriteTarget {
  path: string;
  kind: 'file' | 'block';
}

export interface WriteResult {
  bytes: number;
  sha256: string;
  ms: number;
}

async function openTarget(target: WriteTarget): Promise<FileHandle> {
  try {
    if (target.kind === 'block') {
      // O_EXCL on a block device: EBUSY if the kernel has it in use (mounted, swap, RAID).
      return await open(target.path, constants.O_WRONLY | constants.O_EXCL);
    }
    return await open(target.path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EACCES' || code === 'EPERM'
        ? ' (writing a device needs root: run with sudo)'
        : code === 'EBUSY'
          ? ' (the device is in use: unmount it first)'
          : '';
    throw new FlashError(`cannot open ${target.path} for writing: ${code ?? String(error)}${hint}`);
  }
}

const isZero = (buffer: Buffer, zero: Buffer) =>
  buffer.length === zero.length ? buffer.equals(zero) : buffer.equals(zero.subarray(0, buffer.length));

export async function writeImage(
  source: ImageSource,
  target: WriteTarget,
  progress: ProgressOptions = {},
): Promise<WriteResult> {
  const handle = await openTarget(target);
  const hash = createHash('sha256');
  const bar = new Progress('writing  ', source.size, progress);
  const sparse = target.kind === 'file';
  const zero = Buffer.alloc(BLOCK);
  const { stream, finished, cancel } = source.open();
  const block = Buffer.alloc(BLOCK);
  let fill = 0;
  let position = 0;

  const flush = async (length: number) => {
    const data = block.subarray(0, length);
    hash.update(data);
    if (!(sparse && isZero(data, zero))) {
      let done = 0;
      while (done < length) {
        const { bytesWritten } = await handle.write(data, done, length - done, position + done);
        if (bytesWritten === 0) throw new Error('short write');
        done += bytesWritten;
      }
    }
    position += length;
    bar.add(length);
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(BLOCK - fill, chunk.length - at);
        chunk.copy(block, fill, at, at + n);
        fill += n;
        at += n;
        if (fill === BLOCK) {
          await flush(fill);
          fill = 0;
        }
      }
    }
    if (fill) await flush(fill);
    await finished;
    if (sparse) await handle.truncate(position);
    await handle.sync();
  } catch (error) {
    cancel();
    await handle.close().catch(() => {});
    if (error instanceof FlashError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOSPC' ? ' (the target is smaller than the image)' : '';
    throw new FlashError(
      `writing ${target.path} failed at byte ${position}: ${code ?? (error as Error).message}${hint}`,
    );
  }
  await handle.close();
  if (source.size !== undefined && position !== source.size) {
    throw new FlashError(`${source.path}: expected ${source.size} bytes, got ${position}`);
  }
  const ms = bar.finish();
  return { bytes: position, sha256: hash.digest('hex'), ms };
}

/** Drop the kernel's cached copy of a block device so the read-back comes from the card. */
async function dropCache(target: WriteTarget): Promise<void> {
  if (target.kind !== 'block') return;
  await run('blockdev', ['--flushbufs', target.path], { env: toolEnv() }).catch(() => {});
}

/** Hash the first `bytes` of the target; throws if it differs from `sha256`. */
export async function verifyImage(
  target: WriteTarget,
  bytes: number,
  sha256: string,
  progress: ProgressOptions = {},
): Promise<{ ms: number }> {
  await dropCache(target);
  const handle = await open(target.path, 'r');
  const hash = createHash('sha256');
  const bar = new Progress('verifying', bytes, progress);
  const buffer = Buffer.alloc(BLOCK);
  let position = 0;
  try {
    while (position < bytes) {
      const want = Math.min(BLOCK, bytes - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      bar.add(bytesRead);
    }
  } finally {
    await handle.close();
  }
  const ms = bar.finish();
  if (position !== bytes) {
    throw new FlashError(`verify: ${target.path} holds only ${position} of the ${bytes} bytes written`);
  }
  const got = hash.digest('hex');
  if (got !== sha256) {
    throw new FlashError(
      `verify: what ${target.path} holds differs from the image (sha256 ${got} ≠ ${sha256}); the card may be faulty`,
    );
  }
  return { ms };
}

/**
 * After mtools wrote the boot partition: push everything to the card before
 * telling the technician to pull it, and let the kernel see the new table.
 */
export async function flushTarget(target: WriteTarget): Promise<void> {
  const handle = await open(target.path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (target.kind === 'block') {
    await run('blockdev', ['--flushbufs', target.path], { env: toolEnv() }).catch(() => {});
    await run('blockdev', ['--rereadpt', target.path], { env: toolEnv() }).catch(() => {});
  }
}
