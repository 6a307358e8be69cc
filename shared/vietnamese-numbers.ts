// Reading numbers aloud in Vietnamese, for the speakers: 1023 → "một nghìn
// không trăm hai mươi ba". Pure: words in, words (and clip ids) out. The rules
// and the reference table are in docs/domain.md (Reading numbers in
// Vietnamese); the regional choices are settings.

export interface NumberReading {
  /** A zero tens digit after hundreds: "linh" (Northern, default) or "lẻ" (Southern). 105 "một trăm linh năm". */
  zeroTens: 'linh' | 'lẻ';
  /** Unit 4 after "mươi": "tư" (default) or "bốn". 24 "hai mươi tư". */
  four: 'tư' | 'bốn';
  /** "nghìn" (Northern, default) or "ngàn" (Southern). */
  thousand: 'nghìn' | 'ngàn';
}

export const DEFAULT_NUMBER_READING: NumberReading = { zeroTens: 'linh', four: 'tư', thousand: 'nghìn' };

export const MAX_SPOKEN_NUMBER = 9999;

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;

/**
 * One clip per word. Ids are plain ASCII (file names on any card or share);
 * words that differ only by tone get the tone's name.
 */
export const WORD_CLIPS = {
  không: 'khong',
  một: 'mot',
  mốt: 'mot-sac',
  hai: 'hai',
  ba: 'ba',
  bốn: 'bon',
  tư: 'tu',
  năm: 'nam',
  lăm: 'lam',
  sáu: 'sau',
  bảy: 'bay',
  tám: 'tam',
  chín: 'chin',
  mười: 'muoi-huyen',
  mươi: 'muoi',
  trăm: 'tram',
  nghìn: 'nghin',
  ngàn: 'ngan',
  linh: 'linh',
  lẻ: 'le',
} as const;
export type NumberWord = keyof typeof WORD_CLIPS;

/**
 * Names of the letters of a ticket prefix as read aloud (the Vietnamese
 * alphabet as taught in school; F, J, W, Z by their usual names).
 */
export const LETTER_NAMES = {
  A: 'a',
  B: 'bê',
  C: 'xê',
  D: 'dê',
  E: 'e',
  F: 'ép',
  G: 'giê',
  H: 'hát',
  I: 'i',
  J: 'di', // "gi", said /zi/; espeak-ng reads a lone "gi" as a bare consonant
  K: 'ca',
  L: 'e lờ',
  M: 'em mờ',
  N: 'en nờ',
  O: 'o',
  P: 'pê',
  Q: 'quy',
  R: 'e rờ',
  S: 'ét xì',
  T: 'tê',
  U: 'u',
  V: 'vê',
  W: 'vê kép',
  X: 'ích xì',
  Y: 'i dài',
  Z: 'dét',
} as const;
export type Letter = keyof typeof LETTER_NAMES;

export const letterClip = (letter: Letter) => `letter-${letter.toLowerCase()}`;

/** Three digits (h, t, u) of a group; `full` says the hundreds must be spoken even when zero. */
function readGroup(h: number, t: number, u: number, full: boolean, r: NumberReading): NumberWord[] {
  const words: NumberWord[] = [];
  const hasHundreds = full || h > 0;
  if (hasHundreds) words.push(DIGITS[h]!, 'trăm');
  if (t === 0) {
    if (u === 0) return hasHundreds ? words : ['không'];
    // 105 "một trăm linh năm"; a lone unit has no "linh".
    if (hasHundreds) words.push(r.zeroTens);
    words.push(DIGITS[u]!);
    return words;
  }
  if (t === 1) {
    words.push('mười');
    // 11 "mười một", 14 "mười bốn", 15 "mười lăm".
    if (u === 5) words.push('lăm');
    else if (u > 0) words.push(DIGITS[u]!);
    return words;
  }
  words.push(DIGITS[t]!, 'mươi');
  // 21 "hai mươi mốt", 24 "hai mươi tư", 25 "hai mươi lăm".
  if (u === 1) words.push('mốt');
  else if (u === 4) words.push(r.four);
  else if (u === 5) words.push('lăm');
  else if (u > 0) words.push(DIGITS[u]!);
  return words;
}

/** The words of a whole number from 0 to 9999. */
export function readNumber(n: number, reading: Partial<NumberReading> = {}): NumberWord[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPOKEN_NUMBER) {
    throw new RangeError(`cannot read ${n} aloud: expected a whole number from 0 to ${MAX_SPOKEN_NUMBER}`);
  }
  const r = { ...DEFAULT_NUMBER_READING, ...reading };
  const thousands = Math.floor(n / 1000);
  const h = Math.floor(n / 100) % 10;
  const t = Math.floor(n / 10) % 10;
  const u = n % 10;
  if (thousands === 0) return readGroup(h, t, u, false, r);
  const words: NumberWord[] = [DIGITS[thousands]!, r.thousand];
  // An all-zero group is dropped (1000 "một nghìn"); otherwise the hundreds
  // are spoken even when zero (1023 "một nghìn không trăm hai mươi ba").
  if (h === 0 && t === 0 && u === 0) return words;
  return [...words, ...readGroup(h, t, u, true, r)];
}

/** The words of a ticket: each prefix letter by name, then the number. "A12" → "a mười hai". */
export function readTicket(prefix: string, n: number, reading: Partial<NumberReading> = {}): string[] {
  return [...prefixLetters(prefix).map((l) => LETTER_NAMES[l]), ...readNumber(n, reading)];
}

/** The clips that say a number, in order. */
export function numberClips(n: number, reading: Partial<NumberReading> = {}): string[] {
  return readNumber(n, reading).map((w) => WORD_CLIPS[w]);
}

/** The clips that say a ticket: prefix letters, then the number. */
export function ticketClips(prefix: string, n: number, reading: Partial<NumberReading> = {}): string[] {
  return [...prefixLetters(prefix).map(letterClip), ...numberClips(n, reading)];
}

function prefixLetters(prefix: string): Letter[] {
  return [...prefix.toUpperCase()].map((c) => {
    if (!(c in LETTER_NAMES)) {
      throw new RangeError(`cannot read the prefix "${prefix}" aloud: only the letters A–Z are read`);
    }
    return c as Letter;
  });
}

/** Every word clip a number may need with these settings (the other regional variants are left out). */
export function numberWordClips(reading: Partial<NumberReading> = {}): string[] {
  const r = { ...DEFAULT_NUMBER_READING, ...reading };
  const unused = new Set<NumberWord>([
    r.zeroTens === 'linh' ? 'lẻ' : 'linh',
    r.thousand === 'nghìn' ? 'ngàn' : 'nghìn',
  ]);
  // "bốn" is always needed (4, 14, 104); "tư" only with that setting.
  if (r.four === 'bốn') unused.add('tư');
  return (Object.keys(WORD_CLIPS) as NumberWord[]).filter((w) => !unused.has(w)).map((w) => WORD_CLIPS[w]);
}
