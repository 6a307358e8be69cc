// The province centre's figures, with real parts on this machine: Mosquitto 2
// over TLS (the shipped configuration), PostgreSQL 15 with fsync on, the
// central service as its own process (dist/central/main.js), and simulated
// offices in this process using the hub's own outbox (SQLite, synchronous=FULL)
// and forwarder, each with its own credential.
//
// - catch-up: 30 offices, each holding a day of events (a 24-hour outage at
//   a busy office: EVENTS_PER_OFFICE_DAY) come back at once: time until the
//   centre has acknowledged everything, and so events per second into
//   PostgreSQL through the broker;
// - steady lag: the 30 offices record events as they happen (each in its own
//   transaction, as a hub does), at a total rate well above a province's
//   peak: time from an event's commit at the office to the centre's
//   acknowledgement reaching the office (stored in PostgreSQL, end to end),
//   p50 / p99.
//
// `npm run bench` runs it after the hub's figures; `npm run bench:central` alone.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type SimulatedOffice, simulatedOffice, ticketIssued } from '../test/helpers/central.js';
import { startMosquitto, type TestMosquitto } from '../test/helpers/mosquitto.js';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';
import { percentile, sleep } from './helpers.js';

/**
 * A busy office's day: ~400 tickets × (issued, called, started, finished,
 * rated, a recall or transfer for some) ≈ 2,400, plus counters and devices.
 */
export const EVENTS_PER_OFFICE_DAY = 2500;

export interface CentralFigures {
  offices: number;
  catchUpEvents: number;
  catchUpSeconds: number;
  eventsPerSecond: number;
  steadyRate: number;
  steadyEvents: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** PostgreSQL bytes per stored event: the month partitions with their indexes. */
  bytesPerEvent: number;
}

