// The hub's one trusted clock: every decision (service date, daily reset,
// leases, waits, sessions, reports) takes its time from here, never from
// Date.now directly. It knows where its time comes from, best first:
//   ntp        the system clock, synchronised (chrony / systemd, see probe.ts);
//   rtc        a battery-backed real-time clock (DS3231 or the Pi 5's own),
//              believed when it reads a plausible time not before the last
//              stored event;
//   confirmed  a person confirmed the date and time their own computer showed
//              (console or admin page, audited): the hub runs on that
//              reading, carried forward by the monotonic clock, until a
//              better source appears. The system clock is left alone;
//   system     the system clock as it is, e.g. what fake-hwclock restored at
//              boot (yesterday evening): NOT trusted, unless the hub is told
//              to (`clock.trustSystemClock`, a machine with its own good clock).
// While it is not trusted the office keeps working (tickets are issued on
// the last service date, marked), and the pages ask a person to confirm.
// Steps of the system clock (NTP setting it, `date -s`) are noticed within a
// second by comparing it with the monotonic clock, and reported as a change.

import { EventEmitter } from 'node:events';
import { uptime } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../shared/log/logger.js';
import type { ClockProbe, ClockReading, NtpReading, RtcReading } from './probe.js';

export type ClockSource = 'ntp' | 'rtc' | 'confirmed' | 'system';

/** Why the clock is not trusted. */
export type DistrustReason = 'not_synchronised' | 'rtc_implausible';

/** No clock reading before this is believed (an RTC that lost its time reads 2000-01-01). */
export const EARLIEST_PLAUSIBLE = Date.UTC(2025, 0, 1);
/** Nor after this (a typo, or a dead RTC counting from garbage). */
export const LATEST_PLAUSIBLE = Date.UTC(2100, 0, 1);
/** A reading this much before the last stored event is not believed (the hub's own small steps back are fine). */
const BEFORE_LAST_EVENT_TOLERANCE_MS = 5 * 60_000;
/** RTC and system clock closer than this are taken as agreeing (the RTC has whole seconds). */
const RTC_AGREEMENT_MS = 2000;

export interface ClockConfirmation {
  by: string;
  /** The confirmed reading (ms since 1970). */
  at: number;
}

/** A confirmation kept in the store: restored after a restart of the hub in the same boot only. */
export interface SavedConfirmation extends ClockConfirmation {
  bootId: string;
  /** Confirmed time minus system time. */
  offsetMs: number;
}

export interface ClockStatus {
  source: ClockSource;
  trusted: boolean;
  reason: DistrustReason | null;
  /** The hub's time now. */
  now: number;
  /** The hub's time minus the system clock (0 unless confirmed or an RTC disagrees). */
  offsetMs: number;
  lastEventAt: number | null;
  confirmation: ClockConfirmation | null;
  ntp: NtpReading;
  rtc: (RtcReading & { believed: boolean }) | null;
  /** When the sources were last read (hub time), null before the first reading. */
  checkedAt: number | null;
}

export interface ClockChange {
  previous: ClockStatus;
  status: ClockStatus;
  /** How far the hub's time jumped at this change (0 when only the source changed). */
  stepMs: number;
}

export type ConfirmRefusal =
  | { ok: false; code: 'clock_trusted'; source: ClockSource }
  | { ok: false; code: 'implausible_time' }
  | { ok: false; code: 'before_last_event'; lastEventAt: number };

export type ConfirmOutcome = { ok: true; status: ClockStatus; stepMs: number } | ConfirmRefusal;

export interface TrustedClockOptions {
  probe: ClockProbe;
  log: Logger;
  systemNow?: () => number;
  monotonicNow?: () => number;
  /** Latest moment stored before this start: a reading earlier than this is not believed. */
  lastEventAt?: number | null;
  /** Trust the system clock as it is (development, a server with its own good clock). */
  trustSystemClock?: boolean;
  /** How often the sources are read. */
  checkMs?: number;
  /** A change of (system − monotonic) larger than this is a step of the system clock. */
  stepToleranceMs?: number;
  /** This boot's id (/proc/sys/kernel/random/boot_id): a saved confirmation of another boot is void. */
  bootId?: string | null;
  saved?: SavedConfirmation | null;
  save?: (confirmation: SavedConfirmation | null) => void;
  /** How long this machine has been up (default os.uptime()). */
  uptimeMs?: () => number;
}

interface Anchor {
  wall: number;
  mono: number;
}

