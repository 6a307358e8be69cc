// Migration 11: ratings keyed by their ticket (WITHOUT ROWID), their event
// id still unique, no index by time. A store of schema 10 upgrades in place
// with every rating kept; each way the hub reads a rating uses a key (no
// scan), and the table still refuses a second rating of a ticket or a
// reused event id.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, schemaVersion } from '../../../hub/store/db.js';
import { migrations } from '../../../hub/store/migrations.js';
import { RatingStore, type StoredRating } from '../../../hub/store/rating-store.js';
import { tempDir } from '../../helpers/hub.js';

const dir = tempDir('qms-ratings-');
afterAll(() => dir.remove());

const rating = (n: number, over: Partial<StoredRating> = {}): StoredRating => ({
  id: `event-${n}`,
  ticketId: `ticket-${n}`,
  counterId: 1 + (n % 3),
  officer: n % 2 ? 'canbo1' : null,
  level: 'satisfied',
  score: 3,
  deviceId: 'rating-01',
  pressedAt: 1_000 * n,
  at: 1_000 * n + 5,
  ...over,
});

describe('migration 11 (ratings keyed by ticket)', () => {
  it('a store of schema 10 upgrades in place: every rating kept, read by key, the same rules', () => {
    const file = join(dir.path, 'qms.sqlite');
    const old = new Database(file);
    old.pragma('page_size = 1024');
    for (const m of migrations.filter((x) => x.version <= 10)) old.exec(m.sql);
    old.pragma('user_version = 10');
    const v10 = new RatingStore(old);
    const ratings = Array.from({ length: 40 }, (_, i) => rating(i));
    for (const r of ratings) v10.insert(r);
    // A correction replaced one ticket's event.
    ratings[7] = rating(7, { id: 'event-7b', level: 'very_satisfied', score: 4, at: 99_000 });
    v10.replace(ratings[7]);
    old.close();

    const db = openDb(dir.path);
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    const store = new RatingStore(db);
    for (const r of ratings) {
      expect(store.forTicket(r.ticketId)).toEqual(r);
      expect(store.byEvent(r.id)).toEqual(r);
    }
    expect(store.byEvent('event-7')).toBeUndefined();
    expect(db.prepare('SELECT count(*) AS n FROM ratings').get()).toEqual({ n: 40 });
    // One b-tree keyed by ticket and the event id's index: no rowid table, no index by time.
    const schema = db.prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'ratings'").all() as {
      name: string;
      sql: string | null;
    }[];
    expect(schema.map((s) => s.name).sort()).toEqual(['ratings', 'sqlite_autoindex_ratings_1']);
    expect(schema.find((s) => s.name === 'ratings')!.sql).toMatch(/WITHOUT ROWID/);

    // The same rules as before: one rating per ticket, an event id used once.
    expect(() => store.insert(rating(100, { ticketId: 'ticket-3' }))).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => store.insert(rating(101, { id: 'event-4' }))).toThrow(/UNIQUE/);
    store.insert(rating(102));
    store.replace(rating(102, { id: 'event-102b', score: 1, level: 'unsatisfied' }));
    expect(store.forTicket('ticket-102')).toMatchObject({ id: 'event-102b', score: 1 });
    expect(() => store.replace(rating(103))).toThrow(/no rating of ticket/);

    // Every read of a rating (the rules, a repeated press, the correction, the reports' join) uses a key.
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('x') as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ');
    expect(plan('SELECT * FROM ratings WHERE ticket_id = ?')).toMatch(/SEARCH ratings USING PRIMARY KEY/);
    expect(plan('SELECT * FROM ratings WHERE id = ?')).toMatch(/SEARCH ratings USING INDEX/);
    expect(plan('UPDATE ratings SET score = 1 WHERE ticket_id = ?')).toMatch(
      /SEARCH ratings USING PRIMARY KEY/,
    );
    expect(
      plan(
        `SELECT r.counter_id, t.procedure_id FROM ratings r JOIN tickets t ON t.id = r.ticket_id WHERE t.service_date = ?`,
      ),
    ).toMatch(/SEARCH r USING PRIMARY KEY/);
    db.close();
  });
});
