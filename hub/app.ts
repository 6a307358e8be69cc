// Wires the hub's parts with a start/stop lifecycle: store → queue state →
// broker → MQTT flows → HTTP API. Everything with I/O lives here or below
// in store/, broker/, http/; the queue logic in queue/ stays pure.

import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { timeOrderedId } from '../shared/ids/time-ordered-id.js';
import { createLogger, type Logger } from '../shared/log/logger.js';
import { lockDataDir } from '../shared/storage/data-lock.js';
import { appVersion } from '../shared/version.js';
import { hubUrls } from './addresses.js';
import { AccountStore } from './auth/account-store.js';
import { generatePassword, hashPassword } from './auth/passwords.js';
import { type HubBroker, startBroker } from './broker/broker.js';
import type { MqttLimits } from './broker/limits.js';
import { type CentralLink, type CentralSettings, startCentralLink } from './central/link.js';
import type { TrustedClock } from './clock/clock.js';
import { type ClockOptions, createClock, DEFAULT_CLOCK_SETTINGS } from './clock/setup.js';
import { type HubConfig, hubConfigSchema } from './config.js';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from './defaults/catalogue.js';
import { createDeviceRequestHandler } from './flows/device-requests.js';
import { startPublisher } from './flows/publisher.js';
import type { HttpLimits } from './http/limits.js';
import { startHttp } from './http/server.js';
import { Metrics } from './metrics.js';
import { serviceDayEnd } from './queue/lease.js';
import { serviceDateOf } from './queue/service-date.js';
import type { QueueSettings } from './queue/types.js';
import { readDailyResetTime } from './service/admin-settings.js';
import { BoardFeed } from './service/board.js';
import { DayRollover } from './service/day-rollover.js';
import { GuideService } from './service/guide.js';
import { QueueService } from './service/queue-service.js';
import { BackupService, type BackupStatus } from './store/backup-service.js';
import type { Db } from './store/db.js';
import { DeviceStore } from './store/device-store.js';
import { GuideStore } from './store/guide-store.js';
import { openStore } from './store/open-store.js';
import { QueueStore } from './store/queue-store.js';
import { restoreAdvice } from './store/restore-advice.js';
import { StoreHealth } from './store/store-health.js';

export interface HubOptions {
  dataDir: string;
  /** `limits`: front-door limits; what is left out keeps its default. */
  mqtt: { host: string; port: number; limits?: Partial<MqttLimits> };
  /** `limits`: connections, time-outs and event streams (defaults: hub/http/limits.ts). */
  http: { host: string; port: number; limits?: HttpLimits };
  site: { name: string; timeZone: string };
  dailyResetTime: string;
  /** The trusted clock: its settings (hub config `clock`), and in tests its sources. */
  clock?: ClockOptions;
  /** Automatic backups (hub config `backup`); defaults when left out. */
  backup?: Partial<HubConfig['backup']>;
  /** The province centre (hub config `central`, docs/central.md); disabled when left out. */
  central?: Partial<CentralSettings>;
}

export interface Hub {
  mqttPort: number;
  /** Set on the very first start only: the generated administrator password. */
  initialAdminPassword: string | null;
  accounts: AccountStore;
  httpPort: number;
  db: Db;
  service: QueueService;
  devices: DeviceStore;
  broker: HubBroker;
  http: FastifyInstance;
  metrics: Metrics;
  clock: TrustedClock;
  rollover: DayRollover;
  storeHealth: StoreHealth;
  backups: BackupService;
  /** The link to the province centre, when enabled. */
  central: CentralLink | null;
  stop(): Promise<void>;
}

