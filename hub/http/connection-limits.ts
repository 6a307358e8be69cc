// Connection-level limits on the hub's HTTP server, below Fastify:
// - at most `maxConnections` open sockets (Node drops new ones at accept);
// - at most `maxConnectionsPerAddress` from one address, so one machine
//   cannot take every slot with idle sockets;
// - a connection that sends nothing at all within the header time-out is
//   closed (Node's own header time-out starts only with the first byte).
// The header, request, keep-alive and idle time-outs themselves are Node's
// (set in server.ts).

import type { Server } from 'node:http';
import type { Logger } from '../../shared/log/logger.js';
import type { HttpLimits } from './limits.js';
import { normalAddress } from './route-helpers.js';

const LOG_EVERY_MS = 60_000;

export interface ConnectionStats {
  open: number;
  droppedTotalCap: number;
  refusedAddressCap: number;
  silentClosed: number;
}

export function limitConnections(
  server: Server,
  limits: Pick<HttpLimits, 'maxConnections' | 'maxConnectionsPerAddress' | 'headersTimeoutMs'>,
  log: Logger,
): { stats: () => ConnectionStats } {
  server.maxConnections = limits.maxConnections;
  const perAddress = new Map<string, number>();
  const counts = { droppedTotalCap: 0, refusedAddressCap: 0, silentClosed: 0 };
  let open = 0;
  let lastLogAt = Number.NEGATIVE_INFINITY;
  let refusedSinceLog = 0;
  const noteRefusal = (why: string, address: string | undefined) => {
    refusedSinceLog++;
    const now = Date.now();
    if (now - lastLogAt < LOG_EVERY_MS) return;
    log.warn('connections refused (caps reached)', {
      refused: refusedSinceLog,
      why,
      lastAddress: address,
      open,
    });
    refusedSinceLog = 0;
    lastLogAt = now;
  };

  server.on('drop', (data?: { remoteAddress?: string }) => {
    counts.droppedTotalCap++;
    noteRefusal('maxConnections', data?.remoteAddress);
  });
  server.on('connection', (socket) => {
    const address = normalAddress(socket.remoteAddress);
    const mine = (perAddress.get(address) ?? 0) + 1;
    if (mine > limits.maxConnectionsPerAddress) {
      counts.refusedAddressCap++;
      noteRefusal('maxConnectionsPerAddress', address);
      socket.destroy();
      return;
    }
    perAddress.set(address, mine);
    open++;
    const silent = setTimeout(() => {
      if (socket.bytesRead > 0) return;
      counts.silentClosed++;
      socket.destroy();
    }, limits.headersTimeoutMs);
    silent.unref();
    socket.once('close', () => {
      clearTimeout(silent);
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });

  return { stats: () => ({ open, ...counts }) };
}
