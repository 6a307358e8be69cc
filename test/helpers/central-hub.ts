// A real hub process sending to the province centre: its store prepared with
// a kiosk and an officer, its `central` settings pointing at the central
// broker through a TCP proxy (so a test can cut the office's WAN link), and
// a loop of ticket lives (kiosk over MQTT, officer over HTTP) as load.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { AccountStore } from '../../hub/auth/account-store.js';
import { hashPassword } from '../../hub/auth/passwords.js';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { connectMqtt } from '../../shared/mqtt/connect.js';
import { topics } from '../../shared/protocol/topics.js';
import { freePort, type HubProcess, spawnHub, tempDir } from './hub.js';
import type { TestMosquitto } from './mosquitto.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface CentralHub {
  officeId: string;
  dataDir: string;
  proxy: TcpProxy;
  process: HubProcess;
  httpUrl: string;
  /** Sign in as the officer; returns an act(action) for counter 1. */
  officer(): Promise<(action: string) => Promise<Record<string, unknown>>>;
  kioskPassword: string;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  health(): Promise<{ central: { pending: number; lastSeq: number; ackedSeq: number; connected: boolean } }>;
  remove(): Promise<void>;
}

export const OFFICER = { username: 'officer-1', password: 'officer-password-1' };

export async function centralHub(
  broker: TestMosquitto,
  officeId: string,
  central: Record<string, unknown> = {},
): Promise<CentralHub> {
  const password = broker.addOffice(officeId);
  const dir = tempDir(`qms-hub-${officeId}-`);
  const dataDir = join(dir.path, 'data');
  const db = openDb(dataDir);
  const kioskPassword = new DeviceStore(db).register('kiosk-1', 'kiosk', null, Date.now());
  new AccountStore(db).create(
    {
      username: OFFICER.username,
      displayName: 'Cán bộ 1',
      role: 'officer',
      passwordHash: await hashPassword(OFFICER.password),
    },
    Date.now(),
  );
  db.close();
  const proxy = await startTcpProxy(broker.tlsPort);
  writeFileSync(join(dir.path, 'central.password'), `${password}\n`);
  const configPath = join(dir.path, 'hub.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      site: { name: `Công an ${officeId}`, timeZone: 'Asia/Ho_Chi_Minh' },
      clock: { trustSystemClock: true },
      backup: { enabled: false },
      central: {
        enabled: true,
        url: `mqtts://127.0.0.1:${proxy.port}`,
        officeId,
        passwordFile: join(dir.path, 'central.password'),
        caFile: broker.caFile,
        resendSeconds: 1,
        ...central,
      },
    }),
  );
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const spawnIt = () =>
    spawnHub(dataDir, mqttPort, httpPort, { env: { QMS_CONFIG: configPath }, readyMs: 60_000 });
  const hub: CentralHub = {
    officeId,
    dataDir,
    proxy,
    process: await spawnIt(),
    httpUrl: `http://127.0.0.1:${httpPort}`,
    kioskPassword,
    async officer() {
      const res = await fetch(`${hub.httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(OFFICER),
      });
      if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      return async (action: string) => {
        const r = await fetch(`${hub.httpUrl}/api/counters/1/${action}`, {
          method: 'POST',
          headers: { cookie, origin: hub.httpUrl, 'content-type': 'application/json' },
          body: '{}',
        });
        const body = (await r.json()) as Record<string, unknown>;
        if (!r.ok) throw new Error(`${action}: ${r.status} ${JSON.stringify(body)}`);
        return body;
      };
    },
    async start() {
      hub.process = await spawnIt();
    },
    kill: (signal = 'SIGKILL') => hub.process.kill(signal),
    async health() {
      const res = await fetch(`${hub.httpUrl}/api/health`);
      return (await res.json()) as Awaited<ReturnType<CentralHub['health']>>;
    },
    async remove() {
      await hub.process.kill('SIGTERM');
      await proxy.close();
      dir.remove();
    },
  };
  return hub;
}

/** A kiosk over MQTT that reconnects by itself; issue() resolves with the reply or rejects after 3 s. */
export function kioskOf(hub: CentralHub) {
  let client: MqttClient | null = null;
  let n = 0;
  const connect = () =>
    new Promise<MqttClient>((resolve, reject) => {
      const c = connectMqtt(`mqtt://127.0.0.1:${hub.process.mqttPort}`, {
        clientId: 'kiosk-1',
        username: 'kiosk-1',
        password: hub.kioskPassword,
        reconnectPeriod: 0,
        connectTimeout: 3000,
      });
      c.once('connect', () => {
        c.subscribe(topics.deviceReply('kiosk-1'), { qos: 1 }, (error) =>
          error ? reject(error) : resolve(c),
        );
      });
      c.once('error', (e) => {
        c.end(true);
        reject(e);
      });
      c.once('close', () => reject(new Error('closed')));
    });
  return {
    async issue(): Promise<void> {
      if (!client?.connected) {
        client?.end(true);
        client = await connect();
      }
      const c = client;
      const requestId = `req-${Date.now()}-${++n}`;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          c.off('message', onMessage);
          reject(new Error('no reply'));
        }, 3000);
        const onMessage = (_t: string, payload: Buffer) => {
          const r = JSON.parse(payload.toString()) as { requestId: string; ok: boolean };
          if (r.requestId !== requestId) return;
          clearTimeout(timer);
          c.off('message', onMessage);
          if (r.ok) resolve();
          else reject(new Error(JSON.stringify(r)));
        };
        c.on('message', onMessage);
        c.publish(
          topics.deviceRequest('kiosk-1', 'issue-ticket'),
          JSON.stringify({ v: 1, requestId, procedureId: 'can-cuoc-01' }),
          { qos: 1 },
        );
      });
    },
    close() {
      client?.end(true);
      client = null;
    },
  };
}
