// A clip pack: a folder of WAV clips (words, phrases, an optional chime) and
// a manifest.json naming them. The default pack is built with espeak-ng
// (`npm run clips`); an office can replace it with a recorded human voice. At
// start the speaker checks that every clip it may need is there and that all
// share one format, and names what is missing or wrong.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  LETTER_NAMES,
  type Letter,
  letterClip,
  numberWordClips,
  WORD_CLIPS,
} from '../../shared/vietnamese-numbers.js';
import {
  type AnnouncementSettings,
  CHIME_CLIP,
  type ClipSource,
  PHRASES,
  SHORT_FORM_CLIPS,
} from './composer.js';
import { describeFormat, isSpeechFormat, parseWav } from './wav.js';

export const MANIFEST_FILE = 'manifest.json';
/** The rate of the default pack: espeak-ng's own, and plenty for speech. */
export const DEFAULT_SAMPLE_RATE = 22_050;

export interface ClipInfo {
  id: string;
  /** What the clip says (what espeak-ng is given, or what a person records). */
  text: string;
  kind: 'phrase' | 'word' | 'letter' | 'chime';
}

/** Every clip of a complete pack. */
export const CLIP_CATALOGUE: readonly ClipInfo[] = [
  { id: CHIME_CLIP, text: '(chime)', kind: 'chime' },
  ...Object.values(PHRASES).map((p): ClipInfo => ({ id: p.id, text: p.text, kind: 'phrase' })),
  ...Object.entries(WORD_CLIPS).map(([text, id]): ClipInfo => ({ id, text, kind: 'word' })),
  ...(Object.entries(LETTER_NAMES) as [Letter, string][]).map(
    ([letter, name]): ClipInfo => ({ id: letterClip(letter), text: name, kind: 'letter' }),
  ),
];
const CATALOGUE_BY_ID = new Map(CLIP_CATALOGUE.map((c) => [c.id, c]));

/** A clip's id with what it says, for messages: `mot-sac ("mốt")`. */
export const clipLabel = (id: string) => {
  const text = CATALOGUE_BY_ID.get(id)?.text;
  return text && text !== '(chime)' ? `${id} ("${text}")` : id;
};

/**
 * The clips any call may need with these settings: the phrases, the chime if
 * on, every number word. Letters are needed only for prefixed tickets, which
 * the speaker cannot know in advance: they are checked but only warned about.
 */
export function requiredClips(settings: AnnouncementSettings): string[] {
  return [
    ...(settings.chime ? [CHIME_CLIP] : []),
    PHRASES.call.id,
    PHRASES.toCounter.id,
    ...(settings.recallPrefix ? [PHRASES.recall.id] : []),
    ...numberWordClips(settings),
  ];
}
export const letterClips = (): string[] => (Object.keys(LETTER_NAMES) as Letter[]).map(letterClip);

const manifestSchema = z.object({
  version: z.literal(1),
  /** The rate every clip has. Optional in a hand-written manifest: then the clips must agree among themselves. */
  sampleRate: z.number().int().positive().optional(),
  /** Who speaks: "espeak-ng vi", "recorded by …". */
  voice: z.string().optional(),
  /** Clip id → file name in the pack's folder, or `{ file, text }`. */
  clips: z.record(
    z.string(),
    z.union([z.string().min(1), z.object({ file: z.string().min(1), text: z.string().optional() })]),
  ),
});
export type ClipManifest = z.input<typeof manifestSchema>;

export interface ClipPack extends ClipSource {
  readonly dir: string;
  readonly voice: string | undefined;
  readonly ids: readonly string[];
}

export interface LoadedPack {
  pack: ClipPack;
  /** Clips a call needs that are missing or unusable, one line each. Empty when the pack is good. */
  problems: string[];
  /** Clips only some calls or other settings need (prefix letters, "lẻ"…) that are missing or unusable. */
  warnings: string[];
}

/** The pack is unusable as a whole (no manifest, or a manifest that cannot be read). */
export class ClipPackError extends Error {
  override readonly name = 'ClipPackError';
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(`clip pack ${dir}: ${problems.join('; ')}`);
  }
}

function emptyPack(dir: string): ClipPack {
  return { dir, voice: undefined, ids: [], sampleRate: DEFAULT_SAMPLE_RATE, samples: () => undefined };
}

/**
 * Read a pack and check it against what the speaker will say. Clips that are
 * missing or in another format are left out of the pack and reported in
 * `problems`; the speaker can still serve the calls that do not need them.
 * A missing or broken manifest gives an empty pack and one problem.
 */
