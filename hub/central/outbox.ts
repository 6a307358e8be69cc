// The outbox of events for the province centre (migration 8): each domain
// change is recorded in the SAME SQLite transaction as the change, numbered
// without gaps, and kept until the central service acknowledges its number.
// Bounded: past `maxEvents` waiting events the oldest are dropped (and the
// centre is told which numbers it will never get), so a centre that is away
// for months cannot fill the hub's SD card.

import { randomUUID } from 'node:crypto';
import type { CentralEvent, CentralEventData } from '../../shared/protocol/central.js';
import type { Db } from '../store/db.js';

export interface OutboxLimits {
  /** Events kept at most while the centre has not acknowledged them. */
  maxEvents: number;
}

export interface OutboxState {
  lastSeq: number;
  ackedSeq: number;
  droppedThrough: number;
  ackedAt: number | null;
}

export interface OutboxStats extends OutboxState {
  /** Events waiting for the centre's acknowledgement. */
  pending: number;
  /** Time of the oldest waiting event. */
  oldestAt: number | null;
  /** Events dropped unsent because the outbox was full (since the store was created). */
  dropped: number;
}

interface StateRow {
  last_seq: number;
  acked_seq: number;
  dropped_through: number;
  acked_at: number | null;
}

export class Outbox {
  private readonly nextSeq;
  private readonly insert;
  private readonly readState;
  private readonly readRows;
  /** Told after an event was recorded (still inside the caller's transaction). */
  onRecord: (() => void) | undefined;
  private droppedCount = 0;

  constructor(
    readonly db: Db,
    private readonly limits: OutboxLimits,
    private readonly newId: () => string = randomUUID,
  ) {
    this.nextSeq = db.prepare('UPDATE central_state SET last_seq = last_seq + 1 RETURNING last_seq');
    this.insert = db.prepare('INSERT INTO central_outbox (seq, id, at, data) VALUES (?, ?, ?, ?)');
    this.readState = db.prepare('SELECT last_seq, acked_seq, dropped_through, acked_at FROM central_state');
    this.readRows = db.prepare(
      'SELECT seq, id, at, data FROM central_outbox WHERE seq >= ? ORDER BY seq LIMIT ?',
    );
  }

  /**
   * Record one event. Runs in the caller's transaction when there is one
   * (better-sqlite3 nests it as a savepoint), so the event exists exactly
   * when the change it describes does.
   */
  record(data: CentralEventData, at: number): number {
    const seq = this.db.transaction(() => {
      const { last_seq } = this.nextSeq.get() as { last_seq: number };
      this.insert.run(last_seq, this.newId(), at, JSON.stringify(data));
      const state = this.stateRow();
      const floor = Math.max(state.acked_seq, state.dropped_through);
      if (last_seq - floor > this.limits.maxEvents) {
        const through = last_seq - this.limits.maxEvents;
        this.db.prepare('DELETE FROM central_outbox WHERE seq <= ?').run(through);
        this.db.prepare('UPDATE central_state SET dropped_through = ?').run(through);
        this.droppedCount += through - floor;
      }
      return last_seq;
    })();
    this.onRecord?.();
    return seq;
  }

  private stateRow(): StateRow {
    return this.readState.get() as StateRow;
  }

  state(): OutboxState {
    const r = this.stateRow();
    return {
      lastSeq: r.last_seq,
      ackedSeq: r.acked_seq,
      droppedThrough: r.dropped_through,
      ackedAt: r.acked_at,
    };
  }

  stats(): OutboxStats {
    const s = this.state();
    const oldest = this.db
      .prepare('SELECT min(at) AS at FROM central_outbox WHERE seq > ?')
      .get(s.ackedSeq) as {
      at: number | null;
    };
    return {
      ...s,
      pending: s.lastSeq - Math.max(s.ackedSeq, s.droppedThrough),
      oldestAt: oldest.at,
      dropped: this.droppedCount,
    };
  }

  /** Up to `limit` events from number `fromSeq` on, in order. */
  read(fromSeq: number, limit: number): CentralEvent[] {
    const rows = this.readRows.all(fromSeq, limit) as { seq: number; id: string; at: number; data: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      at: r.at,
      data: JSON.parse(r.data) as CentralEventData,
    }));
  }

  /**
   * The centre holds every event up to `seq`: forget them. Returns what
   * happened. 'ahead': the centre holds more of this office than the hub has
   * numbered (the store was restored from a backup or replaced), so the
   * events not yet acknowledged move after the centre's numbers, where they
   * are new to it (it recognises a resent event by its id).
   */
  acknowledge(seq: number, now: number): 'progress' | 'stale' | 'ahead' {
    return this.db.transaction(() => {
      const s = this.stateRow();
      if (seq <= s.acked_seq) return 'stale';
      if (seq > s.last_seq) {
        const shift = seq - s.acked_seq;
        this.db.prepare('UPDATE central_outbox SET seq = -(seq + ?) WHERE seq > ?').run(shift, s.acked_seq);
        this.db.prepare('UPDATE central_outbox SET seq = -seq WHERE seq < 0').run();
        this.db
          .prepare(
            'UPDATE central_state SET last_seq = last_seq + ?, acked_seq = ?, acked_at = ?, dropped_through = CASE WHEN dropped_through > acked_seq THEN dropped_through + ? ELSE dropped_through END',
          )
          .run(shift, seq, now, shift);
        return 'ahead';
      }
      this.db.prepare('DELETE FROM central_outbox WHERE seq <= ?').run(seq);
      this.db.prepare('UPDATE central_state SET acked_seq = ?, acked_at = ?').run(seq, now);
      return 'progress';
    })();
  }
}
