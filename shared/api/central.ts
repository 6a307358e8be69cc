// What the province centre's API answers (central/store/views.ts reads it from PostgreSQL;
// central/web/assets/*.js show it): GET /api/offices, /api/reports/service-level, /api/reports/ratings.

export interface OfficeLive {
  id: string;
  name: string;
  serviceDate: string | null;
  waiting: number;
  /** Queue time of the ticket waiting longest (office clock), null when nobody waits. */
  oldestWaitingAt: number | null;
  serving: number;
  countersOpen: number;
  counters: number;
  devices: number;
  devicesOffline: number;
  paperLow: number;
  ackedSeq: number;
  lostEvents: number;
  lastEventAt: number | null;
  lastReceivedAt: number | null;
  lastCall: {
    display: string;
    counterId: number | null;
    counterName: string | null;
    officer: string | null;
    procedureName: string;
    at: number;
    recall: boolean;
  } | null;
}

export type AlarmKind =
  | 'long_wait'
  | 'devices_offline'
  | 'paper_low'
  | 'no_counter_open'
  | 'silent'
  | 'lost_events';

export interface Alarm {
  officeId: string;
  kind: AlarmKind;
  /** The figure behind it (minutes, devices, events). */
  value: number;
}

export interface ServiceLevelRow {
  officeId: string;
  officeName: string;
  serviceDate: string;
  issued: number;
  called: number;
  served: number;
  noShows: number;
  withinTarget: number;
  /** Share of called tickets called within the target, 0..1 (null: none called). */
  serviceLevel: number | null;
  avgWaitSeconds: number | null;
  maxWaitSeconds: number | null;
}

export interface OfficerRatingRow {
  officeId: string;
  officeName: string;
  officer: string;
  ratings: number;
  score: number;
  avgScore: number | null;
  levels: Record<string, number>;
}

/** GET /api/offices: every office's live figures and the alarms they raise. */
export interface OfficesAnswer {
  now: number;
  targetMinutes: number;
  offices: OfficeLive[];
  alarms: Alarm[];
}

/** GET /api/reports/service-level (JSON). */
export interface ServiceLevelAnswer {
  from: string;
  to: string;
  targetMinutes: number;
  rows: ServiceLevelRow[];
}

/** GET /api/reports/ratings (JSON). */
export interface OfficerRatingsAnswer {
  from: string;
  to: string;
  rows: OfficerRatingRow[];
}
