// MQTT 3.1.1 packets written by hand, for clients that misbehave on purpose
// (a CONNECT announcing 200 MB, a PUBLISH header with no body yet, a flood of
// wrong passwords) over raw sockets, where mqtt.js would refuse to.

import { connect, type Socket } from 'node:net';

/** The remaining-length varint (1–4 bytes; values up to 268,435,455). */
export function remainingLength(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

function utf8(text: string | Buffer): Buffer {
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([length, body]);
}

export function connectPacket(options: {
  clientId: string;
  username?: string;
  password?: string;
  keepalive?: number;
}): Buffer {
  let flags = 0x02; // clean session
  if (options.username !== undefined) flags |= 0x80;
  if (options.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(options.keepalive ?? 30);
  const body = Buffer.concat([
    utf8('MQTT'),
    Buffer.from([4, flags]),
    keepalive,
    utf8(options.clientId),
    ...(options.username !== undefined ? [utf8(options.username)] : []),
    ...(options.password !== undefined ? [utf8(options.password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** The start of a CONNECT that announces `size` bytes: what a hostile client sends first. */
export function hugeConnectHeader(size: number): Buffer {
  return Buffer.concat([Buffer.from([0x10]), remainingLength(size)]);
}

/** A PUBLISH (QoS 0) fixed header and topic for a payload of `payloadLength` bytes still to come. */
export function publishHeader(
  topic: string,
  payloadLength: number,
  options: { retain?: boolean } = {},
): Buffer {
  const topicField = utf8(topic);
  return Buffer.concat([
    Buffer.from([0x30 | (options.retain ? 0x01 : 0)]),
    remainingLength(topicField.length + payloadLength),
    topicField,
  ]);
}

export function publishPacket(
  topic: string,
  payload: string | Buffer,
  options: { retain?: boolean } = {},
): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([publishHeader(topic, body.length, options), body]);
}

/** CONNACK return code of a CONNACK packet at the start of `data`, or null. */
export function connackCode(data: Buffer): number | null {
  return data.length >= 4 && data[0] === 0x20 && data[1] === 0x02 ? data[3]! : null;
}

/**
 * Open a TCP connection, from `localAddress` if given (any 127.x.y.z reaches
 * a hub on 127.0.0.1). A reset by the hub later shows as 'close', not as an
 * unhandled error.
 */
export function openSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Connect and authenticate over a raw socket; resolves once the CONNACK
 * accepted it. `clientId` is the device id, or "<device id>:<anything>" for a
 * side client of the device.
 */
export async function rawDevice(
  port: number,
  clientId: string,
  password: string,
  localAddress?: string,
): Promise<Socket> {
  const socket = await openSocket(port, localAddress);
  socket.write(connectPacket({ clientId, username: clientId.split(':')[0]!, password }));
  const code = await new Promise<number | null>((resolve) => {
    socket.once('data', (data: Buffer) => resolve(connackCode(data)));
    socket.once('close', () => resolve(null));
  });
  if (code !== 0) {
    socket.destroy();
    throw new Error(`CONNECT refused: ${code === null ? 'connection closed' : `return code ${code}`}`);
  }
  return socket;
}

export interface StreamResult {
  /** Bytes the socket accepted before the hub closed it (includes what sat in kernel buffers). */
  written: number;
  /** The hub closed (or reset) the connection before everything was written. */
  closedByHub: boolean;
}

/**
 * Write `total` bytes of zeros after `header`, as fast as the socket takes
 * them, until done (the socket stays open) or the hub closes the connection.
 */
export function streamAfter(socket: Socket, header: Buffer, total: number): Promise<StreamResult> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    let finished = false;
    const finish = (closedByHub: boolean) => {
      if (finished) return;
      finished = true;
      resolve({ written, closedByHub });
    };
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    const pump = () => {
      while (!finished && written < total && !socket.destroyed) {
        const piece = total - written >= chunk.length ? chunk : chunk.subarray(0, total - written);
        written += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (written >= total) finish(false);
    };
    socket.write(header);
    pump();
  });
}
