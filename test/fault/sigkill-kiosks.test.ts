// The hub process killed with SIGKILL again and again while several kiosks
// issue tickets. The kiosks are MQTT clients on the real device connection
// code that behave as the durability contract asks (docs/protocol.md §6): a
// ticket is printed only on an ok reply, and a press whose reply does not
// come is retried with the same requestId, across the hub's restarts.
// Afterwards every printed ticket is in the store as printed, no number was
// handed out twice, and no press made two tickets.

import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import type { DeviceConnection } from '../../shared/device/connection.js';
import type { IssuedTicket } from '../../shared/protocol/messages.js';
import { freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import { until, within } from '../helpers/wait.js';
import {
  allTickets,
  duplicates,
  openDevice,
  pressUntilPrinted,
  readStore,
  sleep,
  untilConnected,
} from './support.js';

const KIOSKS = 5;
const KILLS = 4;
const PROCEDURES = ['can-cuoc-01', 'cu-tru-01', 'xuat-nhap-canh-01', 'dang-ky-xe-01'];

describe('hub killed with SIGKILL while several kiosks issue tickets', () => {
  const dir = tempDir('qms-fault-kill-');
  let hub: HubProcess | undefined;
  const kiosks: DeviceConnection[] = [];

  afterAll(async () => {
    await Promise.all(kiosks.map((k) => k.client.endAsync(true)));
    await hub?.kill();
    dir.remove();
  });

  it('keeps every printed ticket and never issues a number twice', async () => {
    const db = openDb(dir.path);
    const devices = new DeviceStore(db);
    const passwords = Array.from({ length: KIOSKS }, (_, i) =>
      devices.register(`kiosk-${i}`, 'kiosk', null, Date.now()),
    );
    db.close();
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    hub = await spawnHub(dir.path, mqttPort, httpPort);
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    for (let i = 0; i < KIOSKS; i++) kiosks.push(openDevice(url, `kiosk-${i}`, 'kiosk', passwords[i]!));
    await Promise.all(kiosks.map((k) => untilConnected(k)));

    /** requestId → the ticket the kiosk printed. */
    const printed = new Map<string, IssuedTicket & { kiosk: string }>();
    let pressesStarted = 0;
    const stats = { retried: 0 };
    let repeatsAnswered = 0;
    let stop = false;
    const loops = kiosks.map(async (kiosk, i) => {
      for (let n = 0; !stop; n++) {
        const requestId = `k${i}-p${n}`;
        pressesStarted++;
        const ticket = await pressUntilPrinted(
          kiosk,
          requestId,
          PROCEDURES[(i + n) % PROCEDURES.length]!,
          stats,
        );
        printed.set(requestId, { ...ticket, kiosk: `kiosk-${i}` });
      }
    });

    const kills: { printedBefore: number; restartMs: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      // Let some tickets through, then kill mid-stream at a random moment.
      const target = printed.size + 25 + Math.floor(Math.random() * 25);
      await until(`${target} tickets printed before kill ${k + 1}`, () => printed.size >= target, 20_000);
      await sleep(Math.random() * 10); // a random moment in the stream, not a wait for anything
      kills.push({ printedBefore: printed.size, restartMs: 0 });
      await hub.kill('SIGKILL');
      repeatsAnswered += hub.output().split('repeated request answered again').length - 1;
      const t0 = Date.now();
      hub = await spawnHub(dir.path, mqttPort, httpPort);
      kills.at(-1)!.restartMs = Date.now() - t0;
    }
    // A last stretch on the live hub, then each kiosk finishes the press it is on.
    const target = printed.size + 20;
    await until(`${target} tickets printed after the last restart`, () => printed.size >= target, 20_000);
    stop = true;
    await within('each kiosk to finish the press it is on', Promise.all(loops), 25_000);
    repeatsAnswered += hub.output().split('repeated request answered again').length - 1;
    // Each kill cut the presses in flight: they were retried with the same id.
    expect(stats.retried).toBeGreaterThanOrEqual(KILLS);

    const rows = readStore(dir.path, allTickets);
    const byId = new Map(rows.map((r) => [r.id, r]));
    // Every press ended printed, and every printed ticket is there as printed.
    expect(printed.size).toBe(pressesStarted);
    for (const [requestId, ticket] of printed) {
      expect(byId.get(ticket.ticketId), `ticket of ${requestId}`).toMatchObject({
        display: ticket.display,
        number: ticket.number,
        source_device: ticket.kiosk,
        source_request: requestId,
      });
    }
    // No number twice in a series, no press with two tickets, no ticket nobody printed.
    expect(duplicates(rows, (r) => `${r.service_date}/${r.series_key}/${r.number}`)).toEqual([]);
    expect(duplicates(rows, (r) => `${r.source_device}/${r.source_request}`)).toEqual([]);
    expect(rows).toHaveLength(printed.size);
    // Each series is gap-free: a killed transaction never burnt a number either.
    const bySeries = new Map<string, number[]>();
    for (const r of rows) bySeries.set(r.series_key, [...(bySeries.get(r.series_key) ?? []), r.number]);
    for (const [series, numbers] of bySeries) {
      const sorted = numbers.sort((a, b) => a - b);
      expect(sorted.at(-1)! - sorted[0]! + 1, `numbers of ${series}`).toBe(sorted.length);
    }
    console.log(
      `SIGKILL ×${KILLS} with ${KIOSKS} kiosks: ${printed.size} tickets printed, ${stats.retried} presses ` +
        `retried across a kill (${repeatsAnswered} answered from the stored reply); ` +
        `restarts ${kills.map((k) => `${k.restartMs} ms`).join(', ')}`,
    );
  }, 120_000);
});
