// The wait estimate on simulated office days (simulate/): the default
// profile's days run through the real queue domain; the estimate printed on
// each ticket is compared with the wait that followed. The target:
// median absolute error within 20 % of the wait or 2 min, and better than
// the former estimate on the same days. Also: the same seed gives the same
// day, every call is spoken, a "what if" with more counters shortens the
// waits, and bad profiles or --counters are refused with the reason.

import { beforeAll, describe, expect, it } from 'vitest';
import { type DayResult, simulateDay } from '../../../simulate/day.js';
import { parseCounters } from '../../../simulate/main.js';
import { dayFigures } from '../../../simulate/metrics.js';
import { loadProfile, type OfficeProfile, ProfileError, parseProfile } from '../../../simulate/profile.js';

let profile: OfficeProfile;
let days: DayResult[];

beforeAll(async () => {
  profile = await loadProfile();
  days = [1, 2].map((i) => simulateDay({ profile, seed: `test:${i}`, compareOldEstimate: true }));
}, 120_000);

describe('a simulated day of the default profile', () => {
  it('is an office of about 600 citizens a day with a morning peak', () => {
    for (const day of days) {
      expect(day.tickets.length).toBeGreaterThan(450);
      expect(day.tickets.length).toBeLessThan(750);
      const perHour = (h: number) => day.tickets.filter((t) => Math.floor(t.issuedAt / 3600) === h).length;
      expect(perHour(8)).toBeGreaterThan(perHour(13));
      expect(perHour(8)).toBeGreaterThan(perHour(16));
    }
  });

  it('prints an estimate within the target, better than the former one', () => {
    const f = dayFigures(days);
    const { new: estimate, old } = f.estimate;
    console.log(
      `estimate on 2 simulated days: new median |error| ${estimate.medianAbsErrorSeconds} s (error/tolerance ${estimate.medianErrorOverTolerance?.toFixed(2)}), former ${old?.medianAbsErrorSeconds} s (${old?.medianErrorOverTolerance?.toFixed(2)})`,
    );
    expect(estimate.tickets).toBeGreaterThan(900);
    expect(estimate.medianErrorOverTolerance).not.toBeNull();
    expect(estimate.medianErrorOverTolerance!).toBeLessThanOrEqual(1);
    expect(estimate.medianAbsErrorSeconds!).toBeLessThan(old!.medianAbsErrorSeconds!);
  });

  it('speaks every call, in order of the calls, none dropped', () => {
    for (const day of days) {
      expect(day.calls.length).toBeGreaterThan(day.tickets.length * 0.9);
      const starts = day.calls.map((c) => c.spokenAt);
      for (const c of day.calls) expect(c.spokenAt).toBeGreaterThanOrEqual(c.at);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
  });

  it('is the same day for the same seed', () => {
    const again = simulateDay({ profile, seed: 'test:1', compareOldEstimate: true });
    expect(again.tickets.map((t) => [t.issuedAt, t.calledAt, t.estimate?.seconds])).toEqual(
      days[0]!.tickets.map((t) => [t.issuedAt, t.calledAt, t.estimate?.seconds]),
    );
  });

  it('answers "what if": more counters for the busiest fields shorten their waits', () => {
    const counters = parseCounters('can-cuoc=3,dang-ky-xe=2', profile);
    const more = dayFigures([1, 2].map((i) => simulateDay({ profile, seed: `test:${i}`, counters })));
    const base = dayFigures(days);
    expect(more.perField['can-cuoc']!.counters).toBe(3);
    expect(more.waits.serviceLevel!).toBeGreaterThan(base.waits.serviceLevel!);
    expect(more.perField['can-cuoc']!.p90WaitSeconds!).toBeLessThan(
      base.perField['can-cuoc']!.p90WaitSeconds!,
    );
  }, 60_000);
});

describe('bad input', () => {
  it('refuses --counters it cannot read, naming the part', () => {
    expect(() => parseCounters('can-cuoc=0', profile)).toThrow(/at least one counter/);
    expect(() => parseCounters('can-cuoc:3', profile)).toThrow(/"can-cuoc:3" is not field=N/);
    expect(() => parseCounters('khong-co=2', profile)).toThrow(/no field "khong-co"/);
    expect(() => parseCounters(' , ', profile)).toThrow(/at least one field=N/);
  });

  it('refuses a damaged or inconsistent profile with every problem named', () => {
    expect(() => parseProfile('{"version":1', 'x.json')).toThrow(ProfileError);
    expect(() => parseProfile(JSON.stringify({ ...profile, version: 2 }), 'x.json')).toThrow(
      /x.json: version/,
    );
    const unserved = { ...profile, arrivals: { ...profile.arrivals, 'linh-vuc-moi': { '08': 5 } } };
    expect(() => parseProfile(JSON.stringify(unserved), 'x.json')).toThrow(
      /linh-vuc-moi has arrivals but no counter/,
    );
    const backwards = { ...profile, open: [{ from: '17:00', to: '07:30' }] };
    expect(() => parseProfile(JSON.stringify(backwards), 'x.json')).toThrow(/ends before it starts/);
  });
});