export class TrustedClock extends EventEmitter<{ change: [ClockChange] }> {
  private readonly system: () => number;
  private readonly mono: () => number;
  private readonly log: Logger;
  /** The hub's time is carried by the monotonic clock from here (confirmed, or an RTC the system clock disagrees with). */
  private anchor: Anchor | null = null;
  private confirmation: (ClockConfirmation & { anchor: Anchor }) | null = null;
  private source: ClockSource = 'system';
  private trustedNow: boolean;
  private reason: DistrustReason | null = 'not_synchronised';
  private reading: ClockReading = { ntp: { synchronised: null, via: null }, rtc: null };
  private rtcBelieved = false;
  private checkedAt: number | null = null;
  /** Hub time at a monotonic moment, to measure steps. */
  private timeline: Anchor;
  /** system − monotonic at the last look, to notice steps of the system clock. */
  private drift: number;
  private timers: NodeJS.Timeout[] = [];
  private refreshing: Promise<ClockStatus> | null = null;

  constructor(private readonly options: TrustedClockOptions) {
    super();
    this.system = options.systemNow ?? Date.now;
    this.mono = options.monotonicNow ?? (() => performance.now());
    this.log = options.log;
    this.trustedNow = options.trustSystemClock === true;
    if (this.trustedNow) this.reason = null;
    const saved = options.saved;
    if (!this.trustedNow && saved && options.bootId && saved.bootId === options.bootId) {
      // The hub restarted, the machine did not: the person's confirmation still holds.
      const anchor = { wall: this.system() + saved.offsetMs, mono: this.mono() };
      this.confirmation = { by: saved.by, at: saved.at, anchor };
      this.anchor = anchor;
      this.source = 'confirmed';
      this.trustedNow = true;
      this.reason = null;
    }
    this.timeline = { wall: this.now(), mono: this.mono() };
    this.drift = this.system() - this.mono();
  }

  /** The hub's time (whole ms since 1970: it is stored in INTEGER columns). */
  now(): number {
    const a = this.anchor;
    return a ? Math.round(a.wall + (this.mono() - a.mono)) : this.system();
  }

  /** A clock that only goes forward, for measuring how long ago something happened in this run. */
  monotonic(): number {
    return this.mono();
  }

  /** When this machine booted, on the system clock (what untrusted stamps of this boot are on). */
  bootedAt(): number {
    return this.system() - (this.options.uptimeMs ?? (() => uptime() * 1000))();
  }

  get trusted(): boolean {
    return this.trustedNow;
  }

  status(): ClockStatus {
    const now = this.now();
    return {
      source: this.source,
      trusted: this.trustedNow,
      reason: this.trustedNow ? null : this.reason,
      now,
      offsetMs: Math.round(now - this.system()),
      lastEventAt: this.options.lastEventAt ?? null,
      confirmation: this.confirmation ? { by: this.confirmation.by, at: this.confirmation.at } : null,
      ntp: this.reading.ntp,
      rtc: this.reading.rtc ? { ...this.reading.rtc, believed: this.rtcBelieved } : null,
      checkedAt: this.checkedAt,
    };
  }

