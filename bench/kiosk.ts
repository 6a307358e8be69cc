// `npx tsx bench/kiosk.ts [presses, default 100]`: press-to-bytes-ready
// latency of the kiosk program — a simulated button press through the GPIO
// layer to the ESC/POS bytes ready for the printer transport — with a real
// hub (in this process) on loopback. Online (the hub answers issue-ticket)
// on 80 mm and 58 mm paper, and offline (hub stopped: printed from the
// number lease, written durably to the outbox first). Prints a table.

import { join } from 'node:path';
import type { Kiosk, PrintedTicket } from '../edge/kiosk/kiosk.js';
import { startKiosk } from '../edge/kiosk/main.js';
import { NullTransport } from '../edge/kiosk/printer.js';
import { createLogger, memorySink } from '../shared/log/logger.js';
import { startTestHub, type TestHub, tempDir } from '../test/helpers/hub.js';
import { kioskConfig } from '../test/helpers/kiosk.js';
import { percentile, until } from './helpers.js';

const PRESSES = Number(process.argv[2] ?? 100);

async function pressAndWait(kiosk: Kiosk, button: number): Promise<PrintedTicket> {
  const printed = new Promise<PrintedTicket>((resolve, reject) => {
    kiosk.once('printed', resolve);
    kiosk.once('not-printed', (why) => reject(new Error(`not printed: ${why.code} ${why.reason}`)));
  });
  kiosk.press(button);
  const ticket = await printed;
  kiosk.removeAllListeners('not-printed');
  return ticket;
}

interface Row {
  name: string;
  n: number;
  toNumber: number[];
  toBytes: number[];
}

async function run(
  hub: TestHub,
  dataDir: string,
  name: string,
  paper: 58 | 80,
  presses: number,
  offline: boolean,
): Promise<Row> {
  const kiosk = await startKiosk(
    kioskConfig({
      deviceId: `kiosk-bench-${paper}${offline ? '-off' : ''}`,
      mqttUrl: hub.mqttUrl,
      httpUrl: hub.httpUrl,
      password: hub.addDevice(`kiosk-bench-${paper}${offline ? '-off' : ''}`, 'kiosk'),
      dataDir,
      hardware: {
        printer: { paperWidthMm: paper },
        leaseSize: offline ? Math.min(50, Math.ceil(presses / 2)) : 5,
      },
    }),
    {
      // Bytes ready is the end of the measurement: the transport itself is not timed.
      transport: new NullTransport(),
      log: createLogger('kiosk', { sink: memorySink(), timestamps: false }),
    },
  );
  await until(() => kiosk.connection.connected && kiosk.catalogue && kiosk.state.data.lease);
  if (offline) {
    await hub.stop();
    await until(() => !kiosk.connection.connected);
  }
  // Warm-up (fonts, JIT) is not counted.
  for (let i = 0; i < 3 && !offline; i++) await pressAndWait(kiosk, i % 2);
  const row: Row = { name, n: 0, toNumber: [], toBytes: [] };
  for (let i = 0; i < presses; i++) {
    const t = await pressAndWait(kiosk, i % 2);
    row.toNumber.push(t.timings.numberAt - t.timings.pressedAt);
    row.toBytes.push(t.timings.bytesReadyAt - t.timings.pressedAt);
    row.n++;
  }
  await kiosk.stop();
  return row;
}

async function main(): Promise<void> {
  const dir = tempDir('qms-bench-kiosk-');
  const rows: Row[] = [];
  try {
    for (const paper of [80, 58] as const) {
      const hub = await startTestHub();
      try {
        rows.push(
          await run(hub, join(dir.path, `on-${paper}`), `online, ${paper} mm`, paper, PRESSES, false),
        );
      } finally {
        await hub.stop();
      }
    }
    const hub = await startTestHub();
    // run() stops this hub itself to take the kiosk offline.
    rows.push(await run(hub, join(dir.path, 'off'), 'offline (lease), 80 mm', 80, PRESSES, true));
  } finally {
    dir.remove();
  }

  const ms = (v: number) => v.toFixed(1).padStart(8);
  console.log(`\nkiosk: simulated press → ESC/POS bytes ready (ms), ${PRESSES} presses each\n`);
  console.log(
    `${'case'.padEnd(26)}${'n'.padStart(5)}${'→number p50'.padStart(13)}${'→bytes p50'.padStart(12)}${'→bytes p99'.padStart(12)}${'max'.padStart(9)}`,
  );
  for (const r of rows) {
    const num = [...r.toNumber].sort((a, b) => a - b);
    const bytes = [...r.toBytes].sort((a, b) => a - b);
    console.log(
      `${r.name.padEnd(26)}${String(r.n).padStart(5)}${ms(percentile(num, 50)).padStart(13)}${ms(percentile(bytes, 50)).padStart(12)}${ms(percentile(bytes, 99)).padStart(12)}${ms(bytes.at(-1)!).padStart(9)}`,
    );
  }
  console.log(
    '\n→number: until the number is durable (the hub committed and answered, or the lease was written with fsync);\n→bytes: plus rendering the ticket picture and encoding ESC/POS.',
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