export async function loadClipPack(dir: string, settings: AnnouncementSettings): Promise<LoadedPack> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let raw: string;
  try {
    raw = await readFile(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `${manifestPath} not found (build the default pack with "npm run clips -- --out ${dir}")`
        : `${manifestPath} cannot be read: ${(error as Error).message}`;
    return { pack: emptyPack(dir), problems: [why], warnings: [] };
  }
  let manifest: z.output<typeof manifestSchema>;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`);
      return { pack: emptyPack(dir), problems: [`${manifestPath}: ${issues.join('; ')}`], warnings: [] };
    }
    manifest = parsed.data;
  } catch (error) {
    return {
      pack: emptyPack(dir),
      problems: [`${manifestPath} is not valid JSON: ${(error as Error).message}`],
      warnings: [],
    };
  }

  const required = new Set(requiredClips(settings));
  const letters = new Set(letterClips());
  const problems: string[] = [];
  const warnings: string[] = [];
  // A clip today's calls need is a problem; one they may not (a letter, the
  // other regional word) only a warning.
  const complain = (id: string, message: string) => (required.has(id) ? problems : warnings).push(message);

  // Read every clip the manifest lists (a recall or a setting change may need
  // clips that today's settings do not), then agree on one rate.
  const read = new Map<string, { file: string; sampleRate: number; data: Buffer }>();
  for (const [id, entry] of Object.entries(manifest.clips)) {
    const file = typeof entry === 'string' ? entry : entry.file;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      complain(
        id,
        `clip ${clipLabel(id)}: ${file} ${code === 'ENOENT' ? 'not found' : `unreadable (${code})`}`,
      );
      continue;
    }
    try {
      const wav = parseWav(bytes);
      if (!isSpeechFormat(wav.format)) {
        complain(
          id,
          `clip ${clipLabel(id)}: ${file} is ${describeFormat(wav.format)}; clips must be PCM 16-bit mono`,
        );
      } else if (wav.data.length === 0) {
        complain(id, `clip ${clipLabel(id)}: ${file} has no samples`);
      } else {
        read.set(id, { file, sampleRate: wav.format.sampleRate, data: wav.data });
      }
    } catch (error) {
      complain(id, `clip ${clipLabel(id)}: ${file}: ${(error as Error).message}`);
    }
  }
  const sampleRate = manifest.sampleRate ?? mostCommonRate([...read.values()].map((c) => c.sampleRate));
  const clips = new Map<string, Buffer>();
  for (const [id, clip] of read) {
    if (clip.sampleRate !== sampleRate) {
      complain(
        id,
        `clip ${clipLabel(id)}: ${clip.file} is ${clip.sampleRate} Hz; the pack is ${sampleRate} Hz`,
      );
    } else {
      clips.set(id, clip.data);
    }
  }
  for (const id of required) {
    if (!(id in manifest.clips)) problems.push(`clip ${clipLabel(id)} is not in ${MANIFEST_FILE}`);
  }
  for (const id of SHORT_FORM_CLIPS) {
    if (!(id in manifest.clips)) {
      warnings.push(
        `clip ${clipLabel(id)} is not in ${MANIFEST_FILE}: when behind, calls are shortened only to the sentence without the chime (npm run clips builds it)`,
      );
    }
  }
  const missingLetters = [...letters].filter((id) => !(id in manifest.clips));
  if (missingLetters.length) {
    warnings.push(
      `no clips for the prefix letters ${missingLetters.map((id) => id.slice('letter-'.length).toUpperCase()).join(' ')}: tickets with those prefixes cannot be announced`,
    );
  }
  const pack: ClipPack = {
    dir,
    voice: manifest.voice,
    ids: [...clips.keys()],
    sampleRate,
    samples: (id) => clips.get(id),
  };
  return { pack, problems, warnings };
}

function mostCommonRate(rates: number[]): number {
  const counts = new Map<number, number>();
  for (const r of rates) counts.set(r, (counts.get(r) ?? 0) + 1);
  let best = DEFAULT_SAMPLE_RATE;
  let bestCount = 0;
  for (const [rate, count] of counts) {
    if (count > bestCount) [best, bestCount] = [rate, count];
  }
  return best;
}

/** Like loadClipPack, but a pack with any problem is refused (the `announce` command, tests). */
export async function loadCompleteClipPack(dir: string, settings: AnnouncementSettings): Promise<ClipPack> {
  const { pack, problems } = await loadClipPack(dir, settings);
  if (problems.length) throw new ClipPackError(dir, problems);
  return pack;
}
