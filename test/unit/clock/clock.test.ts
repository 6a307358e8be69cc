import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SavedConfirmation } from '../../../hub/clock/clock.js';
import { type ClockChange, TrustedClock, type TrustedClockOptions } from '../../../hub/clock/clock.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { hanoi, TestTimeSources } from '../../helpers/clock.js';

const YESTERDAY_EVENING = hanoi(2026, 11, 26, 18, 0);
const TODAY_MORNING = hanoi(2026, 11, 27, 7, 30);
const HOUR = 3600_000;

function make(src: TestTimeSources, extra: Partial<TrustedClockOptions> = {}) {
  const o = src.options();
  const logs = memorySink();
  const saved: (SavedConfirmation | null)[] = [];
  const clock = new TrustedClock({
    probe: o.probe!,
    systemNow: o.systemNow,
    monotonicNow: o.monotonicNow,
    bootId: 'boot-1',
    log: createLogger('clock', { sink: logs, timestamps: false }),
    save: (c) => saved.push(c),
    ...extra,
  });
  const changes: ClockChange[] = [];
  clock.on('change', (c) => changes.push(c));
  return { clock, logs, saved, changes };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TrustedClock: where the time comes from', () => {
  it('a system clock nobody synchronised is not trusted, and says why', async () => {
    const src = new TestTimeSources(YESTERDAY_EVENING);
    const { clock } = make(src);
    const s = await clock.refresh();
    expect(s).toMatchObject({ source: 'system', trusted: false, reason: 'not_synchronised', offsetMs: 0 });
    expect(clock.now()).toBe(YESTERDAY_EVENING);
  });

  it('NTP synchronised: trusted, the system clock as it is', async () => {
    const src = new TestTimeSources(TODAY_MORNING).synced(true);
    const { clock } = make(src);
    expect(await clock.refresh()).toMatchObject({ source: 'ntp', trusted: true, reason: null });
    expect(clock.now()).toBe(TODAY_MORNING);
  });

  it('no tool answers: not trusted', async () => {
    const src = new TestTimeSources(TODAY_MORNING);
    src.reading = { ntp: { synchronised: null, via: null }, rtc: null };
    const { clock } = make(src);
    expect((await clock.refresh()).trusted).toBe(false);
  });

  it('a probe that throws counts as nothing known', async () => {
    const src = new TestTimeSources(TODAY_MORNING);
    const { clock } = make(src, {
      probe: {
        read: async () => {
          throw new Error('boom');
        },
      },
    });
    expect(await clock.refresh()).toMatchObject({ source: 'system', trusted: false });
  });

  it('an RTC with a plausible time is trusted; one the system clock disagrees with is followed', async () => {
    const src = new TestTimeSources(TODAY_MORNING).rtc(TODAY_MORNING);
    const { clock } = make(src);
    expect(await clock.refresh()).toMatchObject({ source: 'rtc', trusted: true, offsetMs: 0 });
    // The system clock came up from fake-hwclock, the RTC knows better.
    const src2 = new TestTimeSources(YESTERDAY_EVENING).rtc(TODAY_MORNING);
    const c2 = make(src2).clock;
    expect(await c2.refresh()).toMatchObject({ source: 'rtc', trusted: true });
    expect(c2.now()).toBe(TODAY_MORNING);
    src2.advance(5000);
    expect(c2.now()).toBe(TODAY_MORNING + 5000);
    expect(c2.status().offsetMs).toBe(TODAY_MORNING - YESTERDAY_EVENING);
  });

  it('an RTC that lost its time, or reads before the last stored event, is not believed', async () => {
    const dead = new TestTimeSources(TODAY_MORNING).rtc(Date.UTC(2000, 0, 1));
    expect(await make(dead).clock.refresh()).toMatchObject({
      source: 'system',
      trusted: false,
      reason: 'rtc_implausible',
    });
    const stale = new TestTimeSources(TODAY_MORNING).rtc(YESTERDAY_EVENING);
    const s = await make(stale, { lastEventAt: TODAY_MORNING - 60_000 }).clock.refresh();
    expect(s).toMatchObject({ trusted: false, reason: 'rtc_implausible' });
    expect(s.rtc).toMatchObject({ believed: false, time: YESTERDAY_EVENING });
  });

  it('trustSystemClock trusts the system clock as it is', async () => {
    const src = new TestTimeSources(YESTERDAY_EVENING);
    expect(await make(src, { trustSystemClock: true }).clock.refresh()).toMatchObject({
      source: 'system',
      trusted: true,
    });
  });
});

