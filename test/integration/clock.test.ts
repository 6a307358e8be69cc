// The issue's clock probes against a real hub in this process, its clock
// driven by hand (test/helpers/clock.ts): the office after a night on
// fake-hwclock, NTP stepping the clock forward or back, an ordinary
// midnight, and the confirmation by an officer over HTTP and MQTT.

import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { hubStatus } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { hanoi, TestTimeSources } from '../helpers/clock.js';
import {
  connectDevice,
  mqttKiosk,
  nextMessage,
  startTestHub,
  type TestHub,
  tempDir,
} from '../helpers/hub.js';

const HOUR = 3600_000;
const YESTERDAY = '2026-11-26';
const TODAY = '2026-11-27';
const TOMORROW = '2026-11-28';

let hubs: TestHub[] = [];
let clients: MqttClient[] = [];
const dirs: { remove: () => void }[] = [];

afterEach(async () => {
  for (const c of clients) c.end(true);
  for (const h of hubs) await h.stop();
  for (const d of dirs) d.remove();
  hubs = [];
  clients = [];
  dirs.length = 0;
});

async function hubAt(src: TestTimeSources, dataDir?: string) {
  const t = await startTestHub({ clock: src.options(), ...(dataDir ? { dataDir } : {}) });
  hubs.push(t);
  return t;
}

async function kiosk(t: TestHub, id = 'kiosk-1') {
  const k = await mqttKiosk(t, id);
  clients.push(k.client);
  return k;
}

type Body = { error: { code: string; message: string }; ticket: { display: string } } & Record<
  string,
  unknown
>;

/** An officer signed in, and a JSON fetch with the session. */
async function officer(t: TestHub, name = 'canbo1') {
  const cookie = await t.signIn(name, await t.addAccount(name, 'officer'));
  const as = t.as(cookie);
  return async (method: string, path: string, body?: unknown) => {
    const res = await as(path, { method, body });
    return { status: res.status, body: (await res.json()) as Body };
  };
}

const ticketsOf = (t: TestHub) =>
  t.hub.db
    .prepare(
      'SELECT display, service_date AS date, status, clock_untrusted AS untrusted FROM tickets ORDER BY seq',
    )
    .all() as { display: string; date: string; status: string; untrusted: number }[];

/** Calls the whole waiting line at counter 1 (each marked absent), as the officer. */
async function callAll(call: Awaited<ReturnType<typeof officer>>) {
  await call('POST', '/api/counters/1/take');
  const out: string[] = [];
  for (;;) {
    const r = await call('POST', '/api/counters/1/call-next');
    if (r.status !== 200) return out;
    out.push(r.body.ticket.display);
    expect((await call('POST', '/api/counters/1/no-show')).status).toBe(200);
  }
}

