// Start real hubs for integration tests: in this process (fast, for flows)
// or as a child process (for SIGKILL and restart tests).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions, MqttClient } from 'mqtt';
import { type Hub, type HubOptions, startHub } from '../../hub/app.js';
import { generatePassword, hashPassword } from '../../hub/auth/passwords.js';
import type { ClockProbe } from '../../hub/clock/probe.js';
import type { ClockOptions } from '../../hub/clock/setup.js';
import { takeCounter } from '../../hub/queue/counters.js';
import { createLogger, type LogSink, memorySink } from '../../shared/log/logger.js';
import { connectMqtt } from '../../shared/mqtt/connect.js';
import { type IssuedTicket, reply } from '../../shared/protocol/messages.js';
import type { Role } from '../../shared/protocol/topics.js';
import { topics } from '../../shared/protocol/topics.js';

/** Time sources of a machine whose clock NTP keeps right (most tests do not care about the clock). */
export const syncedProbe: ClockProbe = {
  read: async () => ({ ntp: { synchronised: true, via: 'timedatectl' }, rtc: null }),
};

export function tempDir(prefix = 'qms-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestHub {
  hub: Hub;
  dataDir: string;
  logs: LogSink & { lines: string[] };
  mqttUrl: string;
  httpUrl: string;
  /** Register a device and return its password. */
  addDevice(id: string, role: Role, counterId?: number | null): string;
  /** Create an officer or administrator account; returns its password. */
  addAccount(username: string, role: 'officer' | 'admin'): Promise<string>;
  /** Sign in over HTTP; returns the Cookie header value to send. */
  signIn(username: string, password: string): Promise<string>;
  /** fetch against the hub with a session cookie and a same-origin Origin. */
  as(cookie: string): (path: string, init?: { method?: string; body?: unknown }) => Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestHub(
  options: {
    dataDir?: string;
    /** Fixed ports, e.g. to restart a hub where open pages can find it again (default: any free port). */
    httpPort?: number;
    mqttPort?: number;
    /** The hub's clock (default: the real system clock, taken as NTP-synchronised, no RTC). */
    clock?: ClockOptions;
    /**
     * Counters start closed until an officer takes one. Most tests do not care
     * who sits where: by default officer "quayN" takes every counter N of a
     * fresh store; `false` leaves them as a real first start does.
     */
    staffed?: boolean;
    /** The link to the province centre (hub config `central`). */
    central?: HubOptions['central'];
  } = {},
): Promise<TestHub> {
  const dir = options.dataDir ? null : tempDir();
  const dataDir = options.dataDir ?? dir!.path;
  const logs = memorySink();
  const hub = await startHub(
    {
      dataDir,
      mqtt: { host: '127.0.0.1', port: options.mqttPort ?? 0 },
      http: { host: '127.0.0.1', port: options.httpPort ?? 0 },
      site: { name: 'Test office', timeZone: 'Asia/Ho_Chi_Minh' },
      dailyResetTime: '00:00',
      clock: { probe: syncedProbe, bootId: null, ...options.clock },
      ...(options.central ? { central: options.central } : {}),
    },
    createLogger('hub', { sink: logs, level: 'debug', timestamps: false }),
  );
  const httpUrl = `http://127.0.0.1:${hub.httpPort}`;
  if (options.staffed ?? true) staffCounters(hub);
  return {
    hub,
    dataDir,
    logs,
    mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    httpUrl,
    addDevice: (id, role, counterId = null) => hub.devices.register(id, role, counterId, Date.now()),
    async addAccount(username, role) {
      const password = generatePassword();
      hub.accounts.create(
        { username, displayName: username, role, passwordHash: await hashPassword(password) },
        Date.now(),
      );
      return password;
    },
    async signIn(username, password) {
      const res = await fetch(`${httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    },
    as(cookie) {
      return (path, init = {}) => {
        const method = init.method ?? 'GET';
        // The hub takes state-changing requests only as JSON: `{}` when there is no data.
        const body = init.body === undefined && method !== 'GET' ? {} : init.body;
        return fetch(`${httpUrl}${path}`, {
          method,
          headers: {
            cookie,
            origin: httpUrl,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      };
    },
    async stop() {
      await hub.stop();
      dir?.remove();
    },
  };
}

/** Officer "quayN" takes every counter N nobody holds (which opens it). */
export function staffCounters(hub: Hub, counterIds?: number[]): void {
  for (const c of hub.service.state.counters.values()) {
    if (c.officer !== null || (counterIds && !counterIds.includes(c.id))) continue;
    const d = hub.service.run((s, ctx) => takeCounter(s, { counterId: c.id, officer: `quay${c.id}` }, ctx));
    if (!d.ok) throw new Error(`counter ${c.id} not staffed: ${d.message}`);
  }
}

/** Connect a raw mqtt.js client as a device (MQTT 3.1.1). Rejects if the broker refuses. */
export async function connectDevice(
  url: string,
  id: string,
  password: string | undefined,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  const client = connectMqtt(url, {
    clientId: id,
    username: id,
    ...(password === undefined ? {} : { password }),
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...extra,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed')));
  });
  return client;
}

/** Resolve with the next message on a topic (or reject after `ms`). */
export function nextMessage(client: MqttClient, topic: string, ms = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${ms} ms`));
    }, ms);
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(payload);
    };
    client.on('message', onMessage);
  });
}

