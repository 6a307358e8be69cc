// The hub's own settings: an optional JSON file (path in QMS_CONFIG), then a
// few environment overrides, which is what systemd units and tests set.
// Everything has a default, so a bare `npm run hub` starts.

import { z } from 'zod';
import {
  ConfigError,
  intRange,
  loadConfigFile,
  nonEmpty,
  port,
  timeZone,
  urlWith,
} from '../shared/config/config-file.js';
import { DEFAULT_SITE_NAME, DEFAULT_TIME_ZONE } from '../shared/config/device-config.js';
import { mqttLimitsSchema } from './broker/limits.js';
import { DEFAULT_CLOCK_SETTINGS } from './clock/setup.js';
import { defaultHttpLimits as D, limitConflicts } from './http/limits.js';

export { ConfigError } from '../shared/config/config-file.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time "HH:MM" such as "00:00"');

/** Port 0 asks the OS for a free port (tests run many hubs at once). */
const listenShape = (defaultPort: number) => ({
  host: nonEmpty.default('0.0.0.0'),
  port: port.default(defaultPort),
});

const ms = (min: number, max: number, fallback: number) => intRange(min, max).default(fallback);

/** What HTTP clients may hold of the hub (hub/http/limits.ts explains each key; README lists them). */
const httpLimits = z
  .strictObject({
    maxConnections: intRange(20, 100_000).default(D.maxConnections),
    maxConnectionsPerAddress: intRange(4, 100_000).default(D.maxConnectionsPerAddress),
    headersTimeoutMs: ms(1_000, 300_000, D.headersTimeoutMs),
    requestTimeoutMs: ms(1_000, 600_000, D.requestTimeoutMs),
    keepAliveTimeoutMs: ms(1_000, 600_000, D.keepAliveTimeoutMs),
    idleTimeoutMs: ms(1_000, 3_600_000, D.idleTimeoutMs),
    maxEventStreams: intRange(1, 100_000).default(D.maxEventStreams),
    maxEventStreamsPerAddress: intRange(1, 10_000).default(D.maxEventStreamsPerAddress),
    maxEventBacklogBytes: intRange(64 * 1024, 1024 * 1024 * 1024).default(D.maxEventBacklogBytes),
  })
  .superRefine((limits, ctx) => {
    for (const { key, message } of limitConflicts(limits))
      ctx.addIssue({ code: 'custom', path: [key], message });
  })
  .prefault({});

/** Sending this office's domain events to the province centre (hub/central, docs/central.md). */
export const centralSettings = z
  .strictObject({
    enabled: z.boolean({ error: 'expected true or false' }).default(false),
    /** The central broker: mqtts://host:8883 (TLS). */
    url: urlWith(['mqtts:', 'mqtt:'], 'mqtts://trungtam.example.vn:8883').optional(),
    /** This office's id at the centre: its MQTT username (central/mosquitto/add-office). */
    officeId: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,39}$/,
        'expected 1–40 lower-case letters, digits or -, such as "ca-phuong-1"',
      )
      .optional(),
    /** File holding the office's MQTT password (kept out of the config file). */
    passwordFile: nonEmpty.optional(),
    /** The office's MQTT password, when no passwordFile is given. */
    password: nonEmpty.max(200).optional(),
    /** PEM file of the CA that signed the central broker's certificate; default: the system's CAs. */
    caFile: nonEmpty.optional(),
    /** Events per MQTT message. */
    batchEvents: intRange(1, 2000).default(200),
    /** Events sent and not yet acknowledged, at most. */
    windowEvents: intRange(1, 100_000).default(2000),
    /** Send again after this many seconds without an acknowledgement (doubles while nothing comes). */
    resendSeconds: intRange(1, 3600).default(15),
    /** Events kept at most while the centre does not acknowledge them; beyond, the oldest are dropped. */
    maxEvents: intRange(100, 10_000_000).default(300_000),
    /** Alarm (admin page, /api/health) when this many events wait… */
    alarmEvents: intRange(1, 10_000_000).default(20_000),
    /** …or when the oldest waiting event is older than this many minutes. */
    alarmMinutes: intRange(1, 100_000).default(60),
  })
  .superRefine((c, ctx) => {
    if (!c.enabled) return;
    if (!c.url)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when central.enabled is true' });
    if (!c.officeId)
      ctx.addIssue({ code: 'custom', path: ['officeId'], message: 'required when central.enabled is true' });
    if (!c.passwordFile && !c.password)
      ctx.addIssue({
        code: 'custom',
        path: ['passwordFile'],
        message: 'passwordFile or password is required',
      });
    if (c.alarmEvents > c.maxEvents)
      ctx.addIssue({ code: 'custom', path: ['alarmEvents'], message: 'must not exceed maxEvents' });
  })
  .prefault({});