describe('the hub after a night without a trusted clock', () => {
  it('boots on yesterday evening unsynchronised: untrusted, keeps issuing; an officer confirms: the tickets carry today', async () => {
    const dir = tempDir();
    dirs.push(dir);
    // Yesterday afternoon, synchronised: 1001 served, 1002 still waiting when the office closed.
    const day1 = new TestTimeSources(hanoi(2026, 11, 26, 15, 0)).synced(true);
    const first = await hubAt(day1, dir.path);
    const k1 = await kiosk(first);
    await k1.issue('can-cuoc-01');
    await k1.issue('can-cuoc-01');
    const call1 = await officer(first);
    await call1('POST', '/api/counters/1/take');
    await call1('POST', '/api/counters/1/call-next');
    await call1('POST', '/api/counters/1/start');
    await call1('POST', '/api/counters/1/finish');
    k1.client.end(true);
    await first.stop();
    hubs = [];

    // A power cut; this morning at 07:25 the hub boots with the time fake-hwclock saved: 18:00 yesterday.
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 0));
    const t = await hubAt(src, dir.path);
    const clock = await (await fetch(`${t.httpUrl}/api/clock`)).json();
    expect(clock).toEqual({
      now: src.wall,
      trusted: false,
      source: 'system',
      serviceDate: YESTERDAY,
      timeZone: 'Asia/Ho_Chi_Minh',
      site: 'Test office',
    });
    // The office cannot wait: tickets go on being issued (yesterday's date for now, marked).
    const k = await kiosk(t, 'kiosk-2');
    const retained = nextMessage(k.client, topics.hubStatus);
    await k.client.subscribeAsync(topics.hubStatus);
    const status = hubStatus.parse(JSON.parse((await retained).toString()));
    expect(status.clock).toEqual({ source: 'system', trusted: false, offsetMs: 0 });
    src.advance(5 * 60_000);
    expect((await k.issue('can-cuoc-01')).display).toBe('1003');
    expect((await k.issue('can-cuoc-01')).display).toBe('1004');

    // An officer signs in, sees the banner (the console reads /api/clock) and confirms 07:30 today.
    const call = await officer(t, 'canbo2');
    const details = await call('GET', '/api/clock');
    expect(details.body).toMatchObject({ trusted: false, reason: 'not_synchronised', confirmation: null });
    const statusAfter = nextMessage(k.client, topics.hubStatus);
    const confirmed = await call('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 7, 30) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      trusted: true,
      source: 'confirmed',
      serviceDate: TODAY,
      confirmation: { by: 'canbo2', at: hanoi(2026, 11, 27, 7, 30) },
      message: 'Đã xác nhận giờ: 07:30 27/11/2026.',
    });
    // Devices learn it: the hub's time is their clock plus the offset, and it is trusted.
    const published = hubStatus.parse(JSON.parse((await statusAfter).toString()));
    expect(published.clock).toEqual({
      source: 'confirmed',
      trusted: true,
      offsetMs: hanoi(2026, 11, 27, 7, 30) - src.wall,
    });

    // This morning's 1003 and 1004 now carry today, same numbers; yesterday's leftover 1002 is cancelled.
    expect(ticketsOf(t)).toEqual([
      { display: '1001', date: YESTERDAY, status: 'done', untrusted: 0 },
      { display: '1002', date: YESTERDAY, status: 'cancelled', untrusted: 0 },
      { display: '1003', date: TODAY, status: 'waiting', untrusted: 0 },
      { display: '1004', date: TODAY, status: 'waiting', untrusted: 0 },
    ]);
    // They were issued a moment ago: their times moved with the clock (events too), so waits come out right.
    const issued = t.hub.db
      .prepare(
        "SELECT t.display, t.issued_at AS issuedAt, e.at AS eventAt FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id AND e.type = 'issued' WHERE t.display IN ('1003', '1004') ORDER BY t.seq",
      )
      .all();
    const confirmedAt = hanoi(2026, 11, 27, 7, 30);
    expect(issued).toEqual([
      { display: '1003', issuedAt: confirmedAt, eventAt: confirmedAt },
      { display: '1004', issuedAt: confirmedAt, eventAt: confirmedAt },
    ]);
    expect(t.logs.lines.join('\n')).toMatch(/ticket times moved with the clock tickets=2 byMs=48300000/);
    // Numbering counts on; new tickets carry today and the time as confirmed.
    const next = await k.issue('can-cuoc-01');
    expect(next).toMatchObject({ display: '1005', serviceDate: TODAY, issuedAt: hanoi(2026, 11, 27, 7, 30) });
    // The officer's session lives on across the 13.5-hour step, and the line is in order.
    expect(await callAll(call)).toEqual(['1003', '1004', '1005']);
    // The confirmation is in the audit log.
    const audit = t.hub.db
      .prepare("SELECT username, detail FROM audit_log WHERE action = 'clock-confirm'")
      .all() as { username: string; detail: string }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]!.username).toBe('canbo2');
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({
      source: 'system',
      stepMs: 13.5 * HOUR - 5 * 60_000,
    });
    expect(t.logs.lines.join('\n')).toMatch(
      /daily reset from=2026-11-26 serviceDate=2026-11-27 cancelled=1 carried=2/,
    );
  });

  it('NTP steps the clock forward after 20 tickets: none cancelled, numbering continues', async () => {
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 0));
    const t = await hubAt(src);
    const k = await kiosk(t);
    for (let i = 1; i <= 20; i++) expect((await k.issue('can-cuoc-01')).display).toBe(String(1000 + i));
    // The network comes back: NTP sets the clock to 08:05 today and says it is synchronised.
    src.step(hanoi(2026, 11, 27, 8, 5) - src.wall).synced(true);
    await t.hub.clock.refresh();
    expect(t.hub.service.state.serviceDate).toBe(TODAY);
    const rows = ticketsOf(t);
    expect(rows.filter((r) => r.status === 'cancelled')).toEqual([]);
    expect(rows.every((r) => r.date === TODAY && r.status === 'waiting')).toBe(true);
    expect((await k.issue('can-cuoc-01')).display).toBe('1021');
  });

  it('even tickets issued on a trusted clock survive a forward jump: they are minutes old', async () => {
    // An RTC that was hours behind (trusted, plausible), then NTP corrects it across midnight.
    const src = new TestTimeSources(hanoi(2026, 11, 26, 22, 0)).rtc(hanoi(2026, 11, 26, 22, 0));
    const t = await hubAt(src);
    const k = await kiosk(t);
    await k.issue('can-cuoc-01');
    src.advance(10 * 60_000);
    await k.issue('can-cuoc-01');
    src
      .step(10 * HOUR)
      .synced(true)
      .rtc(null);
    await t.hub.clock.refresh();
    expect(ticketsOf(t).map((r) => [r.display, r.date, r.status])).toEqual([
      ['1001', TODAY, 'waiting'],
      ['1002', TODAY, 'waiting'],
    ]);
  });
});

