// The speaker's queue: calls are played in the order the hub made them, one
// at a time, each call id once. None is dropped silently: when calls come
// faster than they can be said, the next one is said shorter (pacing.ts), a
// call for a ticket whose call is still waiting is said with it, and a call
// that cannot be said (for a counter outside the zone, too old after an
// outage, an audio fault, the program stopping) is reported as skipped, so
// the hub shows it on that officer's console with a recall button. Every
// call that enters gets exactly one report.

import type { Logger } from '../../shared/log/logger.js';
import type { Announcement } from '../../shared/protocol/messages.js';
import type { PlayResult } from './aplay.js';
import { chooseForm, type Form, foldTarget } from './pacing.js';

export interface PlaybackReport {
  callId: string;
  startedAt: number;
  endedAt: number;
  /** Why it was not played. */
  skipped?: string;
  /** Said together with this other call of the same ticket, which was still waiting. */
  foldedInto?: string;
  /** The shorter form it was said in, when behind (absent: in full). */
  form?: Exclude<Form, 'full'>;
}

/** A speaker behind by more than this says the next calls shorter. */
export const DEFAULT_MAX_LAG_MS = 12_000;

export interface QueueOptions {
  /** Say one call in a form; resolves when the audio has ended, rejects (with a message for people) if it could not. */
  announce: (call: Announcement, form: Form) => Promise<PlayResult>;
  /** How long each form of a call takes (ms); a form it cannot say is left out. Default: the full form only. */
  durations?: (call: Announcement) => Partial<Record<Form, number>>;
  /** Waiting calls should start within this long of being made; beyond, calls are said shorter. */
  maxLagMs?: number;
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
  /** What is said: the ticket's latest call (its counter). */
  call: Announcement;
  /** The hub time of the ticket's first call still waiting: its place, and what its lag counts from. */
  at: number;
  ticketId: string;
  /** Other calls of the same ticket said with it. */
  folded: Announcement[];
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
  push(call: Announcement, live = false): 'queued' | 'folded' | 'repeat' | 'outside zone' {
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
    // A recall (or a call at another counter) of a ticket whose call is still
    // waiting is said once, at the first one's place, with the latest counter.
    const k = foldTarget(this.pending, call);
    if (k >= 0) {
      const item = this.pending[k]!;
      if (call.counterId !== item.call.counterId) {
        item.folded.push(item.call);
        item.call = { ...call, recall: item.call.recall && call.recall };
      } else {
        item.folded.push(call);
      }
      this.options.log.info('call joined the waiting call of its ticket', {
        callId: call.callId,
        with: item.call.callId,
        display: call.display,
      });
      return 'folded';
    }
    // By the hub's time, then arrival: a call resent after a reconnect takes its place.
    const item: Pending = {
      call,
      at: call.at,
      ticketId: call.ticketId,
      folded: [],
      seq: this.seq++,
      arrivedAt,
    };
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.at > call.at) i--;
    this.pending.splice(i, 0, item);
    // Calls delivered together are all queued before the first is chosen.
    if (!this.running) this.running = new Promise((r) => setImmediate(r)).then(() => this.drain());
    return 'queued';
  }

  /** Resolves when nothing is playing or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stop taking calls from the queue; the call being played finishes; waiting ones are reported as not said. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    const now = this.now();
    for (const item of this.pending.splice(0)) {
      this.reportAll(item, {
        startedAt: now,
        endedAt: now,
        skipped: 'the speaker program stopped before saying it',
      });
    }
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
      while (!this.stopped && this.pending.length) {
        // The form is chosen with every waiting call in view; the call leaves
        // the queue only as it starts, so a recall can still join it until then.
        const form = this.formOfNext();
        const next = this.pending.shift()!;
        await this.playOne(next, form);
      }
    } finally {
      this.running = null;
    }
  }

  /** The form to say the next call in: as long as the calls waiting behind it allow. */
  private formOfNext(): Form {
    const durations = this.options.durations;
    if (!durations) return 'full';
    const offset = this.clockOffsetMs();
    const paced = this.pending.map((p) => ({ at: p.at + offset, durations: durations(p.call) }));
    return chooseForm(paced, this.now(), this.options.maxLagMs ?? DEFAULT_MAX_LAG_MS);
  }

  /** One report for the call said, one for each call said with it. */
  private reportAll(item: Pending, result: Omit<PlaybackReport, 'callId'>): void {
    this.options.report({ callId: item.call.callId, ...result });
    const { form: _form, ...rest } = result;
    for (const other of item.folded) {
      this.options.report({
        callId: other.callId,
        ...rest,
        ...(rest.skipped ? {} : { foldedInto: item.call.callId }),
      });
    }
  }

  private async playOne(item: Pending, form: Form): Promise<void> {
    const { log } = this.options;
    const { call } = item;
    const startedAt = this.now();
    const calledAt = item.at + this.clockOffsetMs(); // the hub's call time on our clock
    const age = startedAt - calledAt;
    if (age > this.options.maxAgeMs) {
      log.warn('call too old, not said: reported to the hub', {
        callId: call.callId,
        display: call.display,
        ageS: Math.round(age / 1000),
      });
      this.reportAll(item, {
        startedAt,
        endedAt: startedAt,
        skipped: `too old: ${Math.round(age / 1000)} s after the call (limit ${Math.round(this.options.maxAgeMs / 1000)} s)`,
      });
      return;
    }
    try {
      const played = await this.options.announce(call, form);
      log.info('announced', {
        callId: call.callId,
        display: call.display,
        counter: call.counterId,
        form,
        ...(item.folded.length ? { with: item.folded.map((c) => c.callId) } : {}),
        afterCallMs: played.startedAt - calledAt,
        ms: played.endedAt - played.startedAt,
      });
      this.reportAll(item, { ...played, ...(form === 'full' ? {} : { form }) });
      this.setFault(null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error('call not announced', { callId: call.callId, display: call.display, reason: message });
      this.reportAll(item, {
        startedAt,
        endedAt: this.now(),
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
