// `npx tsx bench/store.ts [--days 250] [--per-day 400]`: the store's
// integrity check and backups on a realistic year of one office.
//
// The year is built through the hub's own code, day by day: kiosk requests
// through the device request handler (ticket, reply and idempotency rows),
// officers' actions through the queue service with their audit rows (call,
// some recalls, start, finish; some no-shows and transfers), ratings, two
// speakers' playback reports per call, and the daily reset. Then it measures:
// - the start-up check, PRAGMA quick_check (and integrity_check beside it);
// - start to ready of the compiled hub on that store (and on a fresh one);
// - a daily backup as the hub takes it (online backup API, 1 MiB per step
//   between turns of the event loop, then checked and sealed): time, size,
//   and the longest the event loop waited meanwhile;
// - a restore (copy, check, seal).
// Figures are warm-cache (the store was just written); on a Raspberry Pi the
// SD card adds about size / 20–40 MB/s for a cold read.

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AccountStore } from '../hub/auth/account-store.js';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from '../hub/defaults/catalogue.js';
import { createDeviceRequestHandler } from '../hub/flows/device-requests.js';
import { Metrics } from '../hub/metrics.js';
import {
  callNext,
  dailyReset,
  finishService,
  markNoShow,
  recall,
  startService,
  transfer,
} from '../hub/queue/commands.js';
import { takeCounter } from '../hub/queue/counters.js';
import type { Context, Decision, QueueState } from '../hub/queue/types.js';
import { buildReport } from '../hub/reports/report.js';
import { QueueService } from '../hub/service/queue-service.js';
import { quickCheck, sealStoreFile, writeBackup } from '../hub/store/backup.js';
import { openDb } from '../hub/store/db.js';
import { DeviceStore } from '../hub/store/device-store.js';
import { QueueStore } from '../hub/store/queue-store.js';
import { commandLineOrExit, defineCommand } from '../shared/cli/command-line.js';
import { createLogger } from '../shared/log/logger.js';
import { parseTopic, topics } from '../shared/protocol/topics.js';

const { values } = commandLineOrExit(
  defineCommand({
    name: 'bench/store',
    usage: 'npx tsx bench/store.ts [--days 1..] [--per-day 1..900] [--keep]',
    summary: "The store's integrity check and backups on a realistic year of one office.",
    options: {
      days: { type: 'string', default: '250', value: 'N', help: 'office days in the store (default 250)' },
      'per-day': { type: 'string', default: '400', value: 'N', help: 'tickets a day, 1–900 (default 400)' },
      keep: { type: 'boolean', default: false, help: 'keep the data folder afterwards' },
    },
  }),
);
const DAYS = Number(values.days);
const PER_DAY = Number(values['per-day']);
if (!Number.isInteger(DAYS) || DAYS < 1 || !Number.isInteger(PER_DAY) || PER_DAY < 1 || PER_DAY > 900) {
  console.error('usage: npx tsx bench/store.ts [--days 1..] [--per-day 1..900] [--keep]');
  process.exit(2);
}

