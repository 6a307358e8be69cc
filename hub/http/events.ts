// Server-sent events for the board, the consoles and the ticket pages: a
// `board` event with the whole snapshot on connect and after each change.
// EventSource reconnects by itself (after `retry` ms) when the hub restarts
// or the network drops, and the first event after a reconnect is a full
// snapshot. Each snapshot is serialised once, into one Buffer shared by all
// clients; how many streams may open and what they may hold is decided by
// EventStreams (caps per address and in total, latest value only, a total
// memory budget).

import type { FastifyInstance } from 'fastify';
import type { BoardFeed, BoardSnapshot } from '../service/board.js';
import type { EventStreams } from './event-streams.js';
import { EVENT_HEARTBEAT_MS } from './limits.js';
import { clientAddress, errorBody } from './route-helpers.js';

const frame = (snapshot: BoardSnapshot) => `event: board\ndata: ${JSON.stringify(snapshot)}\n\n`;
const HEARTBEAT = Buffer.from(': ping\n\n');

export function registerEvents(app: FastifyInstance, feed: BoardFeed, streams: EventStreams): void {
  const onUpdate = (snapshot: () => BoardSnapshot) => {
    if (streams.size === 0) return; // nobody follows: not even built
    streams.broadcast(Buffer.from(frame(snapshot())));
  };
  feed.on('update', onUpdate);
  const heartbeat = setInterval(() => streams.tick(HEARTBEAT), EVENT_HEARTBEAT_MS);
  heartbeat.unref();
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    feed.off('update', onUpdate);
    streams.closeAll();
  });

  app.get('/api/board', { schema: { summary: 'Snapshot of calls, counters and waiting counts' } }, async () =>
    feed.snapshot(),
  );

  app.get(
    '/api/events',
    {
      // A HEAD request would hold a stream slot with nothing to read.
      exposeHeadRoute: false,
      schema: {
        summary:
          'Server-sent events: `board` snapshots. Refused with 503 when the hub has its maximum of ' +
          'streams, 429 when this address has (see `http.limits`).',
      },
    },
    (request, reply) => {
      const address = clientAddress(request);
      const admission = streams.admit(address);
      if (!admission.ok) {
        return reply
          .code(admission.status)
          .header('retry-after', String(admission.retryAfterSeconds))
          .header('connection', 'close')
          .send(errorBody(admission.code, admission.message));
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      streams.add(address, res, Buffer.from(`retry: 2000\n\n${frame(feed.snapshot())}`));
    },
  );
}
