// Device links cut and restored while tickets, calls, announcements and
// ratings flow. Every device reaches the hub through a loopback TCP proxy
// (test/helpers/tcp-proxy.ts) that drops all links at once, now and then
// keeps the link down for a while, then lets it back. The devices run the
// real connection code (shared/device/connection.ts: persistent session,
// QoS 1, reconnect) and retry a request with the same requestId until it is
// answered, as the protocol asks. Officers work over HTTP (not cut).
//
// Afterwards: every answered ticket request is in the store exactly once,
// every call reached the speaker and was reported played exactly once, and
// every rating is stored once, on the ticket it was pressed for.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConnection } from '../../shared/device/connection.js';
import { announcement, type IssuedTicket, ratingResult } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until, within } from '../helpers/wait.js';
import {
  allTickets,
  duplicates,
  openDevice,
  pressUntilPrinted,
  type RetryStats,
  requestUntilAnswered,
  sleep,
  untilConnected,
} from './support.js';

const KIOSKS = 3;
const PRESSES_PER_KIOSK = 50; // at least: kiosks press on until the links were cut MIN_CUTS times
const MIN_CUTS = 10;
const SERVICES = 30; // tickets called, served, finished and rated at counter 1
const PROCEDURES = ['can-cuoc-01', 'can-cuoc-02', 'cu-tru-01'];

let t: TestHub;
let proxy: TcpProxy;
const devices: DeviceConnection[] = [];

beforeAll(async () => {
  t = await startTestHub();
  proxy = await startTcpProxy(t.hub.mqttPort);
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.client.endAsync(true)));
  await proxy.close();
  await t.stop();
});

