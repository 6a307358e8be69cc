// Linked pseudo-terminal pairs from socat, standing in for serial devices
// (a USB printer, a QR scanner): the program under test opens one end, the
// test plays the device on the other.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { decodeRaster, statusReply } from '../../edge/kiosk/escpos.js';
import type { PrinterState } from '../../edge/kiosk/printer-state.js';

export interface PtyPair {
  /** The end the program opens. */
  a: string;
  /** The end the test plays the device on. */
  b: string;
  close(): Promise<void>;
}

export async function ptyPair(dir: string, name = 'tty'): Promise<PtyPair> {
  const a = join(dir, `${name}-a`);
  const b = join(dir, `${name}-b`);
  const child: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const started = Date.now();
  while (!(existsSync(a) && existsSync(b) && /starting data transfer loop/.test(stderr))) {
    if (child.exitCode !== null) throw new Error(`socat exited: ${stderr}`);
    if (Date.now() - started > 5000) throw new Error(`socat did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    a,
    b,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * An ESC/POS printer on the device end of a pty: keeps what it is sent,
 * skips over raster data as a printer does, and answers each DLE EOT n with
 * the status byte of its current `state`.
 */
export class FakeSerialPrinter {
  state: PrinterState = 'ok';
  readonly received: number[] = [];
  private parsed = 0;
  private readonly port: SerialPort;

  private constructor(port: SerialPort) {
    this.port = port;
    port.on('data', (chunk: Buffer) => {
      for (const b of chunk) this.received.push(b);
      this.parse();
    });
  }

  static async open(path: string): Promise<FakeSerialPrinter> {
    const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    return new FakeSerialPrinter(port);
  }

  private parse(): void {
    const r = this.received;
    while (this.parsed < r.length) {
      const i = this.parsed;
      if (r[i] === 0x1d && r[i + 1] === 0x76 && r[i + 2] === 0x30) {
        if (i + 8 > r.length) return; // header not complete yet
        const size = (r[i + 4]! | (r[i + 5]! << 8)) * (r[i + 6]! | (r[i + 7]! << 8));
        if (i + 8 + size > r.length) return;
        this.parsed = i + 8 + size;
      } else if (r[i] === 0x10 && r[i + 1] === 0x04) {
        if (i + 3 > r.length) return;
        const n = r[i + 2]!;
        const reply = statusReply(this.state);
        this.port.write(Buffer.from([reply[n === 1 ? 0 : n === 2 ? 1 : 2]!]));
        this.parsed = i + 3;
      } else this.parsed = i + 1;
    }
  }

  /** Full cuts (GS V 0) outside raster data: one per printed ticket. */
  cuts(): number {
    let count = 0;
    const r = this.received;
    for (let i = 0; i < r.length; i++) {
      if (r[i] === 0x1d && r[i + 1] === 0x76 && r[i + 2] === 0x30) {
        i += 7 + (r[i + 4]! | (r[i + 5]! << 8)) * (r[i + 6]! | (r[i + 7]! << 8));
      } else if (r[i] === 0x1d && r[i + 1] === 0x56 && r[i + 2] === 0x00) count++;
    }
    return count;
  }

  images() {
    return decodeRaster(Uint8Array.from(this.received));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) return resolve();
      this.port.close(() => resolve());
    });
  }
}

/** Poll until `check` is truthy (or fail after `ms`). */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 5000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Two pictures have the same size and the same dots (fast: vitest's deep equality is slow on 500k dots). */
export function expectSameDots(
  actual: { width: number; height: number; dots: Uint8Array } | undefined,
  expected: { width: number; height: number; dots: Uint8Array } | undefined,
): void {
  if (!actual || !expected) throw new Error('missing picture');
  if (actual.width !== expected.width || actual.height !== expected.height) {
    throw new Error(`size ${actual.width}×${actual.height}, expected ${expected.width}×${expected.height}`);
  }
  const a = Buffer.from(actual.dots);
  const e = Buffer.from(expected.dots);
  if (!a.equals(e)) {
    let first = 0;
    while (a[first] === e[first]) first++;
    throw new Error(`dots differ, first at x=${first % actual.width} y=${Math.floor(first / actual.width)}`);
  }
}
