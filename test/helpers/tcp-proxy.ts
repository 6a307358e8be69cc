// A loopback TCP proxy that can cut its links, for fault tests: devices
// connect to the proxy instead of the hub, and the test cuts every open link
// (both sockets destroyed at once, as when a cable or Wi-Fi drops), holds
// new connections off for a while (the link is down), and lets them through
// again (the link is back).

import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface TcpProxy {
  /** The port devices connect to. */
  port: number;
  /** Links open now. */
  readonly open: number;
  /** Cut events so far: calls of `cut()` that found at least one open link. */
  readonly cuts: number;
  /** Links (client sockets) destroyed by those cuts. */
  readonly linksCut: number;
  /** Destroy every open link (client and hub side) at once. */
  cut(): void;
  /** From now on, accept connections and drop them at once (the link is down). */
  down(): void;
  /** Forward new connections again. */
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const links = new Set<[Socket, Socket]>();
  let isDown = false;
  let cuts = 0;
  let linksCut = 0;

  const server: Server = createServer({ noDelay: true }, (client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect({ host: targetHost, port: targetPort, noDelay: true });
    const link: [Socket, Socket] = [client, upstream];
    links.add(link);
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    get open() {
      return links.size;
    },
    get cuts() {
      return cuts;
    },
    get linksCut() {
      return linksCut;
    },
    cut() {
      if (links.size > 0) cuts++;
      for (const [client, upstream] of [...links]) {
        linksCut++;
        // resetAndDestroy sends RST where available: no orderly FIN, like a dead link.
        (client as Socket & { resetAndDestroy?: () => void }).resetAndDestroy?.() ?? client.destroy();
        upstream.destroy();
      }
      links.clear();
    },
    down() {
      isDown = true;
    },
    up() {
      isDown = false;
    },
    close() {
      for (const [client, upstream] of links) {
        client.destroy();
        upstream.destroy();
      }
      links.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
