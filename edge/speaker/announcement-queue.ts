// The speaker's queue: calls are played in the order the hub made them, one
// at a time, each call id once; calls for counters outside the zone, or too
// old to be useful (after an outage), are reported as skipped instead. Every
// call that enters gets exactly one report.

import type { Logger } from '../../shared/log/logger.js';
import type { Announcement } from '../../shared/protocol/messages.js';
import type { PlayResult } from './aplay.js';

export interface PlaybackReport {
  callId: string;
  startedAt: number;
  endedAt: number;
  /** Why it was not played. */
  skipped?: string;
}

export interface QueueOptions {
  /** Say one call; resolves when the audio has ended, rejects (with a message for people) if it could not. */
  announce: (call: Announcement) => Promise<PlayResult>;
  /** Send a report to the hub. Must not throw; the caller retries. */
  report: (report: PlaybackReport) => void;
  /** Counters this speaker announces; empty = all. */
  zone: readonly number[];
  /** Calls older than this are skipped. */
  maxAgeMs: number;
  log: Logger;
  now?: () => number;
  /** How many recent call ids are remembered to drop repeats (QoS 1 may deliver twice). */
  memory?: number;
  /** After each call: the audio fault in words, or null once a call played. */
  onFault?: (fault: string | null) => void;
}

interface Pending {
  call: Announcement;
  seq: number;
  arrivedAt: number;
}

/** Hub and speaker clocks closer than this are taken as in step. */
const CLOCK_TOLERANCE_MS = 2000;
const OFFSET_SAMPLES = 20;

export class AnnouncementQueue {
  private readonly pending: Pending[] = [];
  /** Call ids seen recently, oldest first (a Set keeps insertion order). */
  private readonly seen = new Set<string>();
  private seq = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private fault: string | null = null;
  /** Recent (arrival − hub time) of calls that arrived live, to notice a speaker clock that is off. */
  private readonly offsets: number[] = [];
  private clockWarned = false;
  private readonly now: () => number;

  constructor(private readonly options: QueueOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * A call from the hub. `live` says it arrived while the link had been up a
   * while (not the backlog the broker hands over on reconnect): its delay is
   * then only transit, so its age tells how far the two clocks differ.
   */
  push(call: Announcement, live = false): 'queued' | 'repeat' | 'outside zone' {
    if (this.seen.has(call.callId)) {
      this.options.log.debug('repeated call ignored', { callId: call.callId });
      return 'repeat';
    }
    this.remember(call.callId);
    const arrivedAt = this.now();
    if (live) this.observeClock(arrivedAt - call.at);
    const { zone } = this.options;
    if (zone.length && !zone.includes(call.counterId)) {
      this.options.report({
        callId: call.callId,
        startedAt: arrivedAt,
        endedAt: arrivedAt,
        skipped: `counter ${call.counterId} is outside this speaker's zone (${zone.join(', ')})`,
      });
      return 'outside zone';
    }
    // By the hub's time, then arrival: a call resent after a reconnect takes its place.
    const item = { call, seq: this.seq++, arrivedAt };
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.call.at > call.at) i--;
    this.pending.splice(i, 0, item);
    // Calls delivered together are all queued before the first is chosen.
    if (!this.running) this.running = new Promise((r) => setImmediate(r)).then(() => this.drain());
    return 'queued';
  }

  /** Resolves when nothing is playing or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stop taking calls from the queue; the call being played finishes. Waiting calls are not reported. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private remember(callId: string): void {
    this.seen.add(callId);
    const memory = this.options.memory ?? 1000;
    for (const id of this.seen) {
      if (this.seen.size <= memory) break;
      this.seen.delete(id);
    }
  }

  private observeClock(offset: number): void {
    this.offsets.push(offset);
    if (this.offsets.length > OFFSET_SAMPLES) this.offsets.shift();
  }

  /** How far the speaker's clock is ahead of the hub's (0 when in step or unknown). */
  clockOffsetMs(): number {
    if (!this.offsets.length) return 0;
    // The smallest delay is the one with the least transit time in it.
    const offset = Math.min(...this.offsets);
    if (Math.abs(offset) < CLOCK_TOLERANCE_MS) return 0;
    if (!this.clockWarned) {
      this.clockWarned = true;
      this.options.log.warn("this speaker's clock differs from the hub's; call ages are corrected", {
        aheadMs: offset,
        fix: 'synchronise the clock with the hub (NTP)',
      });
    }
    return offset;
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped) {
        const next = this.pending.shift();
        if (!next) break;
        await this.playOne(next);
      }
    } finally {
      this.running = null;
    }
  }

  private async playOne({ call }: Pending): Promise<void> {
    const { log } = this.options;
    const startedAt = this.now();
    const calledAt = call.at + this.clockOffsetMs(); // the hub's call time on our clock
    const age = startedAt - calledAt;
    if (age > this.options.maxAgeMs) {
      log.warn('call too old, skipped', {
        callId: call.callId,
        display: call.display,
        ageS: Math.round(age / 1000),
      });
      this.options.report({
        callId: call.callId,
        startedAt,
        endedAt: startedAt,
        skipped: `too old: ${Math.round(age / 1000)} s after the call (limit ${Math.round(this.options.maxAgeMs / 1000)} s)`,
      });
      return;
    }
    try {
      const played = await this.options.announce(call);
      log.info('announced', {
        callId: call.callId,
        display: call.display,
        counter: call.counterId,
        afterCallMs: played.startedAt - calledAt,
        ms: played.endedAt - played.startedAt,
      });
      this.options.report({ callId: call.callId, ...played });
      this.setFault(null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error('call not announced', { callId: call.callId, display: call.display, reason: message });
      const endedAt = this.now();
      this.options.report({
        callId: call.callId,
        startedAt,
        endedAt,
        skipped: `audio fault: ${message}`.slice(0, 200),
      });
      this.setFault(message);
    }
  }

  private setFault(fault: string | null): void {
    if (fault === this.fault) return;
    this.fault = fault;
    this.options.onFault?.(fault);
  }
}
