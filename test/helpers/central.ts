// The province centre for tests: real Mosquitto and PostgreSQL (helpers
// mosquitto.ts, postgres.ts), the central service in this process, and
// simulated offices that use the hub's own outbox and forwarder on a store
// of their own, optionally through a TCP proxy that can cut the link.

import type pg from 'pg';
import { type Central, startCentral } from '../../central/app.js';
import { centralConfigSchema } from '../../central/config.js';
import { CentralForwarder } from '../../hub/central/forwarder.js';
import { Outbox } from '../../hub/central/outbox.js';
import { type Db, openDb } from '../../hub/store/db.js';
import { createLogger, type LogSink, memorySink } from '../../shared/log/logger.js';
import type { CentralEventData } from '../../shared/protocol/central.js';
import { tempDir } from './hub.js';
import type { TestMosquitto } from './mosquitto.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export async function startTestCentral(
  broker: TestMosquitto,
  databaseUrl: string,
  options: { logs?: LogSink; name?: string } = {},
): Promise<Central> {
  const config = centralConfigSchema.parse({
    name: options.name ?? 'Công an tỉnh thử nghiệm',
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { url: broker.localUrl, username: 'central', password: broker.centralPassword },
    postgres: { url: databaseUrl, poolSize: 6 },
  });
  return startCentral(
    config,
    createLogger('central', { sink: options.logs ?? memorySink(), level: 'debug', timestamps: false }),
  );
}

export interface SimulatedOffice {
  id: string;
  db: Db;
  outbox: Outbox;
  forwarder: CentralForwarder;
  proxy: TcpProxy;
  logs: LogSink & { lines: string[] };
  /** Record `n` ticket-issued events (each in its own transaction, as the hub does). */
  issue(n: number): void;
  stop(): Promise<void>;
}

let ticketCounter = 0;

export function ticketIssued(officeId: string, at: number): CentralEventData {
  const n = ++ticketCounter;
  return {
    type: 'ticket',
    action: 'issued',
    counterId: null,
    counterName: null,
    officer: null,
    ticket: {
      id: `${officeId}-t${n}`,
      serviceDate: new Date(at).toISOString().slice(0, 10),
      display: `A${1000 + (n % 999)}`,
      fieldId: 'f1',
      procedureId: 'p1',
      procedureName: 'Cấp căn cước',
      priority: null,
      status: 'waiting',
      counterId: null,
      officer: null,
      issuedAt: at,
      queuedAt: at,
      firstCalledAt: null,
      serviceStartedAt: null,
      finishedAt: null,
    },
  };
}

export async function simulatedOffice(
  broker: TestMosquitto,
  id: string,
  options: {
    resendMs?: number;
    windowEvents?: number;
    batchEvents?: number;
    maxEvents?: number;
    password?: string;
  } = {},
): Promise<SimulatedOffice> {
  const password = options.password ?? broker.addOffice(id);
  const dir = tempDir(`qms-office-${id}-`);
  const db = openDb(dir.path);
  const outbox = new Outbox(db, { maxEvents: options.maxEvents ?? 1_000_000 });
  const proxy = await startTcpProxy(broker.tlsPort);
  const logs = memorySink();
  const forwarder = new CentralForwarder(outbox, {
    url: `mqtts://127.0.0.1:${proxy.port}`,
    officeId: id,
    password,
    ca: broker.ca,
    officeName: `Đơn vị ${id}`,
    timeZone: 'Asia/Ho_Chi_Minh',
    batchEvents: options.batchEvents ?? 200,
    windowEvents: options.windowEvents ?? 2000,
    resendMs: options.resendMs ?? 1500,
    reconnectMs: 200,
    maxReconnectMs: 1000,
    log: createLogger(`office-${id}`, { sink: logs, level: 'debug', timestamps: false }),
    now: Date.now,
  });
  forwarder.start();
  return {
    id,
    db,
    outbox,
    forwarder,
    proxy,
    logs,
    issue(n) {
      for (let i = 0; i < n; i++) outbox.record(ticketIssued(id, Date.now()), Date.now());
    },
    async stop() {
      await forwarder.stop();
      await proxy.close();
      db.close();
      dir.remove();
    },
  };
}

/** What the centre holds of an office: count of events, distinct numbers, highest number, acknowledged number. */
export async function centreHolds(pool: pg.Pool, officeId: string) {
  const { rows } = await pool.query(
    `SELECT count(*) AS n, count(DISTINCT seq) AS distinct_seqs, coalesce(max(seq), 0) AS max_seq,
            count(DISTINCT event_id) AS distinct_ids,
            (SELECT acked_seq FROM offices WHERE id = $1) AS acked
     FROM events WHERE office_id = $1`,
    [officeId],
  );
  const r = rows[0];
  return {
    events: Number(r.n),
    distinctSeqs: Number(r.distinct_seqs),
    distinctIds: Number(r.distinct_ids),
    maxSeq: Number(r.max_seq),
    acked: Number(r.acked ?? 0),
  };
}
