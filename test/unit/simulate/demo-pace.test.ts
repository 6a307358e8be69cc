// The demo's pace (scripts/demo-pace.ts) follows the default profile: the
// office day runs from the first opening, skips the lunch closure, starts
// again the next morning; citizens arrive at the hour's rate, so the kiosk
// is busiest in the morning peak and issues about the profile's day.

import { beforeAll, describe, expect, it } from 'vitest';
import {
  arrivalsDuring,
  arrivalsPerHour,
  officeTimeAt,
  pickField,
  serviceSpread,
  stepMs,
} from '../../../scripts/demo-pace.js';
import { loadProfile, type OfficeProfile } from '../../../simulate/profile.js';
import { Random } from '../../../simulate/random.js';

let profile: OfficeProfile;
beforeAll(async () => {
  profile = await loadProfile();
});
const FIELDS = ['can-cuoc', 'cu-tru', 'xuat-nhap-canh'];
const at = (hhmm: string) => Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3)) * 60;

describe('the demo clock', () => {
  it('runs the open hours one after another, day after day', () => {
    expect(officeTimeAt(profile, 0, 5)).toEqual({ day: 0, seconds: at('07:30') });
    expect(officeTimeAt(profile, 60_000, 5)).toEqual({ day: 0, seconds: at('07:35') });
    // 4 h of morning at 5× = 48 real minutes: then the afternoon opening, not lunch.
    expect(officeTimeAt(profile, 48 * 60_000, 5)).toEqual({ day: 0, seconds: at('13:30') });
    // 7.5 open hours a day at 5× = 90 real minutes: the next morning.
    expect(officeTimeAt(profile, 90 * 60_000, 5)).toEqual({ day: 1, seconds: at('07:30') });
    expect(officeTimeAt(profile, 60_000, 1).seconds).toBe(at('07:31'));
  });
});

describe('citizens at the demo kiosk', () => {
  it('come at the profile rate for the hour: a morning peak, and about the profile’s day', () => {
    const random = new Random('demo');
    const perHour = new Map<number, number>();
    const speed = 5;
    const tick = 1000;
    const openMs = (7.5 * 3600 * 1000) / speed;
    for (let t = 0; t < openMs; t += tick) {
      const now = officeTimeAt(profile, t, speed);
      const n = arrivalsDuring(profile, FIELDS, now.seconds, tick, speed, random);
      const h = Math.floor(now.seconds / 3600);
      perHour.set(h, (perHour.get(h) ?? 0) + n);
    }
    const total = [...perHour.values()].reduce((a, b) => a + b, 0);
    const expected = Object.keys(profile.arrivals['can-cuoc']!)
      .map((h) => arrivalsPerHour(profile, FIELDS, Number(h) * 3600))
      .reduce((a, b) => a + b, 0);
    // 07:30–08:00 counts half of the 07 hour.
    const expectedOpen = expected - arrivalsPerHour(profile, FIELDS, at('07:00')) / 2;
    expect(Math.abs(total - expectedOpen)).toBeLessThan(expectedOpen * 0.15);
    expect(perHour.get(8)!).toBeGreaterThan(2 * perHour.get(13)!);
    expect(perHour.get(12) ?? 0).toBe(0); // closed for lunch
  });

  it('want the fields in the profile’s proportions', () => {
    const random = new Random('fields');
    const counts: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) {
      const f = pickField(profile, FIELDS, at('08:30'), random);
      counts[f] = (counts[f] ?? 0) + 1;
    }
    const rate = (f: string) => profile.arrivals[f]!['08']!;
    const share = rate('can-cuoc') / FIELDS.reduce((a, f) => a + rate(f), 0);
    expect(counts['can-cuoc']! / 3000).toBeCloseTo(share, 1);
  });
});

describe('the demo officers', () => {
  it('serve for the procedure’s time from the profile, sped up', () => {
    expect(serviceSpread(profile, 'can-cuoc-01', 'can-cuoc')).toEqual(profile.service['can-cuoc-01']);
    expect(serviceSpread(profile, 'khong-co', 'khong-co')).toEqual(Object.values(profile.service)[0]);
    const random = new Random('service');
    const samples = Array.from({ length: 2001 }, () =>
      stepMs(profile.service['can-cuoc-01']!, 5, random),
    ).sort((a, b) => a - b);
    const median = samples[1000]!;
    expect(median).toBeGreaterThan((profile.service['can-cuoc-01']!.medianSeconds * 1000 * 0.85) / 5);
    expect(median).toBeLessThan((profile.service['can-cuoc-01']!.medianSeconds * 1000 * 1.15) / 5);
  });
});
