// Hostile or broken event-stream clients on real sockets: each connects,
// sends `GET /api/events`, takes the first chunk of the answer (to learn its
// status) and never reads again, so whatever the hub sends piles up in the
// kernel buffers and then in the hub. Many source addresses (127.0.0.x, all
// of which reach loopback on Linux) stand for many machines on the LAN.

import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface StalledStreams {
  sockets: Socket[];
  /** HTTP status of each stream's answer (0: the connection closed with no answer). */
  statuses: number[];
  /** How many streams got each status. */
  count(status: number): number;
  /** First chunk of each refused stream's answer (headers and body), for checking the error. */
  refusals: string[];
  close(): void;
}

/** `count` loopback addresses other than 127.0.0.1 (Linux routes all of 127/8 to loopback). */
export const loopbackAddresses = (count: number, first = 1): string[] =>
  Array.from(
    { length: count },
    (_, i) => `127.0.${Math.floor((first + i) / 250)}.${((first + i) % 250) + 1}`,
  );

/** Open one stream and wait for the first chunk of its answer; the socket is then left unread. */
function openOne(
  port: number,
  localAddress: string,
): Promise<{ socket: Socket; status: number; head: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let settled = false;
    const done = (status: number, head: string) => {
      if (settled) return;
      settled = true;
      resolve({ socket, status, head });
    };
    socket.once('connect', () =>
      socket.write(
        `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
      ),
    );
    socket.once('data', (chunk: Buffer) => {
      // Never read again: the hub's writes stay in the kernel, then in the hub.
      socket.pause();
      const head = chunk.toString('utf8');
      done(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head);
    });
    socket.on('error', () => done(0, ''));
    socket.once('close', () => done(0, ''));
  });
}

/** Open `total` stalled streams spread round-robin over `addresses`, `parallel` at a time. */
export async function openStalledStreams(
  port: number,
  total: number,
  addresses: string[],
  parallel = 50,
): Promise<StalledStreams> {
  const sockets: Socket[] = [];
  const statuses: number[] = [];
  const refusals: string[] = [];
  for (let i = 0; i < total; i += parallel) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(parallel, total - i) }, (_, j) =>
        openOne(port, addresses[(i + j) % addresses.length]!),
      ),
    );
    for (const { socket, status, head } of batch) {
      sockets.push(socket);
      statuses.push(status);
      if (status !== 200) refusals.push(head);
    }
  }
  return {
    sockets,
    statuses,
    refusals,
    count: (status) => statuses.filter((s) => s === status).length,
    close() {
      for (const s of sockets) s.destroy();
    },
  };
}

/** Resident memory of a process in MiB (VmRSS from /proc/<pid>/status). */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const kb = Number(
    new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1],
  );
  return kb / 1024;
}

/** A well-behaved event-stream client (a board already showing): reads every `board` snapshot. */
export function followEvents(port: number, localAddress = '127.0.0.1') {
  let status = 0;
  let events = 0;
  let pings = 0;
  let revision = -1;
  let text = '';
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.setEncoding('utf8');
  socket.once('connect', () =>
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`),
  );
  socket.on('data', (chunk: string) => {
    if (!status) status = Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk)?.[1] ?? 0);
    text += chunk;
    // Chunked transfer: each event is whole inside its chunk; read `data:` lines of `board` events.
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      if (/^: ping$/m.test(block)) pings++;
      const data = /^event: board\ndata: (.*)$/m.exec(block.replace(/^[0-9a-f]+\r\n/gm, ''))?.[1];
      if (!data) continue;
      events++;
      revision = (JSON.parse(data) as { revision: number }).revision;
    }
  });
  socket.on('error', () => {});
  return {
    status: () => status,
    events: () => events,
    /** Heartbeat comments read. */
    pings: () => pings,
    /** Revision of the last snapshot read (-1: none yet). */
    revision: () => revision,
    open: () => !socket.destroyed && socket.readyState === 'open',
    close: () => socket.destroy(),
  };
}
