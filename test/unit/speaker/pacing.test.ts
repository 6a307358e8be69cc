import { describe, expect, it } from 'vitest';
import { chooseForm, foldTarget, type Paced } from '../../../edge/speaker/pacing.js';

const S = 1000;
/** A call made at `at` that takes 7.5 s in full, 6.3 s brief, 3.6 s short (the default pack's lengths). */
const paced = (
  at: number,
  durations: Paced['durations'] = { full: 7.5 * S, brief: 6.3 * S, short: 3.6 * S },
) => ({
  at,
  durations,
});

describe('chooseForm', () => {
  it('says a call alone, or with time to spare, in full', () => {
    expect(chooseForm([paced(0)], 0, 12 * S)).toBe('full');
    expect(chooseForm([paced(0), paced(1 * S)], 1 * S, 12 * S)).toBe('full');
    expect(chooseForm([], 0, 12 * S)).toBe('full');
  });

  it('shortens as much as the calls waiting behind need: brief first, then short', () => {
    // Third call made at 0: after a full one (7.5) and a short one (3.6) it would start at 11.1 s.
    expect(chooseForm([paced(0), paced(0), paced(0)], 0, 12 * S)).toBe('full');
    // A fourth: full would start it at 14.7 s; brief at 13.5; short at 10.8.
    expect(chooseForm([paced(0), paced(0), paced(0), paced(0)], 0, 12 * S)).toBe('short');
    expect(chooseForm([paced(0), paced(0), paced(0), paced(0)], 0, 14 * S)).toBe('brief');
  });

  it('a call that is late itself is said without the chime, even alone', () => {
    expect(chooseForm([paced(0)], 13 * S, 12 * S)).toBe('brief');
    expect(chooseForm([paced(0, { full: 7.5 * S })], 13 * S, 12 * S)).toBe('full');
  });

  it('says the shortest form when even that cannot keep up, and a form the pack lacks is never chosen', () => {
    const many = Array.from({ length: 10 }, () => paced(0));
    expect(chooseForm(many, 0, 5 * S)).toBe('short');
    const noShort = Array.from({ length: 10 }, () => paced(0, { full: 7.5 * S, brief: 6.3 * S }));
    expect(chooseForm(noShort, 0, 5 * S)).toBe('brief');
    expect(chooseForm([paced(0, {})], 0, 5 * S)).toBe('full');
  });
});

describe('foldTarget', () => {
  it('finds the waiting call of the same ticket', () => {
    const pending = [{ ticketId: 'a' }, { ticketId: 'b' }];
    expect(foldTarget(pending, { ticketId: 'b' })).toBe(1);
    expect(foldTarget(pending, { ticketId: 'c' })).toBe(-1);
  });
});
