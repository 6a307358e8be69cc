// The rating device's outbox and sender against a fake link: events are on
// disk before they are sent, go out in order, are removed on an answer
// (accepted or refused), and are kept and resent with the same id when the
// hub does not answer or the link is down.

import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type RatingEvent,
  RatingOutbox,
  RatingSender,
  type RequestLink,
} from '../../../edge/rating-button/outbox.js';
import { RequestTimeout } from '../../../shared/device/connection.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import type { Reply } from '../../../shared/protocol/messages.js';
import { tempDir } from '../../helpers/hub.js';

const log = createLogger('test', { sink: memorySink(), timestamps: false });

type Answer = 'ok' | 'refuse' | 'timeout' | 'hub_error';

class FakeLink extends EventEmitter implements RequestLink {
  connected = true;
  answer: (id: string) => Answer = () => 'ok';
  readonly sent: { id: string; body: Record<string, unknown>; qos: 0 | 1 | undefined }[] = [];

  async request(
    action: string,
    body: Record<string, unknown>,
    _timeoutMs: number,
    requestId: string,
    options: { qos?: 0 | 1 },
  ): Promise<Reply> {
    this.sent.push({ id: requestId, body, qos: options.qos });
    await sleep(1);
    const a = this.answer(requestId);
    if (a === 'timeout') throw new RequestTimeout('no reply');
    if (a === 'ok') return { v: 1, requestId, action, ok: true, data: null };
    const code = a === 'hub_error' ? 'hub_error' : 'rating_window_closed';
    return { v: 1, requestId, action, ok: false, error: { code, message: code } };
  }