/** A hub as its own process, on fixed free ports, so it can be killed for real. */
export interface HubProcess {
  child: ChildProcess;
  output: () => string;
  mqttPort: number;
  httpPort: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  /** More environment (e.g. QMS_CONFIG). */
  env?: Record<string, string>;
  /** Another source tree to run the hub from. */
  cwd?: string;
  /**
   * Run the hub with its wall clock starting at this instant (ms) and running
   * on (Debian's libfaketime, package faketime; monotonic time untouched).
   */
  clockAt?: number;
  /** How long to wait for "ready" (default 60 s: a deadline for a machine under load, not a start-time figure, which the benchmark measures). */
  readyMs?: number;
}

/** The hub program as a child process (not waited for). */
export function spawnHubProcess(
  dataDir: string,
  mqttPort: number,
  httpPort: number,
  options: SpawnOptions = {},
): ChildProcess {
  // The preload itself, not the `faketime` wrapper: the wrapper forks, so a
  // signal to it would not reach the hub.
  const clock =
    options.clockAt === undefined
      ? {}
      : {
          LD_PRELOAD: '/usr/$LIB/faketime/libfaketime.so.1',
          FAKETIME: `${options.clockAt >= Date.now() ? '+' : '-'}${Math.abs(Math.round((options.clockAt - Date.now()) / 1000))}`,
          FAKETIME_DONT_FAKE_MONOTONIC: '1',
        };
  return spawn(process.execPath, ['--import', 'tsx', 'hub/main.ts'], {
    env: {
      ...process.env,
      QMS_DATA_DIR: dataDir,
      QMS_MQTT_PORT: String(mqttPort),
      QMS_HTTP_PORT: String(httpPort),
      QMS_LOG_LEVEL: 'info',
      ...clock,
      ...options.env,
    },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function spawnHub(
  dataDir: string,
  mqttPort: number,
  httpPort: number,
  options: SpawnOptions = {},
): Promise<HubProcess> {
  const child = spawnHubProcess(dataDir, mqttPort, httpPort, options);
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  await new Promise<void>((resolve, reject) => {
    const readyMs = options.readyMs ?? 60_000;
    const timer = setTimeout(() => reject(new Error(`hub not ready in ${readyMs} ms:\n${output}`)), readyMs);
    const check = () => {
      if (/ready /.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    mqttPort,
    httpPort,
    kill(signal = 'SIGKILL') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}

/** A port that was free a moment ago (for child processes that need a fixed port). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A kiosk over MQTT that issues tickets and waits for the hub's reply (rejects on a refusal). */
export async function mqttKiosk(t: TestHub, id: string) {
  const client = await connectDevice(t.mqttUrl, id, t.addDevice(id, 'kiosk'));
  await client.subscribeAsync(topics.deviceReply(id), { qos: 1 });
  let n = 0;
  const issue = (procedureId: string, priority: string | null = null) =>
    new Promise<IssuedTicket>((resolve, reject) => {
      const requestId = `${id}-${++n}`;
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
        JSON.stringify({ v: 1, requestId, procedureId, ...(priority ? { priority } : {}) }),
        { qos: 1 },
      );
    });
  return { client, issue };
}
