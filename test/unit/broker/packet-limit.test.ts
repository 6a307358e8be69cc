import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketLimit } from '../../../hub/broker/packet-limit.js';
import { remainingLength } from '../../helpers/mqtt-raw.js';

/** A packet of `type` whose remaining length is `length` (body of zeros). */
const packet = (type: number, length: number) =>
  Buffer.concat([Buffer.from([type << 4]), remainingLength(length), Buffer.alloc(length)]);
const CONNECT = 1;
const PUBLISH = 3;

/** Feed `bytes` in pieces of `size`; the first refusal, or null. */
function feedInPieces(limit: PacketLimit, bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) {
    const refusal = limit.feed(bytes.subarray(i, i + size));
    if (refusal) return refusal;
  }
  return null;
}

describe('PacketLimit', () => {
  it.each([0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152])(
    'follows a remaining length of %i, whole or byte by byte',
    (length) => {
      const bytes = Buffer.concat([packet(CONNECT, 10), packet(PUBLISH, length), packet(PUBLISH, 3)]);
      for (const size of length > 20_000 ? [bytes.length, 65_536] : [bytes.length, 1, 7]) {
        const limit = new PacketLimit(() => Number.MAX_SAFE_INTEGER);
        expect(feedInPieces(limit, bytes, size)).toBeNull();
        expect(limit.packets).toBe(3);
        expect(limit.bytes).toBe(bytes.length);
      }
    },
  );

  it('refuses a packet announcing more than the limit as soon as its length is read', () => {
    const limit = new PacketLimit(() => 4096);
    // 0x10, then 200 MB as a 4-byte varint; nothing of the body has come yet.
    const refusal = limit.feed(Buffer.concat([Buffer.from([0x10]), remainingLength(200 * 1024 * 1024)]));
    expect(refusal).toEqual({ reason: 'packet_too_large', announced: 209_715_205, limit: 4096, read: 5 });
  });

  it('counts the fixed header in the size: exactly the limit passes, one byte more does not', () => {
    // 1 type byte + 2 length bytes + 4093 = 4096.
    expect(new PacketLimit(() => 4096).feed(packet(CONNECT, 4093))).toBeNull();
    expect(new PacketLimit(() => 4096).feed(packet(CONNECT, 4094))).toMatchObject({
      reason: 'packet_too_large',
      announced: 4097,
    });
  });

  it('refuses a remaining length of more than four bytes, even split across chunks', () => {
    const limit = new PacketLimit(() => Number.MAX_SAFE_INTEGER);
    expect(limit.feed(Buffer.from([0x10, 0xff, 0xff]))).toBeNull();
    expect(limit.feed(Buffer.from([0xff, 0xff]))).toEqual({ reason: 'malformed_length', read: 5 });
  });

  it('refuses a first packet that is not CONNECT at its first byte', () => {
    expect(new PacketLimit(() => 4096).feed(packet(PUBLISH, 2))).toEqual({ reason: 'not_connect', read: 1 });
    // Later packets may be anything.
    const limit = new PacketLimit(() => 4096);
    expect(limit.feed(Buffer.concat([packet(CONNECT, 5), packet(PUBLISH, 2), packet(12, 0)]))).toBeNull();
  });

  it('applies a byte budget through the offset: later packets get what the earlier ones left', () => {
    let authenticated = false;
    const limitAt = (start: number) => (authenticated ? 65_536 : 4096 - start);
    const limit = new PacketLimit(limitAt);
    expect(limit.feed(packet(CONNECT, 3000))).toBeNull(); // 3003 bytes
    // 1093 bytes left before authentication: a 1094-byte packet is one too many.
    expect(
      new PacketLimit(limitAt).feed(Buffer.concat([packet(CONNECT, 3000), packet(PUBLISH, 1091)])),
    ).toMatchObject({ reason: 'packet_too_large', limit: 1093, announced: 1094 });
    authenticated = true;
    expect(limit.feed(packet(PUBLISH, 60_000))).toBeNull();
    expect(limit.feed(packet(PUBLISH, 65_536))).toMatchObject({ reason: 'packet_too_large', limit: 65_536 });
  });

  it('never refuses a stream of packets within the limit, however it is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 3000 })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 50 }),
        (packets, cuts) => {
          const bytes = Buffer.concat([packet(CONNECT, 10), ...packets.map(([t, n]) => packet(t, n))]);
          const limit = new PacketLimit(() => 3004);
          let offset = 0;
          let i = 0;
          while (offset < bytes.length) {
            const size = cuts[i++ % cuts.length]!;
            expect(limit.feed(bytes.subarray(offset, offset + size))).toBeNull();
            offset += size;
          }
          expect(limit.packets).toBe(packets.length + 1);
        },
      ),
    );
  });

  it('refuses the first oversized packet of a stream wherever the chunks are cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 10 }),
        fc.integer({ min: 1001, max: 100_000_000 }),
        fc.integer({ min: 1, max: 64 }),
        (sizes, huge, cut) => {
          const before = Buffer.concat([packet(CONNECT, 0), ...sizes.map((n) => packet(PUBLISH, n))]);
          const header = Buffer.concat([Buffer.from([0x30]), remainingLength(huge)]);
          const limit = new PacketLimit(() => 1000);
          const refusal = feedInPieces(limit, Buffer.concat([before, header, Buffer.alloc(100)]), cut);
          expect(refusal).toMatchObject({ reason: 'packet_too_large', read: header.length });
        },
      ),
    );
  });
});
