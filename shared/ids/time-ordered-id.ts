// Ids that sort by creation time (UUID version 7, RFC 9562): 48 bits of
// milliseconds, then 74 random bits. The store keys tickets, calls, events
// and device requests by such ids: a random key (version 4) lands on a random
// page of its index, so every insert dirties another page that the next
// checkpoint writes back whole to the SD card; time-ordered keys land on the
// index's last pages, which the WAL already holds. 74 random bits keep an id
// unguessable (a ticket's lookup page is found by its id).

import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const bytes = new Uint8Array(16);
// Random bytes are drawn 4 KiB at a time: one call into the CSPRNG per id
// cost 1.4 % of the hub's time under load.
const pool = new Uint8Array(4096);
let used = pool.length;

/** A UUID v7 for `now` (ms since the epoch; a clock set before 1970 gives 0). */
export function timeOrderedId(now: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  bytes.set(pool.subarray(used, used + 10), 6);
  used += 10;
  let ms = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // RFC 9562 variant
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[bytes[i]!];
  }
  return out;
}

const V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The milliseconds a UUID v7 was made at, on the clock of whoever made it;
 * null for any other string (an id need not be one: a hand-made request).
 */
export function timeOfOrderedId(id: string): number | null {
  const m = V7.exec(id);
  return m ? Number.parseInt(m[1]! + m[2]!, 16) : null;
}