export async function startHub(options: HubOptions, log: Logger = createLogger('hub')): Promise<Hub> {
  // Before anything touches the store: a second hub on the same folder exits here.
  const lock = lockDataDir(options.dataDir, 'hub');
  try {
    return await startLockedHub(options, log, lock.release);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLockedHub(options: HubOptions, log: Logger, releaseLock: () => void): Promise<Hub> {
  const version = appVersion();
  const metrics = new Metrics();
  const clockRef: { current?: TrustedClock } = {};
  const storeHealth = new StoreHealth(log.child('store'));
  const backupConfig = hubConfigSchema.shape.backup.parse(options.backup ?? {});
  const backups = new BackupService(
    {
      enabled: backupConfig.enabled,
      time: backupConfig.time,
      keepDays: backupConfig.keepDays,
      dir: backupConfig.dir ?? join(options.dataDir, 'backups'),
      copyTo: backupConfig.copyTo ?? null,
    },
    {
      timeZone: options.site.timeZone,
      log: log.child('backup'),
      health: storeHealth,
      // The trusted clock once it exists (it needs the store); the system clock for a backup before a migration.
      now: () => clockRef.current?.now() ?? Date.now(),
    },
  );
  const opened = await openStore(options.dataDir, {
    beforeMigration: async (db, from, to) => {
      log.info('backing up the store before migrating it', { from, to });
      await backups.backup(db, `before-v${to}`);
    },
    restoreHint: () => restoreAdvice(backups.settings),
  });
  const db = opened.db;
  log.info('store checked', {
    file: opened.path,
    quickCheckMs: opened.quickCheckMs,
    created: opened.created,
  });
  const store = new QueueStore(db);
  store.onCommitted = () => storeHealth.committed();
  const devices = new DeviceStore(db);
  const accounts = new AccountStore(db);
  // One trusted clock for every decision; its first reading comes before the day is decided.
  const clock = createClock(options.clock ?? {}, store, log.child('clock'));
  clockRef.current = clock;
  await clock.start();
  const now = () => clock.now();
  const startedAt = now();
  const initialAdminPassword = await createFirstAdministrator(accounts, startedAt);
  // An administrator's reset time (settings) overrides the one in the hub config.
  const resetTime = () => readDailyResetTime(store) ?? options.dailyResetTime;
  const today = () => serviceDateOf(now(), options.site.timeZone, resetTime());

  if (store.isEmpty()) {
    const catalogue = defaultCatalogue();
    store.saveCatalogue(catalogue);
    for (const counter of defaultCounters(catalogue)) store.saveCounter(counter);
    store.putSetting('queue', defaultQueueSettings);
    log.info('first start: default catalogue and counters loaded', {
      fields: catalogue.fields.length,
      procedures: catalogue.procedures.length,
    });
  }
  const settings = { ...defaultQueueSettings, ...store.getSetting<Partial<QueueSettings>>('queue') };
  const state = store.loadState(settings, today());
  const service = new QueueService(store, state, {
    now,
    newId: () => timeOrderedId(),
    trusted: () => clock.trusted,
  });
  // Every change from here on is recorded for the province centre in its own transaction (when enabled).
  const central = startCentralLink(options.central, {
    db,
    service,
    now,
    site: options.site,
    log: log.child('central'),
  });

  // Daily backups; a hub that was off at backup time backs up now, while it
  // goes on starting (online backup).
  void backups.start(db, opened.firstStartAt);

  // A new day (or a hub that was off over the reset time) starts a fresh line,
  // keeping the tickets a clock jump would otherwise take (day-rollover.ts).
  const rollover = new DayRollover({
    service,
    clock,
    timeZone: options.site.timeZone,
    resetTime,
    carryOverMs: (options.clock?.carryOverMinutes ?? DEFAULT_CLOCK_SETTINGS.carryOverMinutes) * 60_000,
    log,
    onError: (error) => storeHealth.observe(error),
  });
  rollover.start();
  // Sessions last 12 hours of real time: a step of the clock moves their ends with it.
  clock.on('change', ({ stepMs }) => {
    if (stepMs !== 0) accounts.shiftSessions(stepMs, now());
  });

  let broker: HubBroker | undefined;
  const publish = (topic: string, payload: string, opts?: { retain?: boolean; qos?: 0 | 1 }) =>
    broker ? broker.publish(topic, payload, opts) : Promise.resolve();
  const onDevicePublish = createDeviceRequestHandler({
    service,
    devices,
    publish,
    log: log.child('devices'),
    metrics,
    now,
    storeHealth,
    serviceDayEnd: (at) => serviceDayEnd(at, options.site.timeZone, resetTime()),
  });
  broker = await startBroker({
    host: options.mqtt.host,
    port: options.mqtt.port,
    ...(options.mqtt.limits ? { limits: options.mqtt.limits } : {}),
    devices,
    log: log.child('broker'),
    metrics,
    onDevicePublish,
    now,
  });
  const publisher = startPublisher(service, publish, log.child('publisher'), { version, startedAt, clock });
  await publisher.publishAll();

  const board = new BoardFeed(service, clock);
  // The touch-screen guide: cards edited by administrators, pushed to the screens with the board's feed.
  const guide = new GuideService(service, new GuideStore(db), accounts, {
    now,
    timeZone: options.site.timeZone,
    onChange: () => board.touch(),
  });
  const samples = guide.loadSamples();
  if (samples) log.info('sample guide cards loaded for the office to check', { cards: samples });
  const { app: http, port: httpPort } = await startHttp(
    {
      service,
      accounts,
      devices,
      board,
      log: log.child('http'),
      version,
      clock,
      site: options.site,
      connectedDevices: () => broker?.connectedDevices() ?? [],
      disconnectDevice: (id) => broker?.disconnect(id),
      onAnnouncementSettings: () => void publisher.publishAnnouncementSettings(),
      storeHealth,
      guide,
      health: () => ({
        ok: storeHealth.fault === null,
        version,
        startedAt,
        serviceDate: service.state.serviceDate,
        clock: (({ source, trusted, now: at, offsetMs }) => ({ source, trusted, now: at, offsetMs }))(
          clock.status(),
        ),
        devicesOnline: broker?.connectedDevices().length ?? 0,
        mqttConnections: broker?.connections(),
        store: { fault: storeHealth.fault, backup: backups.status() satisfies BackupStatus },
        central: central?.health() ?? { enabled: false },
        metrics: metrics.snapshot(),
      }),
    },
    options.http.host,
    options.http.port,
    options.http.limits,
  );

  log.info('ready', {
    version,
    mqttPort: broker.port,
    httpPort,
    dataDir: options.dataDir,
    serviceDate: service.state.serviceDate,
    startMs: Math.round(process.uptime() * 1000),
  });

  if (initialAdminPassword) {
    // Shown once, on the console, never a fixed default; the log itself never
    // carries it. The administrator should change it after signing in.
    const [first, ...others] = hubUrls(options.http.host, httpPort).map((url) => `${url}/admin`);
    process.stdout.write(
      `\n  First start: administrator account "admin" created.\n  Password (shown only now): ${initialAdminPassword}\n  Sign in at ${first} and change it.${others.length ? `\n  (also: ${others.join(', ')})` : ''}\n\n`,
    );
  }

  return {
    mqttPort: broker.port,
    initialAdminPassword,
    accounts,
    httpPort,
    db,
    service,
    devices,
    broker,
    http,
    metrics,
    storeHealth,
    backups,
    central,
    clock,
    rollover,
    async stop() {
      rollover.stop();
      clock.stop();
      try {
        await backups.stop();
        board.stop();
        guide.stop();
        publisher.stop();
        await central?.stop();
        await http.close();
        await broker?.close();
      } finally {
        // Whatever failed above, the store is closed and the folder free for the next hub
        // (tickets still in their group commit are committed and told first).
        service.flush();
        db.close();
        releaseLock();
      }
    },
  };
}

/** On a store with no account, an administrator with a generated password. */
async function createFirstAdministrator(accounts: AccountStore, now: number): Promise<string | null> {
  if (accounts.count() > 0) return null;
  const password = generatePassword();
  accounts.create(
    {
      username: 'admin',
      displayName: 'Quản trị viên',
      role: 'admin',
      passwordHash: await hashPassword(password),
    },
    now,
  );
  return password;
}
