import { STATUS_CODES } from 'node:http';
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../../shared/log/logger.js';
import { httpText } from '../../shared/text/vi/http.js';
import type { AccountStore } from '../auth/account-store.js';
import type { TrustedClock } from '../clock/clock.js';
import type { BoardFeed } from '../service/board.js';
import type { GuideService } from '../service/guide.js';
import type { QueueService } from '../service/queue-service.js';
import type { DeviceStore } from '../store/device-store.js';
import type { StoreHealth } from '../store/store-health.js';
import { registerAdminRoutes } from './admin-routes.js';
import { type Guard, registerAuth } from './auth.js';
import { registerClockRoutes } from './clock-routes.js';
import { limitConnections } from './connection-limits.js';
import { registerCounterRoutes } from './counter-routes.js';
import { EventStreams } from './event-streams.js';
import { registerEvents } from './events.js';
import { registerGuideRoutes } from './guide-routes.js';
import { requireJsonBodies } from './json-only.js';
import { defaultHttpLimits, type HttpLimits } from './limits.js';
import { registerPages } from './pages.js';
import { registerQueueRoutes } from './queue-routes.js';
import { registerReportRoutes } from './report-routes.js';
import { errorBody } from './route-helpers.js';
import { registerStoreFaultGuard, storeFaultResponse } from './store-fault.js';

export interface HttpDeps {
  service: QueueService;
  accounts: AccountStore;
  devices: DeviceStore;
  board: BoardFeed;
  log: Logger;
  version: string;
  /** The hub's trusted clock: every time the API stamps or compares comes from it. */
  clock: TrustedClock;
  /** Ids of devices with a live MQTT connection. */
  connectedDevices: () => string[];
  health: () => Record<string, unknown>;
  /** Cut a device's MQTT connections (after revoking it). */
  disconnectDevice: (deviceId: string) => void;
  /** The office (hub config `site`): its time zone places report hours in the local day. */
  site: { name: string; timeZone: string };
  /** An administrator saved the announcement settings: speakers get them (retained MQTT). */
  onAnnouncementSettings?: () => void;
  /** The store's faults: shown on /api/health; changes refused while it is damaged. */
  storeHealth?: StoreHealth;
  /** The touch-screen guide (cards and lines); without it the guide API is absent. */
  guide?: GuideService;
}

/** What each group of routes gets: the hub's parts and the sign-in guards. */
export type RouteDeps = HttpDeps & { requireOfficer: Guard; requireAdmin: Guard };

/** How often Node looks for requests over their header or request time-out (its default is 30 s). */
const checkEvery = (limits: HttpLimits) =>
  Math.max(250, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4)));

export async function buildHttp(
  deps: HttpDeps,
  limits: HttpLimits = defaultHttpLimits,
): Promise<FastifyInstance> {
  const { log } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // The hub sits on a LAN: headers and bodies arrive in milliseconds, so
    // slow ones (slowloris, a body that never ends) are cut early. Node's
    // request time-out covers the request only, not the answer, so event
    // streams stay open; the idle time-out is longer than their heartbeat.
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkEvery(limits),
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    // A request over a time-out, or malformed before routing, gets the
    // project's error shape rather than Fastify's.
    clientErrorHandler: (error, socket) => {
      const failure = (error as NodeJS.ErrnoException).code;
      const [status, code, message] =
        failure === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', httpText.requestTimeout]
          : failure === 'HPE_HEADER_OVERFLOW'
            ? [431, 'headers_too_large', httpText.headersTooLarge]
            : [400, 'bad_request', httpText.malformedRequest];
      if (socket.writable) {
        const body = JSON.stringify(errorBody(code, message));
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
    // Open event streams must not hold the hub up when it stops.
    forceCloseConnections: true,
    // Errors the router raises before any route or error handler runs (a
    // path parameter over 100 characters, a malformed %-escape) leave in the
    // same `{ error: { code, message } }` shape as every other error.
    frameworkErrors: (error, _request, reply) => {
      (reply as FastifyReply)
        .code(error.statusCode ?? 400)
        .send(errorBody(error.code?.toLowerCase() ?? 'bad_request', error.message));
    },
  });
  // Path parameters arrive as text and are coerced ("3" → 3); bodies are
  // taken as sent, so `{"display": 1023}` is refused rather than guessed at.
  const lenient = new Ajv({ coerceTypes: true, allErrors: true, removeAdditional: false });
  const strict = new Ajv({ coerceTypes: false, allErrors: true, removeAdditional: false });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : lenient).compile(schema),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hub API: hệ thống xếp hàng tự động',
        description:
          'Counter actions, queue state, catalogue, administration and reports of the one-stop office hub. ' +
          'Errors are JSON `{ error: { code, message } }`. State-changing routes need a session cookie ' +
          '(`POST /api/session`) and refuse cross-site requests.',
        version: deps.version,
      },
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const details = error.validation
        .map(
          (v) =>
            `${error.validationContext ?? 'request'}${v.instancePath || ''}: ${v.message ?? 'is invalid'}`,
        )
        .join('; ');
      return reply.code(400).send(errorBody('bad_request', details));
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      log.error('request failed', { method: request.method, url: request.url, error });
      const fault = storeFaultResponse(deps.storeHealth, error);
      if (fault) return reply.code(fault.status).send(fault.body);
      return reply
        .code(500)
        .send(errorBody('hub_error', 'the hub could not complete the request; try again'));
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(400).send(errorBody('empty_body', httpText.emptyJson));
    }
    // Fastify's own client errors (bad JSON, body too large, wrong content type).
    return reply.code(status).send(errorBody(error.code?.toLowerCase() ?? 'bad_request', error.message));
  });
  // Browsers ask for an icon on every page: nothing to show, no error either.
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.code(204).send());
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url}`)),
  );

  const connections = limitConnections(app.server, limits, log.child('limits'));
  const streams = new EventStreams(limits, log.child('events'));
  if (deps.storeHealth) registerStoreFaultGuard(app, deps.storeHealth);
  const guards = registerAuth(app, {
    accounts: deps.accounts,
    log: log.child('auth'),
    now: () => deps.clock.now(),
  });
  // After the cross-site check, so a refused cross-site request says why.
  requireJsonBodies(app);
  const routeDeps: RouteDeps = {
    ...deps,
    ...guards,
    health: () => ({
      ...deps.health(),
      http: { connections: connections.stats(), eventStreams: streams.stats() },
    }),
  };
  registerQueueRoutes(app, routeDeps);
  registerCounterRoutes(app, routeDeps);
  registerAdminRoutes(app, routeDeps);
  registerReportRoutes(app, routeDeps);
  registerClockRoutes(app, routeDeps);
  if (deps.guide) registerGuideRoutes(app, { ...routeDeps, guide: deps.guide });
  registerEvents(app, deps.board, streams);
  registerPages(app, { site: deps.site });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

export async function startHttp(deps: HttpDeps, host: string, port: number, limits?: HttpLimits) {
  const app = await buildHttp(deps, limits);
  await app.listen({ host, port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : port };
}
