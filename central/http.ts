// The province pages and API: the live dashboard (figures per office,
// alarms, pushed to open pages within a moment of an office's change via
// PostgreSQL LISTEN/NOTIFY, whichever instance stored it) and the
// cross-office reports with CSV. Behind province accounts with the hub's
// own sign-in module (hub/http/auth.ts): scrypt, HttpOnly SameSite=Strict
// cookie, rate limit, cross-site refusal, JSON-only changes.

import { join } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import pg, { type Pool } from 'pg';
import { registerAuth } from '../hub/http/auth.js';
import { requireJsonBodies } from '../hub/http/json-only.js';
import { asset, loadDir, loadPage, sendAsset, TYPES } from '../hub/http/pages.js';
import { errorBody } from '../hub/http/route-helpers.js';
import { csvCell } from '../hub/reports/csv.js';
import type { OfficerRatingsAnswer, OfficesAnswer, ServiceLevelAnswer } from '../shared/api/central.js';
import type { Logger } from '../shared/log/logger.js';
import { centralText } from '../shared/text/vi/central.js';
import { uiText } from '../shared/text/vi.js';
import { appRoot } from '../shared/version.js';
import type { CentralAccounts } from './store/accounts.js';
import { alarmsOf, officerRatings, officesLive, serviceLevels } from './store/views.js';

export const CENTRAL_COOKIE = 'qms_central_session';

export interface CentralHttpDeps {
  pool: Pool;
  /** A connection string for the LISTEN connection (live updates). */
  databaseUrl: string;
  accounts: CentralAccounts;
  log: Logger;
  province: { name: string; timeZone: string };
  targetMinutes: number;
  silentMinutes: number;
  health: () => Record<string, unknown>;
}

