// Staff planning: how many counters each field needs so that 90 % of its
// citizens wait no longer than the target. Each field gets counters of its
// own (its officers keep the hours of the counters that served it); the
// number grows for every field that misses the level until all reach it,
// over several simulated days so one lucky day does not decide.

import { simulateDay } from './day.js';
import { dayFigures, type WaitFigures } from './metrics.js';
import type { OfficeProfile } from './profile.js';

export const PLAN_LEVEL = 0.9;
const MAX_COUNTERS_PER_FIELD = 30;

export interface FieldPlan {
  fieldId: string;
  /** Counters the field needs on its own. */
  counters: number;
  /** Counters that served it in the profile (shared ones included). */
  before: number;
  waits: WaitFigures;
  /** Busy share of its counters at that number. */
  busyShare: number | null;
}

export interface StaffingPlan {
  level: number;
  targetWaitMinutes: number;
  days: number;
  fields: FieldPlan[];
  /** The what-if runs tried, in order. */
  tries: number;
}

export function planStaffing(
  profile: OfficeProfile,
  options: { days: number; seed: number | string },
): StaffingPlan {
  const fields = Object.keys(profile.arrivals).filter((f) =>
    Object.values(profile.arrivals[f]!).some((n) => n > 0),
  );
  const counters: Record<string, number> = Object.fromEntries(fields.map((f) => [f, 1]));
  let tries = 0;
  for (;;) {
    tries++;
    const days = Array.from({ length: options.days }, (_, i) =>
      simulateDay({ profile, seed: `${options.seed}:${i + 1}`, counters }),
    );
    const figures = dayFigures(days);
    const short = fields.filter(
      (f) => (figures.perField[f]?.serviceLevel ?? 1) < PLAN_LEVEL && counters[f]! < MAX_COUNTERS_PER_FIELD,
    );
    if (short.length === 0) {
      return {
        level: PLAN_LEVEL,
        targetWaitMinutes: profile.targetWaitMinutes,
        days: options.days,
        tries,
        fields: fields.map((f) => ({
          fieldId: f,
          counters: counters[f]!,
          before: profile.counters.filter((c) => c.fields.includes(f)).length,
          waits: figures.perField[f]!,
          busyShare: figures.perField[f]!.busyShare,
        })),
      };
    }
    for (const f of short) counters[f]!++;
  }
}
