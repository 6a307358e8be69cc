// `npm run clips -- [--out ./data/clips] [--voice vi] [--speed 150]`: builds
// the default clip pack with espeak-ng (no internet, no cloud speech). Each
// word or phrase is spoken from its letters, never from digits (espeak reads
// "15" as "mười năm"), trimmed of leading and trailing silence with sox and
// brought to one format (PCM s16le mono, 22050 Hz); the chime is synthesised
// here. The manifest is written last, so a half-built pack is never taken
// for a whole one. A recorded human voice replaces it by the same file names
// (or its own manifest).

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  type CommandArgs,
  decimalOption,
  defineCommand,
  isEntryPoint,
  runCommand,
  UsageError,
} from '../../shared/cli/command-line.js';
import { CLIP_CATALOGUE, type ClipManifest, DEFAULT_SAMPLE_RATE, MANIFEST_FILE } from './clip-pack.js';
import { CHIME_CLIP } from './composer.js';
import { encodeWav, parseWav, wavDurationSeconds } from './wav.js';

const run = promisify(execFile);

export interface BuildOptions {
  /** Folder of the pack; created if missing. */
  outDir: string;
  /** espeak-ng voice: vi (Northern), vi-vn-x-central, vi-vn-x-south. */
  voice?: string;
  /** Words per minute; espeak's default 175 is fast for an announcement. */
  speed?: number;
  sampleRate?: number;
  /** Clips built at once. */
  parallel?: number;
  log?: (line: string) => void;
}

export class ToolMissingError extends Error {
  override readonly name = 'ToolMissingError';
}

