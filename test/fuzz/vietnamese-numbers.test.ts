// Property-based tests of the number reader (shared/vietnamese-numbers.ts),
// which turns a ticket number into the words a speaker says. Every whole
// number from 0 to 9999, in every regional reading, round-trips through its
// words (an independent parser here reads them back), follows the spelling
// rules, and maps to existing word clips; anything else is refused with a
// RangeError that says what is expected — never another exception, never
// words for a number that cannot be read.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LETTER_NAMES,
  MAX_SPOKEN_NUMBER,
  type NumberReading,
  numberClips,
  readNumber,
  readTicket,
  ticketClips,
  WORD_CLIPS,
} from '../../shared/vietnamese-numbers.js';

const DIGIT: Record<string, number> = {
  không: 0,
  một: 1,
  mốt: 1,
  hai: 2,
  ba: 3,
  bốn: 4,
  tư: 4,
  năm: 5,
  lăm: 5,
  sáu: 6,
  bảy: 7,
  tám: 8,
  chín: 9,
};

/** Read the words back into a number: a parser written apart from the reader, on the grammar alone. */
function parseWords(words: string[]): number {
  let total = 0;
  let pending: number | null = null;
  const take = () => {
    if (pending === null) throw new Error(`a multiplier without a digit in "${words.join(' ')}"`);
    const d = pending;
    pending = null;
    return d;
  };
  for (const w of words) {
    if (w in DIGIT) {
      if (pending !== null) throw new Error(`two digits in a row in "${words.join(' ')}"`);
      pending = DIGIT[w]!;
    } else if (w === 'nghìn' || w === 'ngàn') total += take() * 1000;
    else if (w === 'trăm') total += take() * 100;
    else if (w === 'mươi') total += take() * 10;
    else if (w === 'mười') total += 10;
    else if (w !== 'linh' && w !== 'lẻ') throw new Error(`unknown word "${w}"`);
  }
  return total + (pending ?? 0);
}

const readings = fc.record({
  zeroTens: fc.constantFrom<NumberReading['zeroTens']>('linh', 'lẻ'),
  four: fc.constantFrom<NumberReading['four']>('tư', 'bốn'),
  thousand: fc.constantFrom<NumberReading['thousand']>('nghìn', 'ngàn'),
});
const readable = fc.integer({ min: 0, max: MAX_SPOKEN_NUMBER });

describe('number reader: every readable number', () => {
  it('round-trips through its words in every regional reading', () => {
    fc.assert(
      fc.property(readable, readings, (n, reading) => {
        expect(parseWords(readNumber(n, reading))).toBe(n);
      }),
      { numRuns: 3000 },
    );
    // And all of them, once, in the default reading.
    for (let n = 0; n <= MAX_SPOKEN_NUMBER; n++) expect(parseWords(readNumber(n))).toBe(n);
  });

  it('follows the spelling rules and the chosen regional words', () => {
    fc.assert(
      fc.property(readable, readings, (n, reading) => {
        const words = readNumber(n, reading);
        const text = words.join(' ');
        const other = (a: string, b: string, chosen: string) => (chosen === a ? b : a);
        // The other regional variant never appears.
        expect(words).not.toContain(other('linh', 'lẻ', reading.zeroTens));
        expect(words).not.toContain(other('nghìn', 'ngàn', reading.thousand));
        if (reading.four === 'bốn') expect(words).not.toContain('tư');
        words.forEach((w, i) => {
          const before = words[i - 1];
          // "lăm" only after mười/mươi; "mốt" and "tư" only after mươi; "linh"/"lẻ" only after trăm.
          if (w === 'lăm') expect(['mười', 'mươi']).toContain(before);
          if (w === 'mốt' || w === 'tư') expect(before).toBe('mươi');
          if (w === 'linh' || w === 'lẻ') expect(before).toBe('trăm');
          if (w === 'không') expect(n === 0 || words[i + 1] === 'trăm').toBe(true);
          // 15 "mười lăm", 25 "hai mươi lăm", 21 "hai mươi mốt", 24 "hai mươi tư" (with that setting).
          if (before === 'mười' || before === 'mươi') expect(w).not.toBe('năm');
          if (before === 'mươi') expect(w).not.toBe('một');
          if (before === 'mươi' && reading.four === 'tư') expect(w).not.toBe('bốn');
        });
        // 1023 "một nghìn không trăm hai mươi ba": hundreds are said after thousands.
        if (n >= 1000 && n % 1000 !== 0) expect(text).toMatch(/(nghìn|ngàn) \S+ trăm/);
      }),
      { numRuns: 3000 },
    );
  });

  it('maps every word to an existing clip, one clip per word', () => {
    const clips = new Set<string>(Object.values(WORD_CLIPS));
    fc.assert(
      fc.property(readable, readings, (n, reading) => {
        const ids = numberClips(n, reading);
        expect(ids).toHaveLength(readNumber(n, reading).length);
        for (const id of ids) expect(clips).toContain(id);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('number reader: anything else is refused with a message', () => {
  const notReadable = fc.oneof(
    fc.integer({ max: -1 }),
    fc.integer({ min: MAX_SPOKEN_NUMBER + 1 }),
    fc.double().filter((x) => !Number.isInteger(x) || x < 0 || x > MAX_SPOKEN_NUMBER),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0.5, 1e21, 2 ** 53),
    // Not numbers at all, as a caller without types could pass them.
    fc.oneof(
      fc.string(),
      fc.constantFrom(null, undefined, true, '12', [], {}, [7]),
      fc.bigInt(),
    ) as fc.Arbitrary<never>,
  );

  it('throws a RangeError naming the accepted range, and nothing else', () => {
    fc.assert(
      fc.property(notReadable, (n) => {
        expect(() => readNumber(n)).toThrowError(RangeError);
        expect(() => readNumber(n)).toThrowError(
          /^cannot read .* aloud: expected a whole number from 0 to 9999$/,
        );
        expect(() => numberClips(n)).toThrowError(RangeError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ticket reader: prefix letters, then the number', () => {
  it('reads a prefix of letters A–Z by name, in any case', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{0,3}$/), readable, (prefix, n) => {
        const words = readTicket(prefix, n);
        const letters = [...prefix.toUpperCase()].map((c) => LETTER_NAMES[c as keyof typeof LETTER_NAMES]);
        expect(words).toEqual([...letters, ...readNumber(n)]);
        expect(ticketClips(prefix, n)).toHaveLength(prefix.length + readNumber(n).length);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses any other prefix with a message naming it', () => {
    // Accepted is what reads as A–Z once upper-cased: note that this lets a
    // few non-ASCII letters through ("ß" → "SS", "ı" → "I"); the admin API
    // only ever stores prefixes of A–Z, so a speaker never gets one.
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 4 }), (prefix) => {
        const readableAsLetters = /^[A-Z]*$/.test(prefix.toUpperCase());
        if (readableAsLetters) {
          expect(() => readTicket(prefix, 7)).not.toThrow();
          return;
        }
        expect(() => readTicket(prefix, 7)).toThrowError(RangeError);
        expect(() => readTicket(prefix, 7)).toThrowError(`cannot read the prefix "${prefix}" aloud`);
      }),
      { numRuns: 2000 },
    );
  });
});
