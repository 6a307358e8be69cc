import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_QUERY, statusReply } from '../../../edge/kiosk/escpos.js';
import {
  FileTransport,
  Printer,
  PrinterError,
  type PrinterTransport,
  TcpTransport,
} from '../../../edge/kiosk/printer.js';
import type { PrinterState } from '../../../edge/kiosk/printer-state.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { tempDir } from '../../helpers/hub.js';

const log = createLogger('printer', { sink: memorySink(), timestamps: false });

class FakeTransport implements PrinterTransport {
  readonly description = 'fake';
  answer: Uint8Array | null | 'throw' = statusReply('ok');
  failWrites = false;
  written: Uint8Array[] = [];
  async write(bytes: Uint8Array) {
    if (this.failWrites) throw new Error('EIO');
    this.written.push(bytes);
  }
  async query() {
    if (this.answer === 'throw') throw new Error('ENOENT');
    return this.answer;
  }
  async close() {}
}

describe('Printer', () => {
  it('follows the status answers and reports each change once', async () => {
    const transport = new FakeTransport();
    const printer = new Printer(transport, { statusQuery: true, log });
    const seen: PrinterState[] = [];
    printer.on('state', (s) => seen.push(s));
    expect(await printer.check()).toBe('ok');
    expect(await printer.check()).toBe('ok');
    transport.answer = statusReply('paper_out');
    expect(await printer.check()).toBe('paper_out');
    transport.answer = new Uint8Array(); // silence
    expect(await printer.check()).toBe('offline');
    transport.answer = 'throw'; // unplugged
    expect(await printer.check()).toBe('offline');
    transport.answer = null; // no status channel at all
    expect(await printer.check()).toBe('ok');
    expect(seen).toEqual(['ok', 'paper_out', 'offline', 'ok']);
  });

  it('without status queries assumes ok until a write fails', async () => {
    const transport = new FakeTransport();
    transport.answer = statusReply('paper_out');
    const printer = new Printer(transport, { statusQuery: false, log });
    expect(await printer.check()).toBe('ok');
    transport.failWrites = true;
    await expect(printer.print(new Uint8Array([1]))).rejects.toBeInstanceOf(PrinterError);
    expect(printer.state).toBe('offline');
    transport.failWrites = false;
    await printer.print(new Uint8Array([2]));
    expect(printer.state).toBe('ok');
  });
});

describe('transports', () => {
  const dir = tempDir();
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it('file: appends each job', async () => {
    const path = join(dir.path, 'out', 'printer.bin');
    const t = new FileTransport(path);
    await t.write(Uint8Array.from([1, 2]));
    await t.write(Uint8Array.from([3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(await t.query()).toBeNull();
  });

  it('tcp 9100: prints, reads DLE EOT, reconnects after the printer drops the line', async () => {
    const received: Buffer[] = [];
    let state: PrinterState = 'ok';
    const sockets: Socket[] = [];
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk) => {
        received.push(chunk);
        // A printer answers each DLE EOT n on its own.
        for (let i = 0; i + 2 < chunk.length; i++) {
          if (chunk[i] === 0x10 && chunk[i + 1] === 0x04) {
            const n = chunk[i + 2]!;
            const reply = statusReply(state);
            socket.write(Buffer.from([reply[n === 1 ? 0 : n === 2 ? 1 : 2]!]));
          }
        }
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const printer = new Printer(new TcpTransport('127.0.0.1', port), { statusQuery: true, log });
    expect(await printer.check()).toBe('ok');
    await printer.print(Uint8Array.from([0x1b, 0x40, 0x41]));
    state = 'cover_open';
    expect(await printer.check()).toBe('cover_open');
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    state = 'paper_near_end';
    expect(await printer.check()).toBe('paper_near_end');
    const all = Buffer.concat(received);
    expect(all.includes(Buffer.from([0x1b, 0x40, 0x41]))).toBe(true);
    expect(all.includes(Buffer.from(STATUS_QUERY))).toBe(true);
    expect(sockets.length).toBe(2);
    await printer.close();
  });

  it('tcp: a printer that is not there is offline within the time-out', async () => {
    server = createServer();
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server!.close(r));
    server = undefined;
    const printer = new Printer(new TcpTransport('127.0.0.1', port), {
      statusQuery: true,
      log,
      statusTimeoutMs: 300,
    });
    const started = Date.now();
    expect(await printer.check()).toBe('offline');
    // Ended by the refusal or the time-out, not left hanging; the margin is
    // for a busy machine, the figure is printed.
    const ms = Date.now() - started;
    console.log(`printer check against a closed port: offline after ${ms} ms`);
    expect(ms).toBeLessThan(300 + 10_000);
  });
});