  reconnect(): void {
    this.connected = true;
    this.emit('connected');
  }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('rating outbox', () => {
  let dir: ReturnType<typeof tempDir>;
  let file: string;
  beforeEach(() => {
    dir = tempDir('qms-outbox-');
    file = join(dir.path, 'rating-outbox.json');
  });
  afterEach(() => dir.remove());

  const event = (n: number): RatingEvent => ({ id: `ev-${n}`, level: 'satisfied', pressedAt: 1_000_000 + n });

  it('keeps events on disk across a restart of the program, in order', async () => {
    const a = await RatingOutbox.open(file, log);
    await a.add(event(1));
    await a.add(event(2));
    await a.add(event(3));
    await a.remove('ev-2');
    expect(JSON.parse(readFileSync(file, 'utf8')).events.map((e: RatingEvent) => e.id)).toEqual([
      'ev-1',
      'ev-3',
    ]);
    const b = await RatingOutbox.open(file, log);
    expect(b.events).toEqual([event(1), event(3)]);
  });

  it('add() and remove() at the same moment both succeed, and the file holds the right events', async () => {
    const outbox = await RatingOutbox.open(file, log);
    await outbox.add(event(0));
    const results = [];
    for (let i = 1; i <= 50; i++) {
      // The sender removes the event just answered while a new press is added.
      results.push(...(await Promise.allSettled([outbox.add(event(i)), outbox.remove(`ev-${i - 1}`)])));
    }
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(outbox.events).toEqual([event(50)]);
    expect(JSON.parse(readFileSync(file, 'utf8')).events).toEqual([event(50)]);
    // Many at once, in any mix.
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => outbox.add(event(100 + i))),
      outbox.remove('ev-50'),
      outbox.remove('ev-105'),
    ]);
    const ids = Array.from({ length: 20 }, (_, i) => `ev-${100 + i}`).filter((id) => id !== 'ev-105');
    expect(outbox.events.map((e) => e.id)).toEqual(ids);
    expect((await RatingOutbox.open(file, log)).events.map((e) => e.id)).toEqual(ids);
    expect(readdirSync(dir.path)).toEqual(['rating-outbox.json']);
  });

  it('a damaged file: every whole press is salvaged, the file kept aside, the damage reported', async () => {
    const a = await RatingOutbox.open(file, log, { deviceId: 'rating-1' });
    for (let i = 1; i <= 4; i++) await a.add(event(i));
    const text = readFileSync(file, 'utf8');
    // Cut inside the last event, as a non-atomic editor or a power cut would leave it.
    writeFileSync(file, text.slice(0, text.indexOf('"ev-4"') + 3));
    const sink = memorySink();
    const b = await RatingOutbox.open(file, createLogger('t', { sink, timestamps: false }), {
      deviceId: 'rating-1',
    });
    expect(b.events).toEqual([event(1), event(2), event(3)]);
    expect(b.damage).toMatchObject({ problem: 'not_json', recovered: 3, lost: 1 });
    expect(sink.lines.join('\n')).toMatch(/kept aside, 3 entries recovered/);
    expect(readdirSync(dir.path).filter((f) => f.startsWith('rating-outbox.json.damaged-'))).toHaveLength(1);
    // One bad event among good ones.
    writeFileSync(
      file,
      JSON.stringify({ events: [event(1), { id: 'ev-2', level: 'meh', pressedAt: 5 }, event(3)] }),
    );
    const c = await RatingOutbox.open(file, log, { deviceId: 'rating-1' });
    expect(c.events).toEqual([event(1), event(3)]);
    expect(c.damage).toMatchObject({ problem: 'wrong_shape', recovered: 2, lost: 1 });
  });

  it('never sends the presses of another device (a copied data folder)', async () => {
    writeFileSync(file, JSON.stringify({ deviceId: 'rating-7', events: [event(1)] }));
    const o = await RatingOutbox.open(file, log, { deviceId: 'rating-1' });
    expect(o.events).toEqual([]);
    expect(o.damage).toMatchObject({ problem: 'foreign', lost: 1 });
  });

  it('sends in order, removes on an answer, keeps and resends on no answer, drops a refusal', async () => {
    const outbox = await RatingOutbox.open(file, log);
    const link = new FakeLink();
    const sender = new RatingSender(outbox, link, { counterId: 3, timeoutMs: 50, log });
    const accepted: string[] = [];
    const refused: string[] = [];
    const unanswered: string[] = [];
    sender.on('accepted', (e) => accepted.push(e.id));
    sender.on('refused', (e) => refused.push(e.id));
    sender.on('unanswered', (e) => unanswered.push(e.id));

    // The hub is down: nothing is sent over a dead link, everything is kept.
    link.connected = false;
    for (const n of [1, 2, 3]) {
      await outbox.add(event(n));
      sender.kick();
    }
    await sleep(30); // an absence: time for a wrong send to show, not a wait for something
    expect(link.sent).toEqual([]);

    // The link comes back, but the hub does not answer ev-1 at first.
    let tries = 0;
    link.answer = (id) => (id === 'ev-1' && tries++ < 1 ? 'timeout' : id === 'ev-2' ? 'refuse' : 'ok');
    link.reconnect();
    await until(() => accepted.length + refused.length === 3);
    expect(outbox.events).toEqual([]);
    expect(link.sent.map((s) => s.id)).toEqual(['ev-1', 'ev-1', 'ev-2', 'ev-3']);
    expect(unanswered).toEqual(['ev-1']);
    expect(accepted).toEqual(['ev-1', 'ev-3']);
    expect(refused).toEqual(['ev-2']);
    // QoS 0 (the outbox resends), the device's counter, and sentAt at each send.
    expect(link.sent[0]).toMatchObject({
      qos: 0,
      body: { level: 'satisfied', pressedAt: 1_000_001, counterId: 3 },
    });
    expect(link.sent[1]!.body.sentAt as number).toBeGreaterThanOrEqual(link.sent[0]!.body.sentAt as number);
    await sender.stop();
  });

  it('hub_error keeps the event; a restart of the device sends what was left', async () => {
    const outbox = await RatingOutbox.open(file, log);
    const link = new FakeLink();
    link.answer = () => 'hub_error';
    const sender = new RatingSender(outbox, link, { counterId: 1, timeoutMs: 50, log });
    await outbox.add(event(7));
    sender.kick();
    await until(() => link.sent.length >= 1);
    await sender.stop();
    expect(outbox.events).toEqual([event(7)]);

    const again = await RatingOutbox.open(file, log);
    const link2 = new FakeLink();
    const sender2 = new RatingSender(again, link2, { counterId: 1, timeoutMs: 50, log });
    sender2.kick();
    await until(() => again.events.length === 0);
    expect(link2.sent.map((s) => s.id)).toEqual(['ev-7']);
    await sender2.stop();
  });
});
