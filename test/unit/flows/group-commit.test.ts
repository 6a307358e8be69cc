// Kiosks' ticket requests through the device request handler over a real
// SQLite store (no broker): requests that arrive together share one durable
// transaction (group commit), and the contract holds: no reply before its
// ticket is committed (read through a second connection, as another process
// would), a failed transaction keeps nothing of its batch in memory or on
// disk and answers every request of it with hub_error, and the next batch
// works; nobody outside the batch sees an uncommitted ticket.

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../hub/central/outbox.js';
import { CentralRecorder } from '../../../hub/central/recorder.js';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from '../../../hub/defaults/catalogue.js';
import { createDeviceRequestHandler } from '../../../hub/flows/device-requests.js';
import { Metrics } from '../../../hub/metrics.js';
import { callNext, issueTicket, takeCounter } from '../../../hub/queue/index.js';
import { QueueService } from '../../../hub/service/queue-service.js';
import { type Db, openDb, STORE_FILE } from '../../../hub/store/db.js';
import { DeviceStore } from '../../../hub/store/device-store.js';
import { QueueStore } from '../../../hub/store/queue-store.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { parseTopic, topics } from '../../../shared/protocol/topics.js';
import { tempDir } from '../../helpers/hub.js';

const T0 = Date.UTC(2025, 9, 1, 2, 0, 0);

interface Reply {
  requestId: string;
  ok: boolean;
  data?: { ticketId: string; display: string; number: number };
  error?: { code: string };
}

