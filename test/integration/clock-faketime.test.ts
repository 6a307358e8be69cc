// The issue's clock probes against real hub processes whose wall clock is
// moved by libfaketime (test/helpers/faketime.ts) and whose NTP status comes
// from a stub timedatectl: a night on fake-hwclock then an officer's
// confirmation, NTP stepping forward after 20 tickets, the clock stepping
// back two minutes, and an ordinary midnight.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../hub/auth/account-store.js';
import { generatePassword, hashPassword } from '../../hub/auth/passwords.js';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { type IssuedTicket, reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { hanoi } from '../helpers/clock.js';
import { FakeTime, LIBFAKETIME } from '../helpers/faketime.js';
import { connectDevice, freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import { NO_FAKETIME, skipping } from '../helpers/skip.js';

const TIMEOUT = 180_000;
const YESTERDAY = '2026-11-26';
const TODAY = '2026-11-27';

interface Office {
  dir: string;
  ft: FakeTime;
  kioskPassword: string;
  officerPassword: string;
  ports: [number, number];
  hub?: HubProcess;
  client?: MqttClient;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A data folder with a kiosk and an officer, a faked clock, a config reading no RTC and the sources every second. */
async function office(): Promise<Office> {
  const tmp = tempDir('qms-faketime-');
  cleanups.push(tmp.remove);
  const dataDir = join(tmp.path, 'data');
  const db = openDb(dataDir);
  const kioskPassword = new DeviceStore(db).register('kiosk-1', 'kiosk', null, Date.now());
  const officerPassword = generatePassword();
  new AccountStore(db).create(
    {
      username: 'canbo1',
      displayName: 'Cán bộ 1',
      role: 'officer',
      passwordHash: await hashPassword(officerPassword),
    },
    Date.now(),
  );
  db.close();
  writeFileSync(join(tmp.path, 'hub.json'), JSON.stringify({ clock: { rtc: '', checkSeconds: 1 } }));
  return {
    dir: tmp.path,
    ft: new FakeTime(tmp.path),
    kioskPassword,
    officerPassword,
    ports: [await freePort(), await freePort()],
  };
}

async function start(o: Office): Promise<HubProcess> {
  const hub = await spawnHub(join(o.dir, 'data'), o.ports[0], o.ports[1], {
    env: { ...o.ft.env(), QMS_CONFIG: join(o.dir, 'hub.json') },
    readyMs: 60_000,
  });
  o.hub = hub;
  cleanups.push(() => hub.kill('SIGKILL'));
  return hub;
}

async function stop(o: Office): Promise<void> {
  o.client?.end(true);
  o.client = undefined;
  await o.hub?.kill('SIGTERM');
  o.hub = undefined;
}

let seq = 0;
async function issue(o: Office, procedureId = 'can-cuoc-01'): Promise<IssuedTicket> {
  if (!o.client) {
    o.client = await connectDevice(`mqtt://127.0.0.1:${o.ports[0]}`, 'kiosk-1', o.kioskPassword);
    await o.client.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
    const c = o.client;
    cleanups.push(() => void c.end(true));
  }
  const client = o.client;
  const requestId = `r-${++seq}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${requestId}`)), 10_000);
    const onMessage = (_topic: string, payload: Buffer) => {
      const r = reply.parse(JSON.parse(payload.toString()));
      if (r.requestId !== requestId) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      if (r.ok) resolve(r.data as IssuedTicket);
      else reject(new Error(JSON.stringify(r)));
    };
    client.on('message', onMessage);
    client.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId, procedureId }),
      { qos: 1 },
    );
  });
}

/** The officer signed in: a JSON call to the hub. */
async function officer(o: Office) {
  const base = `http://127.0.0.1:${o.ports[1]}`;
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'canbo1', password: o.officerPassword }),
  });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  // State-changing requests go as JSON (`{}` when there is no data), as the hub requires.
  return async (method: string, path: string, data?: unknown) => {
    const body = data === undefined && method !== 'GET' ? {} : data;
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        cookie,
        origin: base,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: r.status,
      body: (await r.json()) as Record<string, unknown> & { ticket?: { display: string } },
    };
  };
}

const clockOf = async (o: Office) =>
  (await (await fetch(`http://127.0.0.1:${o.ports[1]}/api/clock`)).json()) as {
    now: number;
    trusted: boolean;
    source: string;
    serviceDate: string;
  };

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tickets(o: Office) {
  const db = openDb(join(o.dir, 'data'));
  try {
    return db.prepare('SELECT display, service_date AS date, status FROM tickets ORDER BY seq').all() as {
      display: string;
      date: string;
      status: string;
    }[];
  } finally {
    db.close();
  }
}

