// Helpers for the rating device's tests and benchmark: its config as a
// technician writes it, a kiosk that issues tickets, an officer that serves
// them over HTTP, and a linked pty pair from socat for the counter display.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import {
  type DeviceConfigInput,
  parseDeviceConfig,
  type RatingConfig,
} from '../../shared/config/device-config.js';
import { type IssuedTicket, reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice } from './hub.js';
import { until } from './wait.js';

type RatingHardware = Extract<DeviceConfigInput, { role: 'rating' }>['hardware'];

export const THREE_KEYS = [
  { gpio: 5, level: 'very_satisfied' },
  { gpio: 6, level: 'satisfied' },
  { gpio: 13, level: 'unsatisfied' },
] as const;

/** A rating device's config, checked by the same schema as a config file. */
export function ratingConfig(options: {
  deviceId: string;
  password: string;
  mqttUrl: string;
  httpUrl?: string;
  dataDir: string;
  counterId: number;
  hardware?: Partial<RatingHardware>;
}): RatingConfig {
  const config = parseDeviceConfig(
    JSON.stringify({
      role: 'rating',
      deviceId: options.deviceId,
      site: { name: 'Test office' },
      hub: { mqttUrl: options.mqttUrl, httpUrl: options.httpUrl ?? 'http://127.0.0.1:1' },
      credentials: { password: options.password },
      dataDir: options.dataDir,
      simulate: true,
      hardware: {
        counterId: options.counterId,
        keys: THREE_KEYS,
        leds: { invite: 17, ok: 27, fault: 22 },
        pressWindowMs: 300,
        requestTimeoutMs: 1000,
        ...options.hardware,
      },
    }),
    `${options.deviceId}.json`,
  );
  if (config.role !== 'rating') throw new Error('not a rating config');
  return config;
}

export { until };

/** A kiosk over raw MQTT that issues tickets and waits for each reply. */
export async function testKiosk(mqttUrl: string, id: string, password: string) {
  const client: MqttClient = await connectDevice(mqttUrl, id, password, { clean: true });
  await client.subscribeAsync(topics.deviceReply(id), { qos: 1 });
  let n = 0;
  const issue = (procedureId = 'can-cuoc-01') =>
    new Promise<IssuedTicket>((resolve, reject) => {
      const requestId = `${id}-${Date.now()}-${++n}`;
      const timer = setTimeout(() => reject(new Error(`no reply to ${requestId}`)), 5000);
      const onMessage = (topic: string, payload: Buffer) => {
        if (topic !== topics.deviceReply(id)) return;
        const r = reply.parse(JSON.parse(payload.toString()));
        if (r.requestId !== requestId) return;
        clearTimeout(timer);
        client.off('message', onMessage);
        if (r.ok) resolve(r.data as IssuedTicket);
        else reject(new Error(JSON.stringify(r)));
      };
      client.on('message', onMessage);
      client.publish(
        topics.deviceRequest(id, 'issue-ticket'),
        JSON.stringify({ v: 1, requestId, procedureId }),
        { qos: 1 },
      );
    });
  return { client, issue, close: () => client.endAsync() };
}

export async function signInAt(httpUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: httpUrl },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** An officer at one counter, acting over HTTP as the console does. */
export function testOfficer(httpUrl: string, cookie: string, counterId: number) {
  const act = async (action: string) => {
    const res = await fetch(`${httpUrl}/api/counters/${counterId}/${action}`, {
      method: 'POST',
      headers: { cookie, origin: httpUrl, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${action} refused: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    take: () => act('take'),
    callNext: () => act('call-next'),
    start: () => act('start'),
    finish: () => act('finish'),
    /** call-next, start, finish: one citizen served. */
    async serve() {
      await act('call-next');
      await act('start');
      await act('finish');
    },
  };
}

/** GET as a signed-in account. */
export async function getJson<T>(httpUrl: string, cookie: string, path: string): Promise<T> {
  const res = await fetch(`${httpUrl}${path}`, { headers: { cookie, origin: httpUrl } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Two linked ptys (`socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`): bytes written to one are read on the other. */
export async function socatPair(dir: string): Promise<{ a: string; b: string; stop: () => Promise<void> }> {
  const a = join(dir, 'ttyA');
  const b = join(dir, 'ttyB');
  const child: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await until(
    `socat ptys (${output})`,
    () => existsSync(a) && existsSync(b) && /starting data transfer/.test(output),
    5000,
  );
  return {
    a,
    b,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The rating events of a device the hub answered and keeps an answer for,
 * oldest first: a first rating keeps its answer in its rating row (keyed by
 * the event id), the others in a stored reply.
 */
export function answeredRatingEvents(
  db: { prepare(sql: string): { all(...p: unknown[]): unknown[] } },
  deviceId: string,
) {
  return (
    db
      .prepare(
        `SELECT request_id FROM (SELECT request_id, at FROM requests WHERE device_id = ?
           UNION ALL SELECT id, at FROM ratings WHERE device_id = ?)
         GROUP BY request_id ORDER BY min(at), request_id`,
      )
      .all(deviceId, deviceId) as { request_id: string }[]
  ).map((r) => r.request_id);
}
