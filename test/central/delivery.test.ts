// End to end, with real parts: Mosquitto 2 over TLS (CA made here), PostgreSQL
// 15, two central instances side by side (shared subscription), two real hub
// processes and three simulated offices using the hub's own outbox and
// forwarder, all under load while the offices' links are cut, the central
// broker restarts without persistence, the central service goes away and
// comes back, and a hub is SIGKILLed. At the end every office's events are
// at the centre exactly once: nothing lost, nothing counted twice.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Central } from '../../central/app.js';
import { STORE_FILE } from '../../hub/store/db.js';
import { centreHolds, type SimulatedOffice, simulatedOffice, startTestCentral } from '../helpers/central.js';
import { type CentralHub, centralHub, kioskOf } from '../helpers/central-hub.js';
import { startMosquitto, type TestMosquitto } from '../helpers/mosquitto.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let broker: TestMosquitto;
let postgres: TestPostgres;
let databaseUrl: string;
const centrals: Central[] = [];
const offices: SimulatedOffice[] = [];
const hubs: CentralHub[] = [];

beforeAll(async () => {
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  databaseUrl = await postgres.createDatabase('delivery');
  centrals.push(await startTestCentral(broker, databaseUrl));
  centrals.push(await startTestCentral(broker, databaseUrl));
}, 60_000);

afterAll(async () => {
  for (const o of offices) await o.stop().catch(() => {});
  for (const h of hubs) await h.remove().catch(() => {});
  for (const c of centrals) await c.stop().catch(() => {});
  await broker?.remove();
  await postgres?.remove();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pool = () => centrals[0]!.pool;

/** The centre's acknowledged number for an office. */
async function acked(officeId: string): Promise<number> {
  const { rows } = await pool().query('SELECT acked_seq FROM offices WHERE id = $1', [officeId]);
  return Number(rows[0]?.acked_seq ?? 0);
}

/** Wait until every office's acknowledged number has grown past what it was. */
async function progress(ids: string[], timeout = 30_000) {
  const before = await Promise.all(ids.map(acked));
  await vi.waitFor(
    async () => {
      const now = await Promise.all(ids.map(acked));
      for (const [i, n] of now.entries()) expect(n, ids[i]).toBeGreaterThan(before[i]!);
    },
    { timeout, interval: 200 },
  );
}

test('nothing lost and nothing counted twice across link cuts, broker and centre restarts, and a hub SIGKILL', async () => {
  for (const id of ['sim-1', 'sim-2', 'sim-3'])
    offices.push(await simulatedOffice(broker, id, { resendMs: 1000 }));
  hubs.push(...(await Promise.all(['hub-1', 'hub-2'].map((id) => centralHub(broker, id)))));
  const ids = [...offices.map((o) => o.id), ...hubs.map((h) => h.officeId)];

  // Load: simulated offices record events steadily; each hub runs ticket lives.
  let running = true;
  const simLoad = setInterval(() => {
    for (const o of offices) o.issue(3);
  }, 50);
  const hubLoops = hubs.map(async (hub) => {
    const kiosk = kioskOf(hub);
    let act: Awaited<ReturnType<CentralHub['officer']>> | null = null;
    while (running) {
      try {
        act ??= await hub.officer();
        if (!act) continue;
        await act('take');
        await kiosk.issue();
        await act('call-next');
        await act('start');
        await act('finish');
      } catch {
        // The hub is being killed or restarted: sign in again once it is back.
        act = null;
        kiosk.close();
        await sleep(300); // a pause before trying again, not a wait for something
      }
    }
    kiosk.close();
  });

  try {
    await progress(ids);

    // 1. The WAN drops for every office, then comes back.
    for (const o of offices) {
      o.proxy.down();
      o.proxy.cut();
    }
    for (const h of hubs) {
      h.proxy.down();
      h.proxy.cut();
    }
    await vi.waitFor(() => expect(offices[0]!.outbox.stats().pending).toBeGreaterThan(200), {
      timeout: 60_000, // a deadline: the office's work piles up slower on a busy machine
    });
    for (const o of offices) o.proxy.up();
    for (const h of hubs) h.proxy.up();
    await progress(ids);

    // 2. The central broker restarts, without persistence: whatever it held is gone.
    await broker.restart();
    await progress(ids);

    // 3. One central instance stops (the other goes on), then the service is down altogether.
    await centrals.shift()!.stop();
    await progress(ids);
    await centrals.shift()!.stop();
    await vi.waitFor(() => expect(offices[0]!.outbox.stats().pending).toBeGreaterThan(200), {
      timeout: 60_000, // a deadline: the office's work piles up slower on a busy machine
    });
    centrals.push(await startTestCentral(broker, databaseUrl));
    centrals.push(await startTestCentral(broker, databaseUrl));
    await progress(ids);

    // 4. A hub is killed mid-work and started again on the same store.
    await hubs[0]!.kill('SIGKILL');
    await sleep(300); // down a moment (the office works on meanwhile), not a wait for something
    await hubs[0]!.start();
    await progress(ids);
  } finally {
    running = false;
    clearInterval(simLoad);
    await Promise.all(hubLoops);
  }

  // Everything drains, and the centre holds each event of each office once.
  await vi.waitFor(
    async () => {
      for (const o of offices) expect(o.outbox.stats().pending, o.id).toBe(0);
      for (const h of hubs) {
        const { central } = await h.health();
        expect(central.pending, h.officeId).toBe(0);
      }
    },
    { timeout: 60_000, interval: 300 },
  );
  for (const o of offices) {
    const last = o.outbox.state().lastSeq;
    expect(last).toBeGreaterThan(500);
    expect(await centreHolds(pool(), o.id)).toEqual({
      events: last,
      distinctSeqs: last,
      distinctIds: last,
      maxSeq: last,
      acked: last,
    });
  }
  for (const h of hubs) {
    const { central } = await h.health();
    const holds = await centreHolds(pool(), h.officeId);
    expect(holds).toEqual({
      events: central.lastSeq,
      distinctSeqs: central.lastSeq,
      distinctIds: central.lastSeq,
      maxSeq: central.lastSeq,
      acked: central.lastSeq,
    });
    // Each ticket the hub stored was issued once at the centre, and each finished one finished once.
    const db = new Database(join(h.dataDir, STORE_FILE), { readonly: true });
    const tickets = (db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n;
    const done = (
      db.prepare("SELECT count(*) AS n FROM tickets WHERE status = 'done'").get() as { n: number }
    ).n;
    db.close();
    const { rows } = await pool().query(
      `SELECT count(*) FILTER (WHERE action = 'issued') AS issued, count(*) FILTER (WHERE action = 'finished') AS finished
       FROM events WHERE office_id = $1`,
      [h.officeId],
    );
    expect(tickets).toBeGreaterThan(3);
    expect(Number(rows[0].issued)).toBe(tickets);
    expect(Number(rows[0].finished)).toBe(done);
  }
}, 240_000);
