// When a new service day starts, and which tickets it keeps.
// - The day turns at the office's reset time on the hub's trusted clock, once
//   per service date and only forward: a clock stepping back never brings
//   an earlier day back nor resets twice.
// - It is checked at the moment the day ends (a timer), every 30 s, and at
//   once when the clock changes (confirmed, NTP took over, a step).
// - A reset never cancels a live ticket issued less than `carryOverMs` ago:
//   it moves to the new date with its number and place, and numbering counts
//   on after it. "Ago" is measured on the monotonic clock for tickets issued
//   in this run (a step of the wall clock does not age them), on the trusted
//   clock for older ones. An ordinary night still cancels the day's
//   leftovers, issued hours before.
// - The reset that comes with the end of an untrusted stretch (a person
//   confirms the time, NTP sets it, after a night on fake-hwclock) also keeps
//   every ticket issued during that stretch, whatever its state: its day was
//   never known, and it was issued since the last time the hub could trust
//   (most likely this morning). Resets that come with the passage of time
//   on an untrusted clock (nobody confirms for days) follow the ordinary
//   rule, so the line still starts afresh each day.
// - Before that, the times stamped on the tickets of the stretch issued
//   since this machine booted move by the clock's step (shiftTimes): the
//   system clock ran at the right rate, only from the wrong start, so that
//   makes them right for waits, the board and the reports.

import type { Logger } from '../../shared/log/logger.js';
import type { ClockChange, TrustedClock } from '../clock/clock.js';
import { type DailyResetResult, dailyReset, shiftTimes } from '../queue/commands.js';
import { serviceDayEnd } from '../queue/lease.js';
import { serviceDateOf } from '../queue/service-date.js';
import type { Change, Ticket } from '../queue/types.js';
import type { QueueService } from './queue-service.js';

const LIVE: ReadonlySet<Ticket['status']> = new Set(['waiting', 'called', 'serving']);
const CHECK_EVERY_MS = 30_000;

export interface DayRolloverOptions {
  service: QueueService;
  clock: TrustedClock;
  timeZone: string;
  /** The reset time now (an administrator may change it). */
  resetTime: () => string;
  /** Live tickets issued less than this long ago are carried to the new date. */
  carryOverMs: number;
  log: Logger;
  /** A reset that failed (the store could not commit), for the store's health. */
  onError?: (error: unknown) => void;
}

export class DayRollover {
  /** Monotonic moment each ticket of this run was issued. */
  private readonly issuedMono = new Map<string, number>();
  /** Tickets issued in this boot while the clock was not trusted: their times move with its next step. */
  private readonly untrusted = new Set<string>();
  private interval: NodeJS.Timeout | null = null;
  private boundary: NodeJS.Timeout | null = null;

  private readonly onChanges = (changes: readonly Change[]) => {
    for (const c of changes) {
      if (c.kind === 'event' && c.event.type === 'issued') {
        this.issuedMono.set(c.event.ticketId, this.options.clock.monotonic());
        if (!this.options.clock.trusted) this.untrusted.add(c.event.ticketId);
      } else if (c.kind === 'serviceDate') {
        // Only tickets of the current date can be carried again: forget the rest.
        queueMicrotask(() => {
          const live = this.options.service.state.tickets;
          for (const id of this.issuedMono.keys()) if (!live.has(id)) this.issuedMono.delete(id);
          for (const id of this.untrusted) if (!live.has(id)) this.untrusted.delete(id);
        });
      }
    }
  };

  private readonly onClock = (change: ClockChange) => {
    try {
      if (!change.previous.trusted) this.shift(change);
    } catch (error) {
      this.options.log.error('ticket times not moved with the clock', { error });
    }
    this.guarded(!change.previous.trusted && change.status.trusted);
    this.schedule();
  };

  constructor(private readonly options: DayRolloverOptions) {
    options.service.on('changes', this.onChanges);
  }

