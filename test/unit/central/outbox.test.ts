import { afterEach, expect, test } from 'vitest';
import { Outbox } from '../../../hub/central/outbox.js';
import { type Db, openDb } from '../../../hub/store/db.js';
import { ticketIssued } from '../../helpers/central.js';
import { tempDir } from '../../helpers/hub.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function store(): Db {
  const dir = tempDir();
  const db = openDb(dir.path);
  cleanups.push(() => {
    db.close();
    dir.remove();
  });
  return db;
}

const event = () => ticketIssued('o', Date.now());

test('numbers follow each other without a gap, and a rolled-back change leaves no event and no number', () => {
  const db = store();
  const outbox = new Outbox(db, { maxEvents: 1000 });
  expect(outbox.record(event(), 1)).toBe(1);
  expect(() =>
    db.transaction(() => {
      outbox.record(event(), 2);
      throw new Error('the change failed');
    })(),
  ).toThrow('the change failed');
  expect(outbox.record(event(), 3)).toBe(2);
  expect(outbox.read(1, 10).map((e) => [e.seq, e.at])).toEqual([
    [1, 1],
    [2, 3],
  ]);
  expect(outbox.stats()).toMatchObject({ lastSeq: 2, ackedSeq: 0, pending: 2, oldestAt: 1 });
});

test('an acknowledgement forgets what the centre holds; an old one changes nothing', () => {
  const outbox = new Outbox(store(), { maxEvents: 1000 });
  for (let i = 0; i < 5; i++) outbox.record(event(), i);
  expect(outbox.acknowledge(3, 100)).toBe('progress');
  expect(outbox.read(0, 10).map((e) => e.seq)).toEqual([4, 5]);
  expect(outbox.acknowledge(2, 101)).toBe('stale');
  expect(outbox.stats()).toMatchObject({ ackedSeq: 3, pending: 2, ackedAt: 100 });
});

test('a full outbox drops its oldest events and remembers which numbers are lost', () => {
  const outbox = new Outbox(store(), { maxEvents: 100 });
  for (let i = 0; i < 150; i++) outbox.record(event(), i);
  const stats = outbox.stats();
  expect(stats).toMatchObject({ lastSeq: 150, droppedThrough: 50, pending: 100, dropped: 50 });
  expect(outbox.read(0, 1)[0]!.seq).toBe(51);
});

test('a centre ahead of the store (restored from a backup): unacknowledged events move after its numbers', () => {
  const outbox = new Outbox(store(), { maxEvents: 1000 });
  for (let i = 0; i < 10; i++) outbox.record(event(), i);
  outbox.acknowledge(4, 1);
  const ids = outbox.read(0, 100).map((e) => e.id);
  expect(outbox.acknowledge(500, 2)).toBe('ahead');
  const moved = outbox.read(0, 100);
  expect(moved.map((e) => e.seq)).toEqual([501, 502, 503, 504, 505, 506]);
  expect(moved.map((e) => e.id)).toEqual(ids);
  expect(outbox.state()).toMatchObject({ lastSeq: 506, ackedSeq: 500 });
  expect(outbox.record(event(), 3)).toBe(507);
});
