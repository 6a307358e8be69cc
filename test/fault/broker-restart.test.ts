// The broker restarted under connected devices: the hub process (which
// embeds it) stopped and started again on the same ports, once gracefully
// (SIGTERM) and once killed (SIGKILL). The broker's sessions and retained
// messages live in memory and are lost; the devices, on their real
// connection code, must reconnect by themselves and re-subscribe, and the
// retained state the hub republishes from its store must equal the store:
// every counter (state, officer, current ticket), the queue summary, the
// hub status (with the new start time). Live messages flow again afterwards.

import { afterAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../hub/auth/account-store.js';
import { hashPassword } from '../../hub/auth/passwords.js';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import type { DeviceConnection } from '../../shared/device/connection.js';
import {
  announcement,
  counterStateMessage,
  hubStatus,
  queueSummary,
} from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import { openDevice, pressUntilPrinted, readStore, untilConnected } from './support.js';

const dir = tempDir('qms-fault-broker-');
let hub: HubProcess | undefined;
const devices: DeviceConnection[] = [];
afterAll(async () => {
  await Promise.all(devices.map((d) => d.client.endAsync(true)));
  await hub?.kill();
  dir.remove();
});

interface CounterRow {
  id: number;
  name: string;
  state: string;
  officer: string | null;
  current_ticket_id: string | null;
  current_status: string | null;
}

/** Every counter as the store has it, in the shape of the retained message. */
function storeCounters() {
  const rows = readStore(
    dir.path,
    (db) =>
      db
        .prepare(
          `SELECT c.id, c.name, c.state, c.officer, c.current_ticket_id, t.status AS current_status
           FROM counters c LEFT JOIN tickets t ON t.id = c.current_ticket_id ORDER BY c.id`,
        )
        .all() as CounterRow[],
  );
  return rows.map((r) => ({
    counterId: r.id,
    name: r.name,
    state: r.state,
    officer: r.officer,
    current: r.current_ticket_id ? { ticketId: r.current_ticket_id, status: r.current_status } : null,
  }));
}

function storeWaiting(): Record<string, number> {
  const rows = readStore(
    dir.path,
    (db) =>
      db
        .prepare(
          `SELECT f.id AS fieldId, (SELECT count(*) FROM tickets t WHERE t.field_id = f.id AND t.status = 'waiting') AS waiting
           FROM fields f WHERE f.active = 1 ORDER BY f.id`,
        )
        .all() as { fieldId: string; waiting: number }[],
  );
  return Object.fromEntries(rows.map((r) => [r.fieldId, r.waiting]));
}

/** The last message each device got on each topic (retained or live). */
function lastMessages(device: DeviceConnection) {
  const last = new Map<string, unknown>();
  device.on('message', (topic, payload) => {
    if (payload.length) last.set(topic, JSON.parse(payload.toString()));
  });
  return last;
}

const heldCounters = (last: Map<string, unknown>) =>
  [...last]
    .filter(([topic]) => topic.startsWith('qms/hub/counter/'))
    .map(([, m]) => {
      const c = counterStateMessage.parse(m);
      return {
        counterId: c.counterId,
        name: c.name,
        state: c.state,
        officer: c.officer,
        current: c.current ? { ticketId: c.current.ticketId, status: c.current.status } : null,
      };
    })
    .sort((a, b) => a.counterId - b.counterId);

describe('broker restarted under connected devices', () => {
  it('every device reconnects by itself and the retained state equals the store', async () => {
    const db = openDb(dir.path);
    const registry = new DeviceStore(db);
    const passwords = {
      kiosk: registry.register('kiosk-1', 'kiosk', null, Date.now()),
      speaker: registry.register('speaker-1', 'speaker', null, Date.now()),
      rating: registry.register('rating-1', 'rating', 1, Date.now()),
    };
    const accounts = new AccountStore(db);
    const officerPassword = 'mat-khau-can-bo-1';
    for (const username of ['canbo1', 'canbo2', 'canbo3']) {
      accounts.create(
        {
          username,
          displayName: username,
          role: 'officer',
          passwordHash: await hashPassword(officerPassword),
        },
        Date.now(),
      );
    }
    db.close();

    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    hub = await spawnHub(dir.path, mqttPort, httpPort);
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const kiosk = openDevice(url, 'kiosk-1', 'kiosk', passwords.kiosk, [
      topics.hubStatus,
      topics.queueSummary,
    ]);
    const speaker = openDevice(url, 'speaker-1', 'speaker', passwords.speaker, [
      topics.announce,
      topics.counterStateAll,
    ]);
    const rating = openDevice(url, 'rating-1', 'rating', passwords.rating, [topics.counterState(1)]);
    devices.push(kiosk, speaker, rating);
    const kioskLast = lastMessages(kiosk);
    const speakerLast = lastMessages(speaker);
    const ratingLast = lastMessages(rating);
    const calls: string[] = [];
    speaker.on('message', (topic, payload) => {
      if (topic === topics.announce) calls.push(announcement.parse(JSON.parse(payload.toString())).callId);
    });
    await Promise.all(devices.map((d) => untilConnected(d)));

    const signIn = async (username: string) => {
      const res = await fetch(`${httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: officerPassword }),
      });
      expect(res.status).toBe(200);
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      return (path: string, body?: unknown) =>
        fetch(`${httpUrl}${path}`, {
          method: 'POST',
          headers: { cookie, origin: httpUrl, 'content-type': 'application/json' },
          body: JSON.stringify(body ?? {}),
        });
    };
    const officer1 = await signIn('canbo1');
    const officer2 = await signIn('canbo2');
    const officer3 = await signIn('canbo3');

    // Some state worth keeping: tickets waiting, one called, one being served, counters paused and closed.
    for (let i = 0; i < 8; i++) {
      await pressUntilPrinted(kiosk, `before-${i}`, i % 2 ? 'cu-tru-01' : 'can-cuoc-01');
    }
    for (const [officer, path] of [
      [officer1, '/api/counters/1/take'],
      [officer1, '/api/counters/1/call-next'],
      [officer2, '/api/counters/2/take'],
      [officer2, '/api/counters/2/call-next'],
      [officer2, '/api/counters/2/start'],
    ] as const) {
      expect((await officer(path)).status, path).toBe(200);
    }
    // A counter is paused by the officer at it (an empty counter cannot be open or paused).
    expect((await officer3('/api/counters/3/take')).status).toBe(200);
    expect((await officer3('/api/counters/3/state', { state: 'paused' })).status).toBe(200);
    expect((await officer1('/api/counters/4/state', { state: 'closed' })).status).toBe(200);

    /** Wait until each device holds the store's state on its retained topics. */
    const expectRetainedEqualsStore = async (startedAfter: number) => {
      const counters = storeCounters();
      await expect.poll(() => heldCounters(speakerLast), { timeout: 10_000 }).toEqual(counters);
      await expect.poll(() => heldCounters(ratingLast), { timeout: 10_000 }).toEqual([counters[0]]);
      await expect
        .poll(
          () => {
            const summary = kioskLast.get(topics.queueSummary);
            if (!summary) return null;
            return Object.fromEntries(queueSummary.parse(summary).fields.map((f) => [f.fieldId, f.waiting]));
          },
          { timeout: 10_000 },
        )
        .toEqual(storeWaiting());
      await expect
        .poll(() => hubStatus.safeParse(kioskLast.get(topics.hubStatus)).data?.startedAt ?? 0, {
          timeout: 10_000,
        })
        .toBeGreaterThanOrEqual(startedAfter);
      const health = (await (await fetch(`${httpUrl}/api/health`)).json()) as { devicesOnline: number };
      expect(health.devicesOnline).toBe(3);
    };
    await expectRetainedEqualsStore(0);
    expect(
      storeCounters()
        .slice(0, 4)
        .map((c) => [c.state, c.current?.status ?? null]),
    ).toEqual([
      ['open', 'called'],
      ['open', 'serving'],
      ['paused', null],
      ['closed', null],
    ]);

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const reconnected = devices.map(
        (d) => new Promise<void>((resolve) => d.once('connected', () => resolve())),
      );
      await hub.kill(signal);
      // What the devices held came from the old broker: forget it.
      for (const last of [kioskLast, speakerLast, ratingLast]) last.clear();
      const restartedAt = Date.now();
      hub = await spawnHub(dir.path, mqttPort, httpPort);
      await Promise.all(reconnected);
      await expectRetainedEqualsStore(restartedAt - 1000);

      // Live traffic flows again on the new broker: a call is announced and
      // reaches counter 1's rating device; a ticket is issued.
      const callsBefore = calls.length;
      const step = storeCounters()[0]!.current?.status === 'called' ? ['start', 'finish'] : ['finish'];
      for (const action of [...step, 'call-next']) {
        expect((await officer1(`/api/counters/1/${action}`)).status, `${signal} ${action}`).toBe(200);
      }
      await expect.poll(() => calls.length, { timeout: 5_000 }).toBe(callsBefore + 1);
      await expect.poll(() => heldCounters(ratingLast), { timeout: 5_000 }).toEqual([storeCounters()[0]]);
      await pressUntilPrinted(kiosk, `after-${signal}`, 'can-cuoc-01');
    }
  }, 60_000);
});
