// The counter actions of the HTTP API as an officer's browser uses them:
// sign-in required, cross-site posts refused, every accepted action audited,
// and the officer who takes a counter is the one its calls carry.

import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mqttKiosk, startTestHub, type TestHub } from '../helpers/hub.js';

interface AuditRow {
  username: string;
  action: string;
  counter_id: number | null;
  ticket_id: string | null;
  detail: string | null;
}

/** Every counter action with a body it would accept. */
const ACTIONS: [string, unknown][] = [
  ['call-next', undefined],
  ['call-number', { display: '1001' }],
  ['recall', undefined],
  ['start', undefined],
  ['finish', undefined],
  ['no-show', undefined],
  ['transfer', { toCounterId: 2 }],
  ['state', { state: 'paused' }],
  ['take', undefined],
  ['leave', undefined],
];

describe('counter actions over HTTP', () => {
  let t: TestHub;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    t = await startTestHub();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
    await t.stop();
  });

  const audit = (where = "action NOT IN ('sign-in', 'sign-out')") =>
    t.hub.db
      .prepare(
        `SELECT username, action, counter_id, ticket_id, detail FROM audit_log WHERE ${where} ORDER BY id`,
      )
      .all() as AuditRow[];
  const counter = (id: number) => t.hub.service.state.counters.get(id)!;

  /** POST like a browser on this hub would, with optional cookie and Origin/Referer. */
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${t.httpUrl}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });

  it('refuses every counter action without a session: 401 not_signed_in, nothing changed', async () => {
    const k = await mqttKiosk(t, 'kiosk-1');
    clients.push(k.client);
    const ticket = await k.issue('can-cuoc-01');

    for (const [action, body] of ACTIONS) {
      const res = await post(`/api/counters/1/${action}`, body, { origin: t.httpUrl });
      expect(res.status, action).toBe(401);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code, action).toBe('not_signed_in');
      expect(error.message).toBe('Hãy đăng nhập để thực hiện thao tác này.');
    }
    // A stale or forged session cookie is no session either.
    const forged = await post('/api/counters/1/call-next', undefined, {
      origin: t.httpUrl,
      cookie: 'qms_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(forged.status).toBe(401);

    expect(t.hub.service.state.tickets.get(ticket.ticketId)!.status).toBe('waiting');
    expect(counter(1)).toMatchObject({ state: 'open', officer: 'quay1', currentTicketId: null });
    expect(audit('1 = 1')).toEqual([]);
  });

  it("refuses a signed-in officer's action posted from another site: 403 cross_site, nothing changed", async () => {
    const k = await mqttKiosk(t, 'kiosk-1');
    clients.push(k.client);
    const ticket = await k.issue('can-cuoc-01');
    const cookie = await t.signIn('canbo1', await t.addAccount('canbo1', 'officer'));

    const origins: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      // The same address on another port is another site.
      { origin: t.httpUrl.replace(/:\d+$/, ':1') },
      // No Origin, but a Referer from elsewhere.
      { referer: 'http://evil.example/page' },
      // Sandboxed frames send "Origin: null".
      { origin: 'null' },
    ];
    for (const headers of origins) {
      for (const [action, body] of ACTIONS) {
        const res = await post(`/api/counters/1/${action}`, body, { cookie, ...headers });
        expect(res.status, `${action} ${JSON.stringify(headers)}`).toBe(403);
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe('cross_site');
        expect(error.message).toBe('Yêu cầu từ trang khác bị từ chối.');
      }
    }

    expect(t.hub.service.state.tickets.get(ticket.ticketId)!.status).toBe('waiting');
    expect(counter(1)).toMatchObject({ state: 'open', officer: 'quay1', currentTicketId: null });
    expect(audit()).toEqual([]);
    // The same request from the hub's own page goes through.
    expect((await t.as(cookie)('/api/counters/1/call-next', { method: 'POST' })).status).toBe(200);
  });

  it('writes each accepted action of a signed-in officer to the audit log, and no refused one', async () => {
    const k = await mqttKiosk(t, 'kiosk-1');
    clients.push(k.client);
    const first = await k.issue('can-cuoc-01');
    const second = await k.issue('can-cuoc-02');
    const as = t.as(await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')));

    // Refused (nothing at the counter yet): the counter is named, no row.
    const early = await as('/api/counters/1/finish', { method: 'POST' });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'no_current_ticket',
      message: 'Quầy 1 chưa có số nào đang được gọi hoặc phục vụ.',
    });
    expect(audit()).toEqual([]);

    const called = await as('/api/counters/1/call-next', { method: 'POST' });
    expect(called.status).toBe(200);
    expect(((await called.json()) as { ticket: { id: string } }).ticket.id).toBe(first.ticketId);
    expect(audit()).toEqual([
      { username: 'canbo1', action: 'call-next', counter_id: 1, ticket_id: first.ticketId, detail: null },
    ]);

    // Refused (the ticket is called, not being served): no row.
    const refused = await as('/api/counters/1/finish', { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'ticket_not_serving',
      message: `Số ${first.display} không đang được phục vụ tại Quầy 1.`,
    });
    expect(audit()).toHaveLength(1);

    expect((await as('/api/counters/1/start', { method: 'POST' })).status).toBe(200);
    // The counter view tells the console when the service started.
    const view = (await (await as('/api/counters/1')).json()) as {
      current: { status: string; serviceStartedAt: number; procedureId: string; callCount: number };
    };
    expect(view.current).toMatchObject({ status: 'serving', procedureId: 'can-cuoc-01', callCount: 1 });
    expect(view.current.serviceStartedAt).toBeGreaterThan(0);
    expect((await as('/api/counters/1/finish', { method: 'POST' })).status).toBe(200);
    expect(
      (await as('/api/counters/1/call-number', { method: 'POST', body: { display: second.display } })).status,
    ).toBe(200);

    expect(audit().map((r) => [r.action, r.counter_id, r.ticket_id])).toEqual([
      ['call-next', 1, first.ticketId],
      ['start', 1, first.ticketId],
      ['finish', 1, first.ticketId],
      ['call-number', 1, second.ticketId],
    ]);
    expect(JSON.parse(audit().at(-1)!.detail!)).toEqual({ display: second.display });
  });

  it("take and leave set the counter's officer, and calls carry the officer who holds it", async () => {
    const k = await mqttKiosk(t, 'kiosk-1');
    clients.push(k.client);
    const ticket = await k.issue('can-cuoc-01');
    const one = t.as(await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')));
    const two = t.as(await t.signIn('canbo2', await t.addAccount('canbo2', 'officer')));
    const officerOf = async (id: number) =>
      ((await (await one(`/api/counters/${id}`)).json()) as { officer: string | null }).officer;

    const took = await one('/api/counters/1/take', { method: 'POST' });
    expect(took.status).toBe(200);
    expect(await took.json()).toMatchObject({ counterId: 1, officer: 'canbo1' });
    expect(await officerOf(1)).toBe('canbo1');
    expect(counter(1).officer).toBe('canbo1');

    expect((await one('/api/counters/1/call-next', { method: 'POST' })).status).toBe(200);
    expect(t.hub.service.state.tickets.get(ticket.ticketId)!.officer).toBe('canbo1');

    // Another officer takes the counter over; leaving frees it.
    expect((await two('/api/counters/1/take', { method: 'POST' })).status).toBe(200);
    expect(await officerOf(1)).toBe('canbo2');
    expect((await two('/api/counters/1/start', { method: 'POST' })).status).toBe(200);
    expect(t.hub.service.state.tickets.get(ticket.ticketId)!.officer).toBe('canbo2');
    // Nobody leaves a citizen at the desk; once served, leaving closes the counter.
    const busy = await two('/api/counters/1/leave', { method: 'POST' });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('counter_busy');
    expect((await two('/api/counters/1/finish', { method: 'POST' })).status).toBe(200);
    expect((await two('/api/counters/1/leave', { method: 'POST' })).status).toBe(200);
    expect(await officerOf(1)).toBeNull();
    expect(counter(1)).toMatchObject({ officer: null, state: 'closed' });
    // Other counters are untouched.
    expect(await officerOf(2)).toBe('quay2');

    expect(audit("action IN ('take', 'leave')").map((r) => [r.username, r.action, r.counter_id])).toEqual([
      ['canbo1', 'take', 1],
      ['canbo2', 'take', 1],
      ['canbo2', 'leave', 1],
    ]);
  });
});

