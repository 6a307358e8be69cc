// Migration 12: ticket events keyed by (ticket, seq) WITHOUT ROWID, no rowid
// table and no index by ticket beside it. A store of schema 11 upgrades in
// place with every event kept in its order; every read of events uses the
// key; and the clock's "latest stored moment" (hub/clock/setup.ts), which
// read the last rowid before, still finds the latest event: one written to
// an early ticket after later ones were issued, and the daily reset's
// cancellations of the day before when the new day has no event yet.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { lastStoredEventAt } from '../../../hub/clock/setup.js';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from '../../../hub/defaults/catalogue.js';
import { callNext, dailyReset, issueTicket, takeCounter } from '../../../hub/queue/index.js';
import { QueueService } from '../../../hub/service/queue-service.js';
import { openDb, schemaVersion } from '../../../hub/store/db.js';
import { migrations } from '../../../hub/store/migrations.js';
import { QueueStore } from '../../../hub/store/queue-store.js';
import { tempDir } from '../../helpers/hub.js';

const dir = tempDir('qms-events-');
afterAll(() => dir.remove());

const plan = (db: Database.Database, sql: string) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('migration 12 (ticket events keyed by ticket)', () => {
  it('a store of schema 11 upgrades in place: every event kept, numbered in its old order, read by key', () => {
    const file = join(dir.path, 'v11', 'qms.sqlite');
    mkdirSync(join(dir.path, 'v11'));
    const old = new Database(file);
    for (const m of migrations.filter((x) => x.version <= 11)) old.exec(m.sql);
    old.pragma('user_version = 11');
    const insert = old.prepare(
      'INSERT INTO ticket_events (ticket_id, type, at, counter_id, officer, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // Interleaved as a day writes them; two events of one ticket share a time (their rowid decides).
    insert.run('t1', 'issued', 1000, null, null, null);
    insert.run('t2', 'issued', 1100, null, null, '{"priority":"elderly"}');
    insert.run('t1', 'called', 1200, 1, 'canbo1', '{"callId":"c1"}');
    insert.run('t1', 'recalled', 1200, 1, 'canbo1', '{"callId":"c2"}');
    insert.run('t2', 'called', 1300, 2, 'canbo2', '{"callId":"c3"}');
    insert.run('t1', 'started', 1400, 1, 'canbo1', null);
    old.close();

    const db = openDb(join(dir.path, 'v11'));
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    expect(
      db.prepare('SELECT ticket_id, seq, type, at, counter_id, officer, detail FROM ticket_events').all(),
    ).toEqual([
      { ticket_id: 't1', seq: 1, type: 'issued', at: 1000, counter_id: null, officer: null, detail: null },
      {
        ticket_id: 't1',
        seq: 2,
        type: 'called',
        at: 1200,
        counter_id: 1,
        officer: 'canbo1',
        detail: '{"callId":"c1"}',
      },
      {
        ticket_id: 't1',
        seq: 3,
        type: 'recalled',
        at: 1200,
        counter_id: 1,
        officer: 'canbo1',
        detail: '{"callId":"c2"}',
      },
      { ticket_id: 't1', seq: 4, type: 'started', at: 1400, counter_id: 1, officer: 'canbo1', detail: null },
      {
        ticket_id: 't2',
        seq: 1,
        type: 'issued',
        at: 1100,
        counter_id: null,
        officer: null,
        detail: '{"priority":"elderly"}',
      },
      {
        ticket_id: 't2',
        seq: 2,
        type: 'called',
        at: 1300,
        counter_id: 2,
        officer: 'canbo2',
        detail: '{"callId":"c3"}',
      },
    ]);
    // One b-tree: no rowid table, no index beside it.
    const schema = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'ticket_events'")
      .all() as {
      name: string;
      sql: string;
    }[];
    expect(schema.map((s) => s.name)).toEqual(['ticket_events']);
    expect(schema[0]!.sql).toMatch(/WITHOUT ROWID/);

    // The store's own insert numbers on from the ticket's last event.
    new QueueStore(db).persist([
      {
        kind: 'event',
        event: { ticketId: 't1', type: 'finished', at: 1500, counterId: 1, officer: 'canbo1' },
      },
      { kind: 'event', event: { ticketId: 't3', type: 'issued', at: 1600, counterId: null, officer: null } },
    ]);
    expect(
      db.prepare("SELECT seq FROM ticket_events WHERE ticket_id = 't1' AND type = 'finished'").get(),
    ).toEqual({
      seq: 5,
    });
    expect(db.prepare("SELECT seq FROM ticket_events WHERE ticket_id = 't3'").get()).toEqual({ seq: 1 });

    // Every read of events goes by the key: the insert's numbering, the reports' join, a time shift.
    expect(plan(db, "SELECT max(seq) FROM ticket_events WHERE ticket_id = 't1'")).toMatch(
      /SEARCH ticket_events USING PRIMARY KEY \(ticket_id=\?\)/,
    );
    expect(
      plan(
        db,
        "SELECT t.id, e.type FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id WHERE t.service_date = '2026-12-03'",
      ),
    ).toMatch(/SEARCH e USING PRIMARY KEY \(ticket_id=\?\)/);
    expect(plan(db, "UPDATE ticket_events SET at = at + 5 WHERE ticket_id = 't1'")).toMatch(
      /SEARCH ticket_events USING PRIMARY KEY \(ticket_id=\?\)/,
    );
    db.close();
  });
});

describe('the latest stored moment (clock check at start)', () => {
  it('is the latest event, wherever it sits in the key order, and survives the daily reset', () => {
    const db = openDb(join(dir.path, 'latest'));
    const store = new QueueStore(db);
    const catalogue = defaultCatalogue();
    store.saveCatalogue(catalogue);
    for (const c of defaultCounters(catalogue)) store.saveCounter(c);
    expect(lastStoredEventAt(db)).toBeNull();

    let now = Date.parse('2026-12-02T08:00:00+07:00');
    let n = 0;
    // Ids sort by issue, as the hub's do: a later ticket's events come after an earlier one's in the key order.
    const clock = { now: () => now, newId: () => `0199a000-0000-7000-8000-${String(++n).padStart(12, '0')}` };
    let service = new QueueService(store, store.loadState(defaultQueueSettings, '2026-12-02'), clock);
    service.run((s, c) => takeCounter(s, { counterId: 1, officer: 'canbo1' }, c));
    const procedureId = catalogue.procedures[0]!.id;
    for (let i = 0; i < 3; i++) {
      now += 60_000;
      expect(service.run((s, c) => issueTicket(s, { procedureId }, c)).ok).toBe(true);
    }
    expect(lastStoredEventAt(db)).toBe(now);
    // The first ticket is called after the later ones were issued: its event is the latest, not the last in key order.
    now += 60_000;
    expect(service.run((s, c) => callNext(s, { counterId: 1 }, c)).ok).toBe(true);
    expect(lastStoredEventAt(db)).toBe(now);

    // The next morning's reset cancels what was left; the new day has no event yet.
    now = Date.parse('2026-12-03T07:30:00+07:00');
    service = new QueueService(store, store.loadState(defaultQueueSettings, '2026-12-02'), clock);
    const reset = service.run((s, c) => dailyReset(s, { serviceDate: '2026-12-03' }, c));
    expect(reset.ok && reset.result.cancelled).toBe(3);
    expect(lastStoredEventAt(db)).toBe(now);

    // An audit entry later than every event counts too.
    db.prepare("INSERT INTO audit_log (at, username, action) VALUES (?, 'admin', 'sign-in')").run(
      now + 5_000,
    );
    expect(lastStoredEventAt(db)).toBe(now + 5_000);
    db.close();
  });
});
