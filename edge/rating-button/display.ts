// The counter number display: an LED board on a serial line (RS-232, or
// RS-485 through a USB adapter or a transceiver on the Pi's UART) showing the
// number called or served at this counter. It is fed from the counter's
// retained MQTT state, and the current number is sent again on every state
// message (so a reconnect to the hub, which delivers the retained state again,
// puts the right number back) and whenever the serial port opens again (a
// board or adapter unplugged and plugged back). In simulate mode without a
// serial path the frame shown is written to a file.

import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import type { Logger } from '../../shared/log/logger.js';
import { type FrameOptions, renderFrame } from './frame.js';

/** Where frames go. `onOpen` is called each time the line is (re)opened. */
export interface DisplaySink {
  write(frame: Buffer): Promise<void>;
  onOpen(listener: () => void): void;
  close(): Promise<void>;
}

const REOPEN_MS = 2000;

/** A serial port that reopens itself after an error or an unplugged adapter. */
export function serialSink(options: {
  path: string;
  baudRate: number;
  /** RS-485 with driver-enable on RTS: raise RTS while sending. */
  rs485?: { turnaroundMs: number } | undefined;
  log: Logger;
  reopenMs?: number;
}): DisplaySink {
  const { path, baudRate, rs485, log } = options;
  let port: SerialPort | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let lastProblem = '';
  const listeners: (() => void)[] = [];

  const problem = (what: string, error: unknown) => {
    const text = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    // Said once per kind of problem, not every two seconds while it lasts.
    if (text !== lastProblem) log.warn('counter display', { path, problem: text });
    lastProblem = text;
  };
  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      open();
    }, options.reopenMs ?? REOPEN_MS);
    timer.unref();
  };
  // Which device the path named when it was opened. An adapter unplugged and
  // plugged back, or a pty made anew, is another device under the same name,
  // and the open port would write into the void: checked every few seconds.
  let openedDevice: number | null = null;
  const deviceOf = () => {
    try {
      return statSync(path).rdev;
    } catch {
      return null;
    }
  };
  const watchdog = setInterval(() => {
    const p = port;
    if (!p || closed) return;
    const now = deviceOf();
    if (now === openedDevice) return;
    problem('serial device changed', now === null ? `${path} is gone` : `${path} is another device now`);
    port = null;
    p.close(() => undefined); // its 'close' schedules the reopen
  }, options.reopenMs ?? REOPEN_MS);
  watchdog.unref();

  const open = () => {
    const p = new SerialPort({ path, baudRate, autoOpen: false });
    p.on('error', (error) => problem('serial error', error));
    p.on('close', () => {
      if (port === p) port = null;
      if (!closed && port === null) {
        problem('serial port closed', 'reopening');
        retry();
      }
    });
    p.open((error) => {
      if (error) {
        problem('cannot open', error);
        return retry();
      }
      if (closed) {
        p.close();
        return;
      }
      port = p;
      openedDevice = deviceOf();
      lastProblem = '';
      log.info('counter display open', { path, baudRate, rs485: rs485 !== undefined });
      for (const l of listeners) l();
    });
  };

  const setRts = (p: SerialPort, rts: boolean) =>
    new Promise<void>((resolve, reject) => p.set({ rts }, (e) => (e ? reject(e) : resolve())));

  let chain: Promise<void> = Promise.resolve();
  const send = async (frame: Buffer) => {
    const p = port;
    if (!p) return; // sent again when the port opens
    try {
      if (rs485) await setRts(p, true);
      await new Promise<void>((resolve, reject) => p.write(frame, (e) => (e ? reject(e) : resolve())));
      await new Promise<void>((resolve, reject) => p.drain((e) => (e ? reject(e) : resolve())));
      if (rs485) {
        await sleep(rs485.turnaroundMs);
        await setRts(p, false);
      }
    } catch (error) {
      problem('write failed', error);
    }
  };

  open();
  return {
    write(frame) {
      chain = chain.then(() => send(frame));
      return chain;
    },
    onOpen(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(watchdog);
      await chain;
      const p = port;
      port = null;
      if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
    },
  };
}

/** The last frame written to a file, as the board would show it: simulation, the demo and tests. */
export function fileSink(path: string, log: Logger): DisplaySink {
  let chain: Promise<void> = mkdir(dirname(path), { recursive: true }).then(() => undefined);
  log.info('simulated counter display: the frame shown is written to a file', { path });
  return {
    write(frame) {
      chain = chain
        .then(() => writeFile(path, frame))
        .catch((error: unknown) => log.warn('display file', { error }));
      return chain;
    },
    onOpen(listener) {
      queueMicrotask(listener);
    },
    async close() {
      await chain;
    },
  };
}

export class CounterDisplay {
  private current: string | null = null;
  private known = false;
  private readonly refresh: NodeJS.Timeout | null;

  constructor(
    private readonly sink: DisplaySink,
    private readonly frame: FrameOptions,
    private readonly counterId: number,
    /** Send the current number again this often (0: on changes only). */
    refreshMs = 0,
  ) {
    sink.onOpen(() => {
      if (this.known) void this.send();
    });
    this.refresh = refreshMs > 0 ? setInterval(() => this.known && void this.send(), refreshMs) : null;
    this.refresh?.unref();
  }

  /** The number called or served now (null: none). Always sent, even when unchanged. */
  show(number: string | null): Promise<void> {
    this.current = number;
    this.known = true;
    return this.send();
  }

  get showing(): string | null {
    return this.current;
  }

  private send(): Promise<void> {
    return this.sink.write(renderFrame(this.frame, this.current, this.counterId));
  }

  close(): Promise<void> {
    if (this.refresh) clearInterval(this.refresh);
    return this.sink.close();
  }
}
