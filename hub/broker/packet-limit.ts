// Follows MQTT packet boundaries in the raw byte stream of one connection,
// before anything is buffered or parsed: each packet starts with a type byte
// and its remaining length (a varint of 1–4 bytes), so its size is known from
// its first 2–5 bytes. A packet announcing more than the limit is refused
// there, after those few bytes, instead of after the broker has buffered the
// whole packet (aedes and mqtt-packet read a packet whole: 200 MB announced,
// 200 MB+ kept). Pure: the connection guard (front-door.ts) feeds it chunks.

/** `read`: bytes of the refused packet read when it was refused. */
export type PacketRefusal =
  | { reason: 'packet_too_large'; announced: number; limit: number; read: number }
  | { reason: 'malformed_length'; read: number }
  | { reason: 'not_connect'; read: number };

/** MQTT control packet type 1. */
const CONNECT = 1;
/** A remaining length has at most 4 bytes (MQTT 3.1.1, 2.2.3). */
const MAX_LENGTH_BYTES = 4;

export class PacketLimit {
  private state: 'header' | 'length' | 'body' = 'header';
  private packetStart = 0;
  private lengthValue = 0;
  private lengthBytes = 0;
  private remaining = 0;
  /** Bytes fed so far. */
  bytes = 0;
  /** Complete packets seen so far. */
  packets = 0;

  /**
   * @param limitAt the largest size (fixed header included) a packet that
   *   starts at this byte offset of the stream may have.
   */
  constructor(private readonly limitAt: (packetStart: number) => number) {}

  /**
   * Account for the next chunk. Returns why the connection must be closed, or
   * null when every packet in it is within its limit. After a refusal the
   * stream is unusable: the caller closes the connection.
   */
  feed(chunk: Uint8Array): PacketRefusal | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'header') {
        // The first packet must be CONNECT [MQTT-3.1.0-1]: anything else is
        // refused before its length is even read.
        if (this.packets === 0 && chunk[i]! >> 4 !== CONNECT) {
          return { reason: 'not_connect', read: 1 };
        }
        this.packetStart = this.bytes + i;
        this.lengthValue = 0;
        this.lengthBytes = 0;
        this.state = 'length';
        i++;
      } else if (this.state === 'length') {
        const byte = chunk[i++]!;
        this.lengthValue += (byte & 0x7f) * 128 ** this.lengthBytes;
        this.lengthBytes++;
        if (byte & 0x80) {
          if (this.lengthBytes === MAX_LENGTH_BYTES)
            return { reason: 'malformed_length', read: this.bytes + i };
          continue;
        }
        const size = 1 + this.lengthBytes + this.lengthValue;
        const limit = this.limitAt(this.packetStart);
        if (size > limit) {
          return { reason: 'packet_too_large', announced: size, limit, read: 1 + this.lengthBytes };
        }
        this.remaining = this.lengthValue;
        if (this.remaining === 0) this.complete();
        else this.state = 'body';
      } else {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.complete();
      }
    }
    this.bytes += chunk.length;
    return null;
  }

  private complete(): void {
    this.packets++;
    this.state = 'header';
  }
}
