// The ratings table (migration 2; keyed by ticket WITHOUT ROWID since
// migration 11): one row per rated ticket, with the score given when the
// ballot was cast, for the reports. `id` is the rating event that counts (a
// correction replaces the row's event, level and score).

import type { RatingLevel } from '../../shared/ratings.js';
import type { Db } from './db.js';

export interface StoredRating {
  /** The device's event id (the submit-rating requestId) that counts. */
  id: string;
  ticketId: string;
  counterId: number;
  officer: string | null;
  level: RatingLevel;
  score: number;
  deviceId: string;
  /** When the press happened, on the hub's clock (see hub/ratings/rules.ts pressTime). */
  pressedAt: number;
  /** When the hub stored it. */
  at: number;
}

interface RatingRow {
  id: string;
  ticket_id: string;
  counter_id: number;
  officer: string | null;
  level: string;
  score: number;
  device_id: string;
  pressed_at: number;
  at: number;
}

const fromRow = (r: RatingRow): StoredRating => ({
  id: r.id,
  ticketId: r.ticket_id,
  counterId: r.counter_id,
  officer: r.officer,
  level: r.level as RatingLevel,
  score: r.score,
  deviceId: r.device_id,
  pressedAt: r.pressed_at,
  at: r.at,
});

const params = (r: StoredRating) => ({
  id: r.id,
  ticket_id: r.ticketId,
  counter_id: r.counterId,
  officer: r.officer,
  level: r.level,
  score: r.score,
  device_id: r.deviceId,
  pressed_at: r.pressedAt,
  at: r.at,
});

export class RatingStore {
  private readonly byTicket;
  private readonly byId;
  private readonly insertRow;
  private readonly replaceRow;

  constructor(readonly db: Db) {
    this.byTicket = db.prepare('SELECT * FROM ratings WHERE ticket_id = ?');
    this.byId = db.prepare('SELECT * FROM ratings WHERE id = ?');
    this.insertRow = db.prepare(
      `INSERT INTO ratings (id, ticket_id, counter_id, officer, level, score, device_id, pressed_at, at)
       VALUES (@id, @ticket_id, @counter_id, @officer, @level, @score, @device_id, @pressed_at, @at)`,
    );
    this.replaceRow = db.prepare(
      `UPDATE ratings SET id = @id, counter_id = @counter_id, officer = @officer, level = @level,
         score = @score, device_id = @device_id, pressed_at = @pressed_at, at = @at
       WHERE ticket_id = @ticket_id`,
    );
  }

  forTicket(ticketId: string): StoredRating | undefined {
    const row = this.byTicket.get(ticketId) as RatingRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** The rating that counts whose event id this is, if any. */
  byEvent(eventId: string): StoredRating | undefined {
    const row = this.byId.get(eventId) as RatingRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  insert(rating: StoredRating): void {
    this.insertRow.run(params(rating));
  }

  /** A correction: the ticket's one row now holds the new event. */
  replace(rating: StoredRating): void {
    if (this.replaceRow.run(params(rating)).changes !== 1) {
      throw new Error(`no rating of ticket ${rating.ticketId} to correct`);
    }
  }
}

const stores = new WeakMap<Db, RatingStore>();

/** One RatingStore (prepared statements) per database. */
export function ratingStoreOf(db: Db): RatingStore {
  let store = stores.get(db);
  if (!store) {
    store = new RatingStore(db);
    stores.set(db, store);
  }
  return store;
}
