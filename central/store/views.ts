// What the province pages show, read from PostgreSQL: the live figures per
// office (live_* tables, kept by ingest.ts) and the cross-office reports
// (from the events, by the offices' service dates).

import type { Pool } from 'pg';

import type {
  Alarm,
  AlarmKind,
  OfficeLive,
  OfficerRatingRow,
  ServiceLevelRow,
} from '../../shared/api/central.js';

const ms = (v: Date | null) => (v ? v.getTime() : null);

export async function officesLive(pool: Pool): Promise<OfficeLive[]> {
  const { rows } = await pool.query(
    `SELECT o.id, o.name, o.service_date, o.acked_seq, o.lost_events, o.last_event_at, o.last_received_at, o.last_call,
       w.waiting, w.oldest, w.serving, c.open, c.total AS counters, d.total AS devices, d.offline, d.paper_low
     FROM offices o
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE status = 'waiting') AS waiting,
              min(queued_at) FILTER (WHERE status = 'waiting') AS oldest,
              count(*) FILTER (WHERE status IN ('called', 'serving')) AS serving
       FROM live_tickets t WHERE t.office_id = o.id AND (o.service_date IS NULL OR t.service_date >= o.service_date)
     ) w ON true
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE state = 'open') AS open, count(*) FILTER (WHERE state <> 'removed') AS total
       FROM live_counters c WHERE c.office_id = o.id
     ) c ON true
     LEFT JOIN LATERAL (
       SELECT count(*) AS total, count(*) FILTER (WHERE state = 'offline') AS offline,
              count(*) FILTER (WHERE printer IN ('paper_near_end', 'paper_out')) AS paper_low
       FROM live_devices d WHERE d.office_id = o.id
     ) d ON true
     ORDER BY o.name, o.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name || r.id,
    serviceDate: r.service_date,
    waiting: Number(r.waiting ?? 0),
    oldestWaitingAt: ms(r.oldest),
    serving: Number(r.serving ?? 0),
    countersOpen: Number(r.open ?? 0),
    counters: Number(r.counters ?? 0),
    devices: Number(r.devices ?? 0),
    devicesOffline: Number(r.offline ?? 0),
    paperLow: Number(r.paper_low ?? 0),
    ackedSeq: Number(r.acked_seq),
    lostEvents: Number(r.lost_events),
    lastEventAt: ms(r.last_event_at),
    lastReceivedAt: ms(r.last_received_at),
    lastCall: r.last_call
      ? {
          display: r.last_call.display,
          counterId: r.last_call.counterId,
          counterName: r.last_call.counterName,
          officer: r.last_call.officer,
          procedureName: r.last_call.procedureName,
          at: r.last_call.at,
          recall: r.last_call.recall,
        }
      : null,
  }));
}

/** The alarms of the live figures, most serious first. */
export function alarmsOf(
  offices: OfficeLive[],
  now: number,
  settings: { targetMinutes: number; silentMinutes: number },
): Alarm[] {
  const out: Alarm[] = [];
  for (const o of offices) {
    if (o.oldestWaitingAt !== null) {
      const minutes = Math.floor((now - o.oldestWaitingAt) / 60_000);
      if (minutes >= settings.targetMinutes) out.push({ officeId: o.id, kind: 'long_wait', value: minutes });
    }
    if (o.waiting > 0 && o.countersOpen === 0)
      out.push({ officeId: o.id, kind: 'no_counter_open', value: o.waiting });
    if (o.devicesOffline > 0) out.push({ officeId: o.id, kind: 'devices_offline', value: o.devicesOffline });
    if (o.paperLow > 0) out.push({ officeId: o.id, kind: 'paper_low', value: o.paperLow });
    if (o.lostEvents > 0) out.push({ officeId: o.id, kind: 'lost_events', value: o.lostEvents });
    if (
      o.lastReceivedAt !== null &&
      now - o.lastReceivedAt > settings.silentMinutes * 60_000 &&
      o.waiting > 0
    )
      out.push({ officeId: o.id, kind: 'silent', value: Math.floor((now - o.lastReceivedAt) / 60_000) });
  }
  const order: AlarmKind[] = [
    'long_wait',
    'no_counter_open',
    'silent',
    'devices_offline',
    'paper_low',
    'lost_events',
  ];
  return out.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

// ---------------------------------------------------------------- reports

/**
 * Events of service dates `from`..`to` (YYYY-MM-DD) lie within a day either
 * side of those dates in any Vietnamese office: the time bounds let
 * PostgreSQL read only the months concerned.
 */
function timeBounds(from: string, to: string): [string, string] {
  const start = new Date(`${from}T00:00:00Z`).getTime() - 2 * 86_400_000;
  const end = new Date(`${to}T00:00:00Z`).getTime() + 3 * 86_400_000;
  return [new Date(start).toISOString(), new Date(end).toISOString()];
}

export async function serviceLevels(
  pool: Pool,
  from: string,
  to: string,
  targetMinutes: number,
): Promise<ServiceLevelRow[]> {
  const [start, end] = timeBounds(from, to);
  const { rows } = await pool.query(
    `WITH t AS (
       SELECT office_id, ticket_id, data->'ticket'->>'serviceDate' AS service_date,
              bool_or(action = 'issued') AS issued,
              bool_or(action IN ('called', 'recalled')) AS called,
              bool_or(action = 'finished') AS served,
              bool_or(action = 'no_show') AS no_show,
              min(((data->'ticket'->>'firstCalledAt')::bigint - (data->'ticket'->>'queuedAt')::bigint))
                FILTER (WHERE action = 'called') AS wait_ms
       FROM events
       WHERE type = 'ticket' AND at >= $1 AND at < $2
         AND data->'ticket'->>'serviceDate' BETWEEN $3 AND $4
       GROUP BY office_id, ticket_id, data->'ticket'->>'serviceDate'
     )
     SELECT t.office_id, coalesce(nullif(o.name, ''), t.office_id) AS office_name, t.service_date,
            count(*) FILTER (WHERE issued) AS issued,
            count(*) FILTER (WHERE called) AS called,
            count(*) FILTER (WHERE served) AS served,
            count(*) FILTER (WHERE no_show) AS no_shows,
            count(*) FILTER (WHERE wait_ms IS NOT NULL AND wait_ms <= $5) AS within,
            count(*) FILTER (WHERE wait_ms IS NOT NULL) AS waited,
            avg(wait_ms) AS avg_wait, max(wait_ms) AS max_wait
     FROM t JOIN offices o ON o.id = t.office_id
     GROUP BY t.office_id, o.name, t.service_date
     ORDER BY t.service_date, office_name`,
    [start, end, from, to, targetMinutes * 60_000],
  );
  return rows.map((r) => {
    const waited = Number(r.waited);
    return {
      officeId: r.office_id,
      officeName: r.office_name,
      serviceDate: r.service_date,
      issued: Number(r.issued),
      called: Number(r.called),
      served: Number(r.served),
      noShows: Number(r.no_shows),
      withinTarget: Number(r.within),
      serviceLevel: waited > 0 ? Math.round((Number(r.within) / waited) * 1000) / 1000 : null,
      avgWaitSeconds: r.avg_wait === null ? null : Math.round(Number(r.avg_wait) / 1000),
      maxWaitSeconds: r.max_wait === null ? null : Math.round(Number(r.max_wait) / 1000),
    };
  });
}

export async function officerRatings(pool: Pool, from: string, to: string): Promise<OfficerRatingRow[]> {
  const [start, end] = timeBounds(from, to);
  // A correction replaces the ticket's earlier rating: the last one counts.
  const { rows } = await pool.query(
    `WITH r AS (
       SELECT DISTINCT ON (office_id, ticket_id) office_id, ticket_id, data
       FROM events
       WHERE type = 'rating' AND at >= $1 AND at < $2 AND data->>'serviceDate' BETWEEN $3 AND $4
       ORDER BY office_id, ticket_id, seq DESC
     )
     SELECT r.office_id, coalesce(nullif(o.name, ''), r.office_id) AS office_name,
            coalesce(r.data->>'officer', '') AS officer, r.data->>'level' AS level,
            count(*) AS n, sum((r.data->>'score')::int) AS score
     FROM r JOIN offices o ON o.id = r.office_id
     GROUP BY r.office_id, o.name, officer, level
     ORDER BY office_name, officer`,
    [start, end, from, to],
  );
  const byOfficer = new Map<string, OfficerRatingRow>();
  for (const r of rows) {
    const key = `${r.office_id}\u0000${r.officer}`;
    const row: OfficerRatingRow = byOfficer.get(key) ?? {
      officeId: r.office_id,
      officeName: r.office_name,
      officer: r.officer,
      ratings: 0,
      score: 0,
      avgScore: null,
      levels: {},
    };
    row.ratings += Number(r.n);
    row.score += Number(r.score);
    row.levels[r.level] = (row.levels[r.level] ?? 0) + Number(r.n);
    row.avgScore = Math.round((row.score / row.ratings) * 100) / 100;
    byOfficer.set(key, row);
  }
  return [...byOfficer.values()];
}