export const hubConfigSchema = z.strictObject({
  /** SQLite database and exports; relative to the working directory. */
  dataDir: nonEmpty.default('./data'),
  /** `limits`: what the MQTT front door lets in (hub/broker/limits.ts, README). */
  mqtt: z.strictObject({ ...listenShape(1883), limits: mqttLimitsSchema }).prefault({}),
  http: z.strictObject({ ...listenShape(8080), limits: httpLimits }).prefault({}),
  site: z
    .strictObject({
      name: nonEmpty.max(200).default(DEFAULT_SITE_NAME),
      timeZone: timeZone.default(DEFAULT_TIME_ZONE),
    })
    .prefault({}),
  /** Local time (site.timeZone) at which numbering restarts and waiting tickets are cancelled. */
  dailyResetTime: hhmm.default('00:00'),
  /** The hub's trusted clock (hub/clock): its sources and what a clock jump may do to the day. */
  clock: z
    .strictObject({
      /** Trust the system clock as it is, without NTP or RTC (development, a server with its own good clock). */
      trustSystemClock: z.boolean().default(DEFAULT_CLOCK_SETTINGS.trustSystemClock),
      /** sysfs directory of a battery-backed real-time clock (DS3231, Pi 5); "" reads none. */
      rtc: z.string().max(200).default(DEFAULT_CLOCK_SETTINGS.rtc),
      /** At the daily reset, live tickets issued less than this many minutes ago move to the new day. */
      carryOverMinutes: z.number().int().min(0).max(1440).default(DEFAULT_CLOCK_SETTINGS.carryOverMinutes),
      /** How often the time sources are read, in seconds (a step of the system clock is noticed within 1 s). */
      checkSeconds: z.number().int().min(1).max(3600).default(DEFAULT_CLOCK_SETTINGS.checkSeconds),
    })
    .prefault({}),
  /**
   * Base URL printed in ticket QR codes, as citizens' phones reach the hub
   * (the listen address 0.0.0.0 is no use to them). Stored without a trailing slash.
   */
  publicUrl: urlWith(['http:', 'https:'], 'http://192.168.1.10:8080')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** Automatic backups of the store (docs/deployment.md, "Backups and restore"). */
  backup: z
    .strictObject({
      /** Daily backups; the one before a migration of the store is always taken. */
      enabled: z.boolean({ error: 'expected true or false' }).default(true),
      /** Local time (site.timeZone) of the daily backup, after the office closed. */
      time: hhmm.default('20:00'),
      /** Backups older than this many days are deleted (never the newest one). */
      keepDays: intRange(1, 3650).default(14),
      /** Backup folder; default <dataDir>/backups. */
      dir: nonEmpty.optional(),
      /** A second copy of each backup, on another disk (a mounted USB stick). */
      copyTo: nonEmpty.optional(),
    })
    .prefault({}),
  /** The province centre (docs/central.md): this office's events go to the central broker. Off by default. */
  central: centralSettings,
});

export type HubConfig = z.output<typeof hubConfigSchema>;

/** Read a port from the environment; the problem names the variable, not a config path. */
function portFromEnv(env: Record<string, string | undefined>, name: string, problems: string[]) {
  const text = env[name]?.trim();
  if (!text) return undefined;
  if (/^\d{1,5}$/.test(text) && Number(text) <= 65_535) return Number(text);
  problems.push(`${name}: expected a port number between 0 and 65535, got ${JSON.stringify(env[name])}`);
  return undefined;
}

export async function loadHubConfig(
  env: Record<string, string | undefined> = process.env,
): Promise<HubConfig> {
  // Environment first: it is quick to check and usually what was just changed.
  const problems: string[] = [];
  const mqttPort = portFromEnv(env, 'QMS_MQTT_PORT', problems);
  const httpPort = portFromEnv(env, 'QMS_HTTP_PORT', problems);
  if (problems.length) throw new ConfigError('environment', problems);

  const path = env.QMS_CONFIG?.trim() || undefined;
  const config = await loadConfigFile(hubConfigSchema, path, 'hub config');

  return {
    ...config,
    dataDir: env.QMS_DATA_DIR?.trim() || config.dataDir,
    mqtt: { ...config.mqtt, port: mqttPort ?? config.mqtt.port },
    http: { ...config.http, port: httpPort ?? config.http.port },
  };
}