/** Null when the tools are there, else how to install them. */
export async function missingClipTools(): Promise<string | null> {
  const missing: string[] = [];
  for (const [command, pkg] of [
    ['espeak-ng', 'espeak-ng'],
    ['sox', 'sox'],
  ] as const) {
    try {
      await run(command, ['--version']);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') missing.push(pkg);
    }
  }
  return missing.length
    ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed: sudo apt-get install ${missing.join(' ')}`
    : null;
}

/** A short two-note chime ("ding-dong"), PCM s16le mono. */
export function synthChime(sampleRate: number): Buffer {
  const notes = [
    { hz: 659.25, seconds: 0.32 }, // E5
    { hz: 523.25, seconds: 0.6 }, // C5
  ];
  const total = notes.reduce((n, note) => n + Math.round(note.seconds * sampleRate), 0);
  const out = Buffer.alloc(total * 2);
  let i = 0;
  for (const { hz, seconds } of notes) {
    const n = Math.round(seconds * sampleRate);
    for (let k = 0; k < n; k++, i++) {
      const t = k / sampleRate;
      const attack = Math.min(1, t / 0.005);
      const decay = Math.exp(-t * 4.5);
      const tail = Math.min(1, (n - k) / (0.01 * sampleRate)); // no click at the end
      const tone = Math.sin(2 * Math.PI * hz * t) + 0.25 * Math.sin(4 * Math.PI * hz * t);
      out.writeInt16LE(Math.round(0.32 * 32767 * attack * decay * tail * tone), i * 2);
    }
  }
  return out;
}

/** Build the default pack; resolves with the number of clips and their total seconds. */
export async function buildClipPack(
  options: BuildOptions,
): Promise<{ dir: string; clips: number; seconds: number }> {
  const problem = await missingClipTools();
  if (problem) throw new ToolMissingError(problem);
  const outDir = resolve(options.outDir);
  const voice = options.voice ?? 'vi';
  const speed = options.speed ?? 150;
  const rate = options.sampleRate ?? DEFAULT_SAMPLE_RATE;
  const log = options.log ?? (() => undefined);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'qms-clips-'));
  const manifest: Required<Pick<ClipManifest, 'version' | 'sampleRate' | 'voice'>> & {
    clips: Record<string, { file: string; text: string }>;
  } = {
    version: 1,
    sampleRate: rate,
    voice: `espeak-ng -v ${voice} -s ${speed}`,
    clips: {},
  };
  let seconds = 0;
  try {
    // A stale manifest must not describe the clips while they are rewritten.
    await rm(join(outDir, MANIFEST_FILE), { force: true });
    const spoken = CLIP_CATALOGUE.filter((c) => c.id !== CHIME_CLIP);
    let next = 0;
    const worker = async () => {
      while (next < spoken.length) {
        const clip = spoken[next++]!;
        if (/\d/.test(clip.text))
          throw new Error(`clip ${clip.id}: give espeak-ng words, not digits ("${clip.text}")`);
        const raw = join(work, `${clip.id}.raw.wav`);
        const file = `${clip.id}.wav`;
        await run('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, clip.text]);
        // Trim silence at both ends, then one format: PCM s16le mono at `rate`.
        await run('sox', [
          raw,
          ...['-r', String(rate), '-c', '1', '-b', '16', '-e', 'signed-integer'],
          join(outDir, file),
          ...['silence', '1', '0.02', '1%', 'reverse', 'silence', '1', '0.02', '1%', 'reverse'],
        ]);
        const wav = parseWav(await readFile(join(outDir, file)));
        if (!wav.data.length)
          throw new Error(`clip ${clip.id}: espeak-ng produced only silence for "${clip.text}"`);
        seconds += wavDurationSeconds(wav);
        manifest.clips[clip.id] = { file, text: clip.text };
        log(`${clip.id.padEnd(12)} ${wavDurationSeconds(wav).toFixed(2)} s  ${clip.text}`);
      }
    };
    await Promise.all(Array.from({ length: options.parallel ?? 4 }, worker));
    const chime = synthChime(rate);
    await writeFile(join(outDir, `${CHIME_CLIP}.wav`), encodeWav(chime, rate));
    manifest.clips[CHIME_CLIP] = { file: `${CHIME_CLIP}.wav`, text: '(chime)' };
    seconds += chime.length / 2 / rate;
    // In catalogue order, so the manifest reads like the list of words.
    manifest.clips = Object.fromEntries(
      CLIP_CATALOGUE.map((c) => [c.id, manifest.clips[c.id]!] as const).filter(([, v]) => v),
    );
    await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { dir: outDir, clips: Object.keys(manifest.clips).length, seconds };
}

const CLIPS_COMMAND = defineCommand({
  name: 'clips',
  usage: 'npm run clips -- [--out ./data/clips] [--voice vi] [--speed 150] [--rate 22050]',
  summary: 'Builds the speaker clip pack with espeak-ng and sox.',
  options: {
    out: {
      type: 'string',
      short: 'o',
      default: './data/clips',
      value: 'DIR',
      help: 'where the pack goes (default ./data/clips)',
    },
    voice: {
      type: 'string',
      default: 'vi',
      value: 'VOICE',
      help: 'espeak-ng voice: vi (default), vi-vn-x-central, vi-vn-x-south',
    },
    speed: { type: 'string', default: '150', value: 'WPM', help: 'words per minute, 80–450 (default 150)' },
    rate: {
      type: 'string',
      default: String(DEFAULT_SAMPLE_RATE),
      value: 'HZ',
      help: `sample rate, 8000–48000 (default ${DEFAULT_SAMPLE_RATE})`,
    },
    quiet: { type: 'boolean', short: 'q', help: 'no line per clip' },
  },
});

async function main({ values }: CommandArgs<typeof CLIPS_COMMAND.options>): Promise<void> {
  const speed = decimalOption('speed', values.speed, 80, 450);
  const sampleRate = decimalOption('rate', values.rate, 8000, 48_000);
  if (!/^[a-z][a-z0-9-]{0,40}$/i.test(values.voice))
    throw new UsageError(`--voice: "${values.voice}" is not a voice name`);
  const started = Date.now();
  const result = await buildClipPack({
    outDir: values.out,
    voice: values.voice,
    speed,
    sampleRate,
    ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  console.log(
    `${result.clips} clips (${result.seconds.toFixed(1)} s of audio) in ${result.dir}, built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (isEntryPoint(import.meta.url)) {
  runCommand(CLIPS_COMMAND, main);
}