async function startCentralProcess(broker: TestMosquitto, databaseUrl: string, dir: string) {
  const config = join(dir, 'central.json');
  writeFileSync(
    config,
    JSON.stringify({
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { url: broker.localUrl, username: 'central', password: broker.centralPassword },
      postgres: { url: databaseUrl, poolSize: 12 },
    }),
  );
  const child: ChildProcess = spawn(process.execPath, ['dist/central/main.js'], {
    env: { ...process.env, QMS_CENTRAL_CONFIG: config, QMS_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('central: ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`central exited (${code}): ${out}`)));
  });
  child.stdout!.resume();
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

async function waitAcked(offices: SimulatedOffice[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (offices.every((o) => o.outbox.state().ackedSeq === o.outbox.state().lastSeq)) return;
    if (Date.now() > deadline) throw new Error('the centre did not acknowledge everything in time');
    await sleep(20);
  }
}

export async function centralFigures(
  options: { offices?: number; steadyRate?: number; steadySeconds?: number } = {},
) {
  const OFFICES = options.offices ?? 30;
  const RATE = options.steadyRate ?? 100;
  const SECONDS = options.steadySeconds ?? 20;
  let broker: TestMosquitto | undefined;
  let postgres: TestPostgres | undefined;
  let stopCentral: (() => Promise<void>) | undefined;
  const offices: SimulatedOffice[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'qms-bench-central-'));
  try {
    [broker, postgres] = await Promise.all([startMosquitto(), startPostgres({ fsync: true })]);
    const databaseUrl = await postgres.createDatabase('bench');
    stopCentral = await startCentralProcess(broker, databaseUrl, dir);
    for (let i = 0; i < OFFICES; i++) {
      const office = await simulatedOffice(broker, `office-${String(i + 1).padStart(3, '0')}`, {
        resendMs: 15_000,
        windowEvents: 2000,
        batchEvents: 200,
      });
      // Each real office commits on its own disk: here 30 share one process, so
      // their commits must not wait for this machine's disk one after the other
      // (that would measure the load generator, not the centre).
      office.db.pragma('synchronous = OFF');
      offices.push(office);
    }
    // Each office once online, so its account and the centre's row exist.
    for (const o of offices) o.issue(1);
    await waitAcked(offices, 60_000);

    // Catch-up: a day of events recorded while the link was down.
    for (const o of offices) {
      o.proxy.down();
      o.proxy.cut();
    }
    const day = Date.now() - 86_400_000;
    for (const o of offices) {
      o.db.transaction(() => {
        for (let k = 0; k < EVENTS_PER_OFFICE_DAY; k++) {
          const at = day + Math.floor((k / EVENTS_PER_OFFICE_DAY) * 86_400_000);
          o.outbox.record(ticketIssued(o.id, at), at);
        }
      })();
    }
    const started = performance.now();
    for (const o of offices) o.proxy.up();
    await waitAcked(offices, 600_000);
    const catchUpSeconds = (performance.now() - started) / 1000;
    const catchUpEvents = OFFICES * EVENTS_PER_OFFICE_DAY;

    // Steady: events as they happen, lag from commit to the centre's acknowledgement.
    const committedAt = new Map<string, Map<number, number>>();
    const lags: number[] = [];
    for (const o of offices) {
      const times = new Map<number, number>();
      committedAt.set(o.id, times);
      const acknowledge = o.outbox.acknowledge.bind(o.outbox);
      o.outbox.acknowledge = (seq, now) => {
        const t = performance.now();
        for (const [s, at] of times) {
          if (s > seq) continue;
          lags.push(t - at);
          times.delete(s);
        }
        return acknowledge(seq, now);
      };
    }
    const perTick = RATE / 20; // every 50 ms
    const end = performance.now() + SECONDS * 1000;
    let recorded = 0;
    let carry = 0;
    while (performance.now() < end) {
      carry += perTick;
      while (carry >= 1) {
        const o = offices[recorded % OFFICES]!;
        const seq = o.outbox.record(ticketIssued(o.id, Date.now()), Date.now());
        committedAt.get(o.id)!.set(seq, performance.now());
        recorded++;
        carry--;
      }
      await sleep(50);
    }
    await waitAcked(offices, 120_000);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const size = await db.query<{ bytes: string; events: string }>(
      `SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'events'::regclass) AS bytes,
              (SELECT count(*) FROM events) AS events`,
    );
    await db.end();
    return {
      offices: OFFICES,
      catchUpEvents,
      catchUpSeconds: Math.round(catchUpSeconds * 10) / 10,
      eventsPerSecond: Math.round(catchUpEvents / catchUpSeconds),
      steadyRate: Math.round(recorded / SECONDS),
      steadyEvents: recorded,
      lagP50Ms: Math.round(percentile(lags, 50) * 10) / 10,
      lagP99Ms: Math.round(percentile(lags, 99) * 10) / 10,
      lagMaxMs: Math.round(Math.max(...lags) * 10) / 10,
      bytesPerEvent: Math.round(Number(size.rows[0]!.bytes) / Number(size.rows[0]!.events)),
    } satisfies CentralFigures;
  } finally {
    for (const o of offices) await o.stop().catch(() => {});
    await stopCentral?.().catch(() => {});
    await broker?.remove().catch(() => {});
    await postgres?.remove().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table lines for bench/run.ts. */
export function centralRows(f: CentralFigures): [string, string, string][] {
  return [
    [
      `centre: catch-up of ${f.offices} offices after a 24 h outage (${f.catchUpEvents} events)`,
      `${f.catchUpSeconds} s (${f.eventsPerSecond} events/s into PostgreSQL)`,
      'Mosquitto TLS → central → PostgreSQL (fsync on), acknowledged end to end',
    ],
    [
      `centre: end-to-end lag at ${f.steadyRate} events/s from ${f.offices} offices (p50 / p99 ms)`,
      `${f.lagP50Ms} / ${f.lagP99Ms} (max ${f.lagMaxMs})`,
      'office commit → stored at the centre → ack back at the office',
    ],
    [
      'centre: PostgreSQL bytes per event (partitions and indexes)',
      String(f.bytesPerEvent),
      'a busy office: 2,500 events a day',
    ],
  ];
}

if (process.argv[1]?.endsWith('bench/central.ts')) {
  const { values } = parseArgs({
    options: { offices: { type: 'string', default: '30' }, rate: { type: 'string', default: '100' } },
  });
  centralFigures({ offices: Number(values.offices), steadyRate: Number(values.rate) })
    .then((f) => {
      for (const [a, b, c] of centralRows(f)) console.log(`${a}  ${b}  ${c}`);
      console.log(JSON.stringify(f));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
