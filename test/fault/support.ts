// Shared parts of the fault suite: devices that behave as the real ones must
// (a kiosk prints only on an ok reply and retries a press with the same
// requestId until it gets one; a rating device resends its event with the
// same id), and a quiet logger for them.

import Database from 'better-sqlite3';
import { DeviceConnection, RequestTimeout } from '../../shared/device/connection.js';
import { createLogger } from '../../shared/log/logger.js';
import { type IssuedTicket, issuedTicket, type Reply } from '../../shared/protocol/messages.js';
import type { RequestAction, Role } from '../../shared/protocol/topics.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Device-side log lines would only bury the test output; keep them for a failure message. */
export function deviceLog() {
  const lines: string[] = [];
  return { lines, log: createLogger('device', { sink: { write: (_l, line) => lines.push(line) } }) };
}

/** A device on its real connection code (persistent session, reconnects by itself). */
export function openDevice(
  url: string,
  deviceId: string,
  role: Role,
  password: string,
  subscriptions: string[] = [],
): DeviceConnection {
  return new DeviceConnection({
    url,
    deviceId,
    role,
    password,
    version: 'fault-test',
    log: deviceLog().log,
    subscriptions,
    reconnectPeriodMs: 100,
  });
}

export function untilConnected(conn: DeviceConnection, ms = 10_000): Promise<void> {
  if (conn.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`device not connected within ${ms} ms`)), ms);
    conn.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface RetryStats {
  /** Requests that needed more than one attempt. */
  retried: number;
}

/**
 * Send a request until the hub answers it, always with the same requestId
 * (the idempotency key): on a time-out (link or hub down) and on hub_error
 * (nothing was saved). Any other refusal is a test failure.
 */
export async function requestUntilAnswered(
  conn: DeviceConnection,
  action: RequestAction,
  body: Record<string, unknown> | (() => Record<string, unknown>),
  requestId: string,
  options: { timeoutMs?: number; giveUpAfterMs?: number; stats?: RetryStats } = {},
): Promise<Reply & { ok: true }> {
  const giveUpAt = Date.now() + (options.giveUpAfterMs ?? 20_000);
  let lastProblem = 'no attempt';
  for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
    if (attempt === 1 && options.stats) options.stats.retried++;
    try {
      const answer = await conn.request(
        action,
        typeof body === 'function' ? body() : body,
        options.timeoutMs ?? 600,
        requestId,
      );
      if (answer.ok) return answer;
      if (answer.error.code !== 'hub_error') {
        throw new Error(`${action} ${requestId} refused: ${answer.error.code} ${answer.error.message}`);
      }
      lastProblem = 'hub_error';
      await sleep(50);
    } catch (error) {
      if (!(error instanceof RequestTimeout)) throw error;
      lastProblem = 'time-out';
    }
  }
  throw new Error(`${action} ${requestId}: no ok reply before giving up (last: ${lastProblem})`);
}

/** A kiosk press: the ticket is printed only when the hub confirmed it. */
export async function pressUntilPrinted(
  conn: DeviceConnection,
  requestId: string,
  procedureId: string,
  stats?: RetryStats,
): Promise<IssuedTicket> {
  const answer = await requestUntilAnswered(conn, 'issue-ticket', { procedureId }, requestId, { stats });
  return issuedTicket.parse(answer.data);
}

export interface TicketRow {
  id: string;
  service_date: string;
  series_key: string;
  number: number;
  display: string;
  status: string;
  counter_id: number | null;
  source_device: string | null;
  source_request: string | null;
}

/** Read the store as another process would (the hub may be running or dead). */
export function readStore<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(`${dataDir}/qms.sqlite`);
  try {
    db.pragma('busy_timeout = 5000');
    return read(db);
  } finally {
    db.close();
  }
}

export const allTickets = (db: Database.Database) =>
  db.prepare('SELECT * FROM tickets ORDER BY rowid').all() as TicketRow[];

/** Keys that appear more than once. */
export function duplicates<T>(items: T[], key: (item: T) => string): string[] {
  const seen = new Map<string, number>();
  for (const item of items) seen.set(key(item), (seen.get(key(item)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}
