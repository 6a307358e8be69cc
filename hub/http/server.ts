import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../../shared/log/logger.js';
import type { AccountStore } from '../auth/account-store.js';
import type { TrustedClock } from '../clock/clock.js';
import type { BoardFeed } from '../service/board.js';
import type { QueueService } from '../service/queue-service.js';
import type { DeviceStore } from '../store/device-store.js';
import { registerAdminRoutes } from './admin-routes.js';
import { type Guard, registerAuth } from './auth.js';
import { registerClockRoutes } from './clock-routes.js';
import { registerCounterRoutes } from './counter-routes.js';
import { registerEvents } from './events.js';
import { registerPages } from './pages.js';
import { registerQueueRoutes } from './queue-routes.js';
import { registerReportRoutes } from './report-routes.js';
import { errorBody } from './route-helpers.js';

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
}

/** What each group of routes gets: the hub's parts and the sign-in guards. */
export type RouteDeps = HttpDeps & { requireOfficer: Guard; requireAdmin: Guard };

export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const { log } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // The hub sits on a LAN; requests should be short.
    requestTimeout: 15_000,
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
      return reply
        .code(500)
        .send(errorBody('hub_error', 'the hub could not complete the request; try again'));
    }
    // Fastify's own client errors (bad JSON, body too large, wrong content type).
    return reply.code(status).send(errorBody(error.code?.toLowerCase() ?? 'bad_request', error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url}`)),
  );

  const guards = registerAuth(app, {
    accounts: deps.accounts,
    log: log.child('auth'),
    now: () => deps.clock.now(),
  });
  const routeDeps: RouteDeps = { ...deps, ...guards };
  registerQueueRoutes(app, routeDeps);
  registerCounterRoutes(app, routeDeps);
  registerAdminRoutes(app, routeDeps);
  registerReportRoutes(app, routeDeps);
  registerClockRoutes(app, routeDeps);
  registerEvents(app, deps.board);
  registerPages(app, { site: deps.site });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

export async function startHttp(deps: HttpDeps, host: string, port: number) {
  const app = await buildHttp(deps);
  await app.listen({ host, port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : port };
}
