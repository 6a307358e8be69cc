// Ids that sort by time (UUID v7) for the store's keys: well-formed, in
// creation order across milliseconds, and unique within one.

import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../../shared/ids/time-ordered-id.js';

describe('timeOrderedId', () => {
  it('is a UUID version 7 with the RFC 9562 variant', () => {
    expect(timeOrderedId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by its millisecond and carries the time', () => {
    const ids = [0, 1, 255, 256, 1_700_000_000_000, 1_796_304_016_823, 2 ** 48 - 1].map((t) =>
      timeOrderedId(t),
    );
    expect([...ids].sort()).toEqual(ids);
    expect(Number.parseInt(timeOrderedId(1_796_304_016_823).replace('-', '').slice(0, 12), 16)).toBe(
      1_796_304_016_823,
    );
    expect(timeOrderedId(-5).startsWith('00000000-0000-7')).toBe(true);
  });

  it('does not repeat within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(1_796_304_016_823)));
    expect(ids.size).toBe(10_000);
  });
});