  /** Read the sources once, then keep reading them and watch the system clock for steps. */
  async start(): Promise<ClockStatus> {
    const status = await this.refresh();
    const every = this.options.checkMs ?? 30_000;
    this.timers.push(
      setInterval(() => void this.refresh().catch(() => undefined), every),
      setInterval(() => this.watch(), 1000),
    );
    for (const t of this.timers) t.unref();
    return status;
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Read the sources now and decide; a change is emitted. Concurrent calls share one reading. */
  refresh(): Promise<ClockStatus> {
    this.refreshing ??= this.readAndDecide().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async readAndDecide(): Promise<ClockStatus> {
    try {
      this.reading = await this.options.probe.read();
    } catch (error) {
      this.log.warn('clock sources could not be read', { error });
      this.reading = { ntp: { synchronised: null, via: null }, rtc: null };
    }
    const previous = this.status();
    this.decide();
    this.checkedAt = this.now();
    this.announce(previous);
    return this.status();
  }

  private decide(): void {
    const { ntp, rtc } = this.reading;
    const lastEventAt = this.options.lastEventAt ?? null;
    this.rtcBelieved =
      rtc !== null &&
      rtc.time >= EARLIEST_PLAUSIBLE &&
      rtc.time <= LATEST_PLAUSIBLE &&
      (lastEventAt === null || rtc.time >= lastEventAt - BEFORE_LAST_EVENT_TOLERANCE_MS);
    if (this.options.trustSystemClock) {
      this.use('system', null, true);
    } else if (ntp.synchronised) {
      this.use('ntp', null, true);
      if (this.confirmation) this.forgetConfirmation();
    } else if (rtc && this.rtcBelieved) {
      // Whole seconds: follow the RTC only when the system clock is clearly off it.
      const current = this.now();
      const agrees = Math.abs(rtc.time - this.system()) <= RTC_AGREEMENT_MS;
      const keep = this.source === 'rtc' && this.anchor && Math.abs(rtc.time - current) <= RTC_AGREEMENT_MS;
      this.use('rtc', agrees ? null : keep ? this.anchor : { wall: rtc.time, mono: this.mono() }, true);
      if (this.confirmation) this.forgetConfirmation();
    } else if (this.confirmation) {
      this.use('confirmed', this.confirmation.anchor, true);
    } else {
      this.use('system', null, false);
      this.reason = rtc && !this.rtcBelieved ? 'rtc_implausible' : 'not_synchronised';
    }
  }

  private use(source: ClockSource, anchor: Anchor | null, trusted: boolean): void {
    this.source = source;
    this.anchor = anchor;
    this.trustedNow = trusted;
    if (trusted) this.reason = null;
  }

  private forgetConfirmation(): void {
    this.log.info('a better time source replaces the confirmed time', {
      source: this.source,
      confirmedBy: this.confirmation?.by,
    });
    this.confirmation = null;
    this.options.save?.(null);
  }

  /** Emit a change when the source, the trust or the time itself moved; returns the step (ms). */
  private announce(previous: ClockStatus): number {
    const mono = this.mono();
    const now = this.now();
    const stepMs = Math.round(now - (this.timeline.wall + (mono - this.timeline.mono)));
    this.timeline = { wall: now, mono };
    this.drift = this.system() - mono;
    const tolerance = this.options.stepToleranceMs ?? 1000;
    const moved = Math.abs(stepMs) > tolerance;
    if (!moved && previous.source === this.source && previous.trusted === this.trustedNow) return 0;
    const status = this.status();
    const fields = {
      source: status.source,
      trusted: status.trusted,
      reason: status.reason ?? undefined,
      stepMs: moved ? stepMs : undefined,
      now: new Date(now).toISOString(),
      ntp: status.ntp.via ?? 'unknown',
    };
    if (status.trusted) this.log.info('clock', fields);
    else
      this.log.warn('clock not trusted: a person can confirm the time on the console or admin page', fields);
    this.emit('change', { previous, status, stepMs: moved ? stepMs : 0 });
    return moved ? stepMs : 0;
  }

  /** Once a second: has the system clock stepped (NTP set it, someone ran date -s)? */
  private watch(): void {
    const mono = this.mono();
    const drift = this.system() - mono;
    const tolerance = this.options.stepToleranceMs ?? 1000;
    if (Math.abs(drift - this.drift) <= tolerance) {
      this.timeline = { wall: this.now(), mono };
      return;
    }
    this.log.warn('system clock stepped', { byMs: Math.round(drift - this.drift) });
    this.drift = drift;
    if (this.confirmation && this.options.bootId) {
      // The confirmed time goes on unchanged; its offset to the new system clock is what a restart needs.
      const c = this.confirmation;
      this.options.save?.({
        by: c.by,
        at: c.at,
        bootId: this.options.bootId,
        offsetMs: Math.round(this.now() - this.system()),
      });
    }
    void this.refresh().catch(() => undefined);
  }

  /**
   * A person confirms the date and time their computer shows (`proposed`).
   * Refused while a better source (NTP, RTC) is trusted, for a time nobody
   * could mean, and for one before the last stored event (that computer's
   * clock is wrong too).
   */
  confirm(proposed: number, by: string): ConfirmOutcome {
    if (this.trustedNow && this.source !== 'confirmed') {
      return { ok: false, code: 'clock_trusted', source: this.source };
    }
    if (!Number.isFinite(proposed) || proposed < EARLIEST_PLAUSIBLE || proposed > LATEST_PLAUSIBLE) {
      return { ok: false, code: 'implausible_time' };
    }
    const lastEventAt = this.options.lastEventAt ?? null;
    if (lastEventAt !== null && proposed < lastEventAt - BEFORE_LAST_EVENT_TOLERANCE_MS) {
      return { ok: false, code: 'before_last_event', lastEventAt };
    }
    const previous = this.status();
    const anchor = { wall: proposed, mono: this.mono() };
    this.confirmation = { by, at: proposed, anchor };
    this.use('confirmed', anchor, true);
    if (this.options.bootId) {
      this.options.save?.({
        by,
        at: proposed,
        bootId: this.options.bootId,
        offsetMs: Math.round(proposed - this.system()),
      });
    }
    this.log.info('time confirmed by a person', {
      by,
      confirmed: new Date(proposed).toISOString(),
      was: new Date(previous.now).toISOString(),
    });
    const stepMs = this.announce(previous);
    return { ok: true, status: this.status(), stepMs };
  }
}