describe('counters and the officers at them, on a store as a first start leaves it', () => {
  let t: TestHub;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    t = await startTestHub({ staffed: false });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
    await t.stop();
  });

  const counterView = async (as: ReturnType<TestHub['as']>, id: number) =>
    (await (await as(`/api/counters/${id}`)).json()) as { state: string; officer: string | null };
  const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  it('every counter starts closed; nobody can open one without taking it, and taking it opens it', async () => {
    const k = await mqttKiosk(t, 'kiosk-1');
    clients.push(k.client);
    const ticket = await k.issue('can-cuoc-01');
    // Nobody sits anywhere: the ticket says so instead of promising a wait.
    expect(ticket.estimatedWaitSeconds).toBeNull();
    expect(ticket.counters).toEqual([]);
    expect([...t.hub.service.state.counters.values()].every((c) => c.state === 'closed' && !c.officer)).toBe(
      true,
    );
    const one = t.as(await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')));
    const open = await one('/api/counters/1/state', { method: 'POST', body: { state: 'open' } });
    expect(open.status).toBe(409);
    expect(await errorCode(open)).toBe('counter_no_officer');
    const call = await one('/api/counters/1/call-next', { method: 'POST' });
    expect(call.status).toBe(409);
    expect(await errorCode(call)).toBe('counter_not_open');

    expect((await one('/api/counters/1/take', { method: 'POST' })).status).toBe(200);
    expect(await counterView(one, 1)).toMatchObject({ state: 'open', officer: 'canbo1' });
    expect((await one('/api/counters/1/call-next', { method: 'POST' })).status).toBe(200);
    expect(t.hub.service.state.tickets.get(ticket.ticketId)).toMatchObject({
      status: 'called',
      officer: 'canbo1',
    });
  });

  it('one officer, one counter: a second take moves the officer, closes the first counter, and is audited', async () => {
    const one = t.as(await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')));
    expect((await one('/api/counters/1/take', { method: 'POST' })).status).toBe(200);
    expect((await one('/api/counters/3/take', { method: 'POST' })).status).toBe(200);
    expect(await counterView(one, 1)).toMatchObject({ state: 'closed', officer: null });
    expect(await counterView(one, 3)).toMatchObject({ state: 'open', officer: 'canbo1' });
    expect([...t.hub.service.state.counters.values()].filter((c) => c.officer === 'canbo1')).toHaveLength(1);

    // With a citizen called at counter 3, the officer stays until that citizen is dealt with.
    const k = await mqttKiosk(t, 'kiosk-1');
    clients.push(k.client);
    await k.issue('cu-tru-01');
    expect((await one('/api/counters/3/call-next', { method: 'POST' })).status).toBe(200);
    const refused = await one('/api/counters/1/take', { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(await errorCode(refused)).toBe('officer_busy_elsewhere');
    expect(await counterView(one, 1)).toMatchObject({ state: 'closed', officer: null });

    // A colleague taking over a desk is noted as such.
    const two = t.as(await t.signIn('canbo2', await t.addAccount('canbo2', 'officer')));
    expect((await two('/api/counters/3/take', { method: 'POST' })).status).toBe(200);
    const takes = t.hub.db
      .prepare("SELECT username, counter_id, detail FROM audit_log WHERE action = 'take' ORDER BY id")
      .all() as { username: string; counter_id: number; detail: string | null }[];
    expect(takes.map((r) => [r.username, r.counter_id, r.detail && JSON.parse(r.detail)])).toEqual([
      ['canbo1', 1, null],
      ['canbo1', 3, { movedFrom: [1], replaced: null }],
      ['canbo2', 3, { movedFrom: [], replaced: 'canbo1' }],
    ]);
  });
});
