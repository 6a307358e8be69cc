// Simulate mode's "loudspeaker": each announcement is written as a WAV file a
// person can open, <dir>/<time>-<display>-q<counter>.wav, keeping the last N.
// It takes as long as the audio would, so the queue behaves as with aplay.

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Player, PlayResult } from './aplay.js';
import { parseWav, wavDurationSeconds } from './wav.js';

export interface FilePlayerOptions {
  dir: string;
  /** Files kept; older ones are removed. */
  keep: number;
  /** Wait for the length of the audio, as a loudspeaker would (default true). */
  realTime?: boolean;
  /** Called with each file written. */
  onFile?: (path: string) => void;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time, sortable and safe in file names: 20251128-093005-120. */
export function fileTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-` +
    `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}-${pad(d.getMilliseconds(), 3)}`
  );
}

export function createFilePlayer(options: FilePlayerOptions): Player {
  let dirReady: Promise<unknown> | undefined;
  return {
    async play(wav, name): Promise<PlayResult> {
      dirReady ??= mkdir(options.dir, { recursive: true });
      await dirReady;
      const startedAt = Date.now();
      const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
      const path = join(options.dir, `${fileTime(startedAt)}-${safe}.wav`);
      await writeFile(path, wav);
      options.onFile?.(path);
      await prune(options.dir, options.keep);
      if (options.realTime ?? true) {
        const ms = wavDurationSeconds(parseWav(wav)) * 1000 - (Date.now() - startedAt);
        if (ms > 0) await sleep(ms);
      }
      return { startedAt, endedAt: Date.now() };
    },
  };
}

async function prune(dir: string, keep: number): Promise<void> {
  const files = (await readdir(dir)).filter((f) => /^\d{8}-\d{6}-\d{3}-.*\.wav$/.test(f)).sort();
  await Promise.all(
    files.slice(0, Math.max(0, files.length - keep)).map((f) => rm(join(dir, f), { force: true })),
  );
}
