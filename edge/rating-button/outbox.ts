// Rating events that the hub has not acknowledged yet, in a durable JSON
// state file in the device's data directory, and the sender that delivers
// them in order.
//
// A press is appended (and on disk) before it is sent, so a rating survives
// a hub or network outage and a restart of the device. The sender sends the
// oldest event, waits for the hub's reply, and removes the event when the hub
// answers: accepted (the ok LED) or refused (the fault LED; a refused event
// is dropped, not retried forever). No answer (hub down, link down, hub_error)
// keeps it, and it is sent again with the same id when the link is back or
// after a back-off: the hub counts each id once.

import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { RequestTimeout } from '../../shared/device/connection.js';
import type { Logger } from '../../shared/log/logger.js';
import { type RatingResult, type Reply, ratingResult } from '../../shared/protocol/messages.js';
import type { RequestAction } from '../../shared/protocol/topics.js';
import { RATING_LEVELS, type RatingLevel } from '../../shared/ratings.js';
import {
  countKey,
  JsonStateFile,
  pickEntries,
  type StateFileDamage,
} from '../../shared/storage/json-state-file.js';

export interface RatingEvent {
  /** Made once at the press; the requestId of every send of this event. */
  id: string;
  level: RatingLevel;
  /** Device clock. */
  pressedAt: number;
}

/** Strict: a salvage takes only whole events. */
const ratingEventSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
  level: z.enum(RATING_LEVELS),
  pressedAt: z.number().int().nonnegative(),
});

const outboxFile = z.object({
  /** The device that wrote the file (absent in files of older versions). */
  deviceId: z.string().optional(),
  events: z.array(ratingEventSchema),
});
type OutboxData = z.infer<typeof outboxFile>;

/** Rebuild a damaged outbox from its whole events, oldest press first. */
export function salvageRatingEvents(
  input: { text: string; objects: readonly unknown[] },
  deviceId?: string,
): { data: OutboxData; recovered: number; lost: number } {
  const events = pickEntries(input.objects, ratingEventSchema, (e) => e.id).sort(
    (a, b) => a.pressedAt - b.pressedAt,
  );
  return {
    data: { ...(deviceId ? { deviceId } : {}), events },
    recovered: events.length,
    lost: Math.max(0, countKey(input.text, 'id') - events.length),
  };
}

/**
 * The outbox file (shared/storage/json-state-file.ts): each add or remove is
 * one atomic, fsynced write, one after the other. A damaged file is salvaged
 * (every whole event kept), kept aside, and shown in the device status.
 */
export class RatingOutbox {
  private constructor(private readonly file: JsonStateFile<OutboxData>) {}

  static async open(path: string, log: Logger, options: { deviceId?: string } = {}): Promise<RatingOutbox> {
    const { deviceId } = options;
    const file = await JsonStateFile.open<OutboxData>({
      path,
      schema: outboxFile,
      empty: () => ({ ...(deviceId ? { deviceId } : {}), events: [] }),
      salvage: (input) => salvageRatingEvents(input, deviceId),
      // Another device's presses would be counted for this counter's officer.
      foreignOwner: (data) =>
        deviceId && data.deviceId !== undefined && data.deviceId !== deviceId ? data.deviceId : null,
      count: (data) => data.events.length,
      log,
    });
    if (deviceId && file.data.deviceId === undefined && file.damage === null) {
      // A file of an older version: this device's from now on (written with the next press if not now).
      await file
        .update((d) => {
          d.deviceId = deviceId;
        })
        .catch((error: unknown) => log.warn('outbox not written', { error }));
    }
    if (file.data.events.length) log.info('ratings waiting from before', { count: file.data.events.length });
    return new RatingOutbox(file);
  }

  /** What was wrong with the file at start (null: nothing). */
  get damage(): StateFileDamage | null {
    return this.file.damage;
  }

  get events(): readonly RatingEvent[] {
    return this.file.data.events;
  }

  /** On disk when this resolves. */
  add(event: RatingEvent): Promise<void> {
    return this.file.update((data) => {
      data.events.push(event);
    });
  }

  remove(id: string): Promise<void> {
    return this.file.update((data) => {
      data.events = data.events.filter((e) => e.id !== id);
    });
  }
}

/** The part of DeviceConnection the sender uses. */
export interface RequestLink {
  readonly connected: boolean;
  on(event: 'connected', listener: () => void): unknown;
  off(event: 'connected', listener: () => void): unknown;
  request(
    action: RequestAction,
    body: Record<string, unknown>,
    timeoutMs: number,
    requestId: string,
    options: { qos?: 0 | 1 },
  ): Promise<Reply>;
}

export interface SenderEvents {
  accepted: [event: RatingEvent, result: RatingResult | null];
  refused: [event: RatingEvent, error: { code: string; message: string }];
  /** A send got no answer (or hub_error): the event is kept for a resend. */
  unanswered: [event: RatingEvent, reason: string];
}

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 15_000;

export class RatingSender extends EventEmitter<SenderEvents> {
  private running: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly outbox: RatingOutbox,
    private readonly link: RequestLink,
    private readonly options: { counterId: number; timeoutMs: number; log: Logger },
  ) {
    super();
    link.on('connected', this.onConnected);
  }

  private readonly onConnected = () => this.kick();

  /** Send what is waiting (after a press, on reconnect). */
  kick(): void {
    if (this.stopped) return;
    if (this.wakeUp) this.wakeUp();
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Events not acknowledged by the hub yet. */
  get pending(): number {
    return this.outbox.events.length;
  }

  /** Until `ms` pass (null: no limit), a kick, a reconnect or stop. */
  private wait(ms: number | null): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      if (ms !== null) timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async drain(): Promise<void> {
    const { log } = this.options;
    let backoff = FIRST_BACKOFF_MS;
    while (!this.stopped) {
      const event = this.outbox.events[0];
      if (!event) return;
      // Sent only over a live link: a copy queued by the MQTT client while
      // offline would reach the hub later with an old sentAt.
      if (!this.link.connected) {
        await this.wait(null);
        continue;
      }
      let reply: Reply;
      try {
        reply = await this.link.request(
          'submit-rating',
          {
            level: event.level,
            pressedAt: event.pressedAt,
            sentAt: Date.now(),
            counterId: this.options.counterId,
          },
          this.options.timeoutMs,
          event.id,
          { qos: 0 },
        );
      } catch (error) {
        const reason = error instanceof RequestTimeout ? 'no answer from the hub' : String(error);
        this.emit('unanswered', event, reason);
        await this.wait(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (!reply.ok && reply.error.code === 'hub_error') {
        this.emit('unanswered', event, reply.error.message);
        await this.wait(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      backoff = FIRST_BACKOFF_MS;
      try {
        await this.outbox.remove(event.id);
      } catch (error) {
        // Still in the file: it is sent again later and the hub answers the same.
        log.error('rating outbox not written', { error });
      }
      if (reply.ok) {
        const data = ratingResult.safeParse(reply.data);
        if (!data.success) log.warn('hub accepted a rating with an unexpected reply', { id: event.id });
        this.emit('accepted', event, data.success ? data.data : null);
      } else {
        this.emit('refused', event, reply.error);
      }
    }
  }

  /** Give a send in flight a moment; what is left stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.link.off('connected', this.onConnected);
    this.wakeUp?.();
    if (this.running) await Promise.race([this.running, sleep(1000)]);
  }
}