const noFaketime = skipping('a real hub under a faked clock', !LIBFAKETIME && NO_FAKETIME);
describe.skipIf(noFaketime)('a real hub under a faked clock', () => {
  it(
    'boots on yesterday evening without sync: untrusted; an officer confirms: the tickets carry today',
    async () => {
      const o = await office();
      // Yesterday afternoon, NTP synchronised: 1001 served, 1002 still waiting at closing time.
      o.ft.at(hanoi(2026, 11, 26, 15, 0)).synced(true);
      await start(o);
      expect(await issue(o)).toMatchObject({ display: '1001', serviceDate: YESTERDAY });
      expect(await issue(o)).toMatchObject({ display: '1002', serviceDate: YESTERDAY });
      const day1 = await officer(o);
      for (const step of ['take', 'call-next', 'start', 'finish']) {
        expect((await day1('POST', `/api/counters/1/${step}`)).status).toBe(200);
      }
      await stop(o);

      // Power cut; the hub boots this morning with what fake-hwclock saved (18:00 yesterday), no network.
      o.ft.at(hanoi(2026, 11, 26, 18, 0)).synced(false);
      await start(o);
      expect(await clockOf(o)).toMatchObject({ trusted: false, source: 'system', serviceDate: YESTERDAY });
      expect(await issue(o)).toMatchObject({ display: '1003', serviceDate: YESTERDAY });
      expect(await issue(o)).toMatchObject({ display: '1004', serviceDate: YESTERDAY });

      const call = await officer(o);
      const confirmed = await call('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 7, 30) });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({ trusted: true, source: 'confirmed', serviceDate: TODAY });
      expect(await clockOf(o)).toMatchObject({ trusted: true, serviceDate: TODAY });
      expect(await issue(o)).toMatchObject({ display: '1005', serviceDate: TODAY });
      expect(tickets(o)).toEqual([
        { display: '1001', date: YESTERDAY, status: 'done' },
        { display: '1002', date: YESTERDAY, status: 'cancelled' },
        { display: '1003', date: TODAY, status: 'waiting' },
        { display: '1004', date: TODAY, status: 'waiting' },
        { display: '1005', date: TODAY, status: 'waiting' },
      ]);
      // The system clock was not touched: it still says yesterday evening.
      expect(o.hub!.output()).toMatch(/time confirmed by a person/);
      expect(o.hub!.output()).toMatch(
        /daily reset from=2026-11-26 serviceDate=2026-11-27 cancelled=1 carried=2/,
      );
    },
    TIMEOUT,
  );

  it(
    'NTP steps the clock forward after 20 tickets: none cancelled, numbering continues',
    async () => {
      const o = await office();
      o.ft.at(hanoi(2026, 11, 26, 18, 0)).synced(false);
      await start(o);
      for (let i = 1; i <= 20; i++) expect((await issue(o)).display).toBe(String(1000 + i));
      // The network is back: the clock is set to 08:05 today and is synchronised.
      o.ft.at(hanoi(2026, 11, 27, 8, 5)).synced(true);
      await until(
        'the hub on NTP time',
        () => clockOf(o),
        (c) => c.source === 'ntp' && c.serviceDate === TODAY,
      );
      // Seen as a step of some 14 hours, whichever noticed first (the watch on the system clock or the NTP probe).
      expect(o.hub!.output()).toMatch(/clock source=ntp trusted=true stepMs=50[67]\d{5}/);
      const rows = tickets(o);
      expect(rows.filter((r) => r.status === 'cancelled')).toEqual([]);
      expect(rows).toHaveLength(20);
      expect(rows.every((r) => r.date === TODAY)).toBe(true);
      expect(await issue(o)).toMatchObject({ display: '1021', serviceDate: TODAY });
      expect(o.hub!.output()).toMatch(
        /daily reset from=2026-11-26 serviceDate=2026-11-27 cancelled=0 carried=20/,
      );
    },
    TIMEOUT,
  );

  it(
    'the clock steps back two minutes: order and numbers unchanged',
    async () => {
      const o = await office();
      o.ft.at(hanoi(2026, 11, 27, 9, 0)).synced(true);
      await start(o);
      await issue(o);
      await new Promise((r) => setTimeout(r, 1100));
      await issue(o);
      const before = (await clockOf(o)).now;
      o.ft.at(before - 120_000);
      await until(
        'the step noticed',
        async () => o.hub!.output(),
        // Noticed by the watch on the system clock or the next reading of the sources, whichever is first.
        (out) => /stepMs=-1[12]\d{4}/.test(out),
      );
      expect((await clockOf(o)).now).toBeLessThan(before - 60_000);
      expect((await issue(o)).display).toBe('1003');
      expect((await issue(o, 'can-cuoc-02')).display).toBe('1004');
      const call = await officer(o);
      await call('POST', '/api/counters/1/take');
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await call('POST', '/api/counters/1/call-next');
        expect(r.status).toBe(200);
        order.push(r.body.ticket!.display);
        await call('POST', '/api/counters/1/no-show');
      }
      expect(order).toEqual(['1001', '1002', '1003', '1004']);
    },
    TIMEOUT,
  );

  it(
    'an ordinary midnight still resets: the evening’s leftovers are cancelled, numbering restarts',
    async () => {
      const o = await office();
      o.ft.at(hanoi(2026, 11, 27, 16, 30)).synced(true);
      await start(o);
      await issue(o);
      await issue(o, 'cu-tru-01');
      await stop(o);
      // The hub is started again late in the evening; midnight comes while it runs.
      o.ft.at(hanoi(2026, 11, 27, 23, 50));
      await start(o);
      expect((await clockOf(o)).serviceDate).toBe(TODAY);
      o.ft.at(hanoi(2026, 11, 27, 23, 59, 57));
      await until(
        'midnight passed',
        () => clockOf(o),
        (c) => c.serviceDate === '2026-11-28',
        30_000,
      );
      expect(o.hub!.output()).toMatch(
        /daily reset from=2026-11-27 serviceDate=2026-11-28 cancelled=2 carried=0/,
      );
      expect(await issue(o)).toMatchObject({ display: '1001', serviceDate: '2026-11-28' });
    },
    TIMEOUT,
  );
});
