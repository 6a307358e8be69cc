// An office profile for the day simulator (simulate/profile.ts, version 1)
// from the office's own history: citizens per hour per field (averaged over
// the days that had tickets), each procedure's service time (start → finish)
// and the walk-up (call → start) as median and 90th percentile, the no-show
// and priority shares, the counters with the fields they serve, the opening
// hours of a weekday. What the store does not record (pauses between
// citizens, announcement lengths, recall timing) keeps the simulator's
// defaults. `npm run simulate -- --profile <file>` then plans staffing from
// it. Read-only.

import type { QueueState } from '../queue/types.js';
import type { OpeningHours } from '../service/admin-settings.js';
import type { QueueStore } from '../store/queue-store.js';
import { datesInRange, hourOfDay } from './report.js';

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

/** Median and p90 in whole seconds, at least 1; null without samples. */
function spreadOf(ms: number[]): { medianSeconds: number; p90Seconds: number } | null {
  if (ms.length === 0) return null;
  const sorted = ms.sort((a, b) => a - b);
  const median = Math.max(1, Math.round(quantile(sorted, 0.5) / 1000));
  return { medianSeconds: median, p90Seconds: Math.max(median, Math.round(quantile(sorted, 0.9) / 1000)) };
}

export interface ProfileExportOptions {
  from: string;
  to: string;
  timeZone: string;
  siteName: string;
  targetMinutes: number;
  openingHours: OpeningHours;
}

export function exportProfile(store: QueueStore, state: QueueState, options: ProfileExportOptions) {
  const hourOf = hourOfDay(options.timeZone);
  const ofDay = store.db.prepare(
    `SELECT t.field_id, t.procedure_id, t.priority, t.status, t.issued_at,
            (SELECT MIN(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'called') AS called,
            (SELECT MIN(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'started') AS started,
            (SELECT MAX(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'finished') AS finished
     FROM tickets t WHERE t.service_date = ?`,
  );
  const query = (date: string) =>
    ofDay.all(date) as {
      field_id: string;
      procedure_id: string;
      priority: string | null;
      status: string;
      issued_at: number;
      called: number | null;
      started: number | null;
      finished: number | null;
    }[];
  const perHour = new Map<string, number[]>();
  const service = new Map<string, number[]>();
  const fieldService = new Map<string, number[]>();
  const mix = new Map<string, Map<string, number>>();
  const walkUp: number[] = [];
  let days = 0;
  let issued = 0;
  let priority = 0;
  let called = 0;
  let noShows = 0;
  for (const date of datesInRange(options.from, options.to)) {
    const tickets = query(date);
    if (tickets.length === 0) continue;
    days++;
    for (const t of tickets) {
      issued++;
      if (t.priority !== null) priority++;
      const hours = perHour.get(t.field_id) ?? new Array<number>(24).fill(0);
      hours[hourOf(t.issued_at)]!++;
      perHour.set(t.field_id, hours);
      const fieldMix = mix.get(t.field_id) ?? new Map<string, number>();
      fieldMix.set(t.procedure_id, (fieldMix.get(t.procedure_id) ?? 0) + 1);
      mix.set(t.field_id, fieldMix);
      if (t.called !== null) called++;
      if (t.status === 'no_show') noShows++;
      if (t.called !== null && t.started !== null && t.started >= t.called) walkUp.push(t.started - t.called);
      if (t.started !== null && t.finished !== null && t.finished > t.started) {
        const list = service.get(t.procedure_id) ?? [];
        list.push(t.finished - t.started);
        service.set(t.procedure_id, list);
        const ofField = fieldService.get(t.field_id) ?? [];
        ofField.push(t.finished - t.started);
        fieldService.set(t.field_id, ofField);
      }
    }
  }

  const counters = [...state.counters.values()]
    .sort((a, b) => a.id - b.id)
    .map((c) => ({
      id: c.id,
      fields: [
        ...new Set(
          c.serves
            .map((s) => state.catalogue.procedures.find((p) => p.id === s.procedureId)?.fieldId)
            .filter((f): f is string => f !== undefined),
        ),
      ],
    }))
    .filter((c) => c.fields.length > 0);
  const served = new Set(counters.flatMap((c) => c.fields));
  const weekday = options.openingHours.mon.length
    ? options.openingHours.mon
    : [{ open: '07:30', close: '17:00' }];
  const open = weekday.map((p) => ({ from: p.open, to: p.close }));

  const arrivals: Record<string, Record<string, number>> = {};
  const unserved: string[] = [];
  for (const [field, hours] of perHour) {
    if (!served.has(field)) {
      unserved.push(field);
      continue;
    }
    arrivals[field] = {};
    hours.forEach((n, h) => {
      if (n > 0) arrivals[field]![String(h).padStart(2, '0')] = Math.round((n / days) * 10) / 10;
    });
  }
  const serviceOut: Record<string, { medianSeconds: number; p90Seconds: number }> = {};
  for (const [procedureId, ms] of service) {
    const s = spreadOf(ms);
    if (s) serviceOut[procedureId] = s;
  }
  // Every field gets its own time too (all its procedures; the hub's default
  // when none was finished), for procedures without samples of their own.
  const fallback = state.settings.defaultServiceSeconds;
  const procedureMix: Record<string, Record<string, number>> = {};
  for (const field of Object.keys(arrivals)) {
    serviceOut[field] = spreadOf(fieldService.get(field) ?? []) ?? {
      medianSeconds: fallback,
      p90Seconds: fallback * 2,
    };
    procedureMix[field] = Object.fromEntries(mix.get(field) ?? []);
  }

  return {
    version: 1 as const,
    name: options.siteName,
    source:
      `Exported from ${options.siteName}, service dates ${options.from} to ${options.to} (${days} day(s) with tickets, ${issued} tickets).` +
      (unserved.length ? ` Left out, no counter serves them now: ${unserved.join(', ')}.` : '') +
      ' Pauses between citizens, recall timing and announcement lengths are the simulator defaults.',
    open,
    targetWaitMinutes: options.targetMinutes,
    arrivals,
    procedureMix,
    service: Object.keys(serviceOut).length
      ? serviceOut
      : { default: { medianSeconds: fallback, p90Seconds: fallback * 2 } },
    walkUp: spreadOf(walkUp) ?? { medianSeconds: 30, p90Seconds: 75 },
    noShow: {
      share: called ? Math.min(0.9, Math.round((noShows / called) * 1000) / 1000) : 0.05,
      recallAfterSeconds: 60,
      giveUpAfterSeconds: 180,
    },
    priorityShare: issued ? Math.round((priority / issued) * 1000) / 1000 : 0,
    officerGap: { medianSeconds: 10, p90Seconds: 40 },
    overtimeMinutes: 30,
    counters: counters.map((c) => ({ ...c, shifts: open })),
    announcement: { fullSeconds: 7.5, shortSeconds: 3.9 },
  };
}
