// The hub's side of the province centre with no centre at all: every change
// goes to the outbox in its own transaction, the office works as usual, and
// the admin page's health shows the backlog and its alarm.

import { afterEach, expect, test } from 'vitest';
import { freePort, mqttKiosk, startTestHub, type TestHub } from '../helpers/hub.js';

const hubs: TestHub[] = [];
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.stop();
});

test('with the centre unreachable the office works, and every change waits in the outbox with an alarm', async () => {
  const t = await startTestHub({
    central: {
      enabled: true,
      url: `mqtts://127.0.0.1:${await freePort()}`,
      officeId: 'office-1',
      password: 'secret',
      alarmEvents: 5,
    },
  });
  hubs.push(t);
  const central = t.hub.central!;
  // The start records the day and every counter; then the test hub's
  // officers take every counter (one change each).
  const start = central.outbox.state().lastSeq;
  expect(start).toBe(1 + 2 * t.hub.service.state.counters.size);

  const kiosk = await mqttKiosk(t, 'kiosk-1');
  const a = await kiosk.issue('can-cuoc-01');
  await kiosk.issue('can-cuoc-01');
  const officer = t.as(await t.signIn('officer', await t.addAccount('officer', 'officer')));
  expect((await officer('/api/counters/1/take', { method: 'POST' })).status).toBe(200);
  expect((await officer('/api/counters/1/call-next', { method: 'POST' })).status).toBe(200);
  await kiosk.client.endAsync();

  const events = central.outbox.read(start + 1, 100).map((e) => e.data);
  expect(events.filter((d) => d.type === 'ticket').map((d) => d.type === 'ticket' && d.action)).toEqual([
    'issued',
    'issued',
    'called',
  ]);
  const called = events.find((d) => d.type === 'ticket' && d.action === 'called');
  expect(called).toMatchObject({
    counterId: 1,
    counterName: 'Quầy 1',
    officer: 'officer',
    ticket: { display: a.display },
  });
  // Taking the counter is news; the call's rewrite of the counter row is not.
  expect(events.filter((d) => d.type === 'counter')).toEqual([
    { type: 'counter', counterId: 1, name: 'Quầy 1', state: 'open', officer: 'officer' },
  ]);

  const health = (await (await fetch(`${t.httpUrl}/api/health`)).json()) as {
    ok: boolean;
    central: Record<string, unknown>;
  };
  expect(health.ok).toBe(true);
  expect(health.central).toMatchObject({
    enabled: true,
    connected: false,
    pending: central.outbox.state().lastSeq,
    alarm: 'backlog',
  });
});

test('disabled (the default): nothing is recorded', async () => {
  const t = await startTestHub();
  hubs.push(t);
  const kiosk = await mqttKiosk(t, 'kiosk-1');
  await kiosk.issue('can-cuoc-01');
  await kiosk.client.endAsync();
  expect(t.hub.central).toBeNull();
  expect((t.hub.db.prepare('SELECT count(*) AS n FROM central_outbox').get() as { n: number }).n).toBe(0);
  const health = (await (await fetch(`${t.httpUrl}/api/health`)).json()) as { central: unknown };
  expect(health.central).toEqual({ enabled: false });
});
