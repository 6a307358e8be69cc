import { describe, expect, it } from 'vitest';
import { serviceDateOf } from '../../../hub/queue/index.js';

const HCM = 'Asia/Ho_Chi_Minh';
/** A UTC instant from an ISO string. */
const at = (iso: string) => Date.parse(iso);

describe('serviceDateOf in Asia/Ho_Chi_Minh (UTC+7)', () => {
  it('with a midnight reset the day turns at 00:00 local, which is 17:00 UTC the day before', () => {
    expect(serviceDateOf(at('2025-10-01T16:59:59.999Z'), HCM, '00:00')).toBe('2025-10-01'); // 23:59:59 local
    expect(serviceDateOf(at('2025-10-01T17:00:00.000Z'), HCM, '00:00')).toBe('2025-10-02'); // 00:00 local
  });

  it('early morning local time is already the local date, while UTC still says the day before', () => {
    // 06:30 local on 2 October is 23:30 UTC on 1 October.
    expect(serviceDateOf(at('2025-10-01T23:30:00Z'), HCM, '00:00')).toBe('2025-10-02');
    expect(serviceDateOf(at('2025-10-01T23:30:00Z'), 'UTC', '00:00')).toBe('2025-10-01');
  });

  it('with a 03:00 reset, 02:59 local still belongs to the day before', () => {
    expect(serviceDateOf(at('2025-10-01T19:59:00Z'), HCM, '03:00')).toBe('2025-10-01'); // 02:59 on 2 Oct
    expect(serviceDateOf(at('2025-10-01T20:00:00Z'), HCM, '03:00')).toBe('2025-10-02'); // 03:00 on 2 Oct
    expect(serviceDateOf(at('2025-10-01T17:30:00Z'), HCM, '03:00')).toBe('2025-10-01'); // 00:30 on 2 Oct
  });

  it('a reset time with minutes', () => {
    // 05:29 and 05:30 local on 2 October.
    expect(serviceDateOf(at('2025-10-01T22:29:00Z'), HCM, '05:30')).toBe('2025-10-01');
    expect(serviceDateOf(at('2025-10-01T22:30:00Z'), HCM, '05:30')).toBe('2025-10-02');
  });

  it('office hours map to that day', () => {
    expect(serviceDateOf(at('2025-10-01T01:00:00Z'), HCM, '03:00')).toBe('2025-10-01'); // 08:00 local
    expect(serviceDateOf(at('2025-10-01T10:00:00Z'), HCM, '03:00')).toBe('2025-10-01'); // 17:00 local
  });

  it('turns months and years', () => {
    expect(serviceDateOf(at('2025-12-31T16:59:00Z'), HCM, '00:00')).toBe('2025-12-31');
    expect(serviceDateOf(at('2025-12-31T17:00:00Z'), HCM, '00:00')).toBe('2026-01-01');
    expect(serviceDateOf(at('2024-02-28T20:00:00Z'), HCM, '03:00')).toBe('2024-02-29'); // leap day
    expect(serviceDateOf(at('2024-02-29T20:00:00Z'), HCM, '03:00')).toBe('2024-03-01');
  });

  it('formats as YYYY-MM-DD with leading zeros', () => {
    expect(serviceDateOf(at('2026-01-05T03:00:00Z'), HCM, '00:00')).toMatch(/^2026-01-05$/);
  });
});
