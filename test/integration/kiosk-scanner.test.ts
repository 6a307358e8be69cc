// The CCCD QR scanner over a socat pty pair, as a USB scanner in serial mode:
// valid cards (with and without the old ID, with extra fields, CR or LF
// endings), garbage rejected with a log line that does not repeat it, and a
// card of a person 60+ making the next ticket a priority one on the hub.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PrintedTicket } from '../../edge/kiosk/kiosk.js';
import { startKiosk } from '../../edge/kiosk/main.js';
import { CccdScanner, type ScannedCard } from '../../edge/kiosk/scanner.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { ptyPair, waitFor } from '../helpers/pty.js';

const dir = tempDir('qms-kiosk-scanner-');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  dir.remove();
});

/** 28 Nov 2025, 09:00 in Hà Nội: the office's date for the ages below. */
const NOW = Date.UTC(2025, 10, 28, 2, 0);
const ELDERLY = '038060001234|173456789|Nguyễn Văn An|15031960|Nam|Phường Hạc Thành, Thanh Hóa|10052021';
const YOUNG_NO_OLD_ID = '038095004321||Lê Thị Mai|05031995|Nữ|Xã Đông Sơn, Thanh Hóa|15042021';
const TURNS_60_TOMORROW = '038065000001||Trần Văn Bình|29111965|Nam|Thanh Hóa|01012022|extra|fields|here';

describe('CCCD scanner on a pty', () => {
  it('reads valid cards and rejects garbage with a log line', async () => {
    const pty = await ptyPair(dir.path, 'scan');
    cleanup.push(() => pty.close());
    const logs = memorySink();
    const scanner = new CccdScanner({
      path: pty.a,
      baudRate: 9600,
      timeZone: 'Asia/Ho_Chi_Minh',
      log: createLogger('scanner', { sink: logs, timestamps: false }),
      now: () => NOW,
    });
    cleanup.push(() => scanner.close());
    const cards: ScannedCard[] = [];
    const rejected: string[] = [];
    scanner.on('card', (c) => cards.push(c));
    scanner.on('rejected', (r) => rejected.push(r));
    scanner.start();
    await waitFor(() => logs.lines.some((l) => l.includes('QR scanner ready')), 3000, 'the scanner');

    // The test is the scanner: it writes on the other end, CR, LF or CRLF after each code.
    writeFileSync(pty.b, `${ELDERLY}\r`);
    writeFileSync(pty.b, `${YOUNG_NO_OLD_ID}\n`);
    writeFileSync(pty.b, `${TURNS_60_TOMORROW}\r\n`);
    writeFileSync(pty.b, 'https://example.com/promo?code=123\r');
    writeFileSync(pty.b, '\u0001\u0002garbage|||\n');
    writeFileSync(pty.b, `${ELDERLY.normalize('NFD')}\n`); // decomposed Vietnamese still parses

    await waitFor(() => cards.length + rejected.length === 6, 3000, 'six codes');
    expect(cards).toEqual([
      { maskedId: '0380******34', age: 65 },
      { maskedId: '0380******21', age: 30 },
      { maskedId: '0380******01', age: 59 },
      { maskedId: '0380******34', age: 65 },
    ]);
    expect(rejected).toHaveLength(2);
    const log = logs.lines.join('\n');
    expect(log.match(/QR code ignored: not a CCCD/g)).toHaveLength(2);
    // Nothing of the person reaches the log but the masked number and the age.
    expect(log).not.toContain('038060001234');
    expect(log).not.toContain('Nguyễn');
    expect(log).not.toContain('promo');
  });

  it('makes the next ticket a priority one for a card holder aged 60 or more', async () => {
    const hub: TestHub = await startTestHub();
    cleanup.push(() => hub.stop());
    const pty = await ptyPair(dir.path, 'kscan');
    cleanup.push(() => pty.close());
    const kiosk = await startKiosk(
      kioskConfig({
        mqttUrl: hub.mqttUrl,
        httpUrl: hub.httpUrl,
        password: hub.addDevice('kiosk-1', 'kiosk'),
        dataDir: join(dir.path, 'kiosk'),
        hardware: {
          scanner: { path: pty.a, baudRate: 9600 },
          printer: { transport: { type: 'file', path: join(dir.path, 'printer.out') } },
        },
      }),
      { log: createLogger('kiosk', { sink: memorySink(), timestamps: false }) },
    );
    cleanup.push(() => kiosk.stop());
    await waitFor(() => kiosk.connection.connected && kiosk.catalogue, 5000, 'kiosk connected');
    const printed: PrintedTicket[] = [];
    kiosk.on('printed', (t) => printed.push(t));
    // The scanner's port opens asynchronously: wait for a scan to be seen.
    let seen = 0;
    kiosk.scanner!.on('card', () => seen++);
    await waitFor(
      () => {
        writeFileSync(pty.b, `${YOUNG_NO_OLD_ID}\n`);
        return seen > 0;
      },
      3000,
      'the scanner',
    );

    kiosk.press(0); // under 60: a normal ticket
    await waitFor(() => printed.length === 1, 5000, 'first ticket');
    writeFileSync(pty.b, `${ELDERLY}\n`);
    await waitFor(() => kiosk.panel.machine.armedPriority(Date.now()), 3000, 'priority armed');
    expect(kiosk.ledPattern).toBe('blink-slow');
    kiosk.press(1);
    await waitFor(() => printed.length === 2, 5000, 'second ticket');
    expect(printed[0]!.view.priorityName).toBeNull();
    expect(printed[1]!.view.priorityName).toBe('Người cao tuổi (từ 60 tuổi)');
    const onHub = [...hub.hub.service.state.tickets.values()].find(
      (t) => t.display === printed[1]!.view.display,
    );
    expect(onHub?.priority).toBe('nguoi-cao-tuoi');
  });
});