  /** The service date the trusted clock is in now. */
  today(): string {
    return serviceDateOf(this.options.clock.now(), this.options.timeZone, this.options.resetTime());
  }

  /** How long ago a ticket was issued, as well as this hub can tell. */
  ageMs(ticket: Ticket): number {
    const mono = this.issuedMono.get(ticket.id);
    if (mono !== undefined) return this.options.clock.monotonic() - mono;
    return this.options.clock.now() - ticket.issuedAt;
  }

  /**
   * Tickets a reset now would keep: live ones issued a short while ago, and
   * when the clock has just become trusted, every one issued while it was not.
   */
  carryOver(untrustedStretchEnded = false): Set<string> {
    const keep = new Set<string>();
    for (const t of this.options.service.state.tickets.values()) {
      const young = LIVE.has(t.status) && this.ageMs(t) < this.options.carryOverMs;
      if (young || (untrustedStretchEnded && t.clockUntrusted)) keep.add(t.id);
    }
    return keep;
  }

  /** An untrusted clock stepped: this run's tickets stamped by it move by the step. */
  private shift(change: ClockChange): void {
    const ids = [...this.untrusted].filter((id) => this.options.service.state.tickets.has(id));
    if (change.stepMs !== 0 && ids.length > 0) {
      const decision = this.options.service.run((s, ctx) =>
        shiftTimes(s, { ticketIds: ids, byMs: change.stepMs }, ctx),
      );
      if (decision.ok && decision.result.shifted > 0) {
        this.options.log.info('ticket times moved with the clock', {
          tickets: decision.result.shifted,
          byMs: change.stepMs,
        });
      }
    }
    if (change.status.trusted) this.untrusted.clear();
  }

  /**
   * Start a new service date if the clock has reached it; null when it has
   * not. `untrustedStretchEnded`: the clock has just become trusted.
   */
  check(untrustedStretchEnded = false): DailyResetResult | null {
    const { service, log } = this.options;
    const date = this.today();
    // Only forward: a reset time moved later, or a clock stepping back, must not take the office back a day.
    if (date <= service.state.serviceDate) return null;
    const from = service.state.serviceDate;
    const carryOver = this.carryOver(untrustedStretchEnded);
    const decision = service.run((s, ctx) => dailyReset(s, { serviceDate: date, carryOver }, ctx));
    if (!decision.ok) return null;
    log.info('daily reset', { from, serviceDate: date, ...decision.result });
    return decision.result;
  }

  start(): void {
    // Tickets stamped by the untrusted clock earlier in this boot (the hub restarted) move with its step too.
    const bootedAt = this.options.clock.bootedAt();
    for (const t of this.options.service.state.tickets.values()) {
      if (t.clockUntrusted && t.issuedAt >= bootedAt) this.untrusted.add(t.id);
    }
    this.check();
    this.interval = setInterval(() => this.guarded(), CHECK_EVERY_MS);
    this.interval.unref();
    this.options.clock.on('change', this.onClock);
    this.schedule();
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    if (this.boundary) clearTimeout(this.boundary);
    this.options.clock.off('change', this.onClock);
    this.options.service.off('changes', this.onChanges);
  }

  private guarded(untrustedStretchEnded = false): void {
    try {
      this.check(untrustedStretchEnded);
    } catch (error) {
      this.options.onError?.(error);
      this.options.log.error('daily reset failed; will retry', { error });
    }
  }

  /** A timer at the end of the current service day (re-armed after it, and on each clock change). */
  private schedule(): void {
    if (this.boundary) clearTimeout(this.boundary);
    const now = this.options.clock.now();
    const end = serviceDayEnd(now, this.options.timeZone, this.options.resetTime());
    // Long timers are re-armed from the interval anyway; keep this one short enough to stay accurate.
    const wait = Math.min(Math.max(0, end - now) + 50, 3600_000);
    this.boundary = setTimeout(() => {
      this.guarded();
      this.schedule();
    }, wait);
    this.boundary.unref();
  }
}
