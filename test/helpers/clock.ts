// A machine's time sources that a test moves by hand, for in-process hubs and
// TrustedClock tests: the wall clock (what Date.now would say), the
// monotonic clock, and what NTP and the RTC report.
//   advance(ms): time passes (both clocks move);
//   step(ms):    the system clock is set (only the wall clock moves).

import type { ClockReading } from '../../hub/clock/probe.js';
import type { ClockOptions } from '../../hub/clock/setup.js';

export class TestTimeSources {
  wall: number;
  mono = 1_000_000;
  reading: ClockReading = { ntp: { synchronised: false, via: 'timedatectl' }, rtc: null };
  reads = 0;

  constructor(wall: number) {
    this.wall = wall;
  }

  advance(ms: number): this {
    this.wall += ms;
    this.mono += ms;
    return this;
  }

  step(ms: number): this {
    this.wall += ms;
    return this;
  }

  synced(on: boolean): this {
    this.reading = { ...this.reading, ntp: { synchronised: on, via: 'timedatectl' } };
    return this;
  }

  rtc(time: number | null): this {
    this.reading = {
      ...this.reading,
      rtc: time === null ? null : { path: '/sys/class/rtc/rtc0', name: 'rtc-ds1307', time },
    };
    return this;
  }

  /** What startHub / TrustedClock take. */
  options(extra: ClockOptions = {}): ClockOptions {
    return {
      probe: {
        read: async () => {
          this.reads++;
          return structuredClone(this.reading);
        },
      },
      systemNow: () => this.wall,
      monotonicNow: () => this.mono,
      bootId: 'boot-1',
      ...extra,
    };
  }
}

/** A moment in Hà Nội (UTC+7): hanoi(2026, 11, 27, 7, 30) is 07:30 on 27 November 2026. */
export function hanoi(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour - 7, minute, second);
}