/** Pushes "something changed at office X" to open dashboards, from PostgreSQL notifications. */
class LiveFeed {
  private client: pg.Client | null = null;
  private readonly streams = new Set<(office: string) => void>();
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      for (const office of (n.payload ?? '').split(',')) for (const send of this.streams) send(office);
    });
    client.on('error', (error) => {
      this.log.warn('live feed connection lost', { error: error.message });
      this.again(client);
    });
    client.on('end', () => this.again(client));
    try {
      await client.connect();
      await client.query('LISTEN qms_central');
      this.client = client;
    } catch (error) {
      this.log.warn('live feed not connected; trying again', { error: (error as Error).message });
      this.again(client);
    }
  }

  private again(client: pg.Client): void {
    if (this.client === client) this.client = null;
    client.end().catch(() => {});
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, 1000);
    this.retry.unref();
  }

  subscribe(send: (office: string) => void): () => void {
    this.streams.add(send);
    return () => this.streams.delete(send);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => {});
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function csv(rows: (string | number | null)[][]): string {
  return `\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

export async function buildCentralHttp(
  deps: CentralHttpDeps,
): Promise<{ app: FastifyInstance; stop: () => Promise<void> }> {
  const { log, pool } = deps;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, forceCloseConnections: true });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return reply.code(400).send(errorBody('bad_request', error.message));
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      log.error('request failed', { method: request.method, url: request.url, error });
      return reply
        .code(500)
        .send(errorBody('central_error', 'the centre could not complete the request; try again'));
    }
    return reply.code(status).send(errorBody(error.code?.toLowerCase() ?? 'bad_request', error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url}`)),
  );
  const { requireOfficer } = registerAuth(app, {
    accounts: deps.accounts,
    log: log.child('auth'),
    cookieName: CENTRAL_COOKIE,
  });
  requireJsonBodies(app);

  const feed = new LiveFeed(deps.databaseUrl, log.child('live'));
  await feed.start();

  app.get('/api/health', async (_request, reply) => {
    let database = true;
    try {
      await pool.query('SELECT 1');
    } catch {
      database = false;
    }
    const body = { ok: database, database, ...deps.health() };
    return reply.code(database ? 200 : 503).send(body);
  });

  app.get('/api/offices', { preHandler: requireOfficer }, async (): Promise<OfficesAnswer> => {
    const now = Date.now();
    const offices = await officesLive(pool);
    return {
      now,
      targetMinutes: deps.targetMinutes,
      offices,
      alarms: alarmsOf(offices, now, {
        targetMinutes: deps.targetMinutes,
        silentMinutes: deps.silentMinutes,
      }),
    };
  });

  // Live updates: one "change" line per office change, at most every 100 ms per page.
  app.get('/api/events', { preHandler: requireOfficer }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const changed = new Set<string>();
    let timer: NodeJS.Timeout | null = null;
    const unsubscribe = feed.subscribe((office) => {
      changed.add(office);
      timer ??= setTimeout(() => {
        timer = null;
        res.write(`event: change\ndata: ${JSON.stringify([...changed])}\n\n`);
        changed.clear();
      }, 100);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 20_000);
    request.raw.on('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
    });
  });

  type Range = { error: string } | { error: null; from: string; to: string };
  const dates = (query: { from?: string; to?: string }): Range => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: deps.province.timeZone }).format(Date.now());
    const from = query.from ?? today;
    const to = query.to ?? from;
    if (!DATE.test(from) || !DATE.test(to) || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)))
      return { error: 'from and to must be dates YYYY-MM-DD' };
    if (to < from) return { error: 'to must not be before from' };
    if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000) return { error: 'at most one year at a time' };
    return { error: null, from, to };
  };
  const T = centralText.columns;

  /**
   * A report over a range of days (?from=&to=, default today): JSON, or with
   * ?format=csv a CSV file named `<file>-<from>_<to>.csv`.
   */
  const datedReport = <Row>(
    path: string,
    report: {
      file: string;
      rows: (from: string, to: string) => Promise<Row[]>;
      answer: (from: string, to: string, rows: Row[]) => unknown;
      table: (rows: Row[]) => Parameters<typeof csv>[0];
    },
  ) =>
    app.get<{ Querystring: { from?: string; to?: string; format?: string } }>(
      path,
      { preHandler: requireOfficer },
      async (request, reply) => {
        const range = dates(request.query);
        if (range.error !== null) return reply.code(400).send(errorBody('bad_request', range.error));
        const rows = await report.rows(range.from, range.to);
        if (request.query.format !== 'csv') return report.answer(range.from, range.to, rows);
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="${report.file}-${range.from}_${range.to}.csv"`,
          )
          .send(csv(report.table(rows)));
      },
    );

  datedReport('/api/reports/service-level', {
    file: 'muc-phuc-vu',
    rows: (from, to) => serviceLevels(pool, from, to, deps.targetMinutes),
    answer: (from, to, rows): ServiceLevelAnswer => ({ from, to, targetMinutes: deps.targetMinutes, rows }),
    table: (rows) => [
      [
        T.office,
        T.officeId,
        T.date,
        T.issued,
        T.called,
        T.served,
        T.noShows,
        T.withinTarget,
        T.serviceLevel,
        T.avgWait,
        T.maxWait,
      ],
      ...rows.map((r) => [
        r.officeName,
        r.officeId,
        r.serviceDate,
        r.issued,
        r.called,
        r.served,
        r.noShows,
        r.withinTarget,
        r.serviceLevel,
        r.avgWaitSeconds,
        r.maxWaitSeconds,
      ]),
    ],
  });

  datedReport('/api/reports/ratings', {
    file: 'danh-gia-can-bo',
    rows: (from, to) => officerRatings(pool, from, to),
    answer: (from, to, rows): OfficerRatingsAnswer => ({ from, to, rows }),
    table: (rows) => {
      const levels = [...new Set(rows.flatMap((r) => Object.keys(r.levels)))].sort();
      return [
        [T.office, T.officeId, T.officer, T.ratings, T.score, T.avgScore, ...levels],
        ...rows.map((r) => [
          r.officeName,
          r.officeId,
          r.officer,
          r.ratings,
          r.score,
          r.avgScore,
          ...levels.map((l) => r.levels[l] ?? 0),
        ]),
      ];
    },
  });

  // Pages: the hub's sign-in page and shared scripts, the province's own pages.
  const root = appRoot();
  const hubAssets = loadDir(join(root, 'hub', 'web', 'assets'));
  const assets = loadDir(join(root, 'central', 'web', 'assets'));
  for (const name of ['common.js', 'login.js', 'one-at-a-time.js', 'style.css'])
    assets.set(name, hubAssets.get(name)!);
  assets.set(
    'text.js',
    asset(
      Buffer.from(`export default ${JSON.stringify({ ...uiText, central: centralText })};\n`),
      TYPES['.js']!,
    ),
  );
  assets.set(
    'site.js',
    asset(Buffer.from(`export default ${JSON.stringify(deps.province)};\n`), TYPES['.js']!),
  );
  const pages = loadDir(join(root, 'central', 'web', 'pages'));
  pages.set('login.html', loadPage(join(root, 'hub', 'web', 'pages', 'login.html')));
  for (const name of ['login', 'dashboard', 'reports']) {
    const page = pages.get(`${name}.html`)!;
    app.get(`/${name}`, async (request, reply) => sendAsset(request, reply, page, 'no-cache'));
  }
  // The sign-in page goes to /console or /admin when no page was asked for.
  for (const path of ['/', '/console', '/admin'])
    app.get(path, async (_r, reply) => reply.redirect('/dashboard'));
  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const a = assets.get(request.params.name);
    if (!a) return reply.code(404).send(errorBody('not_found', `no asset ${request.params.name}`));
    return sendAsset(request, reply, a, 'no-cache');
  });

  return { app, stop: () => feed.stop() };
}
