import { describe, expect, it } from 'vitest';
import { looseRequestId } from '../../../hub/flows/device-requests.js';
import { MAX_PAYLOAD_BYTES } from '../../../shared/protocol/messages.js';

const padded = (head: string, size: number) =>
  Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length, 'a')]);

describe('looseRequestId', () => {
  it('reads the requestId of a payload within the limit that failed its schema', () => {
    expect(looseRequestId(Buffer.from('{"procedureId":42,"requestId":"r-1","v":1}'))).toBe('r-1');
    expect(looseRequestId(Buffer.from('{"requestId":"a b"}'))).toBe('a b'); // echoed back as sent, if short
    expect(looseRequestId(Buffer.from('not json'))).toBeNull();
  });

  it('takes the requestId of an oversized payload from its first bytes only, without parsing it', () => {
    const big = padded('{"v":1,"requestId":"big-1","procedureId":"x","pad":"', 10 * MAX_PAYLOAD_BYTES);
    expect(looseRequestId(big)).toBe('big-1');
    // Not valid JSON at all (no closing brace): it was never parsed.
    expect(looseRequestId(padded(' { "requestId" : "big-2" ,', 2 * MAX_PAYLOAD_BYTES))).toBe('big-2');
  });

  it('gives none when an oversized payload does not start with it', () => {
    const later = padded('{"v":1,"pad":"', 300);
    expect(
      looseRequestId(
        Buffer.concat([later, Buffer.from('","requestId":"late"'), Buffer.alloc(MAX_PAYLOAD_BYTES)]),
      ),
    ).toBeNull();
    expect(looseRequestId(padded('{"nested":{"requestId":"inner"},"x":"', 2 * MAX_PAYLOAD_BYTES))).toBeNull();
    expect(looseRequestId(padded('{"requestId":"bad id!"', 2 * MAX_PAYLOAD_BYTES))).toBeNull();
    expect(looseRequestId(padded('[{"requestId":"in-array"}', 2 * MAX_PAYLOAD_BYTES))).toBeNull();
  });
});
