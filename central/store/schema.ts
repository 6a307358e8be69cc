// The central store's schema in PostgreSQL, versioned like the hub's SQLite
// migrations (never edit a released one: add one). Several instances may
// start at once: the migration takes an advisory lock.
//
// - events: every office's events, partitioned by month of the event's time
//   (a partition is created when the first event of its month arrives;
//   old months can be detached or dropped whole). One row per office and
//   sequence number (primary key), and per office and event id (a resend
//   under another number is still the same event).
// - offices: per office, the highest number stored without a gap (acked_seq).
// - live_*: what the dashboard shows now, kept up to date by the same
//   transaction that stores the events.

import type { Pool, PoolClient } from 'pg';

const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE offices (
        id text PRIMARY KEY,
        name text NOT NULL DEFAULT '',
        time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
        acked_seq bigint NOT NULL DEFAULT 0,
        lost_events bigint NOT NULL DEFAULT 0,
        service_date text,
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_event_at timestamptz,
        last_received_at timestamptz,
        last_call jsonb
      );
      -- Numbers stored above a gap (they came out of order), until the gap closes.
      CREATE TABLE pending_seqs (
        office_id text NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (office_id, seq)
      );
      CREATE TABLE events (
        office_id text NOT NULL,
        seq bigint NOT NULL,
        at timestamptz NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL,
        action text,
        ticket_id text,
        data jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (office_id, seq, at),
        UNIQUE (office_id, event_id, at)
      ) PARTITION BY RANGE (at);
      CREATE INDEX events_by_type ON events (type, at);

      CREATE TABLE live_tickets (
        office_id text NOT NULL,
        ticket_id text NOT NULL,
        seq bigint NOT NULL,
        service_date text NOT NULL,
        display text NOT NULL,
        procedure_name text NOT NULL,
        status text NOT NULL,
        queued_at timestamptz NOT NULL,
        counter_id integer,
        PRIMARY KEY (office_id, ticket_id)
      );
      CREATE INDEX live_tickets_waiting ON live_tickets (office_id, queued_at) WHERE status = 'waiting';
      CREATE TABLE live_counters (
        office_id text NOT NULL,
        counter_id integer NOT NULL,
        seq bigint NOT NULL,
        name text NOT NULL,
        state text NOT NULL,
        officer text,
        PRIMARY KEY (office_id, counter_id)
      );
      CREATE TABLE live_devices (
        office_id text NOT NULL,
        device_id text NOT NULL,
        seq bigint NOT NULL,
        role text NOT NULL,
        state text NOT NULL,
        printer text,
        fault text,
        at timestamptz NOT NULL,
        PRIMARY KEY (office_id, device_id)
      );

      -- Province accounts: the same rules as the hub's (hub/auth, hub/http/auth.ts).
      CREATE TABLE accounts (
        username text PRIMARY KEY,
        display_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('officer', 'admin')),
        password_hash text NOT NULL,
        created_at bigint NOT NULL,
        disabled_at bigint
      );
      CREATE TABLE sessions (
        token_hash text PRIMARY KEY,
        username text NOT NULL REFERENCES accounts(username),
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at bigint NOT NULL,
        username text NOT NULL,
        action text NOT NULL,
        detail jsonb
      );
    `,
  },
];

export const LATEST_SCHEMA = MIGRATIONS.at(-1)!.version;

/** Bring the store's schema up to date (one instance at a time). */
export async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(727001)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
    const current = rows[0]?.v ?? 0;
    if (current > LATEST_SCHEMA)
      throw new Error(
        `the central store has schema ${current}, this program knows up to ${LATEST_SCHEMA}: install the newer version`,
      );
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await inTransaction(client, async () => {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_version (version) VALUES ($1)', [m.version]);
      });
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(727001)').catch(() => {});
    client.release();
  }
}

export async function inTransaction<T>(client: PoolClient, run: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await run();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The month partition's name and bounds (UTC months) for a time. */
export function monthOf(at: number): { name: string; from: string; to: string } {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const pad = (n: number) => String(n).padStart(2, '0');
  const next = new Date(Date.UTC(y, m + 1, 1));
  return {
    name: `events_y${y}m${pad(m + 1)}`,
    from: `${y}-${pad(m + 1)}-01 00:00:00+00`,
    to: `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-01 00:00:00+00`,
  };
}

/** Creates month partitions on demand, once per month per instance. */
export class Partitions {
  private readonly known = new Set<string>();

  constructor(private readonly pool: Pool) {}

  async ensure(times: Iterable<number>): Promise<void> {
    for (const at of times) {
      const month = monthOf(at);
      if (this.known.has(month.name)) continue;
      try {
        await this.pool.query(
          `CREATE TABLE IF NOT EXISTS ${month.name} PARTITION OF events FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
        );
      } catch (error) {
        // Another instance created it at the same moment.
        const code = (error as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw error;
      }
      this.known.add(month.name);
    }
  }
}
