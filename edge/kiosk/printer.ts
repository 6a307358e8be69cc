// The thermal printer: four transports behind one interface, and the printer
// itself (status, printing, one operation at a time).
// - device: the kernel's usblp (/dev/usb/lp0), plain writes, no libusb;
// - serial: `serialport` (RS-232 or USB-serial printers);
// - tcp: a network printer's raw port 9100;
// - file: ESC/POS bytes appended to a file (simulation, tests).
// Each has time-outs, and reads the DLE EOT status where it can. A printer
// that does not answer the status query counts as offline, since the kiosk
// must not issue a number it cannot print; `printer.statusQuery: false` is
// for printers that never answer.

import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { appendFile, type FileHandle, mkdir, open } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import type { PrinterTransport as TransportConfig } from '../../shared/config/device-config.js';
import type { Logger } from '../../shared/log/logger.js';
import { parseStatus, STATUS_QUERY, STATUS_REPLY_BYTES } from './escpos.js';
import { canPrint, type PrinterState } from './printer-state.js';

export class PrinterError extends Error {
  override name = 'PrinterError';
}

export interface PrinterTransport {
  /** For logs: `serial /dev/ttyUSB0 @115200`. */
  readonly description: string;
  /** Resolves when the bytes have left for the printer. */
  write(bytes: Uint8Array, timeoutMs: number): Promise<void>;
  /**
   * Send `request`, collect up to `replyBytes` bytes until `timeoutMs`;
   * null when this transport cannot read at all.
   */
  query(request: Uint8Array, replyBytes: number, timeoutMs: number): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PrinterError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- file

/** Appends every job to a file; cannot read a status (the printer is assumed fine). */
export class FileTransport implements PrinterTransport {
  readonly description: string;
  constructor(readonly path: string) {
    this.description = `file ${path}`;
  }
  async write(bytes: Uint8Array): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, bytes);
  }
  async query(): Promise<null> {
    return null;
  }
  async close(): Promise<void> {}
}

/** Bytes go nowhere (simulate mode keeps each ticket in <dataDir>/printed instead). */
export class NullTransport implements PrinterTransport {
  readonly description = 'none (simulated)';
  async write(): Promise<void> {}
  async query(): Promise<null> {
    return null;
  }
  async close(): Promise<void> {}
}

// ---------------------------------------------------------------- device file (usblp)

/** A character device may take part of a write: go on until every byte is in. */
async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

/**
 * /dev/usb/lp0. Opened for each job, so an unplugged and replugged printer
 * is found again; O_NONBLOCK for the status read, which usblp supports on
 * printers with a return channel.
 */
export class DeviceTransport implements PrinterTransport {
  readonly description: string;
  constructor(readonly path: string) {
    this.description = `device ${path}`;
  }

  async write(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    // No O_CREAT: with the printer unplugged this fails instead of making a regular file.
    const file = await open(this.path, constants.O_WRONLY | constants.O_NOCTTY);
    try {
      await withTimeout(writeAll(file, bytes), timeoutMs, `writing to ${this.path}`);
    } finally {
      await file.close().catch(() => undefined);
    }
  }

  async query(request: Uint8Array, replyBytes: number, timeoutMs: number): Promise<Uint8Array> {
    const file = await open(this.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      await withTimeout(file.write(request), timeoutMs, `writing to ${this.path}`);
      const got: number[] = [];
      const buffer = Buffer.alloc(64);
      const until = Date.now() + timeoutMs;
      while (got.length < replyBytes && Date.now() < until) {
        try {
          const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
          for (let i = 0; i < bytesRead; i++) got.push(buffer[i]!);
          if (bytesRead > 0) continue;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        }
        await sleep(5);
      }
      return Uint8Array.from(got.slice(0, replyBytes));
    } finally {
      await file.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {}
}

// ---------------------------------------------------------------- serial and tcp (streams)

interface ByteStream {
  write(bytes: Uint8Array): Promise<void>;
  onData(listener: (chunk: Buffer) => void): () => void;
  readonly open: boolean;
  close(): Promise<void>;
}

/** A transport over a stream that is opened on first use and again after any failure. */
abstract class StreamTransport implements PrinterTransport {
  abstract readonly description: string;
  private stream: ByteStream | null = null;
  private opening: Promise<ByteStream> | null = null;

  protected abstract connect(timeoutMs: number): Promise<ByteStream>;

  private async ensure(timeoutMs: number): Promise<ByteStream> {
    if (this.stream?.open) return this.stream;
    this.opening ??= this.connect(timeoutMs).finally(() => {
      this.opening = null;
    });
    this.stream = await this.opening;
    return this.stream;
  }

  private async drop(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    await s?.close().catch(() => undefined);
  }

  async write(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    try {
      const stream = await this.ensure(timeoutMs);
      await withTimeout(stream.write(bytes), timeoutMs, `writing to ${this.description}`);
    } catch (error) {
      await this.drop();
      throw error;
    }
  }

  async query(request: Uint8Array, replyBytes: number, timeoutMs: number): Promise<Uint8Array> {
    let stream: ByteStream;
    try {
      stream = await this.ensure(timeoutMs);
    } catch (error) {
      await this.drop();
      throw error;
    }
    const got: number[] = [];
    let stop: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      stop = stream.onData((chunk) => {
        for (const b of chunk) got.push(b);
        if (got.length >= replyBytes) resolve();
      });
    });
    try {
      await withTimeout(stream.write(request), timeoutMs, `writing to ${this.description}`);
      await Promise.race([done, sleep(timeoutMs)]);
    } catch (error) {
      await this.drop();
      throw error;
    } finally {
      stop();
    }
    return Uint8Array.from(got.slice(0, replyBytes));
  }

