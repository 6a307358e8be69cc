// Wires the hub's parts with a start/stop lifecycle: store → queue state →
// broker → MQTT flows → HTTP API. Everything with I/O lives here or below
// in store/, broker/, http/; the queue logic in queue/ stays pure.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '../shared/log/logger.js';
import { appVersion } from '../shared/version.js';
import { AccountStore } from './auth/account-store.js';
import { generatePassword, hashPassword } from './auth/passwords.js';
import { type HubBroker, startBroker } from './broker/broker.js';
import type { MqttLimits } from './broker/limits.js';
import type { TrustedClock } from './clock/clock.js';
import { type ClockOptions, createClock, DEFAULT_CLOCK_SETTINGS } from './clock/setup.js';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from './defaults/catalogue.js';
import { createDeviceRequestHandler } from './flows/device-requests.js';
import { startPublisher } from './flows/publisher.js';
import { startHttp } from './http/server.js';
import { Metrics } from './metrics.js';
import { serviceDayEnd } from './queue/lease.js';
import { serviceDateOf } from './queue/service-date.js';
import type { QueueSettings } from './queue/types.js';
import { readDailyResetTime } from './service/admin-settings.js';
import { BoardFeed } from './service/board.js';
import { DayRollover } from './service/day-rollover.js';
import { QueueService } from './service/queue-service.js';
import { type Db, openDb } from './store/db.js';
import { DeviceStore } from './store/device-store.js';
import { QueueStore } from './store/queue-store.js';

export interface HubOptions {
  dataDir: string;
  /** `limits`: front-door limits; what is left out keeps its default. */
  mqtt: { host: string; port: number; limits?: Partial<MqttLimits> };
  http: { host: string; port: number };
  site: { name: string; timeZone: string };
  dailyResetTime: string;
  /** The trusted clock: its settings (hub config `clock`), and in tests its sources. */
  clock?: ClockOptions;
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
  stop(): Promise<void>;
}

export async function startHub(options: HubOptions, log: Logger = createLogger('hub')): Promise<Hub> {
  const version = appVersion();
  const metrics = new Metrics();
  const db = openDb(options.dataDir);
  const store = new QueueStore(db);
  const devices = new DeviceStore(db);
  const accounts = new AccountStore(db);
  // One trusted clock for every decision; its first reading comes before the day is decided.
  const clock = createClock(options.clock ?? {}, store, log.child('clock'));
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
  const service = new QueueService(store, state, { now, newId: randomUUID, trusted: () => clock.trusted });

  // A new day (or a hub that was off over the reset time) starts a fresh line,
  // keeping the tickets a clock jump would otherwise take (day-rollover.ts).
  const rollover = new DayRollover({
    service,
    clock,
    timeZone: options.site.timeZone,
    resetTime,
    carryOverMs: (options.clock?.carryOverMinutes ?? DEFAULT_CLOCK_SETTINGS.carryOverMinutes) * 60_000,
    log,
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
      health: () => ({
        ok: true,
        version,
        startedAt,
        serviceDate: service.state.serviceDate,
        clock: (({ source, trusted, now: at, offsetMs }) => ({ source, trusted, now: at, offsetMs }))(
          clock.status(),
        ),
        devicesOnline: broker?.connectedDevices().length ?? 0,
        mqttConnections: broker?.connections(),
        metrics: metrics.snapshot(),
      }),
    },
    options.http.host,
    options.http.port,
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
    process.stdout.write(
      `\n  First start: administrator account "admin" created.\n  Password (shown only now): ${initialAdminPassword}\n  Sign in at http://<hub>:${httpPort}/admin and change it.\n\n`,
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
    clock,
    rollover,
    async stop() {
      rollover.stop();
      clock.stop();
      board.stop();
      publisher.stop();
      await http.close();
      await broker?.close();
      db.close();
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
