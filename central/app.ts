// The province centre's service: PostgreSQL (schema, month partitions), the
// consumer of the offices' events from the central broker, and the
// dashboard and reports over HTTP. Several instances may run side by side
// against the same broker and database (shared subscription, row locks per
// office, notifications for the live pages).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import pg from 'pg';
import { generatePassword, hashPassword } from '../hub/auth/passwords.js';
import { createLogger, type Logger } from '../shared/log/logger.js';
import { pageUrls } from '../shared/net/page-urls.js';
import type { CentralConfig } from './config.js';
import { Consumer } from './consumer.js';
import { buildCentralHttp } from './http.js';
import { CentralAccounts } from './store/accounts.js';
import { migrate, Partitions } from './store/schema.js';

export interface Central {
  httpPort: number;
  pool: pg.Pool;
  consumer: Consumer;
  accounts: CentralAccounts;
  /** Set when this start created the first administrator: its generated password. */
  initialAdminPassword: string | null;
  stop(): Promise<void>;
}

export async function startCentral(
  config: CentralConfig,
  log: Logger = createLogger('central'),
): Promise<Central> {
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolSize });
  // An idle connection lost with a PostgreSQL restart must not crash the program.
  pool.on('error', (error) => log.warn('database connection lost', { error: error.message }));
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const accounts = new CentralAccounts(pool);
  const initialAdminPassword = await createFirstAdministrator(accounts);
  const partitions = new Partitions(pool);
  const password =
    config.mqtt.password ??
    (config.mqtt.passwordFile ? readFileSync(config.mqtt.passwordFile, 'utf8').trim() : undefined);
  const consumer = new Consumer({
    url: config.mqtt.url,
    username: config.mqtt.username,
    ...(password ? { password } : {}),
    ...(config.mqtt.caFile ? { ca: readFileSync(config.mqtt.caFile) } : {}),
    shareGroup: config.mqtt.shareGroup,
    clientId: `qms-central-${hostname().slice(0, 20)}-${randomBytes(4).toString('hex')}`,
    pool,
    partitions,
    log: log.child('ingest'),
    // Few workers, each storing many offices per transaction: fewer, larger commits.
    concurrency: Math.max(1, Math.min(4, config.postgres.poolSize - 2)),
  });
  await consumer.start();
  const { app, stop: stopFeed } = await buildCentralHttp({
    pool,
    databaseUrl: config.postgres.url,
    accounts,
    log: log.child('http'),
    province: { name: config.name, timeZone: config.timeZone },
    targetMinutes: config.reports.targetMinutes,
    silentMinutes: config.silentMinutes,
    health: () => ({ broker: { ...consumer.stats } }),
  });
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
  log.info('ready', { httpPort, broker: config.mqtt.url });
  if (initialAdminPassword) {
    const [first, ...others] = pageUrls(config.http.host, httpPort).map((url) => `${url}/login`);
    process.stdout.write(
      `\n  First start: province administrator "admin" created.\n  Password (shown only now): ${initialAdminPassword}\n  Sign in at ${first}${others.length ? `\n  (also: ${others.join(', ')})` : ''}\n\n`,
    );
  }
  return {
    httpPort,
    pool,
    consumer,
    accounts,
    initialAdminPassword,
    async stop() {
      await consumer.stop();
      await stopFeed();
      await app.close();
      await pool.end();
    },
  };
}

async function createFirstAdministrator(accounts: CentralAccounts): Promise<string | null> {
  if ((await accounts.count()) > 0) return null;
  const password = generatePassword();
  const created = await accounts.create(
    {
      username: 'admin',
      displayName: 'Quản trị tỉnh',
      role: 'admin',
      passwordHash: await hashPassword(password),
    },
    Date.now(),
  );
  return created ? password : null;
}
