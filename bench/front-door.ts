// The MQTT front-door probes of issue 11, against a real hub process, with
// figures: memory under hostile CONNECTs and PUBLISHes announcing 200 MB, a
// retained request, a 200 MB JSON request, and a wrong-password flood from
// one address while a kiosk on another keeps issuing tickets.
//
//   node --import tsx bench/front-door.ts                 # this tree
//   node --import tsx bench/front-door.ts --tree /tmp/old # another checkout (before/after)
//
// Memory figures are the hub's VmRSS (/proc/<pid>/status): its peak while a
// probe runs, minus its value just before.

import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { openDb } from '../hub/store/db.js';
import { DeviceStore } from '../hub/store/device-store.js';
import { commandLineOrExit, defineCommand } from '../shared/cli/command-line.js';
import { connectMqtt } from '../shared/mqtt/connect.js';
import { reply } from '../shared/protocol/messages.js';
import { topics } from '../shared/protocol/topics.js';
import { freePort, spawnHub, tempDir } from '../test/helpers/hub.js';
import {
  hugeConnectHeader,
  openSocket,
  publishHeader,
  publishPacket,
  rawDevice,
  streamAfter,
} from '../test/helpers/mqtt-raw.js';
import { procCpuMs, procStatusKb, sleep } from './helpers.js';

const { values } = commandLineOrExit(
  defineCommand({
    name: 'bench/front-door',
    usage: 'node --import tsx bench/front-door.ts [options]',
    summary:
      "The MQTT front door's figures against a real hub process: memory under hostile clients, a wrong-password flood.",
    options: {
      tree: {
        type: 'string',
        default: '.',
        value: 'DIR',
        help: 'the checkout whose hub runs (before/after)',
      },
      hostile: { type: 'string', default: '10', value: 'N', help: 'hostile clients (default 10)' },
      mb: {
        type: 'string',
        default: '200',
        value: 'MB',
        help: 'bytes each hostile client streams after its header (it announces 200 MB)',
      },
      rate: {
        type: 'string',
        default: '5000',
        value: 'N',
        help: 'wrong-password connects a second (default 5000)',
      },
      seconds: { type: 'string', default: '5', value: 'N', help: 'length of the flood (default 5)' },
      workers: {
        type: 'string',
        default: '1',
        value: 'N',
        help: 'flooding processes from the same address (one opens only a few thousand sockets a second)',
      },
      only: {
        type: 'string',
        value: 'LIST',
        help: 'probes to run, of connect,publish,retained,tooLarge,flood (default all)',
      },
    },
  }),
);
const TREE = resolve(values.tree!);
const HOSTILE = Number(values.hostile);
const STREAM_BYTES = Number(values.mb) * 1024 * 1024;
const ANNOUNCED = 200 * 1024 * 1024;
const HERE = resolve(import.meta.dirname, '..');

const mb = (kb: number) => Math.round(kb / 102.4) / 10;

/** Peak RSS growth while `work` runs (sampled every 20 ms). */
async function peakGrowth<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const before = procStatusKb(pid, 'VmRSS');
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStatusKb(pid, 'VmRSS'));
  }, 20);
  try {
    const result = await work();
    await sleep(200);
    peak = Math.max(peak, procStatusKb(pid, 'VmRSS'));
    return { result, growthMb: mb(peak - before) };
  } finally {
    clearInterval(sampler);
  }
}

interface Probe {
  hub: Awaited<ReturnType<typeof spawnHub>>;
  passwords: Record<string, string>;
}

async function withHub<T>(work: (probe: Probe) => Promise<T>): Promise<T> {
  const dir = tempDir('qms-front-door-');
  const db = openDb(dir.path);
  const store = new DeviceStore(db);
  const passwords: Record<string, string> = {};
  for (const id of ['kiosk-01', 'kiosk-02', 'kiosk-03'])
    passwords[id] = store.register(id, 'kiosk', null, Date.now());
  db.close();
  const hub = await spawnHub(dir.path, await freePort(), await freePort(), { cwd: TREE });
  try {
    await sleep(300);
    return await work({ hub, passwords });
  } finally {
    await hub.kill('SIGTERM');
    dir.remove();
  }
}

/** kiosk-01 over mqtt.js, connected and subscribed to its replies. */
async function kioskOne({ hub, passwords }: Probe) {
  const client = connectMqtt(`mqtt://127.0.0.1:${hub.mqttPort}`, {
    clientId: 'kiosk-01',
    username: 'kiosk-01',
    password: passwords['kiosk-01']!,
    reconnectPeriod: 0,
  });
  await new Promise<void>((r, j) => {
    client.once('connect', () => r());
    client.once('error', j);
  });
  await client.subscribeAsync(topics.deviceReply('kiosk-01'), { qos: 1 });
  return client;
}

