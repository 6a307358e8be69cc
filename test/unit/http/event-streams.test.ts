// EventStreams on a real Node HTTP server and real sockets, with its clock
// injected (so "older than 30 s" needs no waiting): admission caps and the
// replacement of an address's oldest stream, latest-value delivery to a
// client that stops reading, the total memory budget, and stalled streams.

import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventStreams, REPLACE_AFTER_MS, STALL_MS } from '../../../hub/http/event-streams.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';

let now = 0;
let server: Server;
let streams: EventStreams;
let port: number;
const clients: IncomingMessage[] = [];
/** The hub side of each stream, by the address it came from (the last one). */
const serverSide = new Map<string, ServerResponse>();

async function start(limits: {
  maxEventStreams: number;
  maxEventStreamsPerAddress: number;
  maxEventBacklogBytes: number;
}) {
  streams = new EventStreams(
    limits,
    createLogger('events', { sink: memorySink(), timestamps: false }),
    () => now,
  );
  // The test names the client's address in a header: many "addresses" from one machine.
  server = createServer((req, res) => {
    const address = String(req.headers['x-address']);
    const admission = streams.admit(address);
    if (!admission.ok) {
      res.writeHead(admission.status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: { code: admission.code, message: admission.message } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    serverSide.set(address, res);
    streams.add(address, res, Buffer.from('data: first\n\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
}

beforeEach(() => {
  now = 1_000_000;
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  streams?.closeAll();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** Open a stream from `address`; resolves with its response (status and body stream). */
function open(address: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { 'x-address': address } }, (res) => {
      clients.push(res);
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(what: string, check: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The sequence numbers of the frames a client reads (`data: <n> …`). */
function collect(res: IncomingMessage): number[] {
  const seen: number[] = [];
  let text = '';
  res.setEncoding('latin1');
  res.on('data', (d: string) => {
    text += d;
    for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
      const n = /^data: (\d+) /.exec(text.slice(0, i))?.[1];
      if (n) seen.push(Number(n));
      text = text.slice(i + 2);
    }
  });
  return seen;
}

const closed = (res: IncomingMessage) => new Promise<void>((resolve) => res.once('close', () => resolve()));

describe('EventStreams admission', () => {
  it('refuses a burst over the per-address cap with 429, then replaces the oldest once it is 30 s old', async () => {
    await start({ maxEventStreams: 100, maxEventStreamsPerAddress: 2, maxEventBacklogBytes: 1 << 20 });
    const first = await open('10.0.0.5');
    now += 1000;
    await open('10.0.0.5');
    now += 10_000;
    const burst = await open('10.0.0.5');
    expect(burst.statusCode).toBe(429);
    expect((await open('10.0.0.6')).statusCode).toBe(200); // another address is not affected
    // The TV reconnects after a Wi-Fi drop: its first stream, now > 30 s old, is the one replaced.
    now = 1_000_000 + REPLACE_AFTER_MS;
    const firstGone = closed(first);
    const again = await open('10.0.0.5');
    expect(again.statusCode).toBe(200);
    await firstGone;
    expect(streams.stats()).toMatchObject({ open: 3, addresses: 2, replaced: 1, refusedAddressCap: 1 });
  });

  it('refuses a stream over the total cap with 503; a slot freed is taken again', async () => {
    await start({ maxEventStreams: 3, maxEventStreamsPerAddress: 2, maxEventBacklogBytes: 1 << 20 });
    const a = await open('10.0.0.1');
    await open('10.0.0.2');
    await open('10.0.0.3');
    const refused = await open('10.0.0.4');
    expect(refused.statusCode).toBe(503);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      refused.setEncoding('utf8');
      refused.on('data', (d: string) => {
        text += d;
      });
      refused.on('end', () => resolve(text));
    });
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'too_many_streams' } });
    a.destroy();
    await until('slot freed', () => streams.size === 2);
    expect((await open('10.0.0.4')).statusCode).toBe(200);
    expect(streams.stats().refusedTotalCap).toBe(1);
  });
});

describe('EventStreams delivery and memory', () => {
  /** A frame of `size` bytes naming its sequence number. */
  const frame = (n: number, size: number) => Buffer.from(`data: ${n} ${'x'.repeat(size)}\n\n`);

  it('sends a client that stopped reading only the latest snapshot when it reads again', async () => {
    await start({ maxEventStreams: 10, maxEventStreamsPerAddress: 10, maxEventBacklogBytes: 64 << 20 });
    const res = await open('10.0.0.1');
    const seen = collect(res);
    res.pause();
    // Until the socket is full (the kernel buffers take the first ones), then 50 more.
    let n = 0;
    while (!serverSide.get('10.0.0.1')!.writableNeedDrain && n < 10_000)
      streams.broadcast(frame(++n, 256 * 1024));
    expect(n).toBeLessThan(10_000);
    const backlogWhenFull = streams.stats().backlogBytes;
    for (let i = 0; i < 50; i++) streams.broadcast(frame(++n, 256 * 1024));
    // 50 more snapshots did not queue 12.5 MB: at most one more frame.
    expect(streams.stats().backlogBytes).toBeLessThanOrEqual(backlogWhenFull + 256 * 1024 + 64);
    res.resume();
    await until('the latest snapshot', () => seen.at(-1) === n);
    // It got the newest, and skipped (most of) the ones in between.
    expect(seen.length).toBeLessThan(n);
  });

  it('keeps the unsent data of all streams under the total budget, cutting those furthest behind', async () => {
    const budget = 512 * 1024;
    await start({ maxEventStreams: 50, maxEventStreamsPerAddress: 50, maxEventBacklogBytes: budget });
    // A board on a good link: it reads each snapshot before the next comes.
    const reader = await open('10.0.0.1');
    const read = collect(reader);
    const stalled = await Promise.all(Array.from({ length: 20 }, (_, i) => open(`10.0.1.${i}`)));
    for (const s of stalled) s.pause();
    for (let i = 1; i <= 200; i++) {
      streams.broadcast(frame(i, 32 * 1024));
      // The budget is checked once the writes have gone out (next turn of the event loop).
      await new Promise((resolve) => setImmediate(resolve));
      expect(streams.stats().backlogBytes).toBeLessThanOrEqual(budget);
      await until(`the reader has frame ${i}`, () => read.at(-1) === i);
      now += 100;
    }
    const stats = streams.stats();
    // 20 streams that stopped reading would hold ~1 MB (a socket buffer and a frame each): some were cut.
    expect(stats.cutBacklog).toBeGreaterThan(0);
    expect(stats.open).toBe(21 - stats.cutBacklog);
    expect(serverSide.get('10.0.0.1')!.destroyed).toBe(false);
  });

  it('cuts a stream whose socket has not drained for 30 s at the next heartbeat; a reading one stays', async () => {
    await start({ maxEventStreams: 10, maxEventStreamsPerAddress: 10, maxEventBacklogBytes: 1 << 30 });
    const reader = await open('10.0.0.1');
    const read = collect(reader);
    const stalled = await open('10.0.0.2');
    stalled.pause();
    let n = 0;
    while (!serverSide.get('10.0.0.2')!.writableNeedDrain && n < 10_000) {
      streams.broadcast(frame(++n, 256 * 1024));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until('the reader has every frame', () => read.at(-1) === n);
    const heartbeat = Buffer.from(': ping\n\n');
    now += STALL_MS - 1;
    streams.tick(heartbeat);
    expect(streams.stats().open).toBe(2);
    now += 1;
    streams.tick(heartbeat);
    expect(streams.stats()).toMatchObject({ open: 1, cutStalled: 1 });
    expect(serverSide.get('10.0.0.2')!.destroyed).toBe(true);
    // The reading one got the heartbeat.
    await until('the heartbeat read', () => reader.readableLength === 0 && !reader.destroyed);
    expect(serverSide.get('10.0.0.1')!.destroyed).toBe(false);
  });
});
