// The live `/api/events` streams and what they may cost the hub.
//
// - Admission: at most `maxEventStreams` in total (503 beyond) and
//   `maxEventStreamsPerAddress` per client address. At the per-address cap a
//   new stream replaces that address's oldest one if it is older than 30 s:
//   a TV board that reconnects after a Wi-Fi drop often still has its old
//   stream open on the hub (nothing tells the hub it is gone), and it must not
//   lock itself out. A burst of new streams from one address gets 429.
// - Latest value only: every event is the whole board, so while a stream's
//   last write has not gone out to the kernel (the client is not reading)
//   nothing more is queued for it; when that write completes it gets the
//   newest snapshot. A stream thus holds at most one snapshot in the hub,
//   and all streams share one Buffer per snapshot.
// - Bounded in total: if the unsent data of all streams together passes
//   `maxEventBacklogBytes`, the streams furthest behind are cut; a stream
//   whose write has not gone out for 30 s is cut at the next heartbeat. A
//   cut client reconnects by itself (EventSource) and starts afresh.

import type { ServerResponse } from 'node:http';
import type { Logger } from '../../shared/log/logger.js';
import { httpText } from '../../shared/text/vi/http.js';
import type { HttpLimits } from './limits.js';

/** A stream at least this old may be replaced by a new one from the same address. */
export const REPLACE_AFTER_MS = 30_000;
/** A stream whose last write has not gone out for this long is cut (a phone asleep, a client that never reads). */
export const STALL_MS = 30_000;
/** Refusals are logged as one summary line per minute at most. */
const LOG_EVERY_MS = 60_000;

export type EventStreamLimits = Pick<
  HttpLimits,
  'maxEventStreams' | 'maxEventStreamsPerAddress' | 'maxEventBacklogBytes'
>;

interface Stream {
  res: ServerResponse;
  address: string;
  openedAt: number;
  /** Writes not yet handed to the kernel (0 or 1: nothing is queued behind an unsent write). */
  unsent: number;
  /** Since when a write has been unsent (seen after the event loop had a turn to send it), or null. */
  behindSince: number | null;
  /** A snapshot came while a write was unsent: send the latest one when it goes out. */
  pending: boolean;
}

export type Admission =
  | { ok: true }
  | { ok: false; status: 429 | 503; code: string; message: string; retryAfterSeconds: number };

/** What a client refused at each cap is told, by the count the refusal adds to. */
const REFUSALS = {
  refusedAddressCap: {
    status: 429,
    code: 'too_many_streams_from_address',
    message: httpText.tooManyStreamsFromAddress,
    retryAfterSeconds: Math.ceil(REPLACE_AFTER_MS / 1000),
  },
  refusedTotalCap: {
    status: 503,
    code: 'too_many_streams',
    message: httpText.tooManyStreams,
    retryAfterSeconds: 30,
  },
} as const;

export interface EventStreamStats {
  open: number;
  addresses: number;
  backlogBytes: number;
  refusedTotalCap: number;
  refusedAddressCap: number;
  replaced: number;
  cutStalled: number;
  cutBacklog: number;
}

export class EventStreams {
  private readonly streams = new Set<Stream>();
  private readonly byAddress = new Map<string, Stream[]>();
  private latest: Buffer | null = null;
  private readonly counts = {
    refusedTotalCap: 0,
    refusedAddressCap: 0,
    replaced: 0,
    cutStalled: 0,
    cutBacklog: 0,
  };
  private check: NodeJS.Immediate | null = null;
  private refusedSinceLog = 0;
  private lastLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: EventStreamLimits,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** May a new stream from `address` open? Replaces the address's oldest stream when that makes room. */
  admit(address: string): Admission {
    const mine = this.byAddress.get(address) ?? [];
    if (mine.length >= this.limits.maxEventStreamsPerAddress) {
      const oldest = mine[0]!;
      if (this.now() - oldest.openedAt < REPLACE_AFTER_MS) {
        return this.refuse(address, 'refusedAddressCap');
      }
      this.counts.replaced++;
      this.cut(oldest);
    }
    if (this.streams.size >= this.limits.maxEventStreams) {
      return this.refuse(address, 'refusedTotalCap');
    }
    return { ok: true };
  }

