import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCompleteClipPack } from '../../../edge/speaker/clip-pack.js';
import { DEFAULT_ANNOUNCEMENT_SETTINGS } from '../../../edge/speaker/composer.js';
import {
  type NumberReading,
  numberClips,
  numberWordClips,
  readNumber,
  readTicket,
  ticketClips,
} from '../../../shared/vietnamese-numbers.js';
import { buildRealPack } from '../../helpers/clips.js';
import { tempDir } from '../../helpers/hub.js';

const say = (n: number, r: Partial<NumberReading> = {}) => readNumber(n, r).join(' ');

describe('the table of the domain reference', () => {
  // docs/domain.md, "Reading numbers in Vietnamese", word for word.
  it.each([
    [0, 'không'],
    [10, 'mười'],
    [11, 'mười một'],
    [15, 'mười lăm'],
    [20, 'hai mươi'],
    [21, 'hai mươi mốt'],
    [24, 'hai mươi tư'],
    [55, 'năm mươi lăm'],
    [101, 'một trăm linh một'],
    [105, 'một trăm linh năm'],
    [110, 'một trăm mười'],
    [121, 'một trăm hai mươi mốt'],
    [1005, 'một nghìn không trăm linh năm'],
    [1010, 'một nghìn không trăm mười'],
    [1023, 'một nghìn không trăm hai mươi ba'],
    [2024, 'hai nghìn không trăm hai mươi tư'],
    [9999, 'chín nghìn chín trăm chín mươi chín'],
  ])('%i → %s', (n, words) => {
    expect(say(n)).toBe(words);
  });
});

describe('the rules', () => {
  it.each([
    // tens 1 → mười; unit 1 after mười → một, 4 stays bốn, 5 → lăm
    [14, 'mười bốn'],
    [19, 'mười chín'],
    // unit 1 after mươi → mốt; 4 → tư; 5 → lăm; other units as digits
    [31, 'ba mươi mốt'],
    [44, 'bốn mươi tư'],
    [45, 'bốn mươi lăm'],
    [50, 'năm mươi'],
    [99, 'chín mươi chín'],
    // a lone unit: năm, một, bốn
    [1, 'một'],
    [4, 'bốn'],
    [5, 'năm'],
    // linh before a unit after hundreds, with its plain unit
    [104, 'một trăm linh bốn'],
    [100, 'một trăm'],
    [205, 'hai trăm linh năm'],
    [115, 'một trăm mười lăm'],
    [111, 'một trăm mười một'],
    [555, 'năm trăm năm mươi lăm'],
    // không trăm after nghìn; all-zero groups dropped
    [1000, 'một nghìn'],
    [1100, 'một nghìn một trăm'],
    [2000, 'hai nghìn'],
    [1001, 'một nghìn không trăm linh một'],
    [1050, 'một nghìn không trăm năm mươi'],
    [1234, 'một nghìn hai trăm ba mươi tư'],
    [5015, 'năm nghìn không trăm mười lăm'],
    [9001, 'chín nghìn không trăm linh một'],
    [7021, 'bảy nghìn không trăm hai mươi mốt'],
  ])('%i → %s', (n, words) => {
    expect(say(n)).toBe(words);
  });

  it('refuses what it cannot read', () => {
    for (const n of [-1, 10_000, 1.5, Number.NaN]) expect(() => readNumber(n)).toThrow(RangeError);
    expect(() => readTicket('1', 5)).toThrow(/prefix/);
  });
});

describe('settings', () => {
  it('lẻ instead of linh (Southern)', () => {
    expect(say(101, { zeroTens: 'lẻ' })).toBe('một trăm lẻ một');
    expect(say(1005, { zeroTens: 'lẻ' })).toBe('một nghìn không trăm lẻ năm');
    expect(say(110, { zeroTens: 'lẻ' })).toBe('một trăm mười');
  });

  it('bốn instead of tư after mươi only', () => {
    expect(say(24, { four: 'bốn' })).toBe('hai mươi bốn');
    expect(say(2024, { four: 'bốn' })).toBe('hai nghìn không trăm hai mươi bốn');
    expect(say(14, { four: 'bốn' })).toBe('mười bốn');
    expect(say(4, { four: 'bốn' })).toBe('bốn');
  });

  it('ngàn instead of nghìn', () => {
    expect(say(1023, { thousand: 'ngàn' })).toBe('một ngàn không trăm hai mươi ba');
    expect(say(3000, { thousand: 'ngàn' })).toBe('ba ngàn');
  });

  it('all three together, and the words of every other setting are never used', () => {
    const southern = { zeroTens: 'lẻ', four: 'bốn', thousand: 'ngàn' } as const;
    expect(say(4104, southern)).toBe('bốn ngàn một trăm lẻ bốn');
    expect(say(1024, southern)).toBe('một ngàn không trăm hai mươi bốn');
    const used = new Set<string>();
    for (let n = 0; n <= 9999; n++) for (const w of readNumber(n, southern)) used.add(w);
    expect([...used].filter((w) => ['linh', 'tư', 'nghìn'].includes(w))).toEqual([]);
    expect(used).toContain('lẻ');
  });
});

