// An announcement becomes one WAV: the clips of "Xin mời công dân có số thứ
// tự … đến quầy số …" joined in JavaScript with short silences, repeated as
// configured. Pure: clips and settings in, bytes out, so what a speaker plays
// is exactly what a test expects. When the speaker falls behind it says a
// call in a shorter form (pacing.ts): "brief" is the sentence once without
// the chime, "short" is "Mời số 1023, quầy 3" (docs/domain.md, Announcement wording).

import {
  DEFAULT_NUMBER_READING,
  type NumberReading,
  numberClips,
  readNumber,
  readTicket,
  ticketClips,
} from '../../shared/vietnamese-numbers.js';
import type { Form } from './pacing.js';
import { encodeWav } from './wav.js';

export interface AnnouncementSettings extends NumberReading {
  /** How many times the sentence is said (many offices say each call twice). */
  repeat: number;
  /** A recall starts with "Nhắc lại". */
  recallPrefix: boolean;
  /** A chime before the first sentence. */
  chime: boolean;
  /** Silence before everything: amplifiers that wake up on sound cut the first tenth of a second. */
  leadInMs: number;
  /** Between the words of a number. */
  wordGapMs: number;
  /** Between the phrases and the numbers, and after the chime. */
  phraseGapMs: number;
  /** Between two repeats of the sentence. */
  repeatGapMs: number;
}

export const DEFAULT_ANNOUNCEMENT_SETTINGS: AnnouncementSettings = {
  ...DEFAULT_NUMBER_READING,
  repeat: 1,
  recallPrefix: true,
  chime: true,
  leadInMs: 100,
  wordGapMs: 60,
  phraseGapMs: 250,
  repeatGapMs: 1000,
};

/** Phrase clips (ids and the words they say). */
export const PHRASES = {
  call: { id: 'xin-moi', text: 'Xin mời công dân có số thứ tự' },
  toCounter: { id: 'den-quay-so', text: 'đến quầy số' },
  recall: { id: 'nhac-lai', text: 'Nhắc lại' },
  /** The short form, when the speaker is behind: "Mời số 1023, quầy 3". */
  shortCall: { id: 'moi-so', text: 'Mời số' },
  shortCounter: { id: 'quay', text: 'quầy' },
} as const;
/** Clips only the short form needs: a pack without them says the brief form instead. */
export const SHORT_FORM_CLIPS: readonly string[] = [PHRASES.shortCall.id, PHRASES.shortCounter.id];
export const CHIME_CLIP = 'chime';

/** What is announced: the fields of the hub's `announcement` the speaker reads. */
export interface CallToRead {
  prefix: string;
  number: number;
  counterId: number;
  recall: boolean;
}

export type Segment = { clip: string } | { silenceMs: number };

function joinWords(clips: string[], gapMs: number): Segment[] {
  return clips.flatMap((clip, i): Segment[] => (i === 0 ? [{ clip }] : [{ silenceMs: gapMs }, { clip }]));
}

/**
 * The clips and silences of one announcement, in order: the full form
 * (chime, the sentence repeated as set), the brief one (the sentence once,
 * no chime) or the short one ("Mời số …, quầy …"). Throws RangeError for a
 * number it cannot read.
 */
