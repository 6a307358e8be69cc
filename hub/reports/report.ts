// The office report for a range of service dates: per procedure, per counter
// and per officer, tickets per hour of day and the distribution of waits.
//
// Read-only SQL over the store (tickets, ticket_events, ratings and the
// names in procedures/fields/counters/accounts), one service date at a
// time; one pass over the rows folds them into the numbers, so every table
// and total is computed from the same facts in the same way. The in-memory
// queue is never consulted.
//
// Definitions (what a person reading the report gets):
// - Range: tickets whose service date is in [from, to], both inclusive.
//   Ratings count when their ticket is in the range.
// - Wait: issue → first call (tickets.issued_at → first_called_at), only for
//   tickets that were called. A ticket is over the target when its wait is
//   strictly longer than the target (compared in milliseconds); the share is
//   over the tickets that have a wait, and the count is reported beside it.
// - Service time: the `started` → `finished` events of the call that ended
//   in `finished` (a service interrupted by a transfer is not a service).
// - Per procedure, a ticket counts under the procedure it ended with (a
//   transfer to another procedure moves it there: that is what the citizen
//   was served for). "Issued" counts tickets, "called" those called at least
//   once, "served" those done, "no-shows" those whose final state is no-show.
// - Per counter and per officer, a ticket's life is cut into call segments:
//   each `called` event (not `recalled`) opens a segment at that event's
//   counter, which ends with the first of finished / no_show / transferred /
//   cancelled. A ticket counts once per counter (and once per officer) where
//   it had a segment ("called there"); its outcome there is the outcome of
//   its last segment there (served, no-show, transferred away; open or
//   cancelled ones are only "called"). So a transferred ticket's first
//   segment belongs to the first counter (called + transferred) and its
//   service to the counter that finished it; a no-show called back later and
//   served at the same counter counts as served there.
// - The wait belongs to the counter and the officer of the ticket's first
//   call only, so each wait is counted exactly once and the totals of the
//   counter and officer tables match the procedure table.
// - A segment's officer is the one recorded when the service started (as the
//   ticket row records it), or, if it never started, when it was called.
//   Calls made at a counter nobody had taken go to "unknown officer".
// - Ratings count per level of the active scale (setting 'ratingScale', read
//   by readRatingScale: three levels unless set to four); a level outside it
//   that still has ballots in the range is shown too, so no ballot
//   disappears. Score = sum of the stored scores (the score given when the
//   ballot was cast), average = score per ballot. Ratings go to the
//   rating's own counter and officer, and to the rated ticket's procedure.
// - Totals rows are computed over all the units of their table (a ticket
//   called at two counters is in both counter rows and twice in the
//   counter table's "called" total), so the counts of a table add up.
// - Numbers: seconds and counts are integers (averages rounded to the
//   nearest second), percentages have one decimal, average scores two; an
//   average with nothing to average is null.

import type {
  CounterRow,
  Measures,
  OfficerRow,
  ProcedureRow,
  Report,
  ReportTable,
} from '../../shared/api/reports.js';
import { RATING_LEVELS, RATING_NAMES, type RatingLevel } from '../../shared/ratings.js';
import { reportsText } from '../../shared/text/vi/reports.js';
import { readRatingScale } from '../service/admin-settings.js';
import type { QueueStore } from '../store/queue-store.js';

export const DEFAULT_TARGET_MINUTES = 15;
export const MAX_TARGET_MINUTES = 600;
export const MAX_RANGE_DAYS = 366;

/** Wait buckets in minutes: lower bound included, upper bound excluded; null = no upper bound. */
export const WAIT_BUCKETS: readonly { fromMinutes: number; toMinutes: number | null }[] = [
  { fromMinutes: 0, toMinutes: 5 },
  { fromMinutes: 5, toMinutes: 10 },
  { fromMinutes: 10, toMinutes: 15 },
  { fromMinutes: 15, toMinutes: 30 },
  { fromMinutes: 30, toMinutes: 60 },
  { fromMinutes: 60, toMinutes: null },
];

