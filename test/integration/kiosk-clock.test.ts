// A kiosk follows the hub's clock: while the hub's time is not trusted its
// tickets carry no time at all; once an officer confirms it, the ticket
// shows the hub's date and time (not the kiosk's own clock, which followed
// the hub's wrong system clock all night).

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Kiosk, PrintedTicket } from '../../edge/kiosk/kiosk.js';
import { startKiosk } from '../../edge/kiosk/main.js';
import { formatIssuedAt } from '../../edge/kiosk/ticket-render.js';
import { HubClock } from '../../shared/device/hub-clock.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { hanoi, TestTimeSources } from '../helpers/clock.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { waitFor } from '../helpers/pty.js';

const dir = tempDir('qms-kiosk-clock-');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  dir.remove();
});

function printed(kiosk: Kiosk): Promise<PrintedTicket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing printed within 5 s')), 5000);
    kiosk.once('printed', (p) => {
      clearTimeout(timer);
      resolve(p);
    });
  });
}

describe('kiosk and the hub clock', () => {
  it('prints no time while the hub is untrusted, the hub’s time once confirmed', async () => {
    // The hub and the kiosk both came up on yesterday evening's time (the kiosk follows the hub by NTP).
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 0));
    const hub: TestHub = await startTestHub({ clock: src.options() });
    cleanup.push(() => hub.stop());
    const logs = memorySink();
    const kiosk = await startKiosk(
      kioskConfig({
        mqttUrl: hub.mqttUrl,
        httpUrl: hub.httpUrl,
        password: hub.addDevice('kiosk-1', 'kiosk'),
        dataDir: join(dir.path, 'kiosk-1'),
      }),
      { log: createLogger('kiosk', { sink: logs, timestamps: false }), now: () => src.wall },
    );
    cleanup.push(() => kiosk.stop());
    await waitFor(
      () => kiosk.connection.connected && kiosk.catalogue && kiosk.hubClock.trusted === false,
      5000,
      'kiosk knows',
    );

    const first = printed(kiosk);
    kiosk.press(0);
    const untrusted = await first;
    expect(untrusted.view.issuedAt).toBe(null);
    expect(untrusted.view.display).toBe('1001');

    // 07:30 this morning, confirmed on the console.
    expect(hub.hub.clock.confirm(hanoi(2026, 11, 27, 7, 30), 'canbo1').ok).toBe(true);
    await waitFor(() => kiosk.hubClock.trusted === true, 5000, 'kiosk learns the confirmed time');
    expect(kiosk.hubClock.now()).toBe(hanoi(2026, 11, 27, 7, 30));
    const second = printed(kiosk);
    kiosk.press(0);
    const trusted = await second;
    expect(trusted.view.display).toBe('1002');
    expect(formatIssuedAt(trusted.view.issuedAt!, 'Asia/Ho_Chi_Minh')).toBe('07:30 – 27/11/2026');
    expect(logs.lines.join('\n')).toMatch(/hub's clock is not trusted/);
  });
});

describe('HubClock', () => {
  it('adds the hub’s offset to the local clock, and knows whether it is trusted', () => {
    let local = 1_000_000;
    const clock = new HubClock(() => local);
    expect([clock.now(), clock.trusted]).toEqual([1_000_000, null]);
    const status = (c: unknown) =>
      JSON.stringify({ v: 1, state: 'online', version: '1', startedAt: 1, ...(c ? { clock: c } : {}) });
    expect(clock.update(status({ source: 'confirmed', trusted: true, offsetMs: 5000 }))).toBe(true);
    local += 10;
    expect([clock.now(), clock.trusted, clock.source]).toEqual([1_005_010, true, 'confirmed']);
    // An older hub without a clock section changes nothing; garbage is ignored.
    expect(clock.update(status(null))).toBe(true);
    expect(clock.now()).toBe(1_005_010);
    expect(clock.update('{"v":1,"state":"online"')).toBe(false);
    expect(clock.update(status({ source: 'ntp', trusted: true, offsetMs: 1e15 }))).toBe(false);
    expect(clock.now()).toBe(1_005_010);
  });
});