describe('an untrusted clock for longer', () => {
  it('nobody confirms for days: the line still starts afresh each day', async () => {
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 0));
    const t = await hubAt(src);
    const k = await kiosk(t);
    await k.issue('can-cuoc-01');
    await k.issue('can-cuoc-01');
    // The day goes by on the untrusted clock (it runs at the right rate).
    src.advance(9 * HOUR);
    expect(t.hub.rollover.check()).toEqual({ cancelled: 2, carried: 0 });
    expect(await k.issue('can-cuoc-01')).toMatchObject({ display: '1001', serviceDate: TODAY });
  });

  it('the hub restarted before anyone confirmed: the tickets of this boot still move with the confirmed time', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 0));
    const first = await hubAt(src, dir.path);
    await (await kiosk(first)).issue('can-cuoc-01');
    await first.stop();
    hubs = [];
    clients = [];
    src.advance(60_000);
    const t = await hubAt(src, dir.path);
    const call = await officer(t);
    expect((await call('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 7, 31) })).status).toBe(200);
    expect(ticketsOf(t)).toEqual([{ display: '1001', date: TODAY, status: 'waiting', untrusted: 0 }]);
    const issuedAt = (t.hub.db.prepare('SELECT issued_at AS at FROM tickets').get() as { at: number }).at;
    expect(issuedAt).toBe(hanoi(2026, 11, 27, 7, 30));
  });
});

describe('the hub under a clock stepping back, and at midnight', () => {
  it('the clock steps back two minutes: order and numbers unchanged', async () => {
    const src = new TestTimeSources(hanoi(2026, 11, 27, 9, 0)).synced(true);
    const t = await hubAt(src);
    const k = await kiosk(t);
    await k.issue('can-cuoc-01');
    src.advance(30_000);
    await k.issue('can-cuoc-01');
    src.step(-120_000);
    await t.hub.clock.refresh();
    expect((await k.issue('can-cuoc-01')).display).toBe('1003');
    src.advance(10_000);
    expect((await k.issue('can-cuoc-02')).display).toBe('1004');
    expect(t.hub.service.state.serviceDate).toBe(TODAY);
    expect(await callAll(await officer(t))).toEqual(['1001', '1002', '1003', '1004']);
  });

  it('an ordinary midnight still resets; a step back over midnight and forward again does not reset twice', async () => {
    const src = new TestTimeSources(hanoi(2026, 11, 27, 16, 0)).synced(true);
    const t = await hubAt(src);
    const k = await kiosk(t);
    await k.issue('can-cuoc-01');
    await k.issue('cu-tru-01');
    // The evening passes; the office closed with two tickets still waiting.
    src.advance(8 * HOUR + 30_000);
    expect(t.hub.rollover.check()).toEqual({ cancelled: 2, carried: 0 });
    expect(t.hub.service.state.serviceDate).toBe(TOMORROW);
    const first = await k.issue('can-cuoc-01');
    expect(first).toMatchObject({ display: '1001', serviceDate: TOMORROW });
    // NTP pulls the clock back a minute, over midnight, then time runs on past it again.
    src.step(-60_000);
    await t.hub.clock.refresh();
    expect(t.hub.rollover.check()).toBe(null);
    expect((await k.issue('can-cuoc-01')).display).toBe('1002');
    src.advance(5 * 60_000);
    expect(t.hub.rollover.check()).toBe(null);
    expect(await k.issue('can-cuoc-01')).toMatchObject({ display: '1003', serviceDate: TOMORROW });
  });
});

