// Server-sent events for the board and the consoles: a `board` event with
// the whole snapshot on connect and after each change. EventSource
// reconnects by itself (after `retry` ms) when the hub restarts or the
// network drops, and the first event after a reconnect is a full snapshot.

import type { FastifyInstance } from 'fastify';
import type { BoardFeed, BoardSnapshot } from '../service/board.js';

const HEARTBEAT_MS = 20_000;

export function registerEvents(app: FastifyInstance, feed: BoardFeed): void {
  app.get('/api/board', { schema: { summary: 'Snapshot of calls, counters and waiting counts' } }, async () =>
    feed.snapshot(),
  );

  app.get('/api/events', { schema: { summary: 'Server-sent events: `board` snapshots' } }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (snapshot: BoardSnapshot) => res.write(`event: board\ndata: ${JSON.stringify(snapshot)}\n\n`);
    res.write('retry: 2000\n\n');
    send(feed.snapshot());
    feed.on('update', send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      feed.off('update', send);
    };
    request.raw.on('close', close);
    res.on('error', close);
  });
}