describe('TrustedClock: confirmed by a person', () => {
  it('runs on the confirmed time, carried by the monotonic clock, and leaves the system clock alone', async () => {
    const src = new TestTimeSources(YESTERDAY_EVENING);
    const { clock, saved, changes } = make(src);
    await clock.refresh();
    changes.length = 0;
    const outcome = clock.confirm(TODAY_MORNING, 'canbo1');
    expect(outcome).toMatchObject({ ok: true, stepMs: TODAY_MORNING - YESTERDAY_EVENING });
    expect(clock.status()).toMatchObject({
      source: 'confirmed',
      trusted: true,
      confirmation: { by: 'canbo1', at: TODAY_MORNING },
      offsetMs: TODAY_MORNING - YESTERDAY_EVENING,
    });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      stepMs: TODAY_MORNING - YESTERDAY_EVENING,
      status: { trusted: true },
    });
    expect(saved.at(-1)).toEqual({
      by: 'canbo1',
      at: TODAY_MORNING,
      bootId: 'boot-1',
      offsetMs: TODAY_MORNING - YESTERDAY_EVENING,
    });
    src.advance(60_000);
    expect(clock.now()).toBe(TODAY_MORNING + 60_000);
    // Someone sets the system clock: the confirmed time goes on regardless.
    src.step(-HOUR);
    expect(clock.now()).toBe(TODAY_MORNING + 60_000);
    // A new reading without a better source keeps it.
    expect(await clock.refresh()).toMatchObject({ source: 'confirmed', trusted: true });
  });

  it('gives whole milliseconds even on a fractional monotonic clock (the store keeps integers)', async () => {
    const src = new TestTimeSources(YESTERDAY_EVENING);
    const { clock } = make(src, { monotonicNow: () => src.mono + 0.3712 });
    await clock.refresh();
    clock.confirm(TODAY_MORNING, 'canbo1');
    src.advance(1234.5678);
    expect(Number.isInteger(clock.now())).toBe(true);
    expect(clock.now()).toBe(TODAY_MORNING + 1235);
  });

  it('gives way to NTP when it appears, and forgets the confirmation', async () => {
    const src = new TestTimeSources(YESTERDAY_EVENING);
    const { clock, saved, changes } = make(src);
    await clock.refresh();
    clock.confirm(TODAY_MORNING + 20_000, 'canbo1'); // the officer's PC was 20 s fast
    changes.length = 0;
    // NTP sets the system clock right.
    src.step(TODAY_MORNING - YESTERDAY_EVENING).synced(true);
    const s = await clock.refresh();
    expect(s).toMatchObject({ source: 'ntp', trusted: true, confirmation: null, offsetMs: 0 });
    expect(clock.now()).toBe(TODAY_MORNING);
    expect(saved.at(-1)).toBe(null);
    expect(changes).toEqual([expect.objectContaining({ stepMs: -20_000 })]);
  });

  it('refuses while NTP or an RTC is trusted, an implausible time, a time before the last stored event', async () => {
    const synced = make(new TestTimeSources(TODAY_MORNING).synced(true)).clock;
    await synced.refresh();
    expect(synced.confirm(TODAY_MORNING, 'x')).toEqual({ ok: false, code: 'clock_trusted', source: 'ntp' });
    const src = new TestTimeSources(YESTERDAY_EVENING);
    const { clock, changes } = make(src, { lastEventAt: TODAY_MORNING - HOUR });
    await clock.refresh();
    changes.length = 0;
    expect(clock.confirm(Date.UTC(2001, 0, 1), 'x')).toEqual({ ok: false, code: 'implausible_time' });
    expect(clock.confirm(Number.NaN, 'x')).toEqual({ ok: false, code: 'implausible_time' });
    expect(clock.confirm(YESTERDAY_EVENING, 'x')).toEqual({
      ok: false,
      code: 'before_last_event',
      lastEventAt: TODAY_MORNING - HOUR,
    });
    expect(changes).toEqual([]);
    expect(clock.status()).toMatchObject({ source: 'system', trusted: false });
    // A confirmed time can be corrected by another confirmation.
    expect(clock.confirm(TODAY_MORNING, 'a').ok).toBe(true);
    expect(clock.confirm(TODAY_MORNING + 60_000, 'b')).toMatchObject({ ok: true, stepMs: 60_000 });
  });

  it('a saved confirmation holds after a restart in the same boot only', async () => {
    const src = new TestTimeSources(YESTERDAY_EVENING + HOUR);
    const saved: SavedConfirmation = {
      by: 'canbo1',
      at: TODAY_MORNING,
      bootId: 'boot-1',
      offsetMs: TODAY_MORNING - YESTERDAY_EVENING,
    };
    const same = make(src, { saved }).clock;
    expect(await same.refresh()).toMatchObject({ source: 'confirmed', trusted: true });
    expect(same.now()).toBe(TODAY_MORNING + HOUR);
    const other = make(src, { saved: { ...saved, bootId: 'boot-0' } }).clock;
    expect(await other.refresh()).toMatchObject({ source: 'system', trusted: false });
  });
});

describe('TrustedClock: steps of the system clock', () => {
  it('notices a step within a second and reports how far the time jumped', async () => {
    vi.useFakeTimers();
    const src = new TestTimeSources(YESTERDAY_EVENING);
    const { clock, changes, logs } = make(src, { checkMs: 60_000 });
    await clock.start();
    changes.length = 0;
    src.advance(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toEqual([]);
    // NTP steps the clock 13.5 hours forward and says it is synchronised.
    src.step(13.5 * HOUR).synced(true);
    src.advance(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ stepMs: 13.5 * HOUR, status: { source: 'ntp', trusted: true } });
    expect(logs.lines.join('\n')).toMatch(/system clock stepped/);
    // Two minutes back, still synchronised: a step, same source.
    src.step(-120_000);
    src.advance(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes[1]).toMatchObject({ stepMs: -120_000, status: { source: 'ntp' } });
    clock.stop();
  });
});