export function planAnnouncement(
  call: CallToRead,
  settings: AnnouncementSettings,
  form: Form = 'full',
): Segment[] {
  const s = settings;
  if (form === 'short') {
    // Half the pauses: said quickly, but still as words.
    const gap = Math.round(s.phraseGapMs / 2);
    return [
      ...(s.leadInMs > 0 ? [{ silenceMs: s.leadInMs }] : []),
      { clip: PHRASES.shortCall.id },
      { silenceMs: gap },
      ...joinWords(ticketClips(call.prefix, call.number, s), s.wordGapMs),
      { silenceMs: gap },
      { clip: PHRASES.shortCounter.id },
      { silenceMs: s.wordGapMs },
      ...joinWords(numberClips(call.counterId, s), s.wordGapMs),
    ];
  }
  const sentence: Segment[] = [
    ...(call.recall && s.recallPrefix ? [{ clip: PHRASES.recall.id }, { silenceMs: s.phraseGapMs }] : []),
    { clip: PHRASES.call.id },
    { silenceMs: s.phraseGapMs },
    ...joinWords(ticketClips(call.prefix, call.number, s), s.wordGapMs),
    { silenceMs: s.phraseGapMs },
    { clip: PHRASES.toCounter.id },
    { silenceMs: s.wordGapMs },
    // The counter number is read like any number: "quầy số ba", "quầy số mười hai".
    ...joinWords(numberClips(call.counterId, s), s.wordGapMs),
  ];
  const plan: Segment[] = [];
  if (s.leadInMs > 0) plan.push({ silenceMs: s.leadInMs });
  if (s.chime && form === 'full') plan.push({ clip: CHIME_CLIP }, { silenceMs: s.phraseGapMs });
  for (let i = 0; i < (form === 'full' ? s.repeat : 1); i++) {
    if (i > 0) plan.push({ silenceMs: s.repeatGapMs });
    plan.push(...sentence);
  }
  return plan;
}

/** The sentence as people read it, for logs and the `announce` command. */
export function announcementSentence(
  call: CallToRead,
  settings: AnnouncementSettings,
  form: Form = 'full',
): string {
  const ticket = readTicket(call.prefix, call.number, settings).join(' ');
  const counter = readNumber(call.counterId, settings).join(' ');
  if (form === 'short') return `${PHRASES.shortCall.text} ${ticket}, ${PHRASES.shortCounter.text} ${counter}`;
  const recall = call.recall && settings.recallPrefix ? `${PHRASES.recall.text}: ` : '';
  return `${recall}${PHRASES.call.text} ${ticket} ${PHRASES.toCounter.text} ${counter}`;
}

/** Where the composer finds the samples (s16le mono) of each clip. */
export interface ClipSource {
  readonly sampleRate: number;
  samples(id: string): Buffer | undefined;
}

export class MissingClipError extends Error {
  override readonly name = 'MissingClipError';
  constructor(readonly clips: string[]) {
    super(
      `missing clip${clips.length > 1 ? 's' : ''} ${clips.map((c) => `"${c}"`).join(', ')} in the clip pack`,
    );
  }
}

/** The clips a plan uses that the source lacks (none: it can be composed). */
export function missingClips(plan: Segment[], source: ClipSource): string[] {
  const missing = new Set<string>();
  for (const s of plan) if ('clip' in s && !source.samples(s.clip)) missing.add(s.clip);
  return [...missing];
}

/** How long a plan sounds, in ms, without building it (clips the source lacks count as nothing). */
export function planDurationMs(plan: Segment[], source: ClipSource): number {
  let ms = 0;
  for (const s of plan) {
    ms += 'clip' in s ? ((source.samples(s.clip)?.length ?? 0) / 2 / source.sampleRate) * 1000 : s.silenceMs;
  }
  return ms;
}

/** The s16le samples of a plan, concatenated. Throws MissingClipError naming every clip it lacks. */
export function composeSamples(plan: Segment[], source: ClipSource): Buffer {
  const missing = missingClips(plan, source);
  if (missing.length) throw new MissingClipError(missing);
  const parts = plan.map((s) =>
    'clip' in s
      ? source.samples(s.clip)!
      : Buffer.alloc(Math.round((s.silenceMs * source.sampleRate) / 1000) * 2),
  );
  return Buffer.concat(parts);
}

/** One WAV (PCM s16le mono at the pack's rate) for a plan. */
export function composeWav(plan: Segment[], source: ClipSource): Buffer {
  return encodeWav(composeSamples(plan, source), source.sampleRate);
}
