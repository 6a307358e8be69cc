// When a new service day starts, and which live tickets it keeps.
// - The day turns at the office's reset time on the hub's trusted clock, once
//   per service date and only forward: a clock stepping back never brings
//   an earlier day back nor resets twice.
// - It is checked at the moment the day ends (a timer), every 30 s, and at
//   once when the clock changes (confirmed, NTP took over, a step).
// - A reset never cancels a ticket issued less than `carryOverMs` ago, nor
//   one issued while the clock was not trusted: those move to the new date
//   with their number and place, and numbering counts on after them. A clock
//   that jumps forward across the reset (NTP after a night on fake-hwclock,
//   an officer's confirmation) so never takes a citizen's place; an ordinary
//   night still cancels yesterday's leftovers, issued hours ago.
// - "Ago" is measured on the monotonic clock for tickets issued in this run
//   (a step of the wall clock does not age them), on the trusted clock for
//   older ones.
// - When a clock that was not trusted steps (a person confirms the time, NTP
//   sets it), the times stamped on the tickets issued in this run since then
//   move by the same step first (shiftTimes): the system clock ran at the
//   right rate, only from the wrong start, so that makes them right. The
//   tickets of that untrusted stretch then move to the new date whatever
//   their state, since their day was never known.

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
  /** Tickets issued in this run while the clock was not trusted: their times move with its next step. */
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
    this.guarded();
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

  /** Tickets a reset now would keep: live ones issued a short while ago, and any issued on an untrusted clock. */
  carryOver(): Set<string> {
    const keep = new Set<string>();
    for (const t of this.options.service.state.tickets.values()) {
      if (t.clockUntrusted || (LIVE.has(t.status) && this.ageMs(t) < this.options.carryOverMs))
        keep.add(t.id);
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

  /** Start a new service date if the clock has reached it; null when it has not. */
  check(): DailyResetResult | null {
    const { service, log } = this.options;
    const date = this.today();
    // Only forward: a reset time moved later, or a clock stepping back, must not take the office back a day.
    if (date <= service.state.serviceDate) return null;
    const from = service.state.serviceDate;
    const carryOver = this.carryOver();
    const decision = service.run((s, ctx) => dailyReset(s, { serviceDate: date, carryOver }, ctx));
    if (!decision.ok) return null;
    log.info('daily reset', { from, serviceDate: date, ...decision.result });
    return decision.result;
  }

  start(): void {
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

  private guarded(): void {
    try {
      this.check();
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
