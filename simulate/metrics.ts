// The figures of simulated days: waits against the target, counter use,
// how far the printed estimate (and the former one) landed from the real
// wait, and how long citizens waited to hear their call.

import { waitRange } from '../hub/queue/estimate.js';
import type { DayResult, TicketRecord } from './day.js';

export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const share = (n: number, of: number) => (of === 0 ? null : n / of);
const round = (x: number | null, digits = 0) => (x === null ? null : Number(x.toFixed(digits)));

/** An estimate is close enough when it is within 20 % of the real wait, or within 2 minutes. */
export const ERROR_SHARE = 0.2;
export const ERROR_FLOOR_SECONDS = 120;

export interface EstimateFigures {
  /** Tickets with an estimate and a real wait. */
  tickets: number;
  /** Median of |estimate − wait|, seconds. */
  medianAbsErrorSeconds: number | null;
  /** Median of |estimate − wait| / wait over waits of a minute or more. */
  medianRelativeError: number | null;
  /** Share of tickets within max(20 % of their wait, 2 min). */
  withinTolerance: number | null;
  /**
   * The target: the median ticket's error within its tolerance, i.e. the
   * median of |error| / max(20 % of wait, 2 min) is at most 1.
   */
  medianErrorOverTolerance: number | null;
  /** Median of (estimate − wait), seconds: positive when it promises longer waits. */
  medianBiasSeconds: number | null;
}

export function estimateFigures(pairs: { estimate: number; actual: number }[]): EstimateFigures {
  const abs = pairs.map((p) => Math.abs(p.estimate - p.actual));
  const rel = pairs.filter((p) => p.actual >= 60).map((p) => Math.abs(p.estimate - p.actual) / p.actual);
  const over = pairs.map(
    (p) => Math.abs(p.estimate - p.actual) / Math.max(ERROR_SHARE * p.actual, ERROR_FLOOR_SECONDS),
  );
  return {
    tickets: pairs.length,
    medianAbsErrorSeconds: round(quantile(abs, 0.5)),
    medianRelativeError: round(quantile(rel, 0.5), 3),
    withinTolerance: round(share(over.filter((x) => x <= 1).length, over.length), 3),
    medianErrorOverTolerance: round(quantile(over, 0.5), 3),
    medianBiasSeconds: round(
      quantile(
        pairs.map((p) => p.estimate - p.actual),
        0.5,
      ),
    ),
  };
}

export interface WaitFigures {
  tickets: number;
  called: number;
  unserved: number;
  noShows: number;
  medianWaitSeconds: number | null;
  p90WaitSeconds: number | null;
  maxWaitSeconds: number | null;
  /** Share of called tickets that waited no longer than the target. */
  serviceLevel: number | null;
}

export function waitFigures(tickets: readonly TicketRecord[], targetSeconds: number): WaitFigures {
  const waits = tickets.flatMap((t) => (t.waitSeconds === null ? [] : [t.waitSeconds]));
  const counted = tickets.filter((t) => t.waitSeconds !== null || t.outcome === 'unserved');
  // A citizen sent home unserved missed the target too.
  const met = waits.filter((w) => w <= targetSeconds).length;
  return {
    tickets: tickets.length,
    called: waits.length,
    unserved: tickets.filter((t) => t.outcome === 'unserved').length,
    noShows: tickets.filter((t) => t.outcome === 'no_show').length,
    medianWaitSeconds: round(quantile(waits, 0.5)),
    p90WaitSeconds: round(quantile(waits, 0.9)),
    maxWaitSeconds: waits.length ? Math.max(...waits) : null,
    serviceLevel: round(share(met, counted.length), 3),
  };
}

export interface DayFigures {
  days: number;
  targetWaitMinutes: number;
  waits: WaitFigures;
  perField: Record<string, WaitFigures & { counters: number; busyShare: number | null }>;
  counters: { id: number; fields: string[]; staffedHours: number; busyShare: number | null }[];
  estimate: {
    new: EstimateFigures;
    old: EstimateFigures | null;
    /** Share of called tickets whose wait fell inside the range printed on them (rounded as printed). */
    rangeHeld: number | null;
  };
  announcements: {
    calls: number;
    /** Calls said together with a waiting call of the same ticket (never dropped). */
    folded: number;
    shortened: number;
    medianLagSeconds: number | null;
    p90LagSeconds: number | null;
    maxLagSeconds: number | null;
  };
}

export function dayFigures(days: readonly DayResult[]): DayFigures {
  const target = days[0]!.targetWaitMinutes * 60;
  const tickets = days.flatMap((d) => d.tickets);
  const estimated = tickets.filter((t) => t.estimate !== null && t.waitSeconds !== null);
  let held = 0;
  for (const t of estimated) {
    const range = waitRange({ lowSeconds: t.estimate!.low, highSeconds: t.estimate!.high });
    const low = range ? range.fromMinutes * 60 : 0;
    const high = range ? range.toMinutes * 60 : 90; // "sắp đến lượt": called within a minute and a half
    if (t.waitSeconds! >= low && t.waitSeconds! <= high) held++;
  }
  const withOld = tickets.filter((t) => t.oldEstimate !== null && t.waitSeconds !== null);
  const counterRows = days.flatMap((d) => d.counters);
  const byCounter = new Map<number, { fields: string[]; staffed: number; busy: number }>();
  for (const c of counterRows) {
    const row = byCounter.get(c.id) ?? { fields: c.fields, staffed: 0, busy: 0 };
    row.staffed += c.staffed.reduce((a, b) => a + b, 0);
    row.busy += c.busy.reduce((a, b) => a + b, 0);
    byCounter.set(c.id, row);
  }
  const fields = [...new Set(tickets.map((t) => t.fieldId))];
  const perField: DayFigures['perField'] = {};
  for (const f of fields) {
    const own = [...byCounter.values()].filter((c) => c.fields.length === 1 && c.fields[0] === f);
    const staffed = own.reduce((a, c) => a + c.staffed, 0);
    perField[f] = {
      ...waitFigures(
        tickets.filter((t) => t.fieldId === f),
        target,
      ),
      counters: own.length,
      busyShare: round(
        share(
          own.reduce((a, c) => a + c.busy, 0),
          staffed,
        ),
        3,
      ),
    };
  }
  const calls = days.flatMap((d) => d.calls);
  const spoken = calls.filter((c) => c.form !== 'folded');
  const lags = spoken.map((c) => c.spokenAt - c.at);
  return {
    days: days.length,
    targetWaitMinutes: target / 60,
    waits: waitFigures(tickets, target),
    perField,
    counters: [...byCounter.entries()].map(([id, c]) => ({
      id,
      fields: c.fields,
      staffedHours: round(c.staffed / 3600 / days.length, 2)!,
      busyShare: round(share(c.busy, c.staffed), 3),
    })),
    estimate: {
      new: estimateFigures(estimated.map((t) => ({ estimate: t.estimate!.seconds, actual: t.waitSeconds! }))),
      old: withOld.length
        ? estimateFigures(withOld.map((t) => ({ estimate: t.oldEstimate!, actual: t.waitSeconds! })))
        : null,
      rangeHeld: round(share(held, estimated.length), 3),
    },
    announcements: {
      calls: calls.length,
      folded: calls.length - spoken.length,
      shortened: spoken.filter((c) => c.form !== 'full').length,
      medianLagSeconds: round(quantile(lags, 0.5)),
      p90LagSeconds: round(quantile(lags, 0.9)),
      maxLagSeconds: lags.length ? Math.max(...lags) : null,
    },
  };
}
