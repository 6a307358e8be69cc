// `npm run bench`: figures measured against a real hub process built to
// dist/ (as on a device), on loopback, with real MQTT clients and the store
// durable as in production (WAL, synchronous=FULL). Prints a table and
// writes bench/results/latest.json. Each figure is the median of `--repeat`
// runs, since this machine is shared and noisy.
//
// What it measures:
// - start to ready: spawn of `node dist/hub/main.js` to its "ready" line;
// - ticket issuance with 1, 10 and 50 kiosks: tickets per second and
//   press-to-reply latency (each kiosk waits for its reply, then presses again);
// - baseline: the same request/reply loop, same client code, through a bare
//   aedes broker in its own process that echoes each request at once (no
//   credentials, no validation, no queue, no store), so the hub's overhead
//   is a ratio, whatever the machine;
// - full ticket lives (issue over MQTT; take, call-next, start, finish over
//   HTTP as an officer; a rating from the counter's rating device): call to
//   announcement received by a speaker, call to the board's first SSE event
//   showing the call, and the bytes the hub process wrote to disk per life
//   (/proc/<pid>/io write_bytes; wchar, which also counts sockets, beside it);
// - hub memory (VmRSS) with 200 connected devices;
// - the province centre (bench/central.ts): events per second into
//   PostgreSQL through Mosquitto, end-to-end lag, catch-up of 30 offices
//   after a 24-hour outage;
// - the floor (bench/floor.ts), on the disk of the hub's data: a raw 4 KiB
//   write + fdatasync and a one-row durable SQLite commit; the floor of a
//   durable ticket is the bare broker's p50 plus that commit's p50, and the
//   hub's latencies are printed as ratios to it.
//
// --cores 1 pins the hub (and the bare broker) to one core with taskset, a
// Pi-class CPU budget; --burners N runs N busy processes beside the paced
// run; --only picks sections (start,issue,paced,life,memory,central); --profile DIR
// has each hub write a CPU profile there (bench/profile-top.ts reads them).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { AccountStore } from '../hub/auth/account-store.js';
import { hashPassword } from '../hub/auth/passwords.js';
import { openDb } from '../hub/store/db.js';
import { DeviceStore } from '../hub/store/device-store.js';
import { commandLineOrExit, defineCommand } from '../shared/cli/command-line.js';
import { connectMqtt } from '../shared/mqtt/connect.js';
import { type Role, topics } from '../shared/protocol/topics.js';
import { centralFigures, centralRows } from './central.js';
import { measureFloor } from './floor.js';
import { median, percentile, procCpuMs, procStatusKb, sleep } from './helpers.js';

const { values } = commandLineOrExit(
  defineCommand({
    name: 'bench',
    usage: 'npm run bench -- [options]',
    summary:
      'Figures against a real hub process built to dist/, on loopback; prints a table and writes bench/results/latest.json.',
    options: {
      repeat: {
        type: 'string',
        default: '3',
        value: 'N',
        help: 'runs per figure, the median kept (default 3)',
      },
      tickets: {
        type: 'string',
        default: '4000',
        value: 'N',
        help: 'tickets per issuance run, 50–7000 (default 4000)',
      },
      lives: {
        type: 'string',
        default: '300',
        value: 'N',
        help: 'full ticket lives per run, 20–900 (default 300)',
      },
      devices: {
        type: 'string',
        default: '200',
        value: 'N',
        help: 'connected devices for the memory figure, 3–2000',
      },
      cores: {
        type: 'string',
        value: 'N',
        help: 'pin the hub to this many cores with taskset (1: a Pi-class budget)',
      },
      burners: {
        type: 'string',
        default: '0',
        value: 'N',
        help: 'busy processes beside the paced run, 0–8 (default 0)',
      },
      only: {
        type: 'string',
        default: 'start,issue,paced,life,memory,central',
        value: 'LIST',
        help: 'sections, of start,issue,paced,life,memory,central (default all)',
      },
      profile: {
        type: 'string',
        value: 'DIR',
        help: 'each hub writes a CPU profile there (bench/profile-top.ts)',
      },
    },
  }),
);
const SECTIONS = new Set(values.only.split(','));
/** CPUs the hub may use (taskset -c list), e.g. "0" for --cores 1. */
const CPU_LIST =
  values.cores === undefined ? null : Array.from({ length: Number(values.cores) }, (_, i) => i).join(',');
