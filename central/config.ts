// The province centre's settings: an optional JSON file (path in
// QMS_CENTRAL_CONFIG), then a few environment overrides, as for the hub
// (hub/config.ts). Every instance of the central service on the province's
// servers reads the same file.

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

export { ConfigError } from '../shared/config/config-file.js';

export const centralConfigSchema = z.strictObject({
  /** The province's name on the dashboard. */
  name: nonEmpty.max(200).default('Công an tỉnh'),
  /** Dates of the reports and times on the pages. */
  timeZone: timeZone.default('Asia/Ho_Chi_Minh'),
  http: z.strictObject({ host: nonEmpty.default('0.0.0.0'), port: port.default(8090) }).prefault({}),
  mqtt: z
    .strictObject({
      /** The central broker (Mosquitto): mqtts://host:8883, or mqtt://127.0.0.1:1883 on the same machine. */
      url: urlWith(['mqtts:', 'mqtt:'], 'mqtts://127.0.0.1:8883').default('mqtt://127.0.0.1:1883'),
      /** The central service's own MQTT account (central/mosquitto/acl: reads every office's events, writes acks). */
      username: nonEmpty.max(100).default('central'),
      password: nonEmpty.max(200).optional(),
      passwordFile: nonEmpty.optional(),
      caFile: nonEmpty.optional(),
      /** Instances with the same group share the offices' events ($share/<group>/…). */
      shareGroup: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/)
        .default('central'),
    })
    .prefault({}),
  postgres: z
    .strictObject({
      /** libpq connection URL: postgres://user:password@host:5432/qms_central */
      url: z.string().min(1).default('postgres://qms@127.0.0.1:5432/qms_central'),
      /** Connections of this instance. */
      poolSize: intRange(1, 200).default(10),
    })
    .prefault({}),
  reports: z
    .strictObject({
      /** Service level: share of tickets called within this many minutes. */
      targetMinutes: intRange(1, 600).default(30),
    })
    .prefault({}),
  /** An office that sent nothing for this many minutes is shown as silent. */
  silentMinutes: intRange(1, 100_000).default(15),
});

export type CentralConfig = z.output<typeof centralConfigSchema>;

export async function loadCentralConfig(
  env: Record<string, string | undefined> = process.env,
): Promise<CentralConfig> {
  const path = env.QMS_CENTRAL_CONFIG?.trim() || undefined;
  const config = await loadConfigFile(centralConfigSchema, path, 'central config');
  const problems: string[] = [];
  const httpPort = env.QMS_CENTRAL_HTTP_PORT?.trim();
  if (httpPort && !(/^\d{1,5}$/.test(httpPort) && Number(httpPort) <= 65_535))
    problems.push(`QMS_CENTRAL_HTTP_PORT: expected a port number, got ${JSON.stringify(httpPort)}`);
  if (problems.length) throw new ConfigError('environment', problems);
  return {
    ...config,
    http: { ...config.http, port: httpPort ? Number(httpPort) : config.http.port },
    mqtt: {
      ...config.mqtt,
      url: env.QMS_CENTRAL_MQTT_URL?.trim() || config.mqtt.url,
      password: env.QMS_CENTRAL_MQTT_PASSWORD || config.mqtt.password,
    },
    postgres: { ...config.postgres, url: env.QMS_CENTRAL_DATABASE_URL?.trim() || config.postgres.url },
  };
}
