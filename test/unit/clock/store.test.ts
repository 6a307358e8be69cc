// The store side of the clock. Schema version 6: a store written before the
// line had places gets them in the order it had (queued_at, then number),
// and the hub counts on from the highest. And times moved with a clock step.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, schemaVersion } from '../../../hub/store/db.js';
import { migrations } from '../../../hub/store/migrations.js';
import { QueueStore } from '../../../hub/store/queue-store.js';
import { tempDir } from '../../helpers/hub.js';

const dir = tempDir('qms-migration-');
afterAll(() => dir.remove());

describe('migration 6 (the line ordered by place)', () => {
  it('gives existing tickets their places in their old order, marks none untrusted', () => {
    const file = join(dir.path, 'qms.sqlite');
    const old = new Database(file);
    for (const m of migrations.filter((x) => x.version < 6)) old.exec(m.sql);
    old.pragma('user_version = 5');
    const insert = old.prepare(
      `INSERT INTO tickets (id, service_date, series_key, number, display, field_id, procedure_id, status, issued_at, queued_at)
       VALUES (?, '2026-11-27', 'field:cc', ?, ?, 'cc', 'cc-1', 'waiting', ?, ?)`,
    );
    // Inserted out of order; two share a queued_at (then the number decides).
    insert.run('c', 1003, '1003', 3000, 3000);
    insert.run('a', 1001, '1001', 1000, 1000);
    insert.run('b2', 1004, '1004', 2000, 2000);
    insert.run('b1', 1002, '1002', 2000, 2000);
    old.prepare("INSERT INTO settings (key, value) VALUES ('serviceDate', '\"2026-11-27\"')").run();
    old.close();

    const db = openDb(dir.path);
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    const rows = db.prepare('SELECT display, seq, clock_untrusted FROM tickets ORDER BY seq').all();
    expect(rows).toEqual([
      { display: '1001', seq: 1, clock_untrusted: 0 },
      { display: '1002', seq: 2, clock_untrusted: 0 },
      { display: '1004', seq: 3, clock_untrusted: 0 },
      { display: '1003', seq: 4, clock_untrusted: 0 },
    ]);
    const state = new QueueStore(db).loadState(
      { priorityCap: 2, defaultServiceSeconds: 300, recentServiceSamples: 5 },
      '2026-11-27',
    );
    expect(state.lastSeq).toBe(4);
    expect([...state.tickets.values()].map((t) => t.display)).toEqual(['1001', '1002', '1004', '1003']);
    db.close();
  });
});

describe('timesShifted in the store', () => {
  it('moves the events and calls (payload too) of the given tickets only', () => {
    const db = openDb(join(dir.path, 'shift'));
    const store = new QueueStore(db);
    db.prepare(
      "INSERT INTO ticket_events (ticket_id, seq, type, at) VALUES ('a', 1, 'issued', 1000), ('b', 1, 'issued', 1000)",
    ).run();
    const payload = (id: string) => JSON.stringify({ callId: id, display: '1001', at: 2000 });
    db.prepare(
      'INSERT INTO calls (id, ticket_id, counter_id, recall, at, payload) VALUES (?, ?, 1, 0, 2000, ?)',
    ).run('c-a', 'a', payload('c-a'));
    db.prepare(
      'INSERT INTO calls (id, ticket_id, counter_id, recall, at, payload) VALUES (?, ?, 1, 0, 2000, ?)',
    ).run('c-b', 'b', payload('c-b'));
    store.persist([{ kind: 'timesShifted', ticketIds: ['a'], byMs: 500 }]);
    expect(db.prepare('SELECT ticket_id, at FROM ticket_events ORDER BY ticket_id').all()).toEqual([
      { ticket_id: 'a', at: 1500 },
      { ticket_id: 'b', at: 1000 },
    ]);
    const calls = db.prepare('SELECT id, at, payload FROM calls ORDER BY id').all() as {
      id: string;
      at: number;
      payload: string;
    }[];
    expect(calls.map((c) => [c.id, c.at, JSON.parse(c.payload).at])).toEqual([
      ['c-a', 2500, 2500],
      ['c-b', 2000, 2000],
    ]);
    db.close();
  });
});