async function metrics(hub: Probe['hub']): Promise<Record<string, number>> {
  const health = (await (await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`)).json()) as {
    metrics: Record<string, number>;
  };
  return health.metrics;
}

async function hostile(kind: 'connect' | 'publish') {
  return withHub(async ({ hub, passwords }) => {
    const pid = hub.child.pid!;
    const sockets: Socket[] = [];
    const { result, growthMb } = await peakGrowth(pid, async () => {
      const streams = [];
      for (let i = 0; i < HOSTILE; i++) {
        const socket =
          kind === 'connect'
            ? await openSocket(hub.mqttPort, `127.0.0.${10 + i}`)
            : await rawDevice(hub.mqttPort, `kiosk-02:h${i}`, passwords['kiosk-02']!);
        sockets.push(socket);
        const header =
          kind === 'connect'
            ? hugeConnectHeader(ANNOUNCED)
            : publishHeader(topics.deviceRequest('kiosk-02', 'issue-ticket'), ANNOUNCED);
        streams.push(streamAfter(socket, header, STREAM_BYTES));
      }
      return Promise.all(streams);
    });
    for (const socket of sockets) socket.destroy();
    const closed = result.filter((r) => r.closedByHub).length;
    const maxWrittenKb = Math.max(...result.map((r) => r.written)) / 1024;
    return {
      probe: `${HOSTILE} hostile ${kind === 'connect' ? 'unauthenticated CONNECTs' : 'authenticated PUBLISHes'} announcing 200 MB, streaming ${values.mb} MB each`,
      peakRssGrowthMb: growthMb,
      closedByHub: `${closed}/${HOSTILE}`,
      maxBytesAcceptedBySocketKb: Math.round(maxWrittenKb),
      metrics: pick(await metrics(hub), /^mqtt_/),
    };
  });
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

function pick(m: Record<string, number>, pattern: RegExp) {
  return Object.fromEntries(Object.entries(m).filter(([k]) => pattern.test(k)));
}

/** Does the hub keep a retained message a device published on its own request topic? */
async function retained() {
  return withHub(async ({ hub, passwords }) => {
    const pid = hub.child.pid!;
    const topic = topics.deviceRequest('kiosk-02', 'issue-ticket');
    // A small one: accepted, or the connection cut?
    const small = await rawDevice(hub.mqttPort, 'kiosk-02', passwords['kiosk-02']!);
    const cut = new Promise<boolean>((r) => {
      small.once('close', () => r(true));
      setTimeout(() => r(false), 1_500);
    });
    small.write(
      publishPacket(topic, JSON.stringify({ v: 1, requestId: 'kept', procedureId: 'x' }), { retain: true }),
    );
    const smallCut = await cut;
    small.destroy();
    // Large ones: 3 × 20 MB retained, then the device disconnects.
    const before = procStatusKb(pid, 'VmRSS');
    for (let i = 0; i < 3; i++) {
      const socket = await rawDevice(hub.mqttPort, `kiosk-03:r${i}`, passwords['kiosk-03']!);
      await streamAfter(
        socket,
        publishHeader(topics.deviceRequest('kiosk-03', 'issue-ticket'), 20 * 1024 * 1024, { retain: true }),
        20 * 1024 * 1024,
      );
      await sleep(300);
      socket.destroy();
    }
    await sleep(1_000);
    return {
      probe: 'retained publish on the device’s own request topic',
      smallRetainedRequest: smallCut ? 'connection cut (refused)' : 'accepted',
      rssKeptAfter3x20MbRetainedAndDisconnectMb: mb(procStatusKb(pid, 'VmRSS') - before),
      metrics: pick(await metrics(hub), /^mqtt_/),
    };
  });
}

/** A request with a 200 MB JSON payload, and one just over the payload limit. */
async function tooLarge() {
  return withHub(async ({ hub, passwords }) => {
    const pid = hub.child.pid!;
    const client = await kioskOne({ hub, passwords });
    const replyTo = (requestIdPrefix: string) =>
      new Promise<unknown>((r) => {
        const timer = setTimeout(() => r('no reply in 20 s'), 20_000);
        client.on('message', (_t, payload) => {
          const parsed = reply.safeParse(JSON.parse(payload.toString()));
          if (!parsed.success) return;
          const { requestId, ok } = parsed.data;
          if (requestId === null || requestId.startsWith(requestIdPrefix)) {
            clearTimeout(timer);
            r(ok ? 'ok' : `${parsed.data.error.code} requestId=${requestId}`);
          }
        });
      });
    const topic = topics.deviceRequest('kiosk-01', 'issue-ticket');
    const json = (id: string, size: number) => {
      const head = `{"v":1,"requestId":"${id}","procedureId":"can-cuoc-01","pad":"`;
      return Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length - 2, 'a'), Buffer.from('"}')]);
    };
    const just = replyTo('just-over');
    client.publish(topic, json('just-over', 20 * 1024), { qos: 0 });
    const justOver = await just;
    // 200 MB over a raw socket of a side client (mqtt.js would hold it in memory too).
    const { result, growthMb } = await peakGrowth(pid, async () => {
      const socket = await rawDevice(hub.mqttPort, 'kiosk-01:big', passwords['kiosk-01']!);
      const payload = json('huge', ANNOUNCED);
      const answer = replyTo('huge');
      const header = publishHeader(topic, payload.length);
      const closed = new Promise<string>((r) =>
        socket.once('close', () => r('connection closed by the hub')),
      );
      socket.write(Buffer.concat([header, payload]));
      const replied = await Promise.race([answer, closed, sleep(30_000).then(() => 'no reply')]);
      socket.destroy();
      return replied;
    });
    client.end(true);
    return {
      probe: 'request payloads over the 16 KiB payload limit',
      reply20KiB: justOver,
      reply200MiB: result,
      peakRssGrowthFor200MiBMb: growthMb,
      metrics: pick(await metrics(hub), /^(mqtt_|request_refused)/),
    };
  });
}

