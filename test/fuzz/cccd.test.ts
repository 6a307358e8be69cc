// Property-based tests of the CCCD QR parser (shared/cccd.ts), which reads
// whatever a kiosk's scanner sends: arbitrary text never throws and is either
// a well-formed card or a refusal with a reason; every valid card's QR text
// (with the spacing, BOM, decomposed Unicode and trailing fields scanners
// produce) reads back to the same card; one bad field is refused with a
// reason naming that field; the masked ID never shows more than it should.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageOn, type CccdCard, maskIdNumber, parseCccdQr, parseDdmmyyyy } from '../../shared/cccd.js';

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
/** A real calendar day as YYYY-MM-DD between the years given. */
const day = (from: number, to: number) =>
  fc
    .date({ min: new Date(Date.UTC(from, 0, 1)), max: new Date(Date.UTC(to, 11, 31)), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
const ddmmyyyy = (iso: string) => `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(0, 4)}`;
const VIETNAMESE_LETTERS =
  'aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ';
const word = fc
  .array(fc.constantFrom(...VIETNAMESE_LETTERS), { minLength: 1, maxLength: 8 })
  .map((l) => l.join(''))
  .map((w) => w[0]!.toLocaleUpperCase('vi') + w.slice(1));
const name = fc
  .array(word, { minLength: 2, maxLength: 4 })
  .map((w) => w.join(' '))
  .filter((n) => n.length <= 100);
const address = fc.string({ maxLength: 120 }).map((s) => s.replace(/[|\r\n]/g, ' ').trim());

const cards: fc.Arbitrary<CccdCard> = fc
  .record({
    idNumber: digits(12),
    oldIdNumber: fc.oneof(fc.constant(null), digits(9), digits(12)),
    name,
    dateOfBirth: day(1900, 2024),
    gender: fc.constantFrom<CccdCard['gender']>('Nam', 'Nữ'),
    address,
    issueDate: day(1990, 2100),
  })
  .filter((c) => c.issueDate >= c.dateOfBirth);

const FIELDS = (c: CccdCard) => [
  c.idNumber,
  c.oldIdNumber ?? '',
  c.name,
  ddmmyyyy(c.dateOfBirth),
  c.gender,
  c.address,
  ddmmyyyy(c.issueDate),
];

/** The text a scanner may send for a card: spaces around fields, a BOM, NFD, extra trailing fields, CR/LF. */
const scanned = (c: CccdCard) =>
  fc
    .record({
      pad: fc.array(fc.constantFrom('', ' ', '  ', '\t'), { minLength: 7, maxLength: 7 }),
      bom: fc.boolean(),
      nfd: fc.boolean(),
      extra: fc.array(
        fc.string({ maxLength: 10 }).map((s) => s.replace(/[|]/g, '')),
        { maxLength: 2 },
      ),
      end: fc.constantFrom('', '\r', '\n', '\r\n'),
    })
    .map(({ pad, bom, nfd, extra, end }) => {
      const text = [...FIELDS(c).map((f, i) => `${pad[i]}${f}${pad[i]}`), ...extra].join('|');
      return `${bom ? '\uFEFF' : ''}${nfd ? text.normalize('NFD') : text}${end}`;
    });

describe('CCCD QR parser under arbitrary input', () => {
  it('never throws; a card it accepts is well formed, a refusal has a reason', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.string({ maxLength: 20 }), { minLength: 6, maxLength: 9 }).map((f) => f.join('|')),
      fc.string({ minLength: 990, maxLength: 1100 }),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        const r = parseCccdQr(text);
        if (!r.ok) {
          expect(r.reason.length).toBeGreaterThan(3);
          return;
        }
        const c = r.card;
        expect(c.idNumber).toMatch(/^\d{12}$/);
        expect(c.oldIdNumber === null || /^(\d{9}|\d{12})$/.test(c.oldIdNumber)).toBe(true);
        expect(['Nam', 'Nữ']).toContain(c.gender);
        expect(c.name).not.toMatch(/[\d|]/);
        expect(parseDdmmyyyy(ddmmyyyy(c.dateOfBirth))).toBe(c.dateOfBirth);
        expect(c.issueDate >= c.dateOfBirth).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads every valid card back as it was, whatever the scanner added', () => {
    fc.assert(
      fc.property(
        cards.chain((c) => fc.tuple(fc.constant(c), scanned(c))),
        ([card, text]) => {
          const r = parseCccdQr(text);
          expect(r).toEqual({ ok: true, card: { ...card, address: card.address.normalize('NFC').trim() } });
        },
      ),
      { numRuns: 1000 },
    );
  });

  // One field made bad, and the reason that must name it.
  const BAD: [index: number, what: RegExp, value: fc.Arbitrary<string>][] = [
    [
      0,
      /ID number/,
      fc.string({ maxLength: 14 }).filter((s) => !/^\d{12}$/.test(s.trim()) && !s.includes('|')),
    ],
    [
      1,
      /old ID/,
      fc
        .string({ minLength: 1, maxLength: 14 })
        .filter((s) => s.trim() !== '' && !/^(\d{9}|\d{12})$/.test(s.trim()) && !s.includes('|')),
    ],
    [
      2,
      /name/,
      fc.oneof(
        fc.constant(''),
        word.map((w) => `${w} 1`),
        fc.constant('x'.repeat(101)),
      ),
    ],
    [
      3,
      /date of birth/,
      fc.string({ maxLength: 10 }).filter((s) => parseDdmmyyyy(s.trim()) === null && !s.includes('|')),
    ],
    [
      4,
      /gender/,
      fc
        .string({ maxLength: 6 })
        .filter((s) => !['nam', 'nữ'].includes(s.trim().toLocaleLowerCase('vi')) && !s.includes('|')),
    ],
    [
      6,
      /issue date/,
      fc.string({ maxLength: 10 }).filter((s) => parseDdmmyyyy(s.trim()) === null && !s.includes('|')),
    ],
  ];
  for (const [index, what, value] of BAD) {
    it(`refuses a bad field ${index} with a reason naming it (${what.source})`, () => {
      fc.assert(
        fc.property(cards, value, (card, bad) => {
          const fields = FIELDS(card);
          fields[index] = bad;
          const r = parseCccdQr(fields.join('|'));
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.reason).toMatch(what);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('refuses a card issued before its holder was born', () => {
    fc.assert(
      fc.property(cards, (card) => {
        fc.pre(card.issueDate > card.dateOfBirth);
        const swapped = { ...card, dateOfBirth: card.issueDate, issueDate: card.dateOfBirth };
        const r = parseCccdQr(FIELDS(swapped).join('|'));
        expect(r).toEqual({ ok: false, reason: 'issued before the date of birth' });
      }),
      { numRuns: 300 },
    );
  });

  it('masks an ID number: same length, at most the first 4 and last 2 characters shown', () => {
    fc.assert(
      fc.property(fc.oneof(digits(12), digits(9), fc.string({ maxLength: 30 })), (id) => {
        const masked = maskIdNumber(id);
        expect(masked).toHaveLength(id.length);
        if (id.length <= 6) expect(masked).toBe('*'.repeat(id.length));
        else expect(masked).toBe(`${id.slice(0, 4)}${'*'.repeat(id.length - 6)}${id.slice(-2)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('gives an age that grows by one on each birthday', () => {
    fc.assert(
      fc.property(day(1900, 2024), fc.integer({ min: 0, max: 120 }), (dob, years) => {
        const birthday = `${String(Number(dob.slice(0, 4)) + years).padStart(4, '0')}${dob.slice(4)}`;
        fc.pre(dob.slice(5) !== '02-29'); // a 29 February birthday is 1 March in other years
        expect(ageOn(dob, birthday)).toBe(years);
        const dayBefore = new Date(Date.parse(`${birthday}T00:00:00Z`) - 86_400_000)
          .toISOString()
          .slice(0, 10);
        if (years > 0) expect(ageOn(dob, dayBefore)).toBe(years - 1);
      }),
      { numRuns: 500 },
    );
  });
});
