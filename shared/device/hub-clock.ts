// A device's view of the hub's clock. Devices take their system time from
// the hub (NTP, the hub's chrony), which is the hub's *system* clock; the
// hub's trusted time may differ from it (a person confirmed the time, the
// hub's RTC knows better) and may not be trusted at all after a night on
// fake-hwclock. The retained hub status (qms/hub/status) says both: the
// offset to add and whether the time is trusted, so a kiosk prints the
// hub's date and time, never a wrong one.

import { decodePayload, type HubClock as HubClockMessage, hubStatus } from '../protocol/messages.js';

export class HubClock {
  private offsetMs = 0;
  /** null until the hub has said (or a hub too old to say). */
  trusted: boolean | null = null;
  source: HubClockMessage['source'] | null = null;

  constructor(private readonly localNow: () => number = Date.now) {}

  /** The hub's time now, as well as this device can tell. */
  now(): number {
    return this.localNow() + this.offsetMs;
  }

  /** Take a hub status payload; false when it is not one (ignored). */
  update(payload: Buffer | string): boolean {
    const decoded = decodePayload(payload, hubStatus);
    if (!decoded.ok) return false;
    const clock = decoded.value.clock;
    if (!clock) return true; // an older hub: its clock is the system clock we follow
    this.offsetMs = clock.offsetMs;
    this.trusted = clock.trusted;
    this.source = clock.source;
    return true;
  }
}
