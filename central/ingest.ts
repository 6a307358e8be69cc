// Stores one office's batch of events in PostgreSQL, idempotently, in one
// transaction with the live figures of the dashboard, and says up to which
// number the office's events are now all stored (the acknowledgement).
//
// - The office's row is locked first (upsert), so batches of one office are
//   stored one after the other even when several central instances receive
//   them; different offices go in parallel.
// - An event already stored (same office and number, or same office and
//   event id) changes nothing: a resend after any outage is harmless.
// - Numbers may arrive out of order (a resend overtaking, two instances):
//   those above a gap wait in pending_seqs; the acknowledgement is the
//   highest number with no gap below it, so the hub resends the gap.
// - The live tables take an event only if it is newer (by number) than what
//   they hold, so an old event arriving late never undoes a newer state.

import type { Pool, PoolClient } from 'pg';
import type {
  CentralBatch,
  CentralEvent,
  CentralEventData,
  CentralEventType,
} from '../shared/protocol/central.js';
import { inTransaction, type Partitions } from './store/schema.js';

export interface StoredBatch {
  ackedSeq: number;
  /** Events new to the centre. */
  stored: number;
  duplicates: number;
  /** Numbers first reported lost by this batch (dropped from a full outbox at the office). */
  lost: number;
}

/**
 * Tell open dashboards (every instance's, via PostgreSQL LISTEN) which
 * offices changed. Sent after the batches' commits, never inside them: a
 * transaction that notifies holds a database-wide lock through its commit,
 * which would make every office's commit wait for the others'.
 */
