// A scanned code that is not a valid card (here: born in the future) gives
// the citizen a sign at the kiosk's hardware: two beeps on the buzzer line
// and the status LED flashing fast, then back to steady. Also: the reader
// refuses future birth and issue dates.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startKiosk } from '../../edge/kiosk/main.js';
import { readCardLine } from '../../edge/kiosk/scanner.js';
import { SimulatedGpio } from '../../shared/hardware/gpio.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { ptyPair, waitFor } from '../helpers/pty.js';

const dir = tempDir('qms-kiosk-rejected-');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  dir.remove();
});

const ZONE = 'Asia/Ho_Chi_Minh';
/** 28 Nov 2025, 09:00 in Hà Nội. */
const NOW = Date.UTC(2025, 10, 28, 2, 0);
const card = (dob: string, issued = '10052021') =>
  `038060001234||Nguyễn Văn An|${dob}|Nam|Thanh Hóa|${issued}`;

describe('CCCD dates', () => {
  it('refuses a birth date or issue date after today, accepts one born today', () => {
    expect(readCardLine(card('29112025', '29112025'), NOW, ZONE)).toEqual({
      ok: false,
      reason: 'the date of birth is in the future',
    });
    expect(readCardLine(card('15031960', '29112025'), NOW, ZONE)).toEqual({
      ok: false,
      reason: 'the issue date is in the future',
    });
    // The office's date, not UTC's: 28 Nov 23:30 UTC is already the 29th in Hà Nội.
    expect(readCardLine(card('29112025', '29112025'), Date.UTC(2025, 10, 28, 17, 30), ZONE)).toMatchObject({
      ok: true,
      card: { age: 0 },
    });
    expect(readCardLine(card('15031960'), NOW, ZONE)).toMatchObject({ ok: true, card: { age: 65 } });
  });
});

describe('a rejected card at the kiosk', () => {
  it('beeps twice and flashes the LED, then the LED is steady again', { timeout: 120_000 }, async () => {
    const hub: TestHub = await startTestHub();
    cleanup.push(() => hub.stop());
    const pty = await ptyPair(dir.path, 'reject');
    cleanup.push(() => pty.close());
    const gpio = new SimulatedGpio();
    const BUZZER = 27;
    const LED = 22;
    let beeps = 0;
    gpio.on('level', (line, value) => {
      if (line === BUZZER && value === 1) beeps++;
    });
    const kiosk = await startKiosk(
      kioskConfig({
        mqttUrl: hub.mqttUrl,
        httpUrl: hub.httpUrl,
        password: hub.addDevice('kiosk-1', 'kiosk'),
        dataDir: join(dir.path, 'kiosk'),
        hardware: {
          scanner: { path: pty.a, baudRate: 9600 },
          led: { gpio: LED },
          buzzer: { gpio: BUZZER },
          printer: { transport: { type: 'file', path: join(dir.path, 'printer.out') } },
        },
      }),
      { log: createLogger('kiosk', { sink: memorySink(), timestamps: false }), gpio },
    );
    cleanup.push(() => kiosk.stop());
    await waitFor(
      () => kiosk.connection.connected && kiosk.catalogue && kiosk.ledPattern === 'on',
      10_000,
      'kiosk ready',
    );
    expect(beeps).toBe(0);

    let rejected = 0;
    // The LED as it is the moment the kiosk has handled the code (its listener runs first).
    const patterns: (string | null)[] = [];
    kiosk.scanner!.on('rejected', () => {
      rejected++;
      patterns.push(kiosk.ledPattern);
    });
    // The port opens asynchronously: write until the first rejection is seen.
    const future = `${card('01012099', '01012099')}\n`;
    await waitFor(
      () => {
        if (rejected === 0) writeFileSync(pty.b, future);
        return rejected > 0;
      },
      30_000,
      'the rejection',
    );
    expect(new Set(patterns)).toEqual(new Set(['blink-fast']));
    // Deadlines against a hang only: on a loaded machine the beeps' timers and
    // a late copy of the code (written again until the first was seen) can
    // take seconds.
    await waitFor(() => beeps === 2 * rejected, 30_000, 'two beeps per rejected code');
    await waitFor(() => kiosk.ledPattern === 'on', 30_000, 'the LED steady again');
    expect(beeps).toBe(2 * rejected);
  });
});
