// The kiosk keeps printing while the hub is down, from the number lease the
// hub granted in advance (from the top of each range, so online tickets run
// 1001, 1002, … without gaps); when the hub comes back the outbox syncs and
// every printed ticket is in the queue exactly once, in issue-time order. A
// resent sync creates nothing. With no lease left and no hub nothing is
// printed.
// The hub is a real process, killed with SIGKILL and restarted on its store.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Choice } from '../../edge/kiosk/button-panel.js';
import type { Kiosk, NotPrinted, PrintedTicket } from '../../edge/kiosk/kiosk.js';
import type { OutboxEntry } from '../../edge/kiosk/local-state.js';
import { startKiosk } from '../../edge/kiosk/main.js';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { reply, type SyncTicketsResult } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, freePort, type HubProcess, nextMessage, spawnHub, tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { waitFor } from '../helpers/pty.js';

const dir = tempDir('qms-kiosk-offline-');
let hub: HubProcess | undefined;
let kiosk: Kiosk | undefined;

afterAll(async () => {
  await kiosk?.stop();
  await hub?.kill();
  dir.remove();
});

interface Row {
  id: string;
  display: string;
  status: string;
  issued_at: number;
  queued_at: number;
  source_request: string | null;
}

function tickets(hubDir: string): Row[] {
  const db = openDb(hubDir);
  try {
    return db
      .prepare(
        'SELECT id, display, status, issued_at, queued_at, source_request FROM tickets ORDER BY queued_at, number',
      )
      .all() as Row[];
  } finally {
    db.close();
  }
}

/** Press and wait for the outcome: printed, not printed, or (a test bug) ignored. */
function press(k: Kiosk, button: number): Promise<PrintedTicket | NotPrinted> {
  return new Promise((resolve, reject) => {
    const done = (value: PrintedTicket | NotPrinted) => {
      k.off('printed', done);
      k.off('not-printed', done);
      k.off('choice', ignored);
      resolve(value);
    };
    const ignored = (choice: Choice) => {
      if (choice.kind === 'ignored') reject(new Error(`press ignored: ${choice.reason}`));
    };
    k.on('printed', done);
    k.on('not-printed', done);
    k.on('choice', ignored);
    k.press(button);
  });
}

describe('kiosk offline', () => {
  it('prints from the lease while the hub is down; the hub takes each ticket once, by issue time', async () => {
    const hubDir = join(dir.path, 'hub');
    const db = openDb(hubDir);
    const password = new DeviceStore(db).register('kiosk-1', 'kiosk', null, Date.now());
    db.close();
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    hub = await spawnHub(hubDir, mqttPort, httpPort);

    const printerFile = join(dir.path, 'printer.out');
    const logs = memorySink();
    kiosk = await startKiosk(
      kioskConfig({
        mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
        httpUrl: `http://127.0.0.1:${httpPort}`,
        password,
        dataDir: join(dir.path, 'kiosk'),
        hardware: {
          leaseSize: 2,
          // Long: an online press on a busy machine must not fall back to the
          // lease; the offline presses happen once the link is known down.
          requestTimeoutMs: 15_000,
          printer: { transport: { type: 'file', path: printerFile }, paperWidthMm: 58 },
        },
      }),
      { log: createLogger('kiosk', { sink: logs, timestamps: false }) },
    );
    const k = kiosk;
    await waitFor(() => k.state.data.lease && k.catalogue, 15_000, 'the lease and the catalogue');
    // Leased from the top of the range (1001–1999), downward.
    expect(k.state.data.lease!.series['field:can-cuoc']!.numbers).toEqual([1999, 1998]);
    expect(k.state.data.lease!.series['field:cu-tru']!.numbers).toEqual([2999, 2998]);

    const online = (await press(k, 0)) as PrintedTicket;
    expect(online.kind).toBe('online');
    expect(online.view.display).toBe('1001'); // the day starts at the start of the range

    await hub.kill('SIGKILL');
    await waitFor(() => !k.connection.connected, 15_000, 'the kiosk to notice');

    const a = (await press(k, 0)) as PrintedTicket;
    const b = (await press(k, 1)) as PrintedTicket;
    const c = (await press(k, 0)) as PrintedTicket;
    expect([a.kind, b.kind, c.kind]).toEqual(['leased', 'leased', 'leased']);
    expect([a.view.display, b.view.display, c.view.display]).toEqual(['1999', '2999', '1998']);
    expect(a.view).toMatchObject({ offline: true, fieldName: 'Căn cước', estimatedWaitSeconds: null });
    expect(a.view.lookupUrl).toMatch(new RegExp(`^http://127.0.0.1:${httpPort}/t/[0-9a-f-]{36}$`));
    // The lease of "Căn cước" is used up and the hub is away: nothing is printed.
    const none = (await press(k, 0)) as NotPrinted;
    expect(none).toMatchObject({ code: 'unavailable' });
    expect(k.ledPattern).toBe('blink-fast');
    expect(k.state.outbox.map((e) => e.display)).toEqual(['1999', '2999', '1998']);
    const outbox: OutboxEntry[] = structuredClone([...k.state.outbox]);

    // The hub comes back on the same store; the kiosk reconnects and syncs.
    hub = await spawnHub(hubDir, mqttPort, httpPort);
    await waitFor(() => k.state.outbox.length === 0, 15_000, 'the outbox to sync');
    // And tops its lease up again.
    await waitFor(
      () => k.state.data.lease?.series['field:can-cuoc']?.numbers.length === 2,
      5000,
      'a new lease',
    );
    // Below the numbers already used; the printed ones are never leased again.
    expect(k.state.data.lease!.series['field:can-cuoc']!.numbers).toEqual([1997, 1996]);
    const later = (await press(k, 0)) as PrintedTicket;
    expect(later.kind).toBe('online');
    // Online numbering runs on without a gap.
    expect(later.view.display).toBe('1002');

    const rows = tickets(hubDir).filter((r) => r.status === 'waiting');
    // Each printed ticket once, with the id printed in its QR code, in the order they were printed.
    expect(rows.map((r) => r.display)).toEqual(['1001', '1999', '2999', '1998', '1002']);
    for (const entry of outbox) {
      const row = rows.find((r) => r.id === entry.ticketId);
      expect(row).toMatchObject({ display: entry.display, source_request: entry.requestId });
      expect(row!.queued_at).toBe(entry.issuedAt);
    }

    // A resent sync (a lost reply) is answered "duplicate" and changes nothing.
    const side = await connectDevice(`mqtt://127.0.0.1:${mqttPort}`, 'kiosk-1', password, {
      clientId: 'kiosk-1:resend',
      clean: true,
    });
    await side.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
    const answer = nextMessage(side, topics.deviceReply('kiosk-1'));
    await side.publishAsync(
      topics.deviceRequest('kiosk-1', 'sync-tickets'),
      JSON.stringify({
        v: 1,
        requestId: 'resend-1',
        tickets: outbox.map(({ display: _d, ...t }) => t),
      }),
      { qos: 1 },
    );
    const r = reply.parse(JSON.parse((await answer).toString()));
    side.end(true);
    expect(r.ok).toBe(true);
    const results = (r as { data: SyncTicketsResult }).data.results;
    expect(results.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(tickets(hubDir).filter((row) => row.status === 'waiting')).toHaveLength(5);
    expect(logs.lines.join('\n')).toContain('printing from the number lease');
  }, 60_000);
});
