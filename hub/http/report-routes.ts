// Reports for administrators: the whole report as JSON, and each of its
// three tables as a CSV download. Read-only; officers get 403.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { reportsText } from '../../shared/text/vi/reports.js';
import { fillText } from '../../shared/text/vi.js';
import { csvFileName, REPORT_GROUPS, type ReportGroup, reportCsv } from '../reports/csv.js';
import { exportProfile } from '../reports/profile-export.js';
import {
  buildReport,
  daysInRange,
  defaultTargetMinutes,
  isServiceDate,
  MAX_RANGE_DAYS,
  MAX_TARGET_MINUTES,
  type ReportOptions,
} from '../reports/report.js';
import { readOpeningHours } from '../service/admin-settings.js';
import { errorBody, errorSchema } from './route-helpers.js';
import type { RouteDeps } from './server.js';

interface ReportQuery {
  from?: string;
  to?: string;
  target?: string;
  group?: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

const E = reportsText.errors;

/**
 * Dates default to the hub's current service date (an empty parameter counts
 * as absent; one date alone is a one-day report). The target, when given,
 * overrides the setting 'serviceTargetMinutes'.
 */
export function parseReportQuery(
  query: ReportQuery,
  today: string,
): Parsed<Pick<ReportOptions, 'from' | 'to' | 'targetMinutes'>> {
  const fromText = query.from?.trim() || undefined;
  const toText = query.to?.trim() || undefined;
  for (const [key, value] of [
    ['from', fromText],
    ['to', toText],
  ] as const) {
    if (value !== undefined && !isServiceDate(value)) {
      return {
        ok: false,
        code: 'bad_date',
        message: fillText(E.badDate, { name: reportsText.params[key], value: value.slice(0, 40) }),
      };
    }
  }
  const from = fromText ?? toText ?? today;
  const to = toText ?? fromText ?? today;
  if (from > to) return { ok: false, code: 'bad_range', message: fillText(E.fromAfterTo, { from, to }) };
  const days = daysInRange(from, to);
  if (days > MAX_RANGE_DAYS) {
    return { ok: false, code: 'range_too_long', message: fillText(E.tooLong, { days, max: MAX_RANGE_DAYS }) };
  }
  const targetText = query.target?.trim() || undefined;
  let targetMinutes: number | undefined;
  if (targetText !== undefined) {
    targetMinutes = /^\d{1,4}$/.test(targetText) ? Number(targetText) : Number.NaN;
    if (!(targetMinutes >= 1 && targetMinutes <= MAX_TARGET_MINUTES)) {
      return {
        ok: false,
        code: 'bad_target',
        message: fillText(E.badTarget, { value: targetText.slice(0, 40), max: MAX_TARGET_MINUTES }),
      };
    }
  }
  return { ok: true, value: { from, to, ...(targetMinutes === undefined ? {} : { targetMinutes }) } };
}

// Only typed here: the handler checks the values and explains problems in Vietnamese.
const text = { type: 'string' } as const;
const querystring = (withGroup: boolean) => ({
  type: 'object',
  properties: {
    from: { ...text, description: 'First service date, YYYY-MM-DD (default: today)' },
    to: { ...text, description: 'Last service date, YYYY-MM-DD, inclusive; at most 366 days in all' },
    target: { ...text, description: 'Wait target in minutes (default: setting serviceTargetMinutes or 15)' },
    ...(withGroup ? { group: { ...text, description: 'procedure | counter | officer' } } : {}),
  },
});
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

export function registerReportRoutes(
  app: FastifyInstance,
  deps: Pick<RouteDeps, 'service' | 'requireAdmin' | 'site' | 'clock'>,
): void {
  const { service, requireAdmin } = deps;

  const report = async (query: ReportQuery, reply: FastifyReply) => {
    const parsed = parseReportQuery(query, service.state.serviceDate);
    if (!parsed.ok) {
      reply.code(400).send(errorBody(parsed.code, parsed.message));
      return null;
    }
    return buildReport(service.store, {
      ...parsed.value,
      timeZone: deps.site.timeZone,
      now: deps.clock.now(),
    });
  };

  app.get<{ Querystring: ReportQuery }>(
    '/api/reports',
    {
      preHandler: requireAdmin,
      schema: {
        summary: 'Report for a range of service dates: per procedure, counter and officer; hours; waits',
        querystring: querystring(false),
        response: errors,
      },
    },
    async (request, reply) => {
      const r = await report(request.query, reply);
      if (!r) return reply;
      return reply.header('cache-control', 'no-store').send(r);
    },
  );

  app.get<{ Querystring: ReportQuery }>(
    '/api/reports.csv',
    {
      preHandler: requireAdmin,
      schema: {
        summary: 'One table of the report as CSV (UTF-8 with BOM)',
        querystring: querystring(true),
        response: errors,
      },
    },
    async (request, reply) => {
      const group = request.query.group?.trim() || 'procedure';
      if (!(REPORT_GROUPS as readonly string[]).includes(group)) {
        return reply
          .code(400)
          .send(errorBody('bad_group', fillText(E.badGroup, { value: group.slice(0, 40) })));
      }
      const r = await report(request.query, reply);
      if (!r) return reply;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csvFileName(r, group as ReportGroup)}"`)
        .header('cache-control', 'no-store')
        .send(reportCsv(r, group as ReportGroup));
    },
  );

  // The office's own history as a day-simulator profile (simulate/profile.ts):
  // `npm run simulate -- --profile office.json --plan` plans staffing from it.
  app.get<{ Querystring: ReportQuery }>(
    '/api/reports/profile',
    {
      preHandler: requireAdmin,
      schema: {
        summary: 'The office history of a range of dates as a day-simulator profile (JSON)',
        querystring: querystring(false),
        response: errors,
      },
    },
    async (request, reply) => {
      const parsed = parseReportQuery(request.query, service.state.serviceDate);
      if (!parsed.ok) return reply.code(400).send(errorBody(parsed.code, parsed.message));
      const { from, to } = parsed.value;
      const profile = exportProfile(service.store, service.state, {
        from,
        to,
        timeZone: deps.site.timeZone,
        siteName: deps.site.name,
        targetMinutes: parsed.value.targetMinutes ?? defaultTargetMinutes(service.store),
        openingHours: readOpeningHours(service.store),
      });
      return reply
        .header('content-disposition', `attachment; filename="profile-${from}-${to}.json"`)
        .header('cache-control', 'no-store')
        .send(profile);
    },
  );
}