describe('device links cut and restored while tickets, calls and ratings flow', () => {
  it('loses nothing and doubles nothing', async () => {
    const url = `mqtt://127.0.0.1:${proxy.port}`;
    const kiosks = Array.from({ length: KIOSKS }, (_, i) => {
      const d = openDevice(url, `kiosk-${i}`, 'kiosk', t.addDevice(`kiosk-${i}`, 'kiosk'));
      devices.push(d);
      return d;
    });
    const speaker = openDevice(url, 'speaker-1', 'speaker', t.addDevice('speaker-1', 'speaker'), [
      topics.announce,
    ]);
    const rating = openDevice(url, 'rating-1', 'rating', t.addDevice('rating-1', 'rating', 1), [
      topics.counterState(1),
    ]);
    devices.push(speaker, rating);
    await Promise.all(devices.map((d) => untilConnected(d)));
    let reconnects = 0;
    for (const d of devices) d.on('connected', () => reconnects++);
    const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
    expect((await officer('/api/counters/1/take', { method: 'POST' })).status).toBe(200);

    // The speaker: every announcement heard (with repeats), each call reported played once it is heard.
    const heard: string[] = [];
    const reports: Promise<unknown>[] = [];
    const playStats: RetryStats = { retried: 0 };
    speaker.on('message', (topic, payload) => {
      if (topic !== topics.announce) return;
      const call = announcement.parse(JSON.parse(payload.toString()));
      if (!heard.includes(call.callId)) {
        const at = Date.now();
        reports.push(
          requestUntilAnswered(
            speaker,
            'announcement-played',
            { callId: call.callId, startedAt: at, endedAt: at + 1 },
            `played-${call.callId}`,
            { stats: playStats },
          ),
        );
      }
      heard.push(call.callId);
    });

    // Chaos: cut every link every 100–300 ms; one time in three, keep it
    // down 300–900 ms, longer than a device waits for a reply.
    let chaos = true;
    const chaosLoop = (async () => {
      while (chaos) {
        await sleep(100 + Math.random() * 200);
        if (!chaos) break;
        proxy.cut();
        if (Math.random() < 1 / 3) {
          proxy.down();
          await sleep(300 + Math.random() * 600);
          proxy.up();
        }
      }
    })();

    // Kiosks press, each press retried with its requestId until answered.
    const printed = new Map<string, IssuedTicket & { kiosk: string }>();
    const pressStats: RetryStats = { retried: 0 };
    const kioskLoops = kiosks.map(async (kiosk, i) => {
      for (let n = 0; n < PRESSES_PER_KIOSK || proxy.cuts < MIN_CUTS; n++) {
        const requestId = `k${i}-p${n}`;
        const ticket = await pressUntilPrinted(
          kiosk,
          requestId,
          PROCEDURES[n % PROCEDURES.length]!,
          pressStats,
        );
        printed.set(requestId, { ...ticket, kiosk: `kiosk-${i}` });
        await sleep(Math.random() * 50);
      }
    });

    // The officer at counter 1: call, serve, finish; the citizen rates each service.
    const rated: { ticketId: string; requestId: string }[] = [];
    const rateStats: RetryStats = { retried: 0 };
    const officerLoop = (async () => {
      for (let s = 0; s < SERVICES; s++) {
        // 409 queue_empty: the kiosks have not caught up yet.
        const called = await until(
          `a ticket to call for service ${s + 1}`,
          async () => {
            const res = await officer('/api/counters/1/call-next', { method: 'POST' });
            return res.status === 409 ? null : res;
          },
          20_000,
        );
        expect(called.status).toBe(200);
        const { ticket } = (await called.json()) as { ticket: { id: string } };
        expect((await officer('/api/counters/1/start', { method: 'POST' })).status).toBe(200);
        await sleep(Math.random() * 30);
        expect((await officer('/api/counters/1/finish', { method: 'POST' })).status).toBe(200);
        const requestId = `rate-${s}`;
        const pressedAt = Date.now();
        const answer = await requestUntilAnswered(
          rating,
          'submit-rating',
          () => ({ level: 'very_satisfied', pressedAt, sentAt: Date.now(), counterId: 1 }),
          requestId,
          { stats: rateStats },
        );
        const result = ratingResult.parse(answer.data);
        expect(result).toMatchObject({ ticketId: ticket.id, outcome: 'recorded' });
        rated.push({ ticketId: ticket.id, requestId });
      }
    })();

    await within('the kiosks and the officer to finish', Promise.all([...kioskLoops, officerLoop]), 240_000);
    chaos = false;
    await chaosLoop;
    const cutsUnderTraffic = proxy.cuts;

    // One call made for certain while the speaker's link is down: it waits in
    // the speaker's persistent session and arrives when the link is back.
    proxy.down();
    proxy.cut();
    await expect.poll(() => t.hub.broker.connectedDevices(), { timeout: 5_000 }).toEqual([]);
    const whileDown = await officer('/api/counters/1/call-next', { method: 'POST' });
    expect(whileDown.status).toBe(200);
    const { call } = (await whileDown.json()) as { call: { callId: string } };
    await sleep(300); // an absence: time for a wrong delivery to show, not a wait for something
    expect(heard).not.toContain(call.callId);
    proxy.up();
    await expect.poll(() => heard.includes(call.callId), { timeout: 10_000, interval: 20 }).toBe(true);
    expect((await officer('/api/counters/1/start', { method: 'POST' })).status).toBe(200);
    expect((await officer('/api/counters/1/finish', { method: 'POST' })).status).toBe(200);

    const db = t.hub.db;
    const calls = db.prepare('SELECT id FROM calls').all() as { id: string }[];
    // Announcements published while the speaker's link was down wait in its session.
    await expect
      .poll(() => calls.filter((c) => !heard.includes(c.id)), { timeout: 10_000, interval: 50 })
      .toEqual([]);
    await Promise.all(reports);

    // Tickets: every answered request exactly once, as printed; nothing else.
    const rows = allTickets(db);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(printed.size).toBeGreaterThanOrEqual(KIOSKS * PRESSES_PER_KIOSK);
    for (const [requestId, ticket] of printed) {
      expect(byId.get(ticket.ticketId), requestId).toMatchObject({
        display: ticket.display,
        source_device: ticket.kiosk,
        source_request: requestId,
      });
    }
    expect(rows).toHaveLength(printed.size);
    expect(duplicates(rows, (r) => `${r.source_device}/${r.source_request}`)).toEqual([]);
    expect(duplicates(rows, (r) => `${r.service_date}/${r.series_key}/${r.number}`)).toEqual([]);
    expect(rows.filter((r) => r.status === 'done')).toHaveLength(SERVICES + 1);

    // Calls: one per service, each heard, each reported played once.
    expect(calls).toHaveLength(SERVICES + 1);
    const playbacks = db.prepare('SELECT call_id, device_id FROM call_playbacks').all() as {
      call_id: string;
    }[];
    expect(playbacks.map((p) => p.call_id).sort()).toEqual(calls.map((c) => c.id).sort());

    // Ratings: one per service, on the ticket it was pressed for, stored once.
    const ratings = db.prepare('SELECT id, ticket_id FROM ratings ORDER BY at').all() as {
      id: string;
      ticket_id: string;
    }[];
    expect(ratings).toEqual(rated.map((r) => ({ id: r.requestId, ticket_id: r.ticketId })));

    // The links really were cut under the traffic: cut events (each breaking
    // open links), not sockets, and the devices came back after them.
    expect(cutsUnderTraffic).toBeGreaterThanOrEqual(MIN_CUTS);
    expect(reconnects).toBeGreaterThanOrEqual(MIN_CUTS);
    console.log(
      `${cutsUnderTraffic} cuts under traffic (${proxy.linksCut} links in all), ${printed.size} presses, ${reconnects} reconnections; retried: ${pressStats.retried} presses, ` +
        `${rateStats.retried} ratings, ${playStats.retried} playback reports; ` +
        `${heard.length} announcements heard for ${calls.length} calls; ` +
        `${t.hub.metrics.get('request_repeated')} repeated requests answered from the store`,
    );
  }, 300_000);
});