/** The wrong-password flood from 127.0.0.2, with a kiosk on 127.0.0.1 issuing tickets meanwhile. */
async function flood() {
  return withHub(async ({ hub, passwords }) => {
    const pid = hub.child.pid!;
    const client = await kioskOne({ hub, passwords });
    let n = 0;
    const issue = () =>
      new Promise<number>((r) => {
        const requestId = `f-${++n}`;
        const t0 = performance.now();
        const onMessage = (_t: string, payload: Buffer) => {
          if (!payload.includes(requestId)) return;
          client.off('message', onMessage);
          r(performance.now() - t0);
        };
        client.on('message', onMessage);
        client.publish(
          topics.deviceRequest('kiosk-01', 'issue-ticket'),
          JSON.stringify({ v: 1, requestId, procedureId: 'can-cuoc-01' }),
          { qos: 1 },
        );
      });
    for (let i = 0; i < 5; i++) await issue(); // warm up
    const logBefore = hub.output().length;
    const cpuBefore = procCpuMs(pid) / 1000;
    const flooder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(HERE, 'test/helpers/mqtt-flood.ts'),
        ...['--port', String(hub.mqttPort), '--rate', values.rate!, '--seconds', values.seconds!],
        ...['--workers', values.workers!],
      ],
      { cwd: HERE, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let floodOut = '';
    flooder.stdout!.on('data', (d) => {
      floodOut += d;
    });
    const floodDone = new Promise<void>((r) => flooder.once('exit', () => r()));
    await sleep(500); // the flood is under way
    const latencies: number[] = [];
    const connectMs: number[] = [];
    let flooding = true;
    void floodDone.then(() => {
      flooding = false;
    });
    while (flooding) {
      latencies.push(await issue());
      if (latencies.length % 10 === 0)
        connectMs.push(await freshConnect(hub.mqttPort, passwords['kiosk-02']!));
      await sleep(20);
    }
    const logBytes = hub.output().length - logBefore;
    const cpu = procCpuMs(pid) / 1000 - cpuBefore;
    client.end(true);
    const sorted = [...latencies].sort((a, b) => a - b);
    const q = (p: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 10) / 10;
    const m = await metrics(hub);
    return {
      probe: `wrong-password flood ${values.rate}/s for ${values.seconds} s from 127.0.0.2; kiosk on 127.0.0.1`,
      flood: JSON.parse(floodOut || '{}') as unknown,
      kioskTicketMs: { n: sorted.length, p50: q(0.5), p95: q(0.95), max: q(1) },
      freshKioskConnectMs: { n: connectMs.length, max: Math.round(Math.max(...connectMs)) },
      hubLogBytesDuringFlood: logBytes,
      hubLogLinesDuringFlood: countBy(
        hub
          .output()
          .slice(logBefore)
          .split('\n')
          .filter(Boolean)
          .map(
            (line) => /(?:INFO|WARN|ERROR|DEBUG) ([^=]*?)(?: \w+=|$)/.exec(line)?.[1] ?? line.slice(0, 60),
          ),
      ),
      hubCpuSecondsDuringFlood: Math.round(cpu * 100) / 100,
      metrics: pick(m, /^mqtt_/),
    };
  });
}

/** How long a correct CONNECT from 127.0.0.1 takes to be accepted. */
async function freshConnect(port: number, password: string): Promise<number> {
  const t0 = performance.now();
  const socket = await rawDevice(port, 'kiosk-02', password);
  const ms = performance.now() - t0;
  socket.destroy();
  return ms;
}

const probes: Record<string, () => Promise<unknown>> = {
  connect: () => hostile('connect'),
  publish: () => hostile('publish'),
  retained,
  tooLarge,
  flood,
};
console.log(`hub from ${TREE}`);
for (const [name, run] of Object.entries(probes)) {
  if (values.only && !values.only.split(',').includes(name)) continue;
  console.log(JSON.stringify(await run(), null, 1));
}
process.exit(0);
