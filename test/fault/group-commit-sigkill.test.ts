// Group commit against SIGKILL: many kiosks press at the same instant, so
// their tickets share transactions, and the hub process is killed the moment
// the first replies arrive (the rest of the presses still in flight). Every
// ticket a kiosk got a reply for must be in the store: a reply never leaves
// before its own change is on disk, whichever batch it was in.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import { allTickets, readStore } from './support.js';

const KIOSKS = 30;
const ROUNDS = 3;

interface Reply {
  requestId: string;
  ok: boolean;
  data?: { ticketId: string; display: string };
}

describe('group commit: hub killed with SIGKILL right after replies', () => {
  const dir = tempDir('qms-fault-group-');
  let hub: HubProcess | undefined;
  let clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await hub?.kill();
    dir.remove();
  });

  it('every replied ticket is in the store', async () => {
    const db = openDb(dir.path);
    const devices = new DeviceStore(db);
    const passwords = Array.from({ length: KIOSKS }, (_, i) =>
      devices.register(`kiosk-${i}`, 'kiosk', null, Date.now()),
    );
    db.close();
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    // Every kiosk connects from 127.0.0.1: lift the per-address caps of the MQTT front door.
    const config = join(dir.path, 'hub.json');
    const many = { maxConnectionsPerAddress: 500, maxUnauthenticatedPerAddress: 500 };
    writeFileSync(config, JSON.stringify({ mqtt: { limits: many } }));
    const replied = new Map<string, string>(); // requestId → ticketId
    const sizes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      hub = await spawnHub(dir.path, mqttPort, httpPort, { env: { QMS_CONFIG: config } });
      const url = `mqtt://127.0.0.1:${mqttPort}`;
      clients = await Promise.all(passwords.map((pw, i) => connectDevice(url, `kiosk-${i}`, pw)));
      await Promise.all(
        clients.map((c, i) => c.subscribeAsync(topics.deviceReply(`kiosk-${i}`), { qos: 1 })),
      );
      const child = hub.child;
      let inRound = 0;
      const firstReplies = new Promise<void>((resolve) => {
        for (const c of clients) {
          c.on('message', (_topic, payload) => {
            const reply = JSON.parse(payload.toString()) as Reply;
            if (!reply.ok || !reply.data) return;
            replied.set(reply.requestId, reply.data.ticketId);
            // Killed at once, in the same turn as the replies arrive: no time to write anything more.
            if (++inRound === 3) {
              child.kill('SIGKILL');
              resolve();
            }
          });
        }
      });
      // Everyone presses twice at once: many requests per turn of the hub's event loop.
      for (const [i, c] of clients.entries())
        for (const n of [0, 1])
          c.publish(
            topics.deviceRequest(`kiosk-${i}`, 'issue-ticket'),
            JSON.stringify({ v: 1, requestId: `g${round}-${i}-${n}`, procedureId: 'can-cuoc-01' }),
            { qos: 1 },
          );
      await firstReplies;
      await hub.kill();
      await Promise.all(clients.map((c) => c.endAsync(true)));
      sizes.push(inRound);
    }
    const stored = new Map(readStore(dir.path, allTickets).map((r) => [r.source_request, r.id]));
    expect(replied.size).toBeGreaterThanOrEqual(3 * ROUNDS);
    for (const [requestId, ticketId] of replied) {
      expect(stored.get(requestId), `ticket replied to ${requestId}`).toBe(ticketId);
    }
    console.log(
      `group commit under SIGKILL: ${replied.size} replied tickets over ${ROUNDS} kills, all in the store ` +
        `(replies seen before each kill: ${sizes.join(', ')}; stored ${stored.size} of ${KIOSKS * 2 * ROUNDS} presses)`,
    );
  }, 120_000);
});
