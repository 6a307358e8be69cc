// The submit-rating handler over a real SQLite store (no broker): the rating
// row and the idempotent reply are one transaction, a repeated event id gets
// the same reply, refusals reach the device with their reason, and the
// counter is told to republish its state (the invite LED).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from '../../../hub/defaults/catalogue.js';
import { createDeviceRequestHandler } from '../../../hub/flows/device-requests.js';
import { Metrics } from '../../../hub/metrics.js';
import { callNext, finishService, issueTicket, startService, takeCounter } from '../../../hub/queue/index.js';
import { SETTING_KEYS } from '../../../hub/service/admin-settings.js';
import { QueueService } from '../../../hub/service/queue-service.js';
import { type Db, openDb } from '../../../hub/store/db.js';
import { DeviceStore } from '../../../hub/store/device-store.js';
import { QueueStore } from '../../../hub/store/queue-store.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { parseTopic } from '../../../shared/protocol/topics.js';
import { tempDir } from '../../helpers/hub.js';

const T0 = Date.UTC(2025, 9, 1, 1, 0, 0);

describe('submit-rating handler', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let store: QueueStore;
  let service: QueueService;
  let devices: DeviceStore;
  let now = T0;
  let replies: Record<string, unknown>[];
  let rated: number[];
  let handle: ReturnType<typeof createDeviceRequestHandler>;

  beforeEach(() => {
    dir = tempDir('qms-rating-unit-');
    db = openDb(dir.path);
    store = new QueueStore(db);
    const catalogue = defaultCatalogue();
    store.saveCatalogue(catalogue);
    for (const c of defaultCounters(catalogue)) store.saveCounter(c);
    let seq = 0;
    now = T0;
    service = new QueueService(store, store.loadState(defaultQueueSettings, '2025-10-01'), {
      now: () => now,
      newId: () => `id-${++seq}`,
    });
    devices = new DeviceStore(db);
    devices.register('rating-01', 'rating', 1, now);
    devices.register('rating-x', 'rating', null, now);
    replies = [];
    rated = [];
    service.on('rated', (id) => rated.push(id));
    handle = createDeviceRequestHandler({
      service,
      devices,
      publish: async (_topic, payload) => {
        replies.push(JSON.parse(payload) as Record<string, unknown>);
      },
      log: createLogger('test', { sink: memorySink(), timestamps: false }),
      metrics: new Metrics(),
    });
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  /** canbo1 serves one ticket at counter 1 from T0 to T0 + 5 min; returns its display. */
  function serveOne(): string {
    const procedureId = service.state.counters.get(1)!.serves[0]!.procedureId;
    service.run((s, c) => takeCounter(s, { counterId: 1, officer: 'canbo1' }, c));
    const issued = service.run((s, c) => issueTicket(s, { procedureId }, c));
    if (!issued.ok) throw new Error(issued.message);
    service.run((s, c) => callNext(s, { counterId: 1 }, c));
    service.run((s, c) => startService(s, { counterId: 1 }, c));
    now += 5 * 60_000;
    service.run((s, c) => finishService(s, { counterId: 1 }, c));
    return issued.result.ticket.display;
  }

  /** One press, answered after its group commit. */
  async function send(deviceId: string, body: Record<string, unknown>) {
    const device = devices.get(deviceId)!;
    const before = replies.length;
    handle({
      device,
      topic: parseTopic(`qms/device/${deviceId}/request/submit-rating`),
      payload: Buffer.from(JSON.stringify({ v: 1, pressedAt: now, sentAt: now, ...body })),
    });
    for (let i = 0; i < 1000 && replies.length === before; i++) await new Promise((r) => setImmediate(r));
    return replies.at(-1);
  }

  const rows = () => db.prepare('SELECT * FROM ratings').all();

  it('stores the rating with ticket, officer and score; a repeated event id gets the same reply', async () => {
    const display = serveOne();
    now += 10_000;
    const first = await send('rating-01', { requestId: 'ev-1', level: 'very_satisfied', counterId: 1 });
    expect(first).toMatchObject({
      requestId: 'ev-1',
      action: 'submit-rating',
      ok: true,
      data: { display, counterId: 1, level: 'very_satisfied', score: 2, outcome: 'recorded' },
    });
    expect(rows()).toMatchObject([
      { id: 'ev-1', counter_id: 1, officer: 'canbo1', level: 'very_satisfied', score: 2 },
    ]);
    expect(rated).toEqual([1]);

    // The same event again (a lost reply, the outbox after an outage), even much later: same reply, nothing new.
    now += 3_600_000;
    const again = await send('rating-01', { requestId: 'ev-1', level: 'very_satisfied', counterId: 1 });
    expect(again).toEqual(first);
    expect(rows()).toHaveLength(1);
    expect(rated).toEqual([1]);
  });

  it("a failure inside the rating's transaction keeps nothing of it, and says hub_error", async () => {
    serveOne();
    // A first rating stores no reply row (its row answers a repeat): fail after the row, in its transaction.
    service.recorder = {
      rating: () => {
        throw new Error('disk full');
      },
    } as unknown as QueueService['recorder'];
    expect(await send('rating-01', { requestId: 'ev-1', level: 'satisfied' })).toMatchObject({
      ok: false,
      error: { code: 'hub_error' },
    });
    expect(rows()).toHaveLength(0);
    service.recorder = undefined;
    expect(await send('rating-01', { requestId: 'ev-1', level: 'unsatisfied' })).toMatchObject({ ok: true });
    expect(rows()).toHaveLength(1);
    // A correction stores its reply: failing that keeps the first rating as it was.
    const saveReply = store.saveReply.bind(store);
    store.saveReply = () => {
      throw new Error('disk full');
    };
    now += 1_000;
    expect(await send('rating-01', { requestId: 'ev-2', level: 'very_satisfied' })).toMatchObject({
      ok: false,
      error: { code: 'hub_error' },
    });
    expect(rows()).toMatchObject([{ id: 'ev-1', level: 'unsatisfied' }]);
    expect(db.prepare('SELECT count(*) AS n FROM requests').get()).toEqual({ n: 0 });
    store.saveReply = saveReply;
  });

  it('refuses with a reason: no service yet, outside the window, unbound device, neutral on three levels', async () => {
    expect(await send('rating-01', { requestId: 'ev-0', level: 'satisfied' })).toMatchObject({
      ok: false,
      error: { code: 'no_recent_service' },
    });
    serveOne();
    expect(await send('rating-x', { requestId: 'ev-1', level: 'satisfied' })).toMatchObject({
      ok: false,
      error: { code: 'device_not_bound' },
    });
    expect(await send('rating-01', { requestId: 'ev-2', level: 'satisfied', counterId: 2 })).toMatchObject({
      ok: false,
      error: { code: 'wrong_counter' },
    });
    expect(await send('rating-01', { requestId: 'ev-3', level: 'neutral' })).toMatchObject({
      ok: false,
      error: { code: 'level_not_in_scale' },
    });
    store.putSetting(SETTING_KEYS.ratingScale, { levels: 4 });
    expect(await send('rating-01', { requestId: 'ev-4', level: 'neutral' })).toMatchObject({
      ok: true,
      data: { score: 1 },
    });
    now += 121_000;
    store.putSetting(SETTING_KEYS.ratingRules, { windowSeconds: 60, policy: 'first', correctionSeconds: 5 });
    expect(await send('rating-01', { requestId: 'ev-5', level: 'satisfied' })).toMatchObject({
      ok: false,
      error: { code: 'rating_window_closed' },
    });
    expect(rows()).toHaveLength(1);
  });

  it('a correction within the correction time replaces the level (setting "correction")', async () => {
    serveOne();
    await send('rating-01', { requestId: 'ev-1', level: 'unsatisfied' });
    now += 2_000;
    expect(await send('rating-01', { requestId: 'ev-2', level: 'very_satisfied' })).toMatchObject({
      ok: true,
      data: { outcome: 'corrected', level: 'very_satisfied', score: 2 },
    });
    expect(rows()).toMatchObject([{ id: 'ev-2', level: 'very_satisfied', score: 2 }]);
    now += 10_000;
    expect(await send('rating-01', { requestId: 'ev-3', level: 'unsatisfied' })).toMatchObject({
      ok: true,
      data: { outcome: 'kept', level: 'very_satisfied' },
    });
    expect(rated).toEqual([1, 1]);
    const [first, second, third] = replies.slice(-3);
    // Each event repeated later gets the reply it got: the first one's row was replaced, its reply kept.
    now += 60_000;
    expect(await send('rating-01', { requestId: 'ev-1', level: 'unsatisfied' })).toEqual({
      ...first,
      data: { ...(first!.data as object), outcome: 'recorded', level: 'unsatisfied', score: 0 },
    });
    expect(await send('rating-01', { requestId: 'ev-2', level: 'very_satisfied' })).toEqual(second);
    expect(await send('rating-01', { requestId: 'ev-3', level: 'unsatisfied' })).toEqual(third);
    expect(rows()).toMatchObject([{ id: 'ev-2', level: 'very_satisfied' }]);
    expect(rated).toEqual([1, 1]);
  });

  it('a first rating stores no reply row: a repeat is answered from the rating row', async () => {
    const display = serveOne();
    const first = await send('rating-01', { requestId: 'ev-1', level: 'satisfied' });
    expect(db.prepare('SELECT count(*) AS n FROM requests').get()).toEqual({ n: 0 });
    // Another device repeating that id is not answered with this rating.
    devices.register('rating-02', 'rating', 1, now);
    expect(await send('rating-02', { requestId: 'ev-1', level: 'satisfied' })).toMatchObject({
      ok: true,
      data: { outcome: 'kept' },
    });
    expect(await send('rating-01', { requestId: 'ev-1', level: 'satisfied' })).toEqual(first);
    expect(first).toMatchObject({ data: { display, outcome: 'recorded' } });
  });

  it('presses that arrive together share one commit; a second press for the ticket decides on the first', async () => {
    serveOne();
    let commits = 0;
    store.onCommitted = () => commits++;
    const before = replies.length;
    const press = (requestId: string, level: string) =>
      handle({
        device: devices.get('rating-01')!,
        topic: parseTopic('qms/device/rating-01/request/submit-rating'),
        payload: Buffer.from(JSON.stringify({ v: 1, requestId, level, pressedAt: now, sentAt: now })),
      });
    press('ev-1', 'satisfied');
    press('ev-2', 'very_satisfied');
    for (let i = 0; i < 1000 && replies.length < before + 2; i++) await new Promise((r) => setImmediate(r));
    expect(commits).toBe(1);
    // A change of mind within the correction time: the second corrects the first, still in the batch
    // (without the batch's pending rating it would insert a second row and fail the whole commit).
    expect(replies.slice(before)).toMatchObject([
      { requestId: 'ev-1', ok: true, data: { outcome: 'recorded', level: 'satisfied' } },
      { requestId: 'ev-2', ok: true, data: { outcome: 'corrected', level: 'very_satisfied' } },
    ]);
    expect(rows()).toMatchObject([{ id: 'ev-2', level: 'very_satisfied' }]);
    // Both repeat the same, after the commit.
    expect(await send('rating-01', { requestId: 'ev-2', level: 'very_satisfied' })).toEqual(
      replies[before + 1],
    );
    expect(await send('rating-01', { requestId: 'ev-1', level: 'satisfied' })).toEqual(replies[before]);
  });
});