const BURNERS = Number(values.burners);
/** Where each hub writes its V8 CPU profile (node --cpu-prof), if asked. */
const PROFILE_DIR = values.profile;
let hubRuns = 0;
const REPEAT = Number(values.repeat);
// Tickets per issuance run, spread over the 8 default fields: at most ~4,000
// keeps every field inside its 999-number block, so no request is refused.
const TICKETS = Number(values.tickets);
/** Full ticket lives per run (all at counter 1, field "Căn cước": at most ~900). */
const LIVES = Number(values.lives);
const DEVICES = Number(values.devices);
if (
  !Number.isInteger(REPEAT) ||
  REPEAT < 1 ||
  !Number.isInteger(TICKETS) ||
  TICKETS < 50 ||
  TICKETS > 7000 ||
  !Number.isInteger(LIVES) ||
  LIVES < 20 ||
  LIVES > 900 ||
  !Number.isInteger(DEVICES) ||
  DEVICES < 3 ||
  DEVICES > 2000 ||
  (values.cores !== undefined && !(Number(values.cores) >= 1 && Number(values.cores) <= cpus().length)) ||
  !(Number.isInteger(BURNERS) && BURNERS >= 0 && BURNERS <= 8) ||
  [...SECTIONS].some((x) => !['start', 'issue', 'paced', 'life', 'memory', 'central'].includes(x))
) {
  console.error(
    'usage: npm run bench -- [--repeat N] [--tickets 50..7000] [--lives 20..900] [--devices 3..2000] [--cores 1..] [--burners 0..8] [--only start,issue,paced,life,memory,central]',
  );
  process.exit(2);
}

interface RunningHub {
  child: ChildProcess;
  readyMs: number;
  mqttUrl: string;
  httpUrl: string;
  httpPort: number;
  stop(): Promise<void>;
}

/** Spawn a process and wait for `readyText` on its stdout. */
async function spawnUntil(args: string[], env: Record<string, string>, readyText: string) {
  const t0 = performance.now();
  // taskset execs node in place: the child's pid is the hub's.
  const [command, argv] =
    CPU_LIST === null ? [process.execPath, args] : ['taskset', ['-c', CPU_LIST, process.execPath, ...args]];
  const child = spawn(command, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)));
  });
  // Keep draining its output (a full pipe would block it).
  child.stdout!.resume();
  return { child, readyMs: performance.now() - t0, out };
}

/** A port the process reported in its ready line (it listens on port 0: the OS picks a free one). */
function reportedPort(out: string, name: string): number {
  const port = Number(new RegExp(`${name}=(\\d+)`).exec(out)?.[1]);
  if (!port) throw new Error(`no ${name} in: ${out}`);
  return port;
}

