// Every MQTT connection passes here before aedes sees a byte of it:
// - at accept: caps on connections in total, per source address, and not yet
//   authenticated (total and per address); over a cap the socket is reset at
//   once, before any reading;
// - while reading: a packet-size limit (packet-limit.ts) checked on the bytes
//   as they arrive, so a packet announcing more than allowed closes the
//   connection after its first few bytes instead of being buffered whole —
//   the small before-authentication budget until authenticate() succeeded,
//   the larger per-packet limit afterwards;
// - a CONNECT time-out: a socket that sends nothing, or only part of a
//   CONNECT, is closed.
// aedes gets a GuardedConnection (a Duplex over the socket) instead of the
// socket itself; it is what aedes keeps as `client.conn`, which is how the
// broker's authenticate() tells it that the client has authenticated.

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Metrics } from '../metrics.js';
import { addressKey } from './address.js';
import type { MqttLimits } from './limits.js';
import { PacketLimit, type PacketRefusal } from './packet-limit.js';
import type { RefusalLog } from './refusal-log.js';

export type FrontDoorRefusal =
  | 'too_many_connections'
  | 'too_many_from_address'
  | 'too_many_unauthenticated'
  | 'too_many_unauthenticated_from_address'
  | 'connect_timeout'
  | PacketRefusal['reason'];

interface AddressCount {
  total: number;
  unauthenticated: number;
}

export class GuardedConnection extends Duplex {
  /** Per-address limits count by this key (address.ts). */
  readonly address: string;
  private authenticated = false;
  private released = false;
  private connectTimer: NodeJS.Timeout | null;
  private readonly packets: PacketLimit;

  constructor(
    private readonly socket: Socket,
    address: string,
    limits: MqttLimits,
    private readonly door: FrontDoor,
  ) {
    super({ allowHalfOpen: false });
    this.address = address;
    this.packets = new PacketLimit((start) =>
      this.authenticated ? limits.maxPacketBytes : limits.maxPacketBytesBeforeAuth - start,
    );
    this.connectTimer = setTimeout(() => this.refuse('connect_timeout', {}), limits.connectTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => {
      this.release();
      this.destroy();
    });
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** authenticate() accepted the client: the larger packet limit applies from now on. */
  markAuthenticated(): void {
    if (this.authenticated || this.released) return;
    this.authenticated = true;
    this.door.authenticated(this);
  }

  private onData(chunk: Buffer): void {
    if (this.released) return;
    const refusal = this.packets.feed(chunk);
    if (refusal) {
      const { reason, ...details } = refusal;
      this.refuse(reason, details);
      return;
    }
    // The complete CONNECT is in: the time-out has done its job.
    if (this.connectTimer && this.packets.packets > 0) {
      clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
    if (!this.push(chunk)) this.socket.pause();
  }

  private refuse(reason: FrontDoorRefusal, details: Record<string, unknown>): void {
    if (this.released) return;
    this.door.refused(this.address, reason, {
      ...details,
      ...(reason === 'connect_timeout' ? { received: this.packets.bytes } : {}),
      authenticated: this.authenticated,
    });
    // Unread bytes are dropped with the socket (the kernel answers with a reset).
    this.socket.destroy();
    this.destroy();
  }

  /** Give back this connection's places in the counts, once. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.door.released(this);
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  // mqtt-packet corks the stream around each packet it writes: keep a packet
  // in one TCP segment as on a bare socket (noDelay is on).
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.socket.write(
      chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release();
    this.socket.destroy();
    callback(error);
  }
}

export interface FrontDoorOptions {
  limits: MqttLimits;
  metrics: Metrics;
  refusals: RefusalLog;
  /** Hands an admitted connection to the broker (aedes.handle). */
  admit: (connection: GuardedConnection) => void;
}

export class FrontDoor {
  private total = 0;
  private unauthenticated = 0;
  private readonly perAddress = new Map<string, AddressCount>();
  private readonly open = new Set<GuardedConnection>();

  constructor(private readonly options: FrontDoorOptions) {}

  /** The net server's connection handler. */
  accept = (socket: Socket): void => {
    const { limits } = this.options;
    const address = addressKey(socket.remoteAddress);
    if (!address) {
      socket.destroy(); // already gone
      return;
    }
    const count = this.perAddress.get(address) ?? { total: 0, unauthenticated: 0 };
    const over: FrontDoorRefusal | null =
      this.total >= limits.maxConnections
        ? 'too_many_connections'
        : count.total >= limits.maxConnectionsPerAddress
          ? 'too_many_from_address'
          : this.unauthenticated >= limits.maxUnauthenticated
            ? 'too_many_unauthenticated'
            : count.unauthenticated >= limits.maxUnauthenticatedPerAddress
              ? 'too_many_unauthenticated_from_address'
              : null;
    if (over) {
      this.refused(address, over, {});
      // A reset, not a close: nothing was read, and the hub keeps no
      // TIME_WAIT entry per refused connection during a flood.
      socket.resetAndDestroy();
      return;
    }
    this.total++;
    this.unauthenticated++;
    count.total++;
    count.unauthenticated++;
    this.perAddress.set(address, count);
    const connection = new GuardedConnection(socket, address, limits, this);
    this.open.add(connection);
    this.options.admit(connection);
  };

  /** Close every connection (the hub is stopping; some may be waiting for a refusal). */
  closeAll(): void {
    for (const connection of this.open) connection.destroy();
  }

  /** Open connections, and how many of them have not authenticated yet. */
  counts(): { total: number; unauthenticated: number; addresses: number } {
    return { total: this.total, unauthenticated: this.unauthenticated, addresses: this.perAddress.size };
  }

  refused(address: string, reason: FrontDoorRefusal, details: Record<string, unknown>): void {
    this.options.metrics.inc(`mqtt_refused_${reason}`);
    this.options.refusals.note(address, reason, details);
  }

  authenticated(connection: GuardedConnection): void {
    this.unauthenticated--;
    const count = this.perAddress.get(connection.address);
    if (count) count.unauthenticated--;
  }

  released(connection: GuardedConnection): void {
    this.open.delete(connection);
    this.total--;
    if (!connection.isAuthenticated) this.unauthenticated--;
    const count = this.perAddress.get(connection.address);
    if (!count) return;
    count.total--;
    if (!connection.isAuthenticated) count.unauthenticated--;
    if (count.total === 0) this.perAddress.delete(connection.address);
  }
}
