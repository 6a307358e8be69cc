// The optional CCCD QR scanner: a USB scanner in serial (CDC-ACM) mode sends
// each code as text ending in CR or LF. A card is parsed (shared/cccd.ts);
// the kiosk learns only the holder's age on the office's date and a masked ID
// number for its log: nothing else is kept or sent anywhere.

import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { ageOn, cardDateProblem, maskIdNumber, parseCccdQr } from '../../shared/cccd.js';
import { localDate } from '../../shared/local-date.js';
import type { Logger } from '../../shared/log/logger.js';

export interface ScannedCard {
  maskedId: string;
  age: number;
}

export interface ScannerEvents {
  card: [card: ScannedCard];
  rejected: [reason: string];
}

/**
 * Splits the byte stream into lines at CR or LF, on bytes: a Vietnamese
 * letter is 2–3 bytes in UTF-8 and a USB packet may end in the middle of one,
 * so text is decoded only once a line is complete (serialport's RegexParser
 * decodes each chunk on its own and would garble such a letter).
 */
export class LineSplitter {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const lines: string[] = [];
    for (let i = data.findIndex((b) => b === 0x0a || b === 0x0d); i >= 0; ) {
      if (i > 0) lines.push(data.subarray(0, i).toString('utf8'));
      data = data.subarray(i + 1);
      i = data.findIndex((b) => b === 0x0a || b === 0x0d);
    }
    // A scanner never sends this much without an end of line: drop it rather than grow.
    this.pending = data.length > 4096 ? Buffer.alloc(0) : Buffer.from(data);
    return lines;
  }
}

/** Turn one scanned line into a card (age and masked id only), or a reason it is not one. */
export function readCardLine(
  line: string,
  now: number,
  timeZone: string,
): { ok: true; card: ScannedCard } | { ok: false; reason: string } {
  const parsed = parseCccdQr(line);
  if (!parsed.ok) return parsed;
  const today = localDate(now, timeZone);
  const problem = cardDateProblem(parsed.card, today);
  if (problem) return { ok: false, reason: problem };
  const age = ageOn(parsed.card.dateOfBirth, today);
  return { ok: true, card: { maskedId: maskIdNumber(parsed.card.idNumber), age } };
}

export class CccdScanner extends EventEmitter<ScannerEvents> {
  private port: SerialPort | null = null;
  private reopenTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly options: {
      path: string;
      baudRate: number;
      timeZone: string;
      log: Logger;
      now?: () => number;
    },
  ) {
    super();
  }

  /** Open the port; a missing or failing scanner is retried every few seconds, never fatal. */
  start(): void {
    if (this.closed) return;
    const { path, baudRate, log } = this.options;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    this.port = port;
    const lines = new LineSplitter();
    port.on('data', (chunk: Buffer) => {
      for (const line of lines.push(chunk)) this.onLine(line);
    });
    port.on('close', () => {
      if (!this.closed) {
        log.warn('QR scanner disconnected', { path });
        this.retry();
      }
    });
    port.on('error', (error) => log.warn('QR scanner problem', { path, error: error.message }));
    port.open((error) => {
      if (error) {
        log.warn('QR scanner not available', { path, error: error.message });
        this.retry();
      } else log.info('QR scanner ready', { path });
    });
  }

  private retry(): void {
    if (this.closed || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      this.start();
    }, 5000);
    this.reopenTimer.unref();
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    const result = readCardLine(line, (this.options.now ?? Date.now)(), this.options.timeZone);
    if (!result.ok) {
      // Never the text itself: it may be someone's card read badly.
      this.options.log.warn('QR code ignored: not a CCCD', { reason: result.reason, length: line.length });
      this.emit('rejected', result.reason);
      return;
    }
    this.options.log.info('CCCD scanned', { id: result.card.maskedId, age: result.card.age });
    this.emit('card', result.card);
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    const port = this.port;
    return new Promise((resolve) => {
      if (!port?.isOpen) return resolve();
      port.close(() => resolve());
    });
  }
}