describe('prefixes', () => {
  it('reads the letters, then the number', () => {
    expect(readTicket('A', 12).join(' ')).toBe('a mười hai');
    expect(readTicket('CB', 1005).join(' ')).toBe('xê bê một nghìn không trăm linh năm');
    expect(ticketClips('A', 21)).toEqual(['letter-a', 'hai', 'muoi', 'mot-sac']);
    expect(ticketClips('', 1023)).toEqual(['mot', 'nghin', 'khong', 'tram', 'hai', 'muoi', 'ba']);
  });
});

/**
 * An independent reader of the words back to a number, from the rules:
 * every number 0–9999 must come back as itself, so no two numbers share
 * words and none is misread.
 */
function parseWords(words: string[]): number {
  const digit: Record<string, number> = {
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
  let total = 0;
  let group = 0;
  let last = 0;
  for (const w of words) {
    if (w === 'nghìn' || w === 'ngàn') {
      total += (group + last) * 1000;
      group = 0;
      last = 0;
    } else if (w === 'trăm') {
      group += last * 100;
      last = 0;
    } else if (w === 'mười') group += 10;
    else if (w === 'mươi') {
      group += last * 10;
      last = 0;
    } else if (w === 'linh' || w === 'lẻ') {
      // a zero tens digit: nothing to add
    } else if (w in digit) last = digit[w]!;
    else throw new Error(`unknown word ${w}`);
  }
  return total + group + last;
}

describe('every number 0–9999', () => {
  const settings: Partial<NumberReading>[] = [
    {},
    { zeroTens: 'lẻ' },
    { four: 'bốn' },
    { thousand: 'ngàn' },
    { zeroTens: 'lẻ', four: 'bốn', thousand: 'ngàn' },
  ];

  it.each(settings)('reads back as itself with %o', (r) => {
    // Problems are collected and compared once: 10,000 expect() calls are slow.
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (let n = 0; n <= 9999; n++) {
      const words = readNumber(n, r);
      const text = words.join(' ');
      if (parseWords(words) !== n) wrong.push(`${n}: ${text} reads back as ${parseWords(words)}`);
      seen.add(text);
      // mốt only after mươi; lăm only after mười or mươi; linh/lẻ only before a last digit
      words.forEach((w, i) => {
        if (w === 'mốt' && words[i - 1] !== 'mươi') wrong.push(`${n}: ${text} (mốt)`);
        if (w === 'lăm' && words[i - 1] !== 'mười' && words[i - 1] !== 'mươi')
          wrong.push(`${n}: ${text} (lăm)`);
        if ((w === 'linh' || w === 'lẻ') && i !== words.length - 2) wrong.push(`${n}: ${text} (linh)`);
      });
    }
    expect(wrong).toEqual([]);
    expect(seen.size).toBe(10_000);
  });

  describe('in the default clip pack (espeak-ng)', () => {
    const dir = tempDir('qms-clips-');
    beforeAll(async () => {
      await buildRealPack(dir.path);
    }, 120_000);
    afterAll(() => dir.remove());

    it.each(settings)('every clip exists and loads, with %o', async (r) => {
      const full = { ...DEFAULT_ANNOUNCEMENT_SETTINGS, ...r };
      const pack = await loadCompleteClipPack(dir.path, full);
      const needed = new Set(numberWordClips(full));
      const wrong: string[] = [];
      for (let n = 0; n <= 9999; n++) {
        for (const clip of numberClips(n, r)) {
          if (!needed.has(clip)) wrong.push(`${n}: ${clip} is not among the clips checked at start`);
          if (!pack.samples(clip)?.length) wrong.push(`${n}: clip ${clip} is not in the pack`);
        }
      }
      expect(wrong).toEqual([]);
      // Letters for prefixed tickets too.
      for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
        for (const clip of ticketClips(letter, 1)) expect(pack.samples(clip)?.length).toBeGreaterThan(0);
      }
    });
  });
});