describe('confirming the time', () => {
  it('is refused while NTP is trusted, for a time before the last stored event, nonsense, no session, another site', async () => {
    const synced = new TestTimeSources(hanoi(2026, 11, 27, 9, 0)).synced(true);
    const t1 = await hubAt(synced);
    const c1 = await officer(t1);
    const trusted = await c1('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 9, 0) });
    expect(trusted).toEqual({
      status: 409,
      body: {
        error: {
          code: 'clock_trusted',
          message: 'Giờ của hệ thống đã được đồng bộ (Đồng bộ qua mạng (NTP)); không cần xác nhận.',
        },
      },
    });

    // A store with events up to 09:00 today, a hub booting on yesterday's time.
    const dir = tempDir();
    dirs.push(dir);
    const before = await hubAt(new TestTimeSources(hanoi(2026, 11, 27, 9, 0)).synced(true), dir.path);
    await (await kiosk(before, 'kiosk-9')).issue('can-cuoc-01');
    await before.stop();
    hubs = hubs.filter((h) => h !== before);
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 0));
    const t = await hubAt(src, dir.path);
    const call = await officer(t);
    const early = await call('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 8, 0) });
    expect(early.status).toBe(400);
    expect(early.body.error).toEqual({
      code: 'before_last_event',
      message:
        'Giờ trên máy tính này (08:00 27/11/2026) sớm hơn lần ghi cuối cùng của hệ thống (09:00 27/11/2026); hãy kiểm tra lại giờ máy tính.',
    });
    expect((await call('POST', '/api/clock/confirm', { now: Date.UTC(1999, 0, 1) })).body.error.code).toBe(
      'implausible_time',
    );
    expect((await call('POST', '/api/clock/confirm', { now: 'today' })).status).toBe(400);
    expect((await call('POST', '/api/clock/confirm', {})).status).toBe(400);
    const anonymous = await fetch(`${t.httpUrl}/api/clock/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.httpUrl },
      body: JSON.stringify({ now: hanoi(2026, 11, 27, 9, 30) }),
    });
    expect(anonymous.status).toBe(401);
    const cookie = await t.signIn('canbo3', await t.addAccount('canbo3', 'officer'));
    const crossSite = await fetch(`${t.httpUrl}/api/clock/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example', cookie },
      body: JSON.stringify({ now: hanoi(2026, 11, 27, 9, 30) }),
    });
    expect(crossSite.status).toBe(403);
    // Nothing of that changed the clock or wrote an audit row.
    expect(t.hub.clock.status()).toMatchObject({ source: 'system', trusted: false });
    expect(
      t.hub.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'clock-confirm'").get(),
    ).toEqual({ n: 0 });
    // The right time goes through.
    expect((await call('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 9, 30) })).status).toBe(200);
  });

  it('a confirmation survives a restart of the hub in the same boot, not a reboot', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 0));
    const t = await hubAt(src, dir.path);
    const call = await officer(t);
    await call('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 7, 30) });
    await t.stop();
    hubs = [];
    src.advance(60_000);
    const again = await hubAt(src, dir.path);
    expect(again.hub.clock.status()).toMatchObject({ source: 'confirmed', trusted: true });
    expect(again.hub.clock.now()).toBe(hanoi(2026, 11, 27, 7, 31));
    await again.stop();
    hubs = [];
    const rebooted = await startTestHub({ dataDir: dir.path, clock: src.options({ bootId: 'boot-2' }) });
    hubs.push(rebooted);
    expect(rebooted.hub.clock.status()).toMatchObject({ source: 'system', trusted: false });
  });
});

describe('devices follow the hub clock', () => {
  it('the retained hub status tells a device connecting later', async () => {
    const src = new TestTimeSources(hanoi(2026, 11, 27, 9, 0)).synced(true);
    const t = await hubAt(src);
    const client = await connectDevice(t.mqttUrl, 'kiosk-7', t.addDevice('kiosk-7', 'kiosk'));
    clients.push(client);
    const arriving = nextMessage(client, topics.hubStatus);
    await client.subscribeAsync(topics.hubStatus);
    const status = hubStatus.parse(JSON.parse((await arriving).toString()));
    expect(status).toMatchObject({ clock: { source: 'ntp', trusted: true, offsetMs: 0 }, at: src.wall });
  });
});