describe('group commit of ticket requests', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let reader: Database.Database;
  let store: QueueStore;
  let service: QueueService;
  let devices: DeviceStore;
  let replies: (Reply & { committedThen: boolean; commitsThen: number })[];
  let commits: number;
  let log: ReturnType<typeof memorySink>;
  let handle: ReturnType<typeof createDeviceRequestHandler>;
  const device = () => devices.get('kiosk-01')!;

  const inStore = (ticketId: string) =>
    reader.prepare('SELECT 1 FROM tickets WHERE id = ?').get(ticketId) !== undefined;

  beforeEach(() => {
    dir = tempDir('qms-group-commit-');
    db = openDb(dir.path);
    store = new QueueStore(db);
    const catalogue = defaultCatalogue();
    store.saveCatalogue(catalogue);
    for (const c of defaultCounters(catalogue)) store.saveCounter(c);
    commits = 0;
    store.onCommitted = () => commits++;
    let seq = 0;
    service = new QueueService(store, store.loadState(defaultQueueSettings, '2025-10-01'), {
      now: () => T0,
      newId: () => `id-${++seq}`,
    });
    devices = new DeviceStore(db);
    devices.register('kiosk-01', 'kiosk', null, T0);
    reader = new Database(`${dir.path}/${STORE_FILE}`, { readonly: true });
    replies = [];
    log = memorySink();
    handle = createDeviceRequestHandler({
      service,
      devices,
      // Where the reply would leave for the broker: was its ticket on disk then?
      publish: async (_topic, payload) => {
        const reply = JSON.parse(payload) as Reply;
        replies.push({
          ...reply,
          committedThen: reply.data ? inStore(reply.data.ticketId) : false,
          commitsThen: commits,
        });
      },
      log: createLogger('test', { sink: log, timestamps: false }),
      metrics: new Metrics(),
      now: () => T0,
    });
  });
  afterEach(() => {
    reader.close();
    db.close();
    dir.remove();
  });

  const press = (requestId: string, procedureId = 'can-cuoc-01', pressedAt = T0) =>
    handle({
      device: device(),
      topic: parseTopic(topics.deviceRequest('kiosk-01', 'issue-ticket')),
      payload: Buffer.from(JSON.stringify({ v: 1, requestId, procedureId, pressedAt })),
    });
  const untilReplies = async (n: number) => {
    for (let i = 0; i < 1000 && replies.length < n; i++) await new Promise((r) => setImmediate(r));
    expect(replies).toHaveLength(n);
  };

  it('many requests at once: one transaction, every reply after it, numbers in order', async () => {
    for (let i = 0; i < 40; i++) press(`r-${i}`);
    expect(replies, 'nothing answered before the commit').toHaveLength(0);
    expect(service.waiting).toBe(40);
    await untilReplies(40);
    expect(commits).toBe(1);
    for (const r of replies) {
      expect(r.ok).toBe(true);
      expect(r.committedThen, `${r.requestId} was on disk when answered`).toBe(true);
      expect(r.commitsThen).toBe(1);
    }
    // Each later request saw the earlier ones of its batch: consecutive numbers, no repeat.
    expect(replies.map((r) => r.data!.number)).toEqual(Array.from({ length: 40 }, (_, i) => 1001 + i));
    // Each ticket keeps what a repeat of its request needs, in the same transaction.
    expect(reader.prepare('SELECT count(*) AS n FROM tickets WHERE issue_reply IS NOT NULL').get()).toEqual({
      n: 40,
    });
  });

  it('a failed transaction keeps nothing of its batch and answers each request hub_error; the next batch works', async () => {
    const before = structuredClone(service.state);
    // The disk refuses the batch's transaction (as an I/O error or a full disk would).
    db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON tickets WHEN NEW.source_request = 'r-3'
             BEGIN SELECT RAISE(ABORT, 'injected disk failure'); END`);
    for (let i = 0; i < 6; i++) press(`r-${i}`);
    await untilReplies(6);
    expect(replies.map((r) => r.error?.code)).toEqual(Array(6).fill('hub_error'));
    expect(commits).toBe(0);
    // (The live tickets keep their waiting set: compared as the plain Map the copy is.)
    expect({ ...service.state, tickets: new Map(service.state.tickets) }).toEqual(before);
    expect(reader.prepare('SELECT count(*) AS n FROM tickets').get()).toEqual({ n: 0 });
    expect(reader.prepare('SELECT count(*) AS n FROM requests').get()).toEqual({ n: 0 });

    db.exec('DROP TRIGGER refuse');
    replies = [];
    for (let i = 0; i < 6; i++) press(`r-${i}`);
    await untilReplies(6);
    expect(replies.every((r) => r.ok && r.committedThen)).toBe(true);
    // The failed batch burnt no number.
    expect(replies.map((r) => r.data!.number)).toEqual([1001, 1002, 1003, 1004, 1005, 1006]);
  });

  it('reading the state while a batch waits commits it first: nothing outside sees an uncommitted ticket', async () => {
    press('r-0');
    press('r-1');
    expect(reader.prepare('SELECT count(*) AS n FROM tickets').get()).toEqual({ n: 0 });
    const seen = service.state.tickets.size; // an HTTP request or a timer reads the state
    expect(seen).toBe(2);
    expect(reader.prepare('SELECT count(*) AS n FROM tickets').get()).toEqual({ n: 2 });
    expect(commits).toBe(1);
    await untilReplies(2);
    expect(replies.every((r) => r.ok && r.committedThen)).toBe(true);
  });

  it('a synchronous command (an officer calling) commits the waiting batch before deciding', async () => {
    service.run((s, c) => takeCounter(s, { counterId: 1, officer: 'canbo1' }, c));
    const procedureId = service.state.counters.get(1)!.serves[0]!.procedureId;
    const commitsBefore = commits;
    press('r-0', procedureId);
    const called = service.run((s, c) => callNext(s, { counterId: 1 }, c));
    expect(called.ok, 'the call found the ticket of the waiting batch').toBe(true);
    expect(commits - commitsBefore).toBe(2);
    await untilReplies(1);
    expect(replies[0]!.ok).toBe(true);
  });

  it('the same requestId twice in one batch makes one ticket and the same reply twice', async () => {
    press('same');
    press('same');
    press('other');
    await untilReplies(3);
    const same = replies.filter((r) => r.requestId === 'same');
    expect(same).toHaveLength(2);
    expect(same[0]!.data).toEqual(same[1]!.data);
    expect(reader.prepare('SELECT count(*) AS n FROM tickets').get()).toEqual({ n: 2 });
  });

  it('a refusal decided in a batch is answered after the batch commits', async () => {
    press('r-0');
    press('r-1', 'no-such-procedure');
    expect(replies).toHaveLength(0);
    await untilReplies(2);
    expect(replies.find((r) => r.requestId === 'r-1')!.error?.code).toBe('unknown_procedure');
    expect(commits).toBe(1);
  });

  it('logs a ticket at info only when the press time and the hub time disagree', async () => {
    press('on-time', 'can-cuoc-01', T0 - 300);
    press('late', 'can-cuoc-01', T0 - 60_000);
    await untilReplies(2);
    const issued = log.lines.filter((l) => l.includes('ticket issued'));
    expect(issued).toHaveLength(1);
    expect(issued[0]).toContain('INFO');
    expect(issued[0]).toContain(new Date(T0 - 60_000).toISOString());
  });

  it('a grouped command and service.run see the same numbering (issueTicket through both)', async () => {
    press('r-0');
    const direct = service.run((s, c) => issueTicket(s, { procedureId: 'can-cuoc-01' }, c));
    await untilReplies(1);
    expect(direct.ok && direct.result.ticket.number).toBe(1002);
    expect(replies[0]!.data!.number).toBe(1001);
  });

  describe('with the province centre enabled', () => {
    const outboxRows = () =>
      (reader.prepare('SELECT data FROM central_outbox ORDER BY seq').all() as { data: string }[]).map(
        (r) => JSON.parse(r.data) as { type: string; action?: string; ticket?: { display: string } },
      );
    beforeEach(() => {
      service.recorder = new CentralRecorder(new Outbox(db, { maxEvents: 10_000 }), () => T0);
    });

    it("a batch's outbox events are in its one transaction, in order", async () => {
      for (let i = 0; i < 10; i++) press(`r-${i}`);
      await untilReplies(10);
      expect(commits).toBe(1);
      const events = outboxRows();
      expect(events.map((e) => `${e.type}/${e.action}`)).toEqual(Array(10).fill('ticket/issued'));
      expect(events.map((e) => e.ticket!.display)).toEqual(replies.map((r) => r.data!.display));
    });

    it('a failed batch leaves no outbox event either', async () => {
      db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON tickets WHEN NEW.source_request = 'r-2'
               BEGIN SELECT RAISE(ABORT, 'injected disk failure'); END`);
      for (let i = 0; i < 4; i++) press(`r-${i}`);
      await untilReplies(4);
      expect(replies.every((r) => r.error?.code === 'hub_error')).toBe(true);
      expect(outboxRows()).toEqual([]);
    });
  });
});
