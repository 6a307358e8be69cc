// The office's history as a day-simulator profile (GET /api/reports/profile):
// a real hub, tickets from a kiosk over MQTT, an officer calling, serving and
// marking a no-show over HTTP; the export is a profile the simulator accepts
// and can run a day from. Administrators only; bad dates refused.

import { afterEach, describe, expect, it } from 'vitest';
import { simulateDay } from '../../simulate/day.js';
import { parseProfile } from '../../simulate/profile.js';
import { mqttKiosk, startTestHub, type TestHub } from '../helpers/hub.js';

describe('GET /api/reports/profile', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('exports the day as a profile the simulator runs', async () => {
    t = await startTestHub();
    const admin = t.as(await t.signIn('quantri', await t.addAccount('quantri', 'admin')));
    const officer = t.as(await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')));
    const k = await mqttKiosk(t, 'kiosk-a');
    try {
      for (const p of ['can-cuoc-01', 'can-cuoc-02', 'can-cuoc-01', 'cu-tru-01']) await k.issue(p);
    } finally {
      await k.client.endAsync();
    }
    const post = async (path: string) => {
      const res = await officer(path, { method: 'POST' });
      expect(res.status, path).toBe(200);
    };
    for (let i = 0; i < 2; i++) {
      await post('/api/counters/1/call-next');
      await post('/api/counters/1/start');
      await post('/api/counters/1/finish');
    }
    await post('/api/counters/1/call-next');
    await post('/api/counters/1/no-show');

    expect((await officer('/api/reports/profile')).status).toBe(403);
    const res = await admin('/api/reports/profile');
    expect(res.status).toBe(200);
    const text = await res.text();
    const profile = parseProfile(text, 'export'); // the simulator's own checks
    expect(profile.source).toMatch(/1 day\(s\) with tickets, 4 tickets/);
    const hours = (f: string) => Object.values(profile.arrivals[f] ?? {}).reduce((a, b) => a + b, 0);
    expect(hours('can-cuoc')).toBe(3);
    expect(hours('cu-tru')).toBe(1);
    expect(profile.procedureMix['can-cuoc']).toEqual({ 'can-cuoc-01': 2, 'can-cuoc-02': 1 });
    expect(profile.noShow.share).toBeCloseTo(1 / 3, 2);
    expect(profile.service['can-cuoc']!.medianSeconds).toBeGreaterThanOrEqual(1);
    expect(profile.counters.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // It runs (the test's tickets came at this hour, maybe outside opening hours: a day may be empty).
    const day = simulateDay({ profile, seed: 'export' });
    expect(day.counters.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const bad = await admin('/api/reports/profile?from=2025-13-01');
    expect(bad.status).toBe(400);
    const backwards = await admin('/api/reports/profile?from=2025-10-02&to=2025-10-01');
    expect(backwards.status).toBe(400);
  });
});