const ROOT = join(import.meta.dirname, '..');
const silent = createLogger('bench', { level: 'error', sink: { write: () => undefined } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A seeded random source: the same year every run. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function buildYear(dataDir: string) {
  const db = openDb(dataDir);
  db.pragma('synchronous = OFF'); // building only; the hub runs with FULL
  const store = new QueueStore(db);
  const catalogue = defaultCatalogue();
  store.saveCatalogue(catalogue);
  for (const counter of defaultCounters(catalogue)) store.saveCounter(counter);
  store.putSetting('queue', defaultQueueSettings);
  const devices = new DeviceStore(db);
  const accounts = new AccountStore(db);
  devices.register('kiosk-01', 'kiosk', null, Date.now());
  const kiosk = devices.get('kiosk-01')!;
  const counters = [...defaultCounters(catalogue)].map((c) => c.id);
  for (const id of counters) {
    accounts.create(
      { username: `canbo${id}`, displayName: `Cán bộ ${id}`, role: 'officer', passwordHash: 'scrypt$x' },
      0,
    );
  }

  const rnd = random(20260310);
  let now = Date.parse('2025-01-02T08:00:00+07:00');
  let n = 0;
  const clock = {
    now: () => now,
    newId: () => `t-${(++n).toString(36).padStart(8, '0')}-${Math.floor(rnd() * 1e9)}`,
  };
  const date = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 10);
  let service = new QueueService(store, store.loadState(defaultQueueSettings, date(now)), clock);
  const handler = () =>
    createDeviceRequestHandler({
      service,
      devices,
      publish: async () => undefined,
      log: silent,
      metrics: new Metrics(),
    });
  let onPublish = handler();
  const act = <R>(counterId: number, action: string, decide: (s: QueueState, c: Context) => Decision<R>) =>
    service.run(decide, (result) =>
      accounts.audit(
        {
          username: `canbo${counterId}`,
          action,
          counterId,
          ticketId:
            (result as { ticket?: { id: string }; id?: string }).ticket?.id ??
            (result as { id?: string }).id ??
            null,
        },
        now,
      ),
    );
  const insertRating = db.prepare(
    'INSERT INTO ratings (id, ticket_id, counter_id, officer, level, score, device_id, pressed_at, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertPlayback = db.prepare(
    'INSERT INTO call_playbacks (call_id, device_id, started_at, ended_at, skipped) VALUES (?, ?, ?, ?, NULL)',
  );
  const procedures = catalogue.procedures.map((p) => p.id);

  let tickets = 0;
  for (let day = 0; day < DAYS; day++) {
    // Working days only: skip weekends.
    const dayStart =
      Date.parse('2025-01-02T07:30:00+07:00') + Math.floor((day / 5) * 7 + (day % 5)) * 86_400_000;
    now = dayStart;
    service.run((s, c) => dailyReset(s, { serviceDate: date(now) }, c));
    // A fresh service per day, as a hub restarted each morning would have.
    service = new QueueService(store, store.loadState(defaultQueueSettings, date(now)), clock);
    onPublish = handler();
    for (const id of counters) {
      // Taking a counter opens it.
      service.run((s, c) => takeCounter(s, { counterId: id, officer: `canbo${id}` }, c));
    }
    const step = (9 * 3600_000) / PER_DAY;
    for (let i = 0; i < PER_DAY; i++) {
      now = dayStart + 30 * 60_000 + i * step;
      const procedureId = procedures[Math.floor(rnd() * procedures.length)]!;
      const requestId = `r-${day}-${i}`;
      onPublish({
        device: kiosk,
        topic: parseTopic(topics.deviceRequest('kiosk-01', 'issue-ticket')),
        payload: Buffer.from(JSON.stringify({ v: 1, requestId, procedureId, pressedAt: now })),
      });
      tickets++;
      // A counter that serves it calls the next ticket of its line.
      const serving = [...service.state.counters.values()].filter((c) =>
        c.serves.some((s) => s.procedureId === procedureId),
      );
      const counter = serving[Math.floor(rnd() * serving.length)];
      if (!counter) continue;
      const id = counter.id;
      const called = act(id, 'call-next', (s, c) => callNext(s, { counterId: id }, c));
      if (!called.ok) continue;
      const callId = called.result.call.callId;
      now += 20_000;
      if (callId)
        for (const speaker of ['speaker-01', 'speaker-02'])
          insertPlayback.run(callId, speaker, now, now + 6000);
      if (rnd() < 0.1) act(id, 'recall', (s, c) => recall(s, { counterId: id }, c));
      if (rnd() < 0.05) {
        act(id, 'no-show', (s, c) => markNoShow(s, { counterId: id }, c));
        continue;
      }
      act(id, 'start', (s, c) => startService(s, { counterId: id }, c));
      if (rnd() < 0.03) {
        const to = counters[Math.floor(rnd() * counters.length)]!;
        if (to !== id) {
          act(id, 'transfer', (s, c) => transfer(s, { counterId: id, toCounterId: to }, c));
          continue;
        }
      }
      now += 8 * 60_000;
      const done = act(id, 'finish', (s, c) => finishService(s, { counterId: id }, c));
      if (done.ok && rnd() < 0.6) {
        const ticket = done.result as { id: string };
        const level = rnd() < 0.8 ? 'very_satisfied' : rnd() < 0.8 ? 'satisfied' : 'unsatisfied';
        insertRating.run(
          `rt-${ticket.id}`,
          ticket.id,
          id,
          `canbo${id}`,
          level,
          level === 'very_satisfied' ? 2 : level === 'satisfied' ? 1 : 0,
          `rating-0${id}`,
          now,
          now,
        );
      }
    }
    if (day % 25 === 24)
      process.stderr.write(
        `  built ${day + 1} of ${DAYS} days (${tickets} tickets, ${Math.round(performance.now() / 1000)} s)\n`,
      );
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  const counts = Object.fromEntries(
    (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((t) => [t.name, (db.prepare(`SELECT count(*) AS n FROM "${t.name}"`).get() as { n: number }).n]),
  );
  db.close();
  return { tickets, counts };
}

/** Compile the hub once and lay it out as a device has it (/opt/qms: dist/, hub/web/, package.json). */
function buildHub(): string {
  const app = mkdtempSync(join(tmpdir(), 'qms-bench-store-app-'));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')],
    {
      stdio: 'inherit',
    },
  );
  cpSync(join(ROOT, 'hub', 'web'), join(app, 'hub', 'web'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  return app;
}

/** Spawn the compiled hub on a data folder: ms to its "ready" line, and the quick_check it logged. */
function startToReady(dist: string, dataDir: string): Promise<{ ms: number; quickCheckMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(dist, 'dist', 'hub', 'main.js')], {
    env: { ...process.env, QMS_DATA_DIR: dataDir, QMS_HTTP_PORT: '0', QMS_MQTT_PORT: '0', QMS_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (/ready /.test(out)) {
        const ms = performance.now() - started;
        child.kill('SIGTERM');
        child.once('exit', () =>
          resolve({ ms, quickCheckMs: Number(/quickCheckMs=(\d+)/.exec(out)?.[1] ?? NaN) }),
        );
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) => {
      if (!/ready /.test(out)) reject(new Error(`hub exited ${code}:\n${out}`));
    });
  });
}

function statPageSize(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'qms-bench-store-'));
  const dataDir = join(work, 'data');
  try {
    console.error(`building a year: ${DAYS} working days × ${PER_DAY} tickets`);
    const built = performance.now();
    const { tickets, counts } = await buildYear(dataDir);
    const store = join(dataDir, 'qms.sqlite');
    const bytes = statSync(store).size;
    console.error(`  built in ${((performance.now() - built) / 1000).toFixed(0)} s`);

    const ro = new Database(store, { readonly: true });
    const quick: number[] = [];
    const integrity: number[] = [];
    for (let i = 0; i < 3; i++) {
      let t = performance.now();
      if (quickCheck(ro).length) throw new Error('the built store fails quick_check');
      quick.push(performance.now() - t);
      t = performance.now();
      ro.pragma('integrity_check');
      integrity.push(performance.now() - t);
    }
    ro.close();

    // Reports as an administrator asks for them: the last month, the whole year (warm cache).
    const db = new Database(store);
    db.pragma('journal_mode = WAL');
    const reader = new QueueStore(db);
    const { first, last } = db
      .prepare('SELECT min(service_date) AS first, max(service_date) AS last FROM tickets')
      .get() as { first: string; last: string };
    const monthStart = new Date(Date.parse(last) - 30 * 86_400_000).toISOString().slice(0, 10);
    const reportMs = async (from: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const report = await buildReport(reader, { from, to: last, timeZone: 'Asia/Ho_Chi_Minh' });
        ms.push(performance.now() - t);
        if (report.procedures.total.issued === 0) throw new Error(`the report from ${from} counts no ticket`);
      }
      return Math.round(median(ms));
    };
    const reports = {
      monthMs: await reportMs(monthStart.localeCompare(first) > 0 ? monthStart : first),
      yearMs: await reportMs(first),
    };
    const backups = join(work, 'backups');
    const times: number[] = [];
    const pauses: number[] = [];
    let backupBytes = 0;
    for (let i = 0; i < 3; i++) {
      // The longest the event loop waited during the backup (the hub's requests wait as long).
      let last = performance.now();
      let worst = 0;
      const ticker = setInterval(() => {
        const t = performance.now();
        worst = Math.max(worst, t - last);
        last = t;
      }, 1);
      const written = await writeBackup(db, backups, `qms-2026-03-10-20${String(i).padStart(2, '0')}.sqlite`);
      clearInterval(ticker);
      times.push(written.ms);
      pauses.push(worst);
      backupBytes = written.bytes;
    }
    db.close();

    const restoreTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const partial = join(work, `.restore-${i}.partial`);
      copyFileSync(join(backups, 'qms-2026-03-10-2000.sqlite'), partial);
      sealStoreFile(partial, join(work, `restored-${i}.sqlite`));
      restoreTimes.push(performance.now() - t);
    }

    console.error('compiling the hub (tsc) for start-to-ready');
    const dist = buildHub();
    const year: { ms: number; quickCheckMs: number }[] = [];
    const fresh: number[] = [];
    try {
      for (let i = 0; i < 3; i++) year.push(await startToReady(dist, dataDir));
      for (let i = 0; i < 3; i++) {
        const empty = join(work, `fresh-${i}`);
        fresh.push((await startToReady(dist, empty)).ms);
      }
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }

    const result = {
      machine: `${process.platform}-${process.arch}, node ${process.version}`,
      year: { days: DAYS, perDay: PER_DAY, tickets, rows: counts, bytes },
      quickCheckMs: Math.round(median(quick)),
      integrityCheckMs: Math.round(median(integrity)),
      hubQuickCheckMs: median(year.map((y) => y.quickCheckMs)),
      startToReadyMs: {
        yearStore: Math.round(median(year.map((y) => y.ms))),
        freshStore: Math.round(median(fresh)),
      },
      backup: { ms: median(times), bytes: backupBytes, longestEventLoopWaitMs: Math.round(median(pauses)) },
      restoreMs: Math.round(median(restoreTimes)),
      reports,
      pageSize: statPageSize(store),
    };
    console.log(`
store: ${DAYS} working days × ${PER_DAY} = ${tickets} tickets, ${mib(bytes)} (${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})
PRAGMA quick_check (start-up check):   ${result.quickCheckMs} ms   (hub's own log: ${result.hubQuickCheckMs} ms; integrity_check ${result.integrityCheckMs} ms)
start to ready, compiled hub:           ${result.startToReadyMs.yearStore} ms on the year store, ${result.startToReadyMs.freshStore} ms on a fresh one
daily backup (online, checked, sealed): ${result.backup.ms} ms, ${mib(result.backup.bytes)}; event loop waited at most ${result.backup.longestEventLoopWaitMs} ms
restore (copy, check, seal):            ${result.restoreMs} ms
report, last 30 days / whole store:     ${reports.monthMs} ms / ${reports.yearMs} ms (${result.pageSize}-byte pages)
(median of 3, warm cache; ${result.machine})`);
    console.log(JSON.stringify(result));
  } finally {
    if (values.keep) console.error(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
