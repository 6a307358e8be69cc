// Server-sent events for the board, the consoles and the ticket pages: a
// `board` event with the whole snapshot on connect and after each change.
// EventSource reconnects by itself (after `retry` ms) when the hub restarts
// or the network drops, and the first event after a reconnect is a full
// snapshot. Each snapshot is serialised once for all clients, and a client
// that stops reading is dropped rather than buffered without end.

import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { BoardFeed, BoardSnapshot } from '../service/board.js';

const HEARTBEAT_MS = 20_000;
/** A client this far behind (a phone that went to sleep mid-stream) is cut; it reconnects when it wakes. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

const frame = (snapshot: BoardSnapshot) => `event: board\ndata: ${JSON.stringify(snapshot)}\n\n`;

export function registerEvents(app: FastifyInstance, feed: BoardFeed): void {
  const clients = new Set<ServerResponse>();
  const write = (res: ServerResponse, text: string) => {
    if (res.writableLength > MAX_BACKLOG_BYTES) {
      clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  };
  const onUpdate = (snapshot: BoardSnapshot) => {
    if (clients.size === 0) return;
    const text = frame(snapshot);
    for (const res of clients) write(res, text);
  };
  feed.on('update', onUpdate);
  const heartbeat = setInterval(() => {
    for (const res of clients) write(res, ': ping\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    feed.off('update', onUpdate);
    for (const res of clients) res.end();
    clients.clear();
  });

  app.get('/api/board', { schema: { summary: 'Snapshot of calls, counters and waiting counts' } }, async () =>
    feed.snapshot(),
  );

  app.get(
    '/api/events',
    { schema: { summary: 'Server-sent events: `board` snapshots' } },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 2000\n\n${frame(feed.snapshot())}`);
      clients.add(res);
      const close = () => clients.delete(res);
      request.raw.on('close', close);
      res.on('error', close);
    },
  );
}
