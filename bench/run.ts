// `npm run bench`: figures measured against a real hub process built to
// dist/ (as on a device), on loopback, with real MQTT clients and the store
// durable as in production (WAL, synchronous=FULL). Prints a table and
// writes bench/results/latest.json. Each figure is the median of `--repeat`
// runs, since this machine is shared and noisy.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MqttClient } from 'mqtt';
import { openDb } from '../hub/store/db.js';
import { DeviceStore } from '../hub/store/device-store.js';
import { connectMqtt } from '../shared/mqtt/connect.js';
import { topics } from '../shared/protocol/topics.js';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    tickets: { type: 'string', default: '4000' },
  },
});
const REPEAT = Number(values.repeat);
// Tickets per issuance run, spread over the 8 default fields: at most ~4,000
// keeps every field inside its 999-number block, so no request is refused.
const TICKETS = Number(values.tickets);
if (!Number.isInteger(REPEAT) || REPEAT < 1 || !Number.isInteger(TICKETS) || TICKETS < 50 || TICKETS > 7000) {
  console.error('usage: npm run bench -- [--repeat N] [--tickets 50..7000]');
  process.exit(2);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

interface RunningHub {
  child: ChildProcess;
  readyMs: number;
  mqttUrl: string;
  stop(): Promise<void>;
}

let nextPort = 21000 + Math.floor(Math.random() * 20000);

async function startHub(dataDir: string): Promise<RunningHub> {
  const mqttPort = nextPort++;
  const httpPort = nextPort++;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['dist/hub/main.js'], {
    env: {
      ...process.env,
      QMS_DATA_DIR: dataDir,
      QMS_MQTT_PORT: String(mqttPort),
      QMS_HTTP_PORT: String(httpPort),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes(' ready ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`hub exited (${code}): ${out}`)));
  });
  const readyMs = performance.now() - t0;
  return {
    child,
    readyMs,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function connect(url: string, id: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connectMqtt(url, { clientId: id, username: id, password, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Kiosks each send one request, wait for its reply, and send the next, TICKETS in all. */
async function issuance(
  kiosks: number,
): Promise<{ perSecond: number; p50: number; p99: number; tickets: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-bench-'));
  try {
    const db = openDb(dir);
    const devices = new DeviceStore(db);
    const passwords = Array.from({ length: kiosks }, (_, i) =>
      devices.register(`kiosk-${i}`, 'kiosk', null, Date.now()),
    );
    db.close();
    const hub = await startHub(dir);
    const clients = await Promise.all(passwords.map((p, i) => connect(hub.mqttUrl, `kiosk-${i}`, p)));
    const latencies: number[] = [];
    const procedures = [
      'can-cuoc-01',
      'cu-tru-01',
      'xuat-nhap-canh-01',
      'ly-lich-tu-phap-01',
      'dang-ky-xe-01',
      'giay-phep-lai-xe-01',
      'pccc-01',
      'an-ninh-trat-tu-01',
    ];
    const perKiosk = Math.floor(TICKETS / kiosks);
    let refused = 0;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, i) => {
        await client.subscribeAsync(topics.deviceReply(`kiosk-${i}`), { qos: 1 });
        for (let n = 0; n < perKiosk; n++) {
          const requestId = `b${i}-${n}`;
          const sent = performance.now();
          await new Promise<void>((resolve) => {
            const onMessage = (_t: string, payload: Buffer) => {
              const reply = JSON.parse(payload.toString()) as { requestId: string; ok: boolean };
              if (reply.requestId !== requestId) return;
              if (!reply.ok) refused++;
              client.off('message', onMessage);
              resolve();
            };
            client.on('message', onMessage);
            client.publish(
              topics.deviceRequest(`kiosk-${i}`, 'issue-ticket'),
              JSON.stringify({ v: 1, requestId, procedureId: procedures[(i + n) % procedures.length] }),
              { qos: 1 },
            );
          });
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.endAsync()));
    await hub.stop();
    // A refused request is not a ticket: figures with refusals would flatter the hub.
    if (refused > 0) throw new Error(`${refused} requests were refused; the figures would be wrong`);
    return {
      perSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      tickets: latencies.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
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

async function main() {
  const results: Record<string, number> = {};
  const rows: [string, string][] = [];
  const collect = async <T extends Record<string, number>>(
    label: string,
    run: () => Promise<T>,
    keys: (keyof T)[],
  ) => {
    const runs: T[] = [];
    for (let r = 0; r < REPEAT; r++) runs.push(await run());
    for (const k of keys) {
      const value = median(runs.map((x) => x[k]));
      results[`${label}.${String(k)}`] = Math.round(value * 100) / 100;
    }
  };

  await collect('startToReadyMs', startToReady, ['first', 'warm']);
  rows.push(['hub start to ready, first start (ms)', String(results['startToReadyMs.first'])]);
  rows.push(['hub start to ready, existing store (ms)', String(results['startToReadyMs.warm'])]);
  for (const k of [1, 10, 50]) {
    await collect(`issue.${k}kiosks`, () => issuance(k), ['perSecond', 'p50', 'p99']);
    rows.push([`tickets/s with ${k} kiosk(s)`, String(results[`issue.${k}kiosks.perSecond`])]);
    rows.push([
      `  press-to-reply p50 / p99 (ms)`,
      `${results[`issue.${k}kiosks.p50`]} / ${results[`issue.${k}kiosks.p99`]}`,
    ]);
  }

  const width = Math.max(...rows.map(([a]) => a.length));
  console.log(`\nmedian of ${REPEAT} runs, ${TICKETS} tickets each, durable store (WAL, synchronous=FULL)\n`);
  for (const [a, b] of rows) console.log(`${a.padEnd(width)}  ${b}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/latest.json',
    `${JSON.stringify({ at: new Date().toISOString(), repeat: REPEAT, tickets: TICKETS, results }, null, 2)}\n`,
  );
  console.log('\nwritten: bench/results/latest.json');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
