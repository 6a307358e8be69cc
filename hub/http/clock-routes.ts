// The hub's clock over HTTP: what it says and where its time comes from
// (every page reads it), and the one-click confirmation by an officer or
// administrator while it is not trusted (audited, in the same transaction
// as nothing else: the clock is not in the store, the audit row is).

import type { FastifyInstance } from 'fastify';
import { clockText } from '../../shared/text/vi/clock.js';
import { fillText } from '../../shared/text/vi.js';
import { localTime } from '../../shared/time/local-time.js';
import { errorBody, errorSchema } from './route-helpers.js';
import type { RouteDeps } from './server.js';

/** "07:42 27/11/2026" in the office's time zone, for messages. */
export function officeTime(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  return `${t.hour}:${t.minute} ${t.day}/${t.month}/${t.year}`;
}

export function registerClockRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { clock, service, accounts, requireOfficer, site } = deps;

  const view = (signedIn: boolean) => {
    const s = clock.status();
    const base = {
      now: s.now,
      trusted: s.trusted,
      source: s.source,
      serviceDate: service.state.serviceDate,
      timeZone: site.timeZone,
      site: site.name,
    };
    if (!signedIn) return base;
    return {
      ...base,
      reason: s.reason,
      offsetMs: s.offsetMs,
      lastEventAt: s.lastEventAt,
      confirmation: s.confirmation,
      ntp: s.ntp,
      rtc: s.rtc && { name: s.rtc.name, time: s.rtc.time, believed: s.rtc.believed },
      checkedAt: s.checkedAt,
    };
  };

  app.get(
    '/api/clock',
    {
      schema: {
        summary:
          "The hub's time and whether it is trusted (NTP, RTC, confirmed by a person, or the untrusted system clock); signed in: the details",
      },
    },
    async (request, reply) => reply.header('cache-control', 'no-store').send(view(request.account !== null)),
  );

  app.post<{ Body: { now: number } }>(
    '/api/clock/confirm',
    {
      preHandler: requireOfficer,
      schema: {
        summary:
          "Confirm the date and time of the signer's own computer while the hub's clock is not trusted (audited); the system clock is not changed",
        body: {
          type: 'object',
          properties: { now: { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 } },
          required: ['now'],
          additionalProperties: false,
        },
        response: { 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const proposed = request.body.now;
      const username = request.account!.username;
      const before = clock.status();
      const outcome = clock.confirm(proposed, username);
      const time = officeTime(proposed, site.timeZone);
      if (!outcome.ok) {
        const R = clockText.refusal;
        const message =
          outcome.code === 'clock_trusted'
            ? fillText(R.clock_trusted, { source: clockText.source[outcome.source] })
            : outcome.code === 'implausible_time'
              ? fillText(R.implausible_time, { time })
              : fillText(R.before_last_event, { time, last: officeTime(outcome.lastEventAt, site.timeZone) });
        deps.log.warn('clock confirmation refused', { user: username, code: outcome.code, proposed });
        return reply
          .code(outcome.code === 'clock_trusted' ? 409 : 400)
          .send(errorBody(outcome.code, message));
      }
      accounts.audit(
        {
          username,
          action: 'clock-confirm',
          detail: {
            confirmed: new Date(proposed).toISOString(),
            was: new Date(before.now).toISOString(),
            source: before.source,
            stepMs: outcome.stepMs,
          },
        },
        clock.now(),
      );
      return { ...view(true), message: fillText(clockText.confirmed, { time }) };
    },
  );
}