function stopper(child: ChildProcess) {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

async function startHub(dataDir: string, label = 'hub'): Promise<RunningHub> {
  // Every simulated device connects from 127.0.0.1, where an office has one
  // address per device: lift the per-address caps of the MQTT front door.
  const config = join(dataDir, 'bench-hub.json');
  writeFileSync(
    config,
    JSON.stringify({
      mqtt: {
        limits: {
          maxConnections: 5000,
          maxConnectionsPerAddress: 5000,
          maxUnauthenticated: 5000,
          maxUnauthenticatedPerAddress: 5000,
        },
      },
    }),
  );
  const profile = PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${label}-${++hubRuns}.cpuprofile`]
    : [];
  const { child, readyMs, out } = await spawnUntil(
    [...profile, 'dist/hub/main.js'],
    { QMS_DATA_DIR: dataDir, QMS_MQTT_PORT: '0', QMS_HTTP_PORT: '0', QMS_CONFIG: config },
    ' ready ',
  );
  const mqttPort = reportedPort(out, 'mqttPort');
  const httpPort = reportedPort(out, 'httpPort');
  return {
    child,
    readyMs,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpPort,
    stop: stopper(child),
  };
}

// A bare aedes broker that answers every request on its device's reply topic
// at once, inside the broker process, where the hub's own handler runs.
const BARE_BROKER = `
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
const aedes = await Aedes.createBroker();
aedes.on('publish', (packet, client) => {
  if (!client) return;
  const m = /^qms\\/device\\/([^/]+)\\/request\\/([^/]+)$/.exec(packet.topic);
  if (!m) return;
  let requestId = null;
  try { requestId = JSON.parse(packet.payload.toString()).requestId; } catch {}
  const reply = JSON.stringify({ v: 1, requestId, action: m[2], ok: true, data: null });
  aedes.publish({ cmd: 'publish', topic: 'qms/device/' + m[1] + '/reply', payload: Buffer.from(reply), qos: 1, retain: false, dup: false }, () => {});
});
const server = createServer({ noDelay: true }, aedes.handle);
server.listen(0, '127.0.0.1', () => console.log('bare broker ready port=' + server.address().port));
process.on('SIGTERM', () => { server.close(); aedes.close(() => process.exit(0)); });
`;

async function startBareBroker() {
  const { child, out } = await spawnUntil(
    ['--input-type=module', '-e', BARE_BROKER],
    {},
    'bare broker ready port=',
  );
  // The ready line may come in pieces: wait for the whole number.
  let text = out;
  while (!/port=\d+\n/.test(text)) {
    text += await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d))));
  }
  return { mqttUrl: `mqtt://127.0.0.1:${reportedPort(text, 'port')}`, stop: stopper(child) };
}

function connect(url: string, id: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connectMqtt(url, { clientId: id, username: id, password, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Publish a request and resolve with its reply (matched by requestId). */
function ask(
  client: MqttClient,
  deviceId: string,
  action: string,
  body: Record<string, unknown>,
): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }> {
  const requestId = String(body.requestId);
  return new Promise((resolve) => {
    const onMessage = (_t: string, payload: Buffer) => {
      const reply = JSON.parse(payload.toString()) as { requestId: string; ok: boolean };
      if (reply.requestId !== requestId) return;
      client.off('message', onMessage);
      resolve(reply);
    };
    client.on('message', onMessage);
    client.publish(`qms/device/${deviceId}/request/${action}`, JSON.stringify({ v: 1, ...body }), { qos: 1 });
  });
}

const PROCEDURES = [
  'can-cuoc-01',
  'cu-tru-01',
  'xuat-nhap-canh-01',
  'ly-lich-tu-phap-01',
  'dang-ky-xe-01',
  'giay-phep-lai-xe-01',
  'pccc-01',
  'an-ninh-trat-tu-01',
];

type LoopFigures = {
  perSecond: number;
  p50: number;
  p99: number;
  tickets: number;
};

/**
 * Kiosks each send one request, wait for its reply, and send the next,
 * TICKETS in all. The same code measures the hub and the bare broker.
 */
async function requestLoop(mqttUrl: string, ids: string[], passwords: string[]): Promise<LoopFigures> {
  const clients = await Promise.all(ids.map((id, i) => connect(mqttUrl, id, passwords[i]!)));
  const latencies: number[] = [];
  const perKiosk = Math.floor(TICKETS / ids.length);
  let refused = 0;
  await Promise.all(clients.map((c, i) => c.subscribeAsync(topics.deviceReply(ids[i]!), { qos: 1 })));
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = 0; n < perKiosk; n++) {
        const sent = performance.now();
        const reply = await ask(client, ids[i]!, 'issue-ticket', {
          requestId: `b${i}-${n}`,
          procedureId: PROCEDURES[(i + n) % PROCEDURES.length],
        });
        if (!reply.ok) refused++;
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  // A refused request is not a ticket: figures with refusals would flatter the hub.
  if (refused > 0) throw new Error(`${refused} requests were refused; the figures would be wrong`);
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    tickets: latencies.length,
  };
}

/** `kiosks` kiosks registered in the store of `dir` before its hub starts: their ids and passwords. */
function registerKiosks(dir: string, kiosks: number): { ids: string[]; passwords: string[] } {
  const db = openDb(dir);
  try {
    const devices = new DeviceStore(db);
    const ids = Array.from({ length: kiosks }, (_, i) => `kiosk-${i}`);
    return { ids, passwords: ids.map((id) => devices.register(id, 'kiosk', null, Date.now())) };
  } finally {
    db.close();
  }
}

/**
 * Open loop: `kiosks` kiosks press on a fixed schedule, `rate` presses a
 * second in all, without waiting for replies (citizens do not wait for each
 * other). Latency is from the scheduled press to the reply, so a late send
 * counts against the hub too. This is the target's pairing: press-to-reply
 * at 500 tickets/s from 50 kiosks; the closed loop above measures saturation,
 * where each kiosk's wait is the queue of all the others (Little's law).
 */
async function paced(kiosks: number, rate: number): Promise<LoopFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-bench-'));
  try {
    const { ids, passwords } = registerKiosks(dir, kiosks);
    const hub = await startHub(dir, `paced-${kiosks}`);
    try {
      const clients = await Promise.all(ids.map((id, i) => connect(hub.mqttUrl, id, passwords[i]!)));
      await Promise.all(clients.map((c, i) => c.subscribeAsync(topics.deviceReply(ids[i]!), { qos: 1 })));
      const latencies: number[] = [];
      let refused = 0;
      const perKiosk = Math.floor(TICKETS / kiosks);
      const t0 = performance.now() + 200;
      let lastReply = t0;
      await Promise.all(
        clients.map(async (client, i) => {
          const scheduled = new Map<string, number>();
          let answered = 0;
          const done = new Promise<void>((resolve) => {
            client.on('message', (_t, payload) => {
              const reply = JSON.parse(payload.toString()) as { requestId: string; ok: boolean };
              const at = scheduled.get(reply.requestId);
              if (at === undefined) return;
              scheduled.delete(reply.requestId);
              const now = performance.now();
              latencies.push(now - at);
              lastReply = Math.max(lastReply, now);
              if (!reply.ok) refused++;
              if (++answered === perKiosk) resolve();
            });
          });
          for (let n = 0; n < perKiosk; n++) {
            const at = t0 + ((n * kiosks + i) * 1000) / rate;
            const wait = at - performance.now();
            if (wait > 0) await sleep(wait);
            const requestId = `p${i}-${n}`;
            scheduled.set(requestId, at);
            client.publish(
              topics.deviceRequest(ids[i]!, 'issue-ticket'),
              JSON.stringify({ v: 1, requestId, procedureId: PROCEDURES[(i + n) % PROCEDURES.length] }),
              { qos: 1 },
            );
          }
          await done;
        }),
      );
      await Promise.all(clients.map((c) => c.endAsync()));
      if (refused > 0) throw new Error(`${refused} requests were refused; the figures would be wrong`);
      return {
        perSecond: latencies.length / ((lastReply - t0) / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        tickets: latencies.length,
      };
    } finally {
      await hub.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function issuance(
  kiosks: number,
): Promise<LoopFigures & { cpuMsPerTicket: number; floorCommitP50: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-bench-'));
  try {
    const { ids, passwords } = registerKiosks(dir, kiosks);
    // The floor again, on this run's own data folder just before its hub starts: the disk's
    // pace drifts on a shared machine, and the ratio should compare like with like.
    const floor = measureFloor(dir, 500);
    const hub = await startHub(dir, `issue-${kiosks}`);
    try {
      const cpu0 = procCpuMs(hub.child.pid!);
      const figures = await requestLoop(hub.mqttUrl, ids, passwords);
      // CPU the hub spent per ticket (user + system, incl. connecting the kiosks):
      // steadier than latency on a shared machine.
      return {
        ...figures,
        cpuMsPerTicket: (procCpuMs(hub.child.pid!) - cpu0) / figures.tickets,
        floorCommitP50: floor.commitP50,
      };
    } finally {
      await hub.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function baseline(kiosks: number): Promise<LoopFigures> {
  const broker = await startBareBroker();
  try {
    const ids = Array.from({ length: kiosks }, (_, i) => `kiosk-${i}`);
    return await requestLoop(
      broker.mqttUrl,
      ids,
      ids.map(() => 'no-credential-checked'),
    );
  } finally {
    await broker.stop();
  }
}

async function startToReady(): Promise<{ first: number; warm: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-bench-'));
  try {
    const first = await startHub(dir); // creates the store and loads the defaults
    await first.stop();
    const warm = await startHub(dir);
    await warm.stop();
    return { first: first.readyMs, warm: warm.readyMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- ticket lives

function procIo(pid: number): { writeBytes: number; wchar: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { writeBytes: field('write_bytes'), wchar: field('wchar') };
}

/** Arrival times by key, and a way to wait for one. */
function arrivals() {
  const seen = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  return {
    mark(key: string, at = performance.now()) {
      if (seen.has(key)) return;
      seen.set(key, at);
      waiting.get(key)?.(at);
    },
    when(key: string, timeoutMs = 5000): Promise<number> {
      const at = seen.get(key);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${key} did not arrive in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.set(key, (t) => {
          clearTimeout(timer);
          waiting.delete(key);
          resolve(t);
        });
      });
    },
  };
}

/** Follow /api/events and mark each call id the first time a board snapshot shows it. */
function followBoard(httpPort: number, onCall: (callId: string) => void) {
  let buffer = '';
  const req = httpRequest({ host: '127.0.0.1', port: httpPort, path: '/api/events' }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!frame.includes('event: board') || !data) continue;
        const snapshot = JSON.parse(data) as { lastCalls: { callId: string }[] };
        for (const call of snapshot.lastCalls) onCall(call.callId);
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}

type LifeFigures = {
  callToAnnounceP50: number;
  callToAnnounceP99: number;
  callToBoardP50: number;
  callToBoardP99: number;
  writeBytesPerLife: number;
  wcharPerLife: number;
  rated: number;
  /** write_bytes per step of a life. */
  issueBytes: number;
  callBytes: number;
  startBytes: number;
  finishBytes: number;
  ratingBytes: number;
};

const WARM_UP_LIVES = 20;

async function ticketLives(): Promise<LifeFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-bench-'));
  try {
    const db = openDb(dir);
    const devices = new DeviceStore(db);
    const pw = {
      kiosk: devices.register('kiosk-0', 'kiosk', null, Date.now()),
      speaker: devices.register('speaker-0', 'speaker', null, Date.now()),
      rating: devices.register('rating-1', 'rating', 1, Date.now()),
    };
    const officerPassword = 'bench-officer-password';
    new AccountStore(db).create(
      {
        username: 'bench-officer',
        displayName: 'Bench officer',
        role: 'officer',
        passwordHash: await hashPassword(officerPassword),
      },
      Date.now(),
    );
    db.close();
    const hub = await startHub(dir, 'lives');
    const pid = hub.child.pid!;
    try {
      const kiosk = await connect(hub.mqttUrl, 'kiosk-0', pw.kiosk);
      const speaker = await connect(hub.mqttUrl, 'speaker-0', pw.speaker);
      const rating = await connect(hub.mqttUrl, 'rating-1', pw.rating);
      await kiosk.subscribeAsync(topics.deviceReply('kiosk-0'), { qos: 1 });
      await rating.subscribeAsync(topics.deviceReply('rating-1'), { qos: 1 });
      const announced = arrivals();
      speaker.on('message', (topic, payload) => {
        if (topic === topics.announce)
          announced.mark((JSON.parse(payload.toString()) as { callId: string }).callId);
      });
      await speaker.subscribeAsync(topics.announce, { qos: 1 });
      const boarded = arrivals();
      const stopBoard = followBoard(hub.httpPort, (callId) => boarded.mark(callId));

      const signIn = await fetch(`${hub.httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bench-officer', password: officerPassword }),
      });
      if (!signIn.ok) throw new Error(`officer sign-in failed: ${signIn.status}`);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      const act = async (action: string) => {
        const res = await fetch(`${hub.httpUrl}/api/counters/1/${action}`, {
          method: 'POST',
          headers: { cookie, origin: hub.httpUrl, 'content-type': 'application/json' },
          body: '{}',
        });
        const body = (await res.json()) as { call?: { callId: string } };
        if (!res.ok) throw new Error(`${action}: ${res.status} ${JSON.stringify(body)}`);
        return body;
      };
      await act('take');

      const toAnnounce: number[] = [];
      const toBoard: number[] = [];
      let rated = 0;
      // Bytes written per step of the life (where a WAL checkpoint falls, its step pays for it).
      const steps = { issue: 0, call: 0, start: 0, finish: 0, rating: 0 };
      let measuring = false;
      let mark = procIo(pid).writeBytes;
      const step = (name: keyof typeof steps) => {
        const now = procIo(pid).writeBytes;
        if (measuring) steps[name] += now - mark;
        mark = now;
      };
      let io = procIo(pid);
      for (let n = 0; n < WARM_UP_LIVES + LIVES; n++) {
        if (n === WARM_UP_LIVES) {
          io = procIo(pid);
          mark = io.writeBytes;
          measuring = true;
        }
        const issued = await ask(kiosk, 'kiosk-0', 'issue-ticket', {
          requestId: `life-${n}`,
          procedureId: 'can-cuoc-01',
        });
        if (!issued.ok) throw new Error(`ticket refused: ${JSON.stringify(issued.error)}`);
        step('issue');
        const calledAt = performance.now();
        const { call } = await act('call-next');
        const callId = call!.callId;
        const [heardAt, shownAt] = await Promise.all([announced.when(callId), boarded.when(callId)]);
        if (measuring) {
          toAnnounce.push(heardAt - calledAt);
          toBoard.push(shownAt - calledAt);
        }
        step('call');
        await act('start');
        step('start');
        await act('finish');
        step('finish');
        const rating_ = await ask(rating, 'rating-1', 'submit-rating', {
          requestId: `rate-${n}`,
          level: 'very_satisfied',
          pressedAt: Date.now(),
          counterId: 1,
        });
        if (!rating_.ok) throw new Error(`rating refused: ${JSON.stringify(rating_.error)}`);
        step('rating');
        if (measuring) rated++;
      }
      const after = procIo(pid);
      stopBoard();
      await Promise.all([kiosk, speaker, rating].map((c) => c.endAsync()));
      return {
        callToAnnounceP50: percentile(toAnnounce, 50),
        callToAnnounceP99: percentile(toAnnounce, 99),
        callToBoardP50: percentile(toBoard, 50),
        callToBoardP99: percentile(toBoard, 99),
        writeBytesPerLife: (after.writeBytes - io.writeBytes) / LIVES,
        wcharPerLife: (after.wchar - io.wchar) / LIVES,
        rated,
        issueBytes: steps.issue / LIVES,
        callBytes: steps.call / LIVES,
        startBytes: steps.start / LIVES,
        finishBytes: steps.finish / LIVES,
        ratingBytes: steps.rating / LIVES,
      };
    } finally {
      await hub.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- memory

/** Subscriptions of each role, as its program asks for them (DeviceConnection + role topics). */
const ROLE_TOPICS: Record<Role, (id: string, counterId: number | null) => string[]> = {
  kiosk: (id) => [topics.deviceReply(id), topics.hubStatus, topics.catalogue, topics.queueSummary],
  rating: (id, counterId) => [topics.deviceReply(id), topics.hubStatus, topics.counterState(counterId ?? 1)],
  speaker: (id) => [topics.deviceReply(id), topics.hubStatus, topics.announce, topics.counterStateAll],
};

async function memory(): Promise<{ idleMb: number; rssMb: number; hwmMb: number; devices: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-bench-'));
  try {
    const db = openDb(dir);
    const store = new DeviceStore(db);
    // Mostly kiosks; a rating device per counter and some speakers, as an office of this size would have.
    const fleet = Array.from({ length: DEVICES }, (_, i) => {
      const role: Role = i % 5 === 3 ? 'rating' : i % 5 === 4 ? 'speaker' : 'kiosk';
      const counterId = role === 'rating' ? (i % 8) + 1 : null;
      const id = `${role}-${i}`;
      return { id, role, counterId, password: store.register(id, role, counterId, Date.now()) };
    });
    db.close();
    const hub = await startHub(dir, 'memory');
    const pid = hub.child.pid!;
    try {
      await sleep(500);
      const idleKb = procStatusKb(pid, 'VmRSS');
      const clients: MqttClient[] = [];
      for (let i = 0; i < fleet.length; i += 20) {
        const batch = await Promise.all(
          fleet.slice(i, i + 20).map(async (d) => {
            const c = await connect(hub.mqttUrl, d.id, d.password);
            await c.subscribeAsync(ROLE_TOPICS[d.role](d.id, d.counterId), { qos: 1 });
            await c.publishAsync(
              topics.deviceStatus(d.id),
              JSON.stringify({
                v: 1,
                deviceId: d.id,
                role: d.role,
                state: 'online',
                version: 'bench',
                at: Date.now(),
              }),
              { qos: 1, retain: true },
            );
            return c;
          }),
        );
        clients.push(...batch);
      }
      // Some work with everyone connected: each kiosk presses once (the
      // queue summary and counter states go out to the subscribers).
      await Promise.all(
        fleet.map((d, i) =>
          d.role === 'kiosk'
            ? ask(clients[i]!, d.id, 'issue-ticket', { requestId: `m-${i}`, procedureId: PROCEDURES[i % 8] })
            : null,
        ),
      );
      await sleep(1000);
      const rssKb = procStatusKb(pid, 'VmRSS');
      const hwmKb = procStatusKb(pid, 'VmHWM');
      const health = (await (await fetch(`${hub.httpUrl}/api/health`)).json()) as { devicesOnline: number };
      await Promise.all(clients.map((c) => c.endAsync()));
      return {
        idleMb: idleKb / 1024,
        rssMb: rssKb / 1024,
        hwmMb: hwmKb / 1024,
        devices: health.devicesOnline,
      };
    } finally {
      await hub.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

/** Busy processes beside the hub (a machine doing other work). */
function startBurners(n: number) {
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  return {
    stop: () => {
      for (const c of children) c.kill('SIGKILL');
    },
  };
}

const TARGETS = {
  p50FloorRatio1: 2,
  ticketsPerSecond10: 3000,
  p99Ms10: 20,
  ticketsPerSecond50: 500,
  p99Ms: 50,
  bytesPerLife: 48 * 1024,
  rssMb: 150,
  startMs: 2000,
};

async function main() {
  const results: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const collect = async <T extends Record<string, number>>(
    label: string,
    run: () => Promise<T>,
    keys: (keyof T)[],
  ) => {
    const runs: T[] = [];
    for (let r = 0; r < REPEAT; r++) runs.push(await run());
    for (const k of keys) {
      const value = median(runs.map((x) => x[k]));
      results[`${label}.${String(k)}`] = Math.round(value * 1000) / 1000;
      results[`${label}.${String(k)}.max`] = Math.round(Math.max(...runs.map((x) => x[k])) * 100) / 100;
    }
  };
  const r = (key: string) => results[key]!;
  const ms = (key: string) => r(key).toFixed(2);
  const verdict = (ok: boolean, target: string) => `${ok ? 'met' : 'NOT met'} (${target})`;
  const started = performance.now();
  const load = loadavg()[0]!;

  // The floor, on the disk where every hub of this run keeps its data (tmpdir()).
  const floor = measureFloor(tmpdir());
  for (const [k, v] of Object.entries(floor)) results[`floor.${k}`] = Math.round(v * 1000) / 1000;
  rows.push([
    'floor: 4 KiB write + fdatasync on the data disk (p50 / p99 ms)',
    `${floor.fdatasyncP50.toFixed(3)} / ${floor.fdatasyncP99.toFixed(3)}`,
    'same folder as the hub’s store',
  ]);
  rows.push([
    'floor: one-row durable SQLite commit, ticket-sized (p50 / p99 ms)',
    `${floor.commitP50.toFixed(3)} / ${floor.commitP99.toFixed(3)}`,
    'WAL, synchronous=FULL, 512-byte pages',
  ]);

  if (SECTIONS.has('start')) {
    await collect('startToReadyMs', startToReady, ['first', 'warm']);
    rows.push([
      'hub start to ready, first start / existing store (ms)',
      `${Math.round(r('startToReadyMs.first'))} / ${Math.round(r('startToReadyMs.warm'))}`,
      verdict(Math.max(r('startToReadyMs.first'), r('startToReadyMs.warm')) < TARGETS.startMs, '< 2 s'),
    ]);
  }
  for (const k of SECTIONS.has('issue') ? [1, 10, 50] : []) {
    await collect(`issue.${k}kiosks`, () => issuance(k), [
      'perSecond',
      'p50',
      'p99',
      'cpuMsPerTicket',
      'floorCommitP50',
    ]);
    await collect(`baseline.${k}kiosks`, () => baseline(k), ['perSecond', 'p50', 'p99']);
    results[`overhead.${k}kiosks.p50Ratio`] =
      Math.round((r(`issue.${k}kiosks.p50`) / r(`baseline.${k}kiosks.p50`)) * 100) / 100;
    results[`overhead.${k}kiosks.throughputRatio`] =
      Math.round((r(`baseline.${k}kiosks.perSecond`) / r(`issue.${k}kiosks.perSecond`)) * 100) / 100;
    // A durable ticket cannot cost less than a broker round trip plus one durable commit.
    // Each with the durable commit measured just before its own runs (median of them).
    const floorMs = r(`baseline.${k}kiosks.p50`) + r(`issue.${k}kiosks.floorCommitP50`);
    results[`floor.${k}kiosks.p50`] = Math.round(floorMs * 1000) / 1000;
    results[`floor.${k}kiosks.p50Ratio`] = Math.round((r(`issue.${k}kiosks.p50`) / floorMs) * 100) / 100;
    const targets: string[] = [];
    if (k === 1)
      targets.push(verdict(r('floor.1kiosks.p50Ratio') <= TARGETS.p50FloorRatio1, 'p50 ≤ 2 × floor'));
    if (k === 10)
      targets.push(
        verdict(
          r('issue.10kiosks.perSecond') >= TARGETS.ticketsPerSecond10 &&
            r('issue.10kiosks.p99') < TARGETS.p99Ms10,
          '≥ 3,000/s, p99 < 20 ms',
        ),
      );
    if (k === 50) {
      targets.push(verdict(r('issue.50kiosks.perSecond') >= TARGETS.ticketsPerSecond50, '≥ 500/s'));
      targets.push('saturated: each waits for the 49 others (see the paced line)');
    }
    rows.push([
      `tickets/s, ${k} kiosk${k > 1 ? 's' : ''} (press-to-reply p50 / p99 ms)`,
      `${Math.round(r(`issue.${k}kiosks.perSecond`))} (${ms(`issue.${k}kiosks.p50`)} / ${ms(`issue.${k}kiosks.p99`)})`,
      `p50 = ${r(`floor.${k}kiosks.p50Ratio`)} × floor (${r(`baseline.${k}kiosks.p50`).toFixed(2)} + ${r(`issue.${k}kiosks.floorCommitP50`).toFixed(2)} ms); hub CPU ${ms(`issue.${k}kiosks.cpuMsPerTicket`)} ms/ticket; ${targets.join(', ')}`,
    ]);
    rows.push([
      `  bare broker echo, same client (p50 / p99 ms)`,
      `${Math.round(r(`baseline.${k}kiosks.perSecond`))} (${ms(`baseline.${k}kiosks.p50`)} / ${ms(`baseline.${k}kiosks.p99`)})`,
      `hub p50 = ${r(`overhead.${k}kiosks.p50Ratio`)} × bare`,
    ]);
  }
  if (SECTIONS.has('paced')) {
    const burners = startBurners(BURNERS);
    try {
      await collect('paced.50kiosksAt500', () => paced(50, 500), ['perSecond', 'p50', 'p99']);
    } finally {
      burners.stop();
    }
    rows.push([
      `50 kiosks pressing 500 tickets/s in all${BURNERS ? `, ${BURNERS} CPU burners beside` : ''} (p50 / p99 ms; worst run's p99)`,
      `${Math.round(r('paced.50kiosksAt500.perSecond'))}/s (${ms('paced.50kiosksAt500.p50')} / ${ms('paced.50kiosksAt500.p99')}; ${ms('paced.50kiosksAt500.p99.max')})`,
      verdict(r('paced.50kiosksAt500.p99.max') < TARGETS.p99Ms, 'p99 < 50 ms at 500/s in every run'),
    ]);
  }
  if (SECTIONS.has('life')) {
    await collect('life', ticketLives, [
      'callToAnnounceP50',
      'callToAnnounceP99',
      'callToBoardP50',
      'callToBoardP99',
      'writeBytesPerLife',
      'wcharPerLife',
      'rated',
      'issueBytes',
      'callBytes',
      'startBytes',
      'finishBytes',
      'ratingBytes',
    ]);
    rows.push([
      'officer call → speaker got the announcement (p50 / p99 ms)',
      `${ms('life.callToAnnounceP50')} / ${ms('life.callToAnnounceP99')}`,
      verdict(r('life.callToAnnounceP99') < TARGETS.p99Ms, 'p99 < 50 ms'),
    ]);
    rows.push([
      'officer call → board SSE shows it (p50 / p99 ms)',
      `${ms('life.callToBoardP50')} / ${ms('life.callToBoardP99')}`,
      'includes the board’s 50 ms coalescing',
    ]);
    rows.push([
      'disk written per ticket life, write_bytes (KiB)',
      `${(r('life.writeBytesPerLife') / 1024).toFixed(1)} (wchar incl. sockets ${(r('life.wcharPerLife') / 1024).toFixed(1)})`,
      verdict(r('life.writeBytesPerLife') <= TARGETS.bytesPerLife, '≤ 48 KiB'),
    ]);
    const kib = (key: string) => (r(key) / 1024).toFixed(1);
    rows.push([
      '  by step: issue / call / start / finish / rating (KiB)',
      `${kib('life.issueBytes')} / ${kib('life.callBytes')} / ${kib('life.startBytes')} / ${kib('life.finishBytes')} / ${kib('life.ratingBytes')}`,
      r('life.rated') === LIVES ? 'every life rated' : `only ${r('life.rated')} rated`,
    ]);
  }
  if (SECTIONS.has('memory')) {
    await collect('memory', memory, ['idleMb', 'rssMb', 'hwmMb', 'devices']);
    rows.push([
      `hub resident memory, idle / ${r('memory.devices')} devices connected (MiB)`,
      `${r('memory.idleMb').toFixed(1)} / ${r('memory.rssMb').toFixed(1)} (peak ${r('memory.hwmMb').toFixed(1)})`,
      verdict(r('memory.rssMb') < TARGETS.rssMb && r('memory.devices') === DEVICES, '< 150 MiB'),
    ]);
  }

  // The province centre: once (it takes about a minute), not repeated.
  if (SECTIONS.has('central')) {
    try {
      const central = await centralFigures();
      for (const [k, v] of Object.entries(central)) results[`central.${k}`] = v;
      rows.push(...centralRows(central));
    } catch (error) {
      rows.push([
        'centre (Mosquitto + PostgreSQL)',
        'not measured',
        (error as Error).message.split('\n')[0]!,
      ]);
    }
  }

  const w0 = Math.max(...rows.map(([a]) => a.length));
  const w1 = Math.max(...rows.map(([, b]) => b.length));
  console.log(
    `\nmedian of ${REPEAT} runs; ${TICKETS} tickets per issuance run, ${LIVES} ticket lives ` +
      `(issue, call, start, finish, rating) per run; durable store (WAL, synchronous=FULL); ` +
      `${cpus().length} cores${CPU_LIST === null ? '' : `, hub pinned to CPU ${CPU_LIST}`}, load ${load.toFixed(2)} at start\n`,
  );
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/latest.json',
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        repeat: REPEAT,
        tickets: TICKETS,
        lives: LIVES,
        devices: DEVICES,
        machine: {
          cores: cpus().length,
          hubCpus: CPU_LIST,
          burners: BURNERS,
          loadAtStart: load,
          node: process.version,
        },
        seconds: Math.round((performance.now() - started) / 1000),
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwritten: bench/results/latest.json (${Math.round((performance.now() - started) / 1000)} s)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