  /** Register an admitted stream (headers already written) and send it its first data. */
  add(address: string, res: ServerResponse, first: Buffer): void {
    const stream: Stream = {
      res,
      address,
      openedAt: this.now(),
      unsent: 0,
      behindSince: null,
      pending: false,
    };
    this.streams.add(stream);
    const mine = this.byAddress.get(address);
    if (mine) mine.push(stream);
    else this.byAddress.set(address, [stream]);
    res.on('close', () => this.remove(stream));
    res.on('error', () => this.remove(stream));
    this.send(stream, first);
    this.checkSoon();
  }

  /** A new snapshot frame for every stream (one Buffer shared by all). */
  broadcast(frame: Buffer): void {
    this.latest = frame;
    for (const stream of this.streams) {
      if (stream.unsent > 0) stream.pending = true;
      else this.send(stream, frame);
    }
    this.checkSoon();
  }

  /** Heartbeat: a comment to every stream that keeps up; streams stalled too long are cut. */
  tick(heartbeat: Buffer): void {
    const now = this.now();
    for (const stream of [...this.streams]) {
      if (stream.behindSince !== null && now - stream.behindSince >= STALL_MS) {
        this.counts.cutStalled++;
        this.cut(stream);
      } else if (stream.unsent === 0) {
        this.send(stream, heartbeat);
      }
    }
    this.checkSoon();
  }

  stats(): EventStreamStats {
    return {
      open: this.streams.size,
      addresses: this.byAddress.size,
      backlogBytes: this.backlogBytes(),
      ...this.counts,
    };
  }

  closeAll(): void {
    if (this.check) clearImmediate(this.check);
    for (const stream of [...this.streams]) {
      this.remove(stream);
      stream.res.end();
    }
  }

  private send(stream: Stream, data: Buffer): void {
    stream.unsent++;
    stream.res.write(data, (error) => {
      stream.unsent--;
      if (error || stream.unsent > 0) return;
      stream.behindSince = null;
      if (stream.pending && this.latest && this.streams.has(stream)) {
        stream.pending = false;
        this.send(stream, this.latest);
      }
    });
  }

  private backlogBytes(): number {
    let total = 0;
    for (const stream of this.streams) total += stream.res.writableLength;
    return total;
  }

  /**
   * Once the writes just made have had their turn to go out (an HTTP
   * response holds its writes until the next tick), note which streams are
   * behind and keep the total within budget.
   */
  private checkSoon(): void {
    this.check ??= setImmediate(() => {
      this.check = null;
      const now = this.now();
      for (const stream of this.streams) if (stream.unsent > 0) stream.behindSince ??= now;
      this.enforceBudget();
    });
  }

  /** Over the total budget: cut the streams furthest behind (longest stalled, then largest backlog). */
  private enforceBudget(): void {
    let total = this.backlogBytes();
    if (total <= this.limits.maxEventBacklogBytes) return;
    const now = this.now();
    const behind = [...this.streams]
      .filter((s) => s.res.writableLength > 0)
      .sort(
        (a, b) =>
          (a.behindSince ?? now) - (b.behindSince ?? now) || b.res.writableLength - a.res.writableLength,
      );
    let cut = 0;
    for (const stream of behind) {
      if (total <= this.limits.maxEventBacklogBytes) break;
      total -= stream.res.writableLength;
      this.cut(stream);
      cut++;
    }
    this.counts.cutBacklog += cut;
    this.log.warn('event streams over their memory budget: furthest behind cut', {
      cut,
      budgetBytes: this.limits.maxEventBacklogBytes,
    });
  }

  private cut(stream: Stream): void {
    this.remove(stream);
    stream.res.destroy();
  }

  private remove(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    const mine = this.byAddress.get(stream.address) ?? [];
    const left = mine.filter((s) => s !== stream);
    if (left.length) this.byAddress.set(stream.address, left);
    else this.byAddress.delete(stream.address);
  }

  /** Count a refused stream, note it for the log; the answer for its cap. */
  private refuse(address: string, cap: keyof typeof REFUSALS): Admission {
    this.counts[cap]++;
    this.noteRefusal(address);
    return { ok: false, ...REFUSALS[cap] };
  }

  private noteRefusal(address: string): void {
    this.refusedSinceLog++;
    const now = this.now();
    if (now - this.lastLogAt < LOG_EVERY_MS) return;
    this.log.warn('event streams refused (caps reached)', {
      refused: this.refusedSinceLog,
      lastAddress: address,
      open: this.streams.size,
      maxEventStreams: this.limits.maxEventStreams,
      maxEventStreamsPerAddress: this.limits.maxEventStreamsPerAddress,
    });
    this.refusedSinceLog = 0;
    this.lastLogAt = now;
  }
}