export type {
  CounterRow,
  Measures,
  OfficerRow,
  ProcedureRow,
  RatingCount,
  Report,
  ReportTable,
} from '../../shared/api/reports.js';

export interface ReportOptions {
  from: string;
  to: string;
  /** The office's time zone (hub config site.timeZone), for hours of day. */
  timeZone: string;
  /** Overrides the setting 'serviceTargetMinutes'. */
  targetMinutes?: number;
  now?: number;
}

// ------------------------------------------------------------------ settings

/** The setting 'serviceTargetMinutes' if it is a sensible number of minutes, else 15. */
export function defaultTargetMinutes(store: QueueStore): number {
  const value = store.getSetting<unknown>('serviceTargetMinutes');
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TARGET_MINUTES
    ? value
    : DEFAULT_TARGET_MINUTES;
}

// ------------------------------------------------------------------ dates

/** A real calendar date written YYYY-MM-DD? */
export function isServiceDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Days in [from, to], both inclusive (calendar days, no time zone involved). */
export function daysInRange(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Local hour of day of an instant; cached per quarter hour (every zone offset is a multiple of 15 min). */
export function hourOfDay(timeZone: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
  const cache = new Map<number, number>();
  return (ms) => {
    const key = Math.floor(ms / 900_000);
    let hour = cache.get(key);
    if (hour === undefined) {
      hour = Number(format.format(new Date(key * 900_000))) % 24;
      cache.set(key, hour);
    }
    return hour;
  };
}

// ------------------------------------------------------------------ folding

type Outcome = 'open' | 'served' | 'no_show' | 'transferred' | 'cancelled';

interface Segment {
  counterId: number | null;
  officer: string | null;
  startedAt: number | null;
  outcome: Outcome;
  serviceMs: number | null;
}

/** What a ticket amounts to at one counter or for one officer. */
interface Unit {
  outcome: Outcome;
  serviceMs: number | null;
  /** The ticket's first call was here: its wait belongs here. */
  first: boolean;
}

class Tally {
  issued = 0;
  called = 0;
  served = 0;
  noShows = 0;
  transferred = 0;
  waitCount = 0;
  waitSumMs = 0;
  waitMaxMs = 0;
  overTarget = 0;
  serviceCount = 0;
  serviceSumMs = 0;
  ballots = 0;
  scoreSum = 0;
  readonly levels = new Map<string, number>();

  constructor(private readonly targetMs: number) {}

  wait(ms: number): void {
    this.waitCount++;
    this.waitSumMs += ms;
    this.waitMaxMs = Math.max(this.waitMaxMs, ms);
    if (ms > this.targetMs) this.overTarget++;
  }

  service(ms: number | null): void {
    if (ms === null) return;
    this.serviceCount++;
    this.serviceSumMs += ms;
  }

  unit(u: Unit, waitMs: number | null): void {
    this.called++;
    if (u.outcome === 'served') {
      this.served++;
      this.service(u.serviceMs);
    } else if (u.outcome === 'no_show') this.noShows++;
    else if (u.outcome === 'transferred') this.transferred++;
    if (u.first && waitMs !== null) this.wait(waitMs);
  }

  rating(level: string, score: number): void {
    this.ballots++;
    this.scoreSum += score;
    this.levels.set(level, (this.levels.get(level) ?? 0) + 1);
  }

  measures(levels: readonly RatingLevel[]): Measures {
    return {
      called: this.called,
      served: this.served,
      noShows: this.noShows,
      waitCount: this.waitCount,
      averageWaitSeconds: this.waitCount ? Math.round(this.waitSumMs / this.waitCount / 1000) : null,
      maxWaitSeconds: this.waitCount ? Math.round(this.waitMaxMs / 1000) : null,
      averageServiceSeconds: this.serviceCount
        ? Math.round(this.serviceSumMs / this.serviceCount / 1000)
        : null,
      overTargetCount: this.overTarget,
      overTargetPercent: percent(this.overTarget, this.waitCount),
      ballots: this.ballots,
      ratings: levels.map((level) => {
        const count = this.levels.get(level) ?? 0;
        return { level, count, percent: percent(count, this.ballots) };
      }),
      scoreSum: this.scoreSum,
      averageScore: this.ballots ? Math.round((this.scoreSum / this.ballots) * 100) / 100 : null,
    };
  }
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}

/** Tallies by key, created on first use, plus the table's totals. */
class Group<K> {
  readonly byKey = new Map<K, Tally>();
  readonly total: Tally;
  constructor(private readonly targetMs: number) {
    this.total = new Tally(targetMs);
  }
  get(key: K): Tally {
    let t = this.byKey.get(key);
    if (!t) {
      t = new Tally(this.targetMs);
      this.byKey.set(key, t);
    }
    return t;
  }

  /** Its table: a row per key in `order`, its own columns and its measures, then the totals row. */
  table<C>(
    levels: readonly RatingLevel[],
    order: (a: K, b: K) => number,
    columns: (key: K, tally: Tally) => C,
    totalColumns: (total: Tally) => C,
  ): ReportTable<C & Measures> {
    return {
      rows: [...this.byKey.entries()]
        .sort(([a], [b]) => order(a, b))
        .map(([key, tally]) => ({ ...columns(key, tally), ...tally.measures(levels) })),
      total: { ...totalColumns(this.total), ...this.total.measures(levels) },
    };
  }
}

/** Cut a ticket's events into call segments (see the definitions above). */
function segmentsOf(events: readonly EventRow[]): Segment[] {
  const segments: Segment[] = [];
  for (const e of events) {
    if (e.type === 'called') {
      segments.push({
        counterId: e.counter_id,
        officer: e.officer,
        startedAt: null,
        outcome: 'open',
        serviceMs: null,
      });
      continue;
    }
    const current = segments.at(-1);
    if (current?.outcome !== 'open') continue;
    switch (e.type) {
      case 'started':
        current.startedAt = e.at;
        if (e.officer !== null) current.officer = e.officer;
        break;
      case 'finished':
        current.outcome = 'served';
        current.serviceMs = current.startedAt === null ? null : Math.max(0, e.at - current.startedAt);
        break;
      case 'no_show':
        current.outcome = 'no_show';
        break;
      case 'transferred':
        current.outcome = 'transferred';
        break;
      case 'cancelled':
        current.outcome = 'cancelled';
        break;
    }
  }
  return segments;
}

/** One unit per key: the outcome of the last segment with that key; `first` if the first segment had it. */
function unitsBy<K>(segments: readonly Segment[], key: (s: Segment) => K): Map<K, Unit> {
  const units = new Map<K, Unit>();
  segments.forEach((s, i) => {
    const k = key(s);
    const first = i === 0 || (units.get(k)?.first ?? false);
    units.set(k, { outcome: s.outcome, serviceMs: s.serviceMs, first });
  });
  return units;
}

interface TicketRow {
  id: string;
  procedure_id: string;
  status: string;
  issued_at: number;
  first_called_at: number | null;
}

interface EventRow {
  ticket_id: string;
  type: string;
  at: number;
  counter_id: number | null;
  officer: string | null;
}

// ------------------------------------------------------------------ the report

/** Every date of [from, to], YYYY-MM-DD. */
export function datesInRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += 86_400_000) {
    out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Build the report. The rows are read one service date at a time, letting
 * the event loop run between dates: a year is some 180,000 tickets and
 * would otherwise hold up ticket issuance and calls for seconds.
 */
export async function buildReport(store: QueueStore, options: ReportOptions): Promise<Report> {
  const { db } = store;
  const { from, to, timeZone } = options;
  const targetMinutes = options.targetMinutes ?? defaultTargetMinutes(store);
  const targetMs = targetMinutes * 60_000;
  const scale = readRatingScale(store);

  const procedures = new Group<string>(targetMs);
  const counters = new Group<number | null>(targetMs);
  const officers = new Group<string | null>(targetMs);
  const hours = new Array<number>(24).fill(0);
  const buckets = new Array<number>(WAIT_BUCKETS.length).fill(0);
  const hourOf = hourOfDay(timeZone);
  const seen = new Set<string>();

  // A day's tickets with their events, in order: each ticket's rows arrive together.
  const ticketsOfDay = db.prepare(
    `SELECT t.id, t.procedure_id, t.status, t.issued_at, t.first_called_at,
            e.type, e.at, e.counter_id, e.officer
     FROM tickets t
     LEFT JOIN ticket_events e ON e.ticket_id = t.id
       AND e.type IN ('called', 'started', 'finished', 'no_show', 'transferred', 'cancelled')
     WHERE t.service_date = ?
     ORDER BY t.id, e.at, e.seq`,
  );
  const ratingsOfDay = db.prepare(
    `SELECT r.counter_id, r.officer, r.level, r.score, t.procedure_id
     FROM ratings r JOIN tickets t ON t.id = r.ticket_id
     WHERE t.service_date = ?`,
  );

  const fold = (t: TicketRow, events: readonly EventRow[]) => {
    const waitMs = t.first_called_at === null ? null : Math.max(0, t.first_called_at - t.issued_at);
    const segments = segmentsOf(events);

    hours[hourOf(t.issued_at)]!++;
    if (waitMs !== null) {
      const minutes = waitMs / 60_000;
      const i = WAIT_BUCKETS.findIndex(
        (b) => minutes >= b.fromMinutes && (b.toMinutes === null || minutes < b.toMinutes),
      );
      buckets[i]!++;
    }

    // Per procedure: the ticket as a whole.
    const servedSegment = segments.find((s) => s.outcome === 'served');
    for (const p of [procedures.get(t.procedure_id), procedures.total]) {
      p.issued++;
      if (waitMs !== null) {
        p.called++;
        p.wait(waitMs);
      }
      if (t.status === 'done') {
        p.served++;
        p.service(servedSegment?.serviceMs ?? null);
      } else if (t.status === 'no_show') p.noShows++;
    }

    // Per counter and per officer: the ticket's segments there.
    for (const [counterId, unit] of unitsBy(segments, (s) => s.counterId)) {
      counters.get(counterId).unit(unit, waitMs);
      counters.total.unit(unit, waitMs);
    }
    for (const [officer, unit] of unitsBy(segments, (s) => s.officer)) {
      officers.get(officer).unit(unit, waitMs);
      officers.total.unit(unit, waitMs);
    }
  };

  const dates = datesInRange(from, to);
  for (const [i, date] of dates.entries()) {
    if (i > 0) await nextTurn();
    const rows = ticketsOfDay.all(date) as (TicketRow &
      Omit<EventRow, 'ticket_id'> & { type: string | null })[];
    let ticket: TicketRow | null = null;
    let events: EventRow[] = [];
    for (const row of rows) {
      if (row.id !== ticket?.id) {
        if (ticket) fold(ticket, events);
        ticket = row;
        events = [];
      }
      if (row.type !== null) {
        events.push({
          ticket_id: row.id,
          type: row.type,
          at: row.at,
          counter_id: row.counter_id,
          officer: row.officer,
        });
      }
    }
    if (ticket) fold(ticket, events);

    // Ratings of the day's tickets.
    const ratings = ratingsOfDay.all(date) as {
      counter_id: number;
      officer: string | null;
      level: string;
      score: number;
      procedure_id: string;
    }[];
    for (const r of ratings) {
      seen.add(r.level);
      for (const tally of [
        procedures.get(r.procedure_id),
        procedures.total,
        counters.get(r.counter_id),
        counters.total,
        officers.get(r.officer),
        officers.total,
      ]) {
        tally.rating(r.level, r.score);
      }
    }
  }

  // Levels: the active scale, plus any other known level that has ballots.
  const levels = RATING_LEVELS.filter((l) => scale.levels.includes(l) || seen.has(l));
  const ratingLevels = levels.map((level) => ({
    level,
    name: RATING_NAMES[level],
    score: scale.scores[level],
  }));

  return {
    from,
    to,
    days: daysInRange(from, to),
    timeZone,
    targetMinutes,
    generatedAt: options.now ?? Date.now(),
    ratingLevels,
    procedures: procedureTable(store, procedures, levels),
    counters: counterTable(store, counters, levels),
    officers: officerTable(store, officers, levels),
    hours: hours.map((issued, hour) => ({ hour, issued })),
    waitDistribution: WAIT_BUCKETS.map((b, i) => ({ ...b, count: buckets[i]! })),
  };
}

/** A table's own columns (its row's name and counts), beside the measures every table has. */
type Columns<R extends Measures> = Omit<R, keyof Measures>;

function procedureTable(
  store: QueueStore,
  group: Group<string>,
  levels: readonly RatingLevel[],
): ReportTable<ProcedureRow> {
  // Catalogue order (field, then procedure); procedures since removed come last, by id.
  const names = store.db
    .prepare(
      `SELECT p.id, p.name, p.field_id, f.name AS field_name
       FROM procedures p LEFT JOIN fields f ON f.id = p.field_id
       ORDER BY f.position, f.id, p.position, p.id`,
    )
    .all() as { id: string; name: string; field_id: string; field_name: string | null }[];
  const known = new Map(names.map((n, i) => [n.id, { ...n, order: i }]));
  const order = (id: string) => known.get(id)?.order ?? Number.MAX_SAFE_INTEGER;
  return group.table<Columns<ProcedureRow>>(
    levels,
    (a, b) => order(a) - order(b) || a.localeCompare(b),
    (id, tally) => {
      const n = known.get(id);
      return {
        procedureId: id,
        name: n?.name ?? id,
        fieldId: n?.field_id ?? null,
        fieldName: n?.field_name ?? '',
        issued: tally.issued,
      };
    },
    (total) => ({
      procedureId: null,
      name: reportsText.total,
      fieldId: null,
      fieldName: '',
      issued: total.issued,
    }),
  );
}

/** Key → name from one of the store's tables, read by `SELECT … AS key, … AS name`. */
function namesFrom<K>(store: QueueStore, sql: string): Map<K, string> {
  const rows = store.db.prepare(sql).all() as { key: K; name: string }[];
  return new Map(rows.map((r) => [r.key, r.name]));
}

function counterTable(
  store: QueueStore,
  group: Group<number | null>,
  levels: readonly RatingLevel[],
): ReportTable<CounterRow> {
  const names = namesFrom<number>(store, 'SELECT id AS key, name FROM counters');
  return group.table<Columns<CounterRow>>(
    levels,
    (a, b) => (a ?? Number.MAX_SAFE_INTEGER) - (b ?? Number.MAX_SAFE_INTEGER),
    (id, tally) => ({
      counterId: id,
      name: id === null ? '—' : (names.get(id) ?? `${reportsText.columns.counter} ${id}`),
      transferred: tally.transferred,
    }),
    (total) => ({ counterId: null, name: reportsText.total, transferred: total.transferred }),
  );
}

function officerTable(
  store: QueueStore,
  group: Group<string | null>,
  levels: readonly RatingLevel[],
): ReportTable<OfficerRow> {
  const names = namesFrom<string>(store, 'SELECT username AS key, display_name AS name FROM accounts');
  const nameOf = (u: string | null) => (u === null ? reportsText.unknownOfficer : (names.get(u) ?? u));
  return group.table<Columns<OfficerRow>>(
    levels,
    // By name as Vietnamese readers sort; the unknown officer last.
    (a, b) =>
      Number(a === null) - Number(b === null) ||
      nameOf(a).localeCompare(nameOf(b), 'vi') ||
      (a ?? '').localeCompare(b ?? ''),
    (username, tally) => ({ username, name: nameOf(username), transferred: tally.transferred }),
    (total) => ({ username: null, name: reportsText.total, transferred: total.transferred }),
  );
}
