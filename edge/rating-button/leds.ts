// The three LEDs of a rating device, driven through the shared GPIO layer:
// - invite: on while the counter serves a ticket that is not rated yet, slow
//   blink after the service until the rating window closes (both from the
//   counter's retained state, so they are right after any reconnect);
// - ok: on for a moment when the hub accepted a rating;
// - fault: fast blink for a moment when the hub refused a press (outside the
//   window, no service, wrong counter…), slow blink while the hub does not
//   answer (ratings are kept and sent later).
// Without LEDs in the config every call does nothing.

import { type GpioBackend, Led, type LedPattern } from '../../shared/hardware/gpio.js';

export interface LedLines {
  invite: number;
  ok: number;
  fault: number;
}

export type InviteState = 'serving' | 'done' | null;

export const OK_FLASH_MS = 2000;
export const REFUSED_BLINK_MS = 3000;

export class RatingLeds {
  private readonly invite: Led | null;
  private readonly ok: Led | null;
  private readonly fault: Led | null;
  private okTimer: NodeJS.Timeout | null = null;
  private refusedTimer: NodeJS.Timeout | null = null;
  private unreachable = false;

  constructor(
    backend: GpioBackend,
    lines: LedLines | undefined,
    private readonly timing = { okMs: OK_FLASH_MS, refusedMs: REFUSED_BLINK_MS },
  ) {
    this.invite = lines ? new Led(backend, lines.invite) : null;
    this.ok = lines ? new Led(backend, lines.ok) : null;
    this.fault = lines ? new Led(backend, lines.fault) : null;
  }

  /** What the counter's state asks for: a ticket being served, one just finished, or nothing to rate. */
  setInvite(state: InviteState): void {
    this.invite?.show(state === 'serving' ? 'on' : state === 'done' ? 'blink-slow' : 'off');
  }

  accepted(): void {
    if (this.okTimer) clearTimeout(this.okTimer);
    this.ok?.show('on');
    this.okTimer = setTimeout(() => {
      this.okTimer = null;
      this.ok?.show('off');
    }, this.timing.okMs);
    this.okTimer.unref();
    this.clearRefused();
  }

  refused(): void {
    if (this.refusedTimer) clearTimeout(this.refusedTimer);
    this.refusedTimer = setTimeout(() => this.clearRefused(), this.timing.refusedMs);
    this.refusedTimer.unref();
    this.showFault();
  }

  /** The hub does not answer (link down, hub down) or answers again. */
  setUnreachable(unreachable: boolean): void {
    this.unreachable = unreachable;
    this.showFault();
  }

  /** Current patterns, for the simulation and tests. */
  patterns(): { invite: LedPattern; ok: LedPattern; fault: LedPattern } | null {
    if (!this.invite || !this.ok || !this.fault) return null;
    return { invite: this.invite.pattern, ok: this.ok.pattern, fault: this.fault.pattern };
  }

  private clearRefused(): void {
    if (this.refusedTimer) clearTimeout(this.refusedTimer);
    this.refusedTimer = null;
    this.showFault();
  }

  private showFault(): void {
    this.fault?.show(this.refusedTimer ? 'blink-fast' : this.unreachable ? 'blink-slow' : 'off');
  }

  close(): void {
    if (this.okTimer) clearTimeout(this.okTimer);
    if (this.refusedTimer) clearTimeout(this.refusedTimer);
    for (const led of [this.invite, this.ok, this.fault]) led?.close();
  }
}
