// `npx tsx bench/rating.ts [presses, default 50]`: how long from a key press
// on the rating device to the hub's acknowledgement, and how long a device
// takes to deliver what it kept during a hub outage once the hub is back.
// A real hub (in this process, SQLite synchronous=FULL), the real rating
// program with simulated GPIO keys, MQTT over loopback. Each press follows a
// real service (kiosk ticket, officer call/start/finish over HTTP), so every
// press is a new rating stored with its reply in one transaction.

import { performance } from 'node:perf_hooks';
import { startRating } from '../edge/rating-button/main.js';
import { SimulatedGpio } from '../shared/hardware/gpio.js';
import { createLogger, memorySink } from '../shared/log/logger.js';
import { freePort, startTestHub, tempDir } from '../test/helpers/hub.js';
import { ratingConfig, testKiosk, testOfficer, until } from '../test/helpers/rating.js';
import { percentile, sleep } from './helpers.js';

const PRESSES = Number(process.argv[2] ?? 50);
const OUTAGE_PRESSES = 20;

const row = (label: string, values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(1);
  return `| ${label} | ${s.length} | ${f(percentile(s, 50))} | ${f(percentile(s, 99))} | ${f(s.at(-1)!)} |`;
};

async function main(): Promise<void> {
  const dir = tempDir('qms-bench-rating-');
  const ports = { mqttPort: await freePort(), httpPort: await freePort() };
  const hubDir = `${dir.path}/hub`;
  let t = await startTestHub({ dataDir: hubDir, ...ports });
  const quiet = createLogger('rating', { sink: memorySink(), timestamps: false });
  const gpio = new SimulatedGpio();
  const device = await startRating(
    ratingConfig({
      deviceId: 'rating-bench',
      password: t.addDevice('rating-bench', 'rating', 1),
      mqttUrl: t.mqttUrl,
      dataDir: `${dir.path}/device`,
      counterId: 1,
      hardware: { pressWindowMs: 0 },
    }),
    { gpio, log: quiet },
  );
  try {
    await until('device online', () => device.connection.connected);
    const kiosk = await testKiosk(t.mqttUrl, 'kiosk-bench', t.addDevice('kiosk-bench', 'kiosk'));
    const cookie = await t.signIn('canbo1', await t.addAccount('canbo1', 'officer'));
    const officer = testOfficer(t.httpUrl, cookie, 1);
    await officer.take();

    // 1. Press → acknowledged, one press per served ticket.
    const latencies: number[] = [];
    const levels = ['very_satisfied', 'satisfied', 'unsatisfied'] as const;
    for (let i = 0; i < PRESSES; i++) {
      await kiosk.issue('can-cuoc-01');
      await officer.serve();
      await until('invite', () => device.invite === 'done');
      const answered = new Promise<number>((resolve, reject) => {
        const onAccepted: Parameters<typeof device.on<'accepted'>>[1] = (_e, r) => {
          device.off('refused', onRefused);
          if (r?.outcome === 'recorded') resolve(performance.now());
          else reject(new Error(`outcome ${r?.outcome}`));
        };
        const onRefused: Parameters<typeof device.on<'refused'>>[1] = (_e, error) => {
          device.off('accepted', onAccepted);
          reject(new Error(error.code));
        };
        device.once('accepted', onAccepted);
        device.once('refused', onRefused);
      });
      const pressedAt = performance.now();
      device.press(levels[i % 3]!);
      latencies.push((await answered) - pressedAt);
      await sleep(40); // past the key's debounce before the next press
    }
    await kiosk.close();

    // 2. Outage: presses kept in the outbox while the hub is stopped, then
    // delivered after the restart (on the same store and ports).
    const k2 = await testKiosk(t.mqttUrl, 'kiosk-bench', t.addDevice('kiosk-bench', 'kiosk'));
    await k2.issue('can-cuoc-01');
    await k2.close();
    await officer.serve();
    await t.stop();
    await until('device offline', () => !device.connection.connected);
    for (let i = 0; i < OUTAGE_PRESSES; i++) {
      device.press(levels[i % 3]!);
      await sleep(40);
    }
    await until('presses kept', () => device.outbox.events.length === OUTAGE_PRESSES);
    let answered = 0;
    const onAnswer = () => answered++;
    device.on('accepted', onAnswer);
    device.on('refused', onAnswer);
    const restartAt = performance.now();
    t = await startTestHub({ dataDir: hubDir, ...ports });
    const hubReady = performance.now();
    await until('outbox drained', () => answered === OUTAGE_PRESSES, 60_000);
    const drained = performance.now();
    const stored = t.hub.db
      .prepare("SELECT count(*) AS n FROM requests WHERE device_id = 'rating-bench'")
      .get() as {
      n: number;
    };

    console.log(
      `\nRating keys (${PRESSES} presses, one per served ticket; loopback MQTT, SQLite synchronous=FULL)\n`,
    );
    console.log('| from → to | n | median ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|');
    console.log(row('key press → hub acknowledged (outbox write + MQTT + commit + reply)', latencies));
    console.log(
      `\nOutage: ${OUTAGE_PRESSES} presses kept while the hub was stopped; hub restart took ${(hubReady - restartAt).toFixed(0)} ms; ` +
        `all ${OUTAGE_PRESSES} acknowledged ${(drained - hubReady).toFixed(0)} ms after the hub was ready ` +
        `(device reconnect period 1 s); ${stored.n} events stored in all (${PRESSES} + ${OUTAGE_PRESSES}), each once.`,
    );
  } finally {
    await device.stop();
    await t.stop();
    dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
