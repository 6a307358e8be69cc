// What GET /api/reports answers (hub/reports/report.ts builds it; hub/web/assets/reports.js shows it).
import type { RatingLevel } from '../ratings.js';

export interface RatingCount {
  level: RatingLevel;
  count: number;
  /** Share of the row's ballots, one decimal; null without ballots. */
  percent: number | null;
}

/** The numbers every row of every table has. */
export interface Measures {
  /** Tickets called (per procedure: at least once; per counter/officer: there). */
  called: number;
  served: number;
  noShows: number;
  /** Tickets with a wait (issue → first call) counted in this row. */
  waitCount: number;
  averageWaitSeconds: number | null;
  maxWaitSeconds: number | null;
  averageServiceSeconds: number | null;
  /** Tickets that waited longer than the target, and their share of `waitCount`. */
  overTargetCount: number;
  overTargetPercent: number | null;
  ballots: number;
  /** One entry per level of `Report.ratingLevels`, in that order. */
  ratings: RatingCount[];
  scoreSum: number;
  averageScore: number | null;
}

export interface ProcedureRow extends Measures {
  /** null in the totals row. */
  procedureId: string | null;
  name: string;
  fieldId: string | null;
  fieldName: string;
  issued: number;
}

export interface CounterRow extends Measures {
  counterId: number | null;
  name: string;
  /** Tickets sent on from here (and not served here afterwards). */
  transferred: number;
}

export interface OfficerRow extends Measures {
  /** null for calls made at a counter no officer had taken (and in the totals row). */
  username: string | null;
  name: string;
  transferred: number;
}

export interface ReportTable<R> {
  rows: R[];
  total: R;
}

export interface Report {
  from: string;
  to: string;
  days: number;
  timeZone: string;
  targetMinutes: number;
  generatedAt: number;
  ratingLevels: { level: RatingLevel; name: string; score: number }[];
  procedures: ReportTable<ProcedureRow>;
  counters: ReportTable<CounterRow>;
  officers: ReportTable<OfficerRow>;
  /** Tickets issued per local hour of day, 24 entries (hour 0..23). */
  hours: { hour: number; issued: number }[];
  /** Called tickets per wait bucket (WAIT_BUCKETS). */
  waitDistribution: { fromMinutes: number; toMinutes: number | null; count: number }[];
}
