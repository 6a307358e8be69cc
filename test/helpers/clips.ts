// Clip packs for the speaker tests: a synthetic one (each clip a distinct
// made-up waveform, so order and gaps show in the samples; no espeak-ng
// needed) and the real default pack built with espeak-ng and sox.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClipPack } from '../../edge/speaker/build-clips.js';
import { CLIP_CATALOGUE, MANIFEST_FILE } from '../../edge/speaker/clip-pack.js';
import { encodeWav } from '../../edge/speaker/wav.js';

/** Samples of the synthetic clip number `index`: its length and values are its own. */
export function syntheticSamples(index: number, rate: number): Buffer {
  const n = Math.round(rate * (0.05 + (index % 7) * 0.01)) + index;
  const out = Buffer.alloc(n * 2);
  for (let k = 0; k < n; k++) out.writeInt16LE((((index + 1) * 211 + k * 7) % 20_000) - 10_000, k * 2);
  return out;
}

export interface SyntheticPackOptions {
  rate?: number;
  /** Clip ids left out of the folder and the manifest. */
  omit?: string[];
  /** Clip ids whose file is replaced by these bytes (a wrong format, garbage). */
  files?: Record<string, Buffer>;
}

/** Write a complete synthetic pack (every clip of the catalogue) to `dir`; returns each clip's samples. */
export function writeSyntheticPack(dir: string, options: SyntheticPackOptions = {}): Map<string, Buffer> {
  const rate = options.rate ?? 8000;
  mkdirSync(dir, { recursive: true });
  const samples = new Map<string, Buffer>();
  const clips: Record<string, { file: string; text: string }> = {};
  CLIP_CATALOGUE.forEach((clip, i) => {
    if (options.omit?.includes(clip.id)) return;
    const data = syntheticSamples(i, rate);
    samples.set(clip.id, data);
    const file = `${clip.id}.wav`;
    writeFileSync(join(dir, file), options.files?.[clip.id] ?? encodeWav(data, rate));
    clips[clip.id] = { file, text: clip.text };
  });
  writeFileSync(
    join(dir, MANIFEST_FILE),
    JSON.stringify({ version: 1, sampleRate: rate, voice: 'synthetic', clips }, null, 2),
  );
  return samples;
}

/** The real default pack (espeak-ng -v vi + sox), as `npm run clips` builds it. */
export async function buildRealPack(dir: string): Promise<string> {
  await buildClipPack({ outDir: dir });
  return dir;
}

/**
 * A HOME whose .asoundrc defines `pcm.capture`: an ALSA file plugin that
 * writes what aplay plays, as raw samples, to capture.raw (and to the null
 * device, so it takes no time). Give `env` to aplay.
 */
export function captureHome(dir: string): { env: NodeJS.ProcessEnv; raw: string } {
  const raw = join(dir, 'capture.raw');
  writeFileSync(
    join(dir, '.asoundrc'),
    `pcm.capture {\n  type file\n  slave.pcm "null"\n  file "${raw}"\n  format "raw"\n}\n`,
  );
  return { env: { ...process.env, HOME: dir }, raw };
}
