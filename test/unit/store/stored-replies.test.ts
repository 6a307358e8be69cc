// Idempotent device requests with fewer rows written (migration 10): a
// kiosk's ticket request keeps no reply row, its repeat is answered from the
// ticket (found by the device's request id) and the figures of its issue,
// across a restart, the same to the byte; a store of schema 9 upgrades in
// place and the replies it stored still answer their repeats, the tickets,
// ratings and audit rows it held all kept.

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from '../../../hub/defaults/catalogue.js';
import { createDeviceRequestHandler } from '../../../hub/flows/device-requests.js';
import { Metrics } from '../../../hub/metrics.js';
import { QueueService } from '../../../hub/service/queue-service.js';
import { type Db, openDb, STORE_FILE, schemaVersion } from '../../../hub/store/db.js';
import { DeviceStore } from '../../../hub/store/device-store.js';
import { migrations } from '../../../hub/store/migrations.js';
import { QueueStore } from '../../../hub/store/queue-store.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { parseTopic, topics } from '../../../shared/protocol/topics.js';
import { tempDir } from '../../helpers/hub.js';
import { UNDO_SCHEMA_12 } from '../../helpers/old-schema.js';

const T0 = Date.UTC(2025, 9, 1, 2, 0, 0);

describe('stored replies of device requests', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let replies: Record<string, unknown>[];
  let handle: ReturnType<typeof createDeviceRequestHandler>;
  let seq = 0;

  /** The hub as it starts on the store: a fresh service and request handler. */
  function start() {
    db = openDb(dir.path);
    const store = new QueueStore(db);
    if (store.isEmpty()) {
      const catalogue = defaultCatalogue();
      store.saveCatalogue(catalogue);
      for (const c of defaultCounters(catalogue)) store.saveCounter(c);
    }
    const service = new QueueService(store, store.loadState(defaultQueueSettings, '2025-10-01'), {
      now: () => T0,
      newId: () => `0199a000-0000-7000-8000-${String(++seq).padStart(12, '0')}`,
    });
    const devices = new DeviceStore(db);
    if (!devices.get('kiosk-01')) devices.register('kiosk-01', 'kiosk', null, T0);
    handle = createDeviceRequestHandler({
      service,
      devices,
      publish: async (_topic, payload) => {
        replies.push(JSON.parse(payload) as Record<string, unknown>);
      },
      log: createLogger('test', { sink: memorySink(), timestamps: false }),
      metrics: new Metrics(),
      now: () => T0,
    });
    return { store, devices };
  }

  const press = async (requestId: string, procedureId = 'can-cuoc-01') => {
    const before = replies.length;
    handle({
      device: new DeviceStore(db).get('kiosk-01')!,
      topic: parseTopic(topics.deviceRequest('kiosk-01', 'issue-ticket')),
      payload: Buffer.from(JSON.stringify({ v: 1, requestId, procedureId, pressedAt: T0 })),
    });
    for (let i = 0; i < 1000 && replies.length === before; i++) await new Promise((r) => setImmediate(r));
    return replies.at(-1);
  };
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;

  beforeEach(() => {
    dir = tempDir('qms-stored-replies-');
    replies = [];
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  it('a ticket request repeated after a restart gets the same reply, from the ticket; no reply row', async () => {
    start();
    await press('r-0');
    const first = await press('r-1');
    expect(first).toMatchObject({ ok: true, data: { display: '1002', ahead: 0 } });
    expect(count('SELECT count(*) AS n FROM requests')).toBe(0);
    db.close();

    start();
    expect(await press('r-1')).toEqual(first);
    expect(await press('r-1', 'ho-chieu-01')).toMatchObject({
      ok: false,
      error: { code: 'request_id_reused' },
    });
    expect(count('SELECT count(*) AS n FROM tickets')).toBe(2);
    // A new request still gets a new ticket.
    expect(await press('r-2')).toMatchObject({ ok: true, data: { display: '1003' } });
  });

  it('a store of schema 9 upgrades in place: its stored replies still answer, its rows all kept', async () => {
    // The store as the previous version left it: made by this one, then taken back to
    // schema 9 by hand, with a ticket and its reply row, and an audit row.
    start();
    db.close();
    const v9 = new Database(`${dir.path}/${STORE_FILE}`);
    v9.exec(UNDO_SCHEMA_12);
    v9.exec('ALTER TABLE tickets DROP COLUMN issue_reply; CREATE INDEX audit_log_by_time ON audit_log(at);');
    v9.pragma('user_version = 9');
    const oldReply = {
      v: 1,
      requestId: 'old-1',
      action: 'issue-ticket',
      ok: true,
      data: {
        ticketId: 'old-ticket',
        display: 'CC1001',
        procedureId: 'can-cuoc-01',
        priority: null,
        ahead: 7,
      },
    };
    v9.prepare(
      `INSERT INTO tickets (id, service_date, series_key, number, display, field_id, procedure_id, status,
         issued_at, queued_at, seq, source_device, source_request)
       VALUES ('old-ticket', '2025-10-01', 'field:can-cuoc', 1001, 'CC1001', 'can-cuoc', 'can-cuoc-01', 'waiting',
         ?, ?, 1, 'kiosk-01', 'old-1')`,
    ).run(T0, T0);
    v9.prepare(
      `INSERT INTO requests (device_id, request_id, action, at, reply) VALUES ('kiosk-01', 'old-1', 'issue-ticket', ?, ?)`,
    ).run(T0, JSON.stringify(oldReply));
    v9.prepare(
      `INSERT INTO audit_log (at, username, action, counter_id, ticket_id) VALUES (?, 'canbo1', 'call-next', 1, 'old-ticket')`,
    ).run(T0);
    v9.close();

    start();
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'audit_log_by_time'").all()).toHaveLength(
      0,
    );
    expect(count('SELECT count(*) AS n FROM audit_log')).toBe(1);
    // The old ticket's repeat gets its stored reply, nothing new is issued.
    expect(await press('old-1')).toEqual(oldReply);
    expect(count('SELECT count(*) AS n FROM tickets')).toBe(1);
    // New tickets go on after it, without reply rows.
    expect(await press('new-1')).toMatchObject({ ok: true, data: { display: '1002' } });
    expect(count('SELECT count(*) AS n FROM requests')).toBe(1);
  });
});
