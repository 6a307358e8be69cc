// The demo's pace, from an office profile (simulate/profiles/default.json
// unless told otherwise): citizens arrive at the kiosk at the profile's rate
// for the hour of the office day, officers take the profile's walk-up,
// service and pause times, a few citizens never come. The office day runs
// `speed` times faster than real time (default 5), from the first opening,
// skipping the closed hours and starting again the next morning, so a
// newcomer sees the line rise in the morning peak and drain, as an office
// sees it, only shorter. Pure: the caller owns the clock and the randomness.

import { minutesOf, type OfficeProfile, type Spread } from '../simulate/profile.js';
import type { Random } from '../simulate/random.js';

export const DEFAULT_DEMO_SPEED = 5;

/** The office time reached after `elapsedMs` of demo: the open periods one after another, day after day. */
export function officeTimeAt(
  profile: OfficeProfile,
  elapsedMs: number,
  speed: number,
): { day: number; seconds: number } {
  const periods = profile.open.map((p) => ({ from: minutesOf(p.from) * 60, to: minutesOf(p.to) * 60 }));
  const openPerDay = periods.reduce((a, p) => a + Math.max(0, p.to - p.from), 0);
  const virtual = Math.max(0, (elapsedMs / 1000) * speed);
  const day = Math.floor(virtual / openPerDay);
  let rest = virtual - day * openPerDay;
  for (const p of periods) {
    const length = p.to - p.from;
    if (rest < length) return { day, seconds: p.from + rest };
    rest -= length;
  }
  return { day, seconds: periods[periods.length - 1]!.to };
}

/** Citizens per hour arriving for these fields at this office time (seconds since midnight). */
export function arrivalsPerHour(
  profile: OfficeProfile,
  fieldIds: readonly string[],
  seconds: number,
): number {
  const hour = String(Math.floor(seconds / 3600)).padStart(2, '0');
  return fieldIds.reduce((sum, f) => sum + (profile.arrivals[f]?.[hour] ?? 0), 0);
}

/** How many citizens arrive during the next `realMs` (a Poisson count at the hour's rate). */
export function arrivalsDuring(
  profile: OfficeProfile,
  fieldIds: readonly string[],
  seconds: number,
  realMs: number,
  speed: number,
  random: Random,
): number {
  const mean = (arrivalsPerHour(profile, fieldIds, seconds) * (realMs / 1000) * speed) / 3600;
  // Knuth's method: means here are small (well under 1 per tick).
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random.next();
  while (p > limit && k < 100) {
    k++;
    p *= random.next();
  }
  return k;
}

/** Which field the next citizen wants, weighted by the fields' arrivals this hour. */
export function pickField(
  profile: OfficeProfile,
  fieldIds: readonly string[],
  seconds: number,
  random: Random,
): string {
  const hour = String(Math.floor(seconds / 3600)).padStart(2, '0');
  const weights: Record<string, number> = {};
  for (const f of fieldIds) weights[f] = profile.arrivals[f]?.[hour] ?? 0;
  return Object.values(weights).some((w) => w > 0) ? random.pick(weights) : fieldIds[0]!;
}

/** A step of an officer's work, as real milliseconds to wait before it. */
export function stepMs(d: Spread, speed: number, random: Random): number {
  return Math.max(200, (random.duration(d) * 1000) / speed);
}

/** The service time of a procedure: its own, else its field's, else the profile's first. */
export function serviceSpread(profile: OfficeProfile, procedureId: string, fieldId: string): Spread {
  return profile.service[procedureId] ?? profile.service[fieldId] ?? Object.values(profile.service)[0]!;
}
