// The Raspberry Pi OS image to write: a plain `.img` read from disk, or an
// `.img.xz` decompressed by an `xz -dc` child process. Either way it is a
// stream: a 2.7 GB image never sits in memory.

import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { access, constants, open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { FlashError } from './errors.js';

const run = promisify(execFile);

export type ImageFormat = 'img' | 'xz';

export interface ImageSource {
  path: string;
  format: ImageFormat;
  /** Bytes once decompressed; undefined if xz could not tell. */
  size: number | undefined;
  /** A new stream of the raw image bytes each call. */
  open(): ImageStream;
}

export interface ImageStream {
  stream: Readable;
  /** Resolves when the producer finished cleanly (rejects if xz failed). */
  finished: Promise<void>;
  /** Stop early (on a write error). */
  cancel(): void;
}

export function imageFormat(path: string): ImageFormat {
  if (/\.img\.xz$/i.test(path) || /\.xz$/i.test(path)) return 'xz';
  if (/\.img$/i.test(path)) return 'img';
  throw new FlashError(`--image: expected a .img or .img.xz file, got ${path}`);
}

/** Uncompressed size from `xz --robot --list` (the "file" line, 5th column). */
export async function xzUncompressedSize(path: string): Promise<number | undefined> {
  try {
    const { stdout } = await run('xz', ['--robot', '--list', '--', path]);
    for (const line of stdout.split('\n')) {
      const cols = line.split('\t');
      if (cols[0] === 'file' && cols[4]) {
        const n = Number(cols[4]);
        return Number.isFinite(n) && n > 0 ? n : undefined;
      }
    }
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new FlashError(`--image: ${path} is not a readable xz file${stderr ? ` (${stderr})` : ''}`);
  }
  return undefined;
}

export async function openImage(path: string): Promise<ImageSource> {
  const format = imageFormat(path);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
    await access(path, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FlashError(
      code === 'ENOENT'
        ? `--image: ${path} does not exist`
        : `--image: cannot read ${path} (${code ?? String(error)})`,
    );
  }
  if (!info.isFile()) throw new FlashError(`--image: ${path} is not a regular file`);
  if (info.size === 0) throw new FlashError(`--image: ${path} is empty`);

  if (format === 'img') {
    if (info.size % 512 !== 0) {
      throw new FlashError(`--image: ${path} is ${info.size} bytes, not a whole number of 512-byte sectors`);
    }
    return {
      path,
      format,
      size: info.size,
      open() {
        const stream = createReadStream(path, { highWaterMark: 4 * 1024 * 1024 });
        const finished = new Promise<void>((resolve, reject) => {
          stream.once('end', resolve);
          stream.once('error', reject);
        });
        return { stream, finished, cancel: () => stream.destroy() };
      },
    };
  }

  const size = await xzUncompressedSize(path);
  return {
    path,
    format,
    size,
    open() {
      const child = spawn('xz', ['-dc', '-T0', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        stderr += d;
      });
      let cancelled = false;
      const finished = new Promise<void>((resolve, reject) => {
        child.once('error', (error) =>
          reject(new FlashError(`cannot run xz to decompress ${path}: ${error.message}`)),
        );
        child.once('close', (code, signal) => {
          if (code === 0 || cancelled) resolve();
          else
            reject(
              new FlashError(
                `xz failed to decompress ${path} (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`,
              ),
            );
        });
      });
      return {
        stream: child.stdout,
        finished,
        cancel() {
          cancelled = true;
          child.kill();
        },
      };
    },
  };
}

/** The first `bytes` of the image (for the partition table), read without decompressing the rest. */
export async function readImageHead(source: ImageSource, bytes: number): Promise<Buffer> {
  if (source.format === 'img') {
    const handle = await open(source.path, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  const { stream, cancel, finished } = source.open();
  const chunks: Buffer[] = [];
  let have = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    have += chunk.length;
    if (have >= bytes) break;
  }
  cancel();
  await finished.catch(() => {});
  return Buffer.concat(chunks).subarray(0, bytes);
}