  async close(): Promise<void> {
    await this.drop();
  }
}

export class SerialTransport extends StreamTransport {
  readonly description: string;
  constructor(
    readonly path: string,
    readonly baudRate: number,
  ) {
    super();
    this.description = `serial ${path} @${baudRate}`;
  }

  protected async connect(timeoutMs: number): Promise<ByteStream> {
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
    await withTimeout(
      new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve()))),
      timeoutMs,
      `opening ${this.path}`,
    );
    port.on('error', () => undefined); // reported through the failing write or query
    return {
      get open() {
        return port.isOpen;
      },
      write: (bytes) =>
        new Promise<void>((resolve, reject) => {
          port.write(Buffer.from(bytes), (e) => {
            if (e) return reject(e);
            port.drain((d) => (d ? reject(d) : resolve()));
          });
        }),
      onData(listener) {
        port.on('data', listener);
        return () => port.off('data', listener);
      },
      close: () =>
        new Promise<void>((resolve) => {
          if (!port.isOpen) return resolve();
          port.close(() => resolve());
        }),
    };
  }
}

export class TcpTransport extends StreamTransport {
  readonly description: string;
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super();
    this.description = `tcp ${host}:${port}`;
  }

  protected async connect(timeoutMs: number): Promise<ByteStream> {
    const socket: Socket = connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      timeoutMs,
      `connecting to ${this.host}:${this.port}`,
    ).catch((error: unknown) => {
      socket.destroy();
      throw error;
    });
    let open = true;
    socket.on('close', () => {
      open = false;
    });
    socket.on('error', () => {
      open = false;
    });
    return {
      get open() {
        return open && !socket.destroyed;
      },
      write: (bytes) =>
        new Promise<void>((resolve, reject) => {
          socket.write(bytes, (e) => (e ? reject(e) : resolve()));
        }),
      onData(listener) {
        socket.on('data', listener);
        return () => socket.off('data', listener);
      },
      close: async () => {
        socket.destroy();
      },
    };
  }
}

export function createTransport(config: TransportConfig): PrinterTransport {
  switch (config.type) {
    case 'device':
      return new DeviceTransport(config.path);
    case 'serial':
      return new SerialTransport(config.path, config.baudRate);
    case 'tcp':
      return new TcpTransport(config.host, config.port);
    case 'file':
      return new FileTransport(config.path);
  }
}

// ---------------------------------------------------------------- the printer

export interface PrinterOptions {
  /** Ask DLE EOT before each job; when off the state is assumed fine until a write fails. */
  statusQuery: boolean;
  /** Time-out of one status query (and of opening the transport). */
  statusTimeoutMs?: number;
  /** Bits per byte on the wire, to give a slow serial line time for a large picture. */
  baudRate?: number;
  log: Logger;
}

export interface PrinterEvents {
  /** The state changed (also the first time it is known). */
  state: [state: PrinterState, detail: string[]];
}

/** One printer, one operation at a time (a status query never interleaves a job). */
export class Printer extends EventEmitter<PrinterEvents> {
  state: PrinterState | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly transport: PrinterTransport,
    private readonly options: PrinterOptions,
  ) {
    super();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private set(state: PrinterState, detail: string[]): PrinterState {
    if (state !== this.state) {
      const previous = this.state;
      this.state = state;
      const log = canPrint(state) ? this.options.log.info : this.options.log.warn;
      log(`printer ${state}`, { previous: previous ?? undefined, detail: detail.join(', ') || undefined });
      this.emit('state', state, detail);
    }
    return state;
  }

  /** Ask the printer how it is (or assume ok without a status channel). */
  check(): Promise<PrinterState> {
    return this.exclusive(() => this.checkNow());
  }

  private async checkNow(): Promise<PrinterState> {
    if (!this.options.statusQuery) return this.set(this.state === null ? 'ok' : this.state, []);
    const timeout = this.options.statusTimeoutMs ?? 500;
    try {
      const reply = await this.transport.query(STATUS_QUERY, STATUS_REPLY_BYTES, timeout);
      if (reply === null) return this.set('ok', ['no status channel']);
      const parsed = parseStatus(reply);
      return this.set(parsed.state, parsed.detail);
    } catch (error) {
      return this.set('offline', [(error as Error).message]);
    }
  }

  /** Send a job. Throws PrinterError (state offline) when the bytes could not be delivered. */
  print(bytes: Uint8Array): Promise<void> {
    return this.exclusive(async () => {
      // ~10 bits per byte on a serial line, with room to spare; other transports are far faster.
      const wireMs = this.options.baudRate ? (bytes.length * 10 * 1000) / this.options.baudRate : 0;
      const timeoutMs = 5000 + Math.round(wireMs * 1.5);
      try {
        await this.transport.write(bytes, timeoutMs);
      } catch (error) {
        this.set('offline', [(error as Error).message]);
        throw new PrinterError(
          `printing failed on ${this.transport.description}: ${(error as Error).message}`,
        );
      }
      if (!this.options.statusQuery && this.state !== 'ok') this.set('ok', []);
    });
  }

  close(): Promise<void> {
    return this.exclusive(() => this.transport.close());
  }
}