export async function notifyChanged(pool: Pool, offices: Iterable<string>): Promise<void> {
  const list = [...offices];
  if (list.length > 0) await pool.query("SELECT pg_notify('qms_central', $1)", [list.join(',')]);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The last event per key, in number order. */
function lastBy<K>(events: CentralEvent[], key: (e: CentralEvent) => K | null): CentralEvent[] {
  const out = new Map<K, CentralEvent>();
  for (const e of events) {
    const k = key(e);
    if (k === null) continue;
    const was = out.get(k);
    if (!was || was.seq < e.seq) out.set(k, e);
  }
  return [...out.values()];
}

/** Store one office's batches (in the caller's transaction): the office's row is locked first. */
async function storeOffice(
  client: PoolClient,
  officeId: string,
  batches: CentralBatch[],
): Promise<StoredBatch> {
  const bySeq = new Map<number, CentralEvent>();
  for (const b of batches) for (const e of b.events) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
  const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const named = batches.findLast((b) => b.name !== undefined) ?? batches[0]!;
  const batch = { name: named.name, timeZone: named.timeZone };
  const lostRanges = batches.flatMap((b) => (b.lost ? [b.lost] : []));
  // Acknowledged once by a centre whose store this one does not hold (restored, replaced): gone.
  const floor = Math.max(0, ...batches.map((b) => b.acked ?? 0));
  if (floor > 0) lostRanges.push({ from: 1, to: floor });
  const office = await client.query<{ acked_seq: string }>(
    `INSERT INTO offices (id, name, time_zone) VALUES ($1, coalesce($2, ''), coalesce($3, 'Asia/Ho_Chi_Minh'))
     ON CONFLICT (id) DO UPDATE SET name = coalesce(nullif($2, ''), offices.name),
       time_zone = coalesce($3, offices.time_zone)
     RETURNING acked_seq`,
    [officeId, batch.name ?? null, batch.timeZone ?? null],
  );
  const acked = Number(office.rows[0]!.acked_seq);
  const fresh = events.filter((e) => e.seq > acked);

  let inserted: CentralEvent[] = [];
  if (fresh.length > 0) {
    const result = await client.query<{ seq: string }>(
      `INSERT INTO events (office_id, seq, at, event_id, type, action, ticket_id, data)
       SELECT $1, * FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
       ON CONFLICT DO NOTHING RETURNING seq`,
      [
        officeId,
        fresh.map((e) => e.seq),
        fresh.map((e) => iso(e.at)),
        fresh.map((e) => e.id),
        fresh.map((e) => e.data.type),
        fresh.map((e) => (e.data.type === 'ticket' ? e.data.action : null)),
        fresh.map((e) =>
          e.data.type === 'ticket' ? e.data.ticket.id : e.data.type === 'rating' ? e.data.ticketId : null,
        ),
        fresh.map((e) => JSON.stringify(e.data)),
      ],
    );
    const new_ = new Set(result.rows.map((r) => Number(r.seq)));
    inserted = fresh.filter((e) => new_.has(e.seq));
  }

  // Every number of this batch is dealt with (new, or already here), and so are the lost ones.
  // Numbers dealt with: this batch's events (new or already here) and those stored above a gap before.
  const handled = new Set(fresh.map((e) => e.seq));
  const pending = await client.query<{ seq: string }>('SELECT seq FROM pending_seqs WHERE office_id = $1', [
    officeId,
  ]);
  const waiting = new Set(pending.rows.map((r) => Number(r.seq)));
  for (const s of waiting) handled.add(s);
  // Advance over stored numbers and lost ranges alike (ranges by arithmetic: they can be long).
  let next = acked;
  let lost = 0;
  for (;;) {
    if (handled.has(next + 1)) {
      next++;
      continue;
    }
    const range = lostRanges.find((r) => r.from <= next + 1 && r.to > next);
    if (!range) break;
    lost += range.to - next;
    next = range.to;
  }
  // A lost range above a gap is reported again with the resend that fills the gap.
  const above = [...handled].filter((s) => s > next && !waiting.has(s));
  if (waiting.size > 0 && next > acked)
    await client.query('DELETE FROM pending_seqs WHERE office_id = $1 AND seq <= $2', [officeId, next]);
  if (above.length > 0)
    await client.query(
      'INSERT INTO pending_seqs (office_id, seq) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING',
      [officeId, above],
    );

  await applyLive(client, officeId, inserted);
  const newest = inserted.reduce((m, e) => Math.max(m, e.at), 0);
  await client.query(
    `UPDATE offices SET acked_seq = $2, lost_events = lost_events + $3, last_received_at = now(),
       last_event_at = CASE WHEN $4::bigint > 0 THEN greatest(last_event_at, to_timestamp($4::bigint / 1000.0)) ELSE last_event_at END
     WHERE id = $1`,
    [officeId, next, lost, newest],
  );
  return { ackedSeq: next, stored: inserted.length, duplicates: fresh.length - inserted.length, lost };
}

/**
 * Store the batches of several offices in ONE transaction (one commit, one
 * flush to disk for all of them: group commit), offices in id order so two
 * central instances never wait on each other in a circle.
 */
export async function storeBatches(
  pool: Pool,
  partitions: Partitions,
  groups: Map<string, CentralBatch[]>,
): Promise<Map<string, StoredBatch>> {
  await partitions.ensure([...groups.values()].flatMap((bs) => bs.flatMap((b) => b.events.map((e) => e.at))));
  const client = await pool.connect();
  try {
    return await inTransaction(client, async () => {
      const results = new Map<string, StoredBatch>();
      for (const officeId of [...groups.keys()].sort())
        results.set(officeId, await storeOffice(client, officeId, groups.get(officeId)!));
      return results;
    });
  } finally {
    client.release();
  }
}

export async function storeBatch(
  pool: Pool,
  partitions: Partitions,
  officeId: string,
  batch: CentralBatch,
): Promise<StoredBatch> {
  return (await storeBatches(pool, partitions, new Map([[officeId, [batch]]]))).get(officeId)!;
}

type EventOf<T extends CentralEventType> = CentralEvent & { data: Extract<CentralEventData, { type: T }> };

type LiveColumn<T extends CentralEventType> = [
  name: string,
  pgType: string,
  value: (e: EventOf<T>) => unknown,
];

/**
 * A dashboard table holding the newest state per key, fed by events of one
 * type: its key and its other columns after office_id, each with its
 * PostgreSQL type and its value in an event. Every live table also holds the
 * event's number (`seq`, after the key): a row is only replaced by a newer one.
 */
interface LiveTable<T extends CentralEventType> {
  table: string;
  type: T;
  key: LiveColumn<T>;
  columns: LiveColumn<T>[];
}

const SEQ_COLUMN: LiveColumn<CentralEventType> = ['seq', 'bigint', (e) => e.seq];

const LIVE_TICKETS: LiveTable<'ticket'> = {
  table: 'live_tickets',
  type: 'ticket',
  key: ['ticket_id', 'text', (e) => e.data.ticket.id],
  columns: [
    ['service_date', 'text', (e) => e.data.ticket.serviceDate],
    ['display', 'text', (e) => e.data.ticket.display],
    ['procedure_name', 'text', (e) => e.data.ticket.procedureName],
    ['status', 'text', (e) => e.data.ticket.status],
    ['queued_at', 'timestamptz', (e) => iso(e.data.ticket.queuedAt)],
    ['counter_id', 'integer', (e) => e.data.ticket.counterId],
  ],
};

const LIVE_COUNTERS: LiveTable<'counter'> = {
  table: 'live_counters',
  type: 'counter',
  key: ['counter_id', 'integer', (e) => e.data.counterId],
  columns: [
    ['name', 'text', (e) => e.data.name],
    ['state', 'text', (e) => e.data.state],
    ['officer', 'text', (e) => e.data.officer],
  ],
};

const LIVE_DEVICES: LiveTable<'device'> = {
  table: 'live_devices',
  type: 'device',
  key: ['device_id', 'text', (e) => e.data.deviceId],
  columns: [
    ['role', 'text', (e) => e.data.role],
    ['state', 'text', (e) => e.data.state],
    ['printer', 'text', (e) => e.data.printer],
    ['fault', 'text', (e) => e.data.fault],
    ['at', 'timestamptz', (e) => iso(e.at)],
  ],
};

/** The newest event per key into `live`, each row only over an older one (by number). */
async function upsertLive<T extends CentralEventType>(
  client: PoolClient,
  officeId: string,
  events: CentralEvent[],
  live: LiveTable<T>,
): Promise<void> {
  const isOfType = (e: CentralEvent): e is EventOf<T> => e.data.type === live.type;
  const key = live.key[2];
  const rows = lastBy(events, (e) => (isOfType(e) ? key(e) : null)).filter(isOfType);
  if (rows.length === 0) return;
  const columns = [live.key, SEQ_COLUMN, ...live.columns];
  const names = columns.map(([name]) => name);
  await client.query(
    `INSERT INTO ${live.table} (office_id, ${names.join(', ')})
     SELECT $1, * FROM unnest(${columns.map(([, pgType], i) => `$${i + 2}::${pgType}[]`).join(', ')})
     ON CONFLICT (office_id, ${names[0]}) DO UPDATE SET ${names
       .slice(1)
       .map((name) => `${name} = EXCLUDED.${name}`)
       .join(', ')}
     WHERE ${live.table}.seq < EXCLUDED.seq`,
    [officeId, ...columns.map(([, , value]) => rows.map(value))],
  );
}

/** The dashboard's tables: tickets in the line, counters, devices, the office's day and last call. */
async function applyLive(client: PoolClient, officeId: string, events: CentralEvent[]): Promise<void> {
  if (events.length === 0) return;
  await upsertLive(client, officeId, events, LIVE_TICKETS);
  await upsertLive(client, officeId, events, LIVE_COUNTERS);
  await upsertLive(client, officeId, events, LIVE_DEVICES);
  // The office's day: the latest day change or ticket date it has told of.
  let day: string | null = null;
  for (const e of events) {
    const d =
      e.data.type === 'day'
        ? e.data.serviceDate
        : e.data.type === 'ticket'
          ? e.data.ticket.serviceDate
          : null;
    if (d && (!day || d > day)) day = d;
  }
  if (day) {
    const moved = await client.query(
      'UPDATE offices SET service_date = $2 WHERE id = $1 AND (service_date IS NULL OR service_date < $2)',
      [officeId, day],
    );
    if (moved.rowCount)
      await client.query('DELETE FROM live_tickets WHERE office_id = $1 AND service_date < $2', [
        officeId,
        day,
      ]);
  }
  let call: CentralEvent | null = null;
  for (const e of events)
    if (e.data.type === 'ticket' && (e.data.action === 'called' || e.data.action === 'recalled')) call = e;
  if (call && call.data.type === 'ticket') {
    await client.query(
      `UPDATE offices SET last_call = $2::jsonb WHERE id = $1
         AND (last_call IS NULL OR (last_call->>'seq')::bigint < $3)`,
      [
        officeId,
        JSON.stringify({
          seq: call.seq,
          at: call.at,
          display: call.data.ticket.display,
          counterId: call.data.counterId,
          counterName: call.data.counterName,
          officer: call.data.officer,
          procedureName: call.data.ticket.procedureName,
          recall: call.data.action === 'recalled',
        }),
        call.seq,
      ],
    );
  }
}
