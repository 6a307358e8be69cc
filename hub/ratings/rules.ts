// Which ticket a rating key press belongs to, and whether it counts. Pure:
// the tickets, the stored rating of a ticket, the scale and the rules come
// in; a decision comes out (the row to write, or a refusal with a reason).
// The handler (hub/flows/requests/submit-rating.ts) stores the row and the
// reply in one transaction.
//
// The rules (DESIGN §4 "Ratings", admin setting 'ratingRules'):
// - A press goes to the ticket served last at the device's registered
//   counter: the one whose service started last, at or before the press.
// - It counts during that service and up to `windowSeconds` after it finished;
//   later, or before any service at the counter today, it is refused.
// - One rating per ticket. Policy "first": the first press stands and later
//   ones are answered "kept". Policy "correction": a press within
//   `correctionSeconds` of the press that counts replaces it (a quick change
//   of mind wins; the rating is final once it has stood that long). Two
//   presses of one device are put in order by that device's own clock
//   (pressInterval).
// - A repeated event id is answered from the stored reply before any of this
//   (hub/flows/requests/submit-rating.ts), so it never counts twice.

import { timeOfOrderedId } from '../../shared/ids/time-ordered-id.js';
import type { RatingLevel, RatingScale } from '../../shared/ratings.js';
import { type RatingRefusalCode, ratingRefusalText } from '../../shared/text/vi/rating.js';
import { fillText } from '../../shared/text/vi.js';
import type { Refusal, Ticket } from '../queue/types.js';
import type { RatingRules } from '../service/admin-settings.js';
import type { StoredRating } from '../store/rating-store.js';

/**
 * An event that waited longer than this on the device (in its outbox while
 * the hub did not answer) is "late": its press time is worked out from the
 * device's own figures instead of taken as the hub's receive time.
 */
export const LATE_AFTER_MS = 2000;

export interface RatingPress {
  eventId: string;
  deviceId: string;
  /** The counter the device is registered to (devices.counter_id). */
  boundCounterId: number | null;
  /** The counter in the device's own config, if it said. */
  claimedCounterId?: number | undefined;
  level: RatingLevel;
  /** Device clock. */
  pressedAt: number;
  /** Device clock, when this copy was sent. */
  sentAt?: number | undefined;
  /** Hub clock. */
  receivedAt: number;
}

export interface RatingSetup {
  /** Today's tickets (QueueState.tickets). */
  tickets: Iterable<Ticket>;
  scale: RatingScale;
  rules: RatingRules;
  /** The rating stored for a ticket, if any. */
  ratingOf: (ticketId: string) => StoredRating | undefined;
}

export type RatingOutcome = 'recorded' | 'corrected' | 'kept';

export interface RatingAccepted {
  ok: true;
  outcome: RatingOutcome;
  /** What to write: a new row, a replacement of the ticket's row, or nothing. */
  write: 'insert' | 'replace' | 'none';
  /** The rating that counts for the ticket after this press. */
  rating: StoredRating;
  ticket: Ticket;
  /** The press time used (hub clock), and whether it was worked out for a late event. */
  at: number;
  late: boolean;
}

export type RatingDecision = RatingAccepted | (Refusal & { code: RatingRefusalCode });

function refuse(code: RatingRefusalCode, params: Record<string, string | number>) {
  return { ok: false as const, code, message: fillText(ratingRefusalText[code], params) };
}

/**
 * When the press happened, on the hub's clock.
 *
 * A fresh event (sent at once) is timed by the hub's receive time: the
 * device's clock is not trusted (a Pi has no battery clock and may run
 * minutes or hours off until NTP reaches it), and the difference is a few
 * milliseconds of network. An event that comes late from the outbox (the hub
 * or the link was down) would be timed minutes or hours too late that way,
 * and land on a later ticket or outside the window; so its time is the
 * receive time moved back by how long it waited on the device
 * (`sentAt − pressedAt`, both on the device's clock, so the clock's offset
 * cancels out). When the device did not say when it sent (`sentAt` absent,
 * e.g. a hand-made request), `pressedAt` itself is used. Either way the
 * result is bounded: never after the receive time, and the ticket it picks
 * is one whose service had started by then (ratingTarget), so a late press
 * is judged against that ticket's own service times.
 */
export function pressTime(press: Pick<RatingPress, 'pressedAt' | 'sentAt' | 'receivedAt'>): {
  at: number;
  late: boolean;
} {
  const { pressedAt, sentAt, receivedAt } = press;
  const waited = sentAt === undefined ? receivedAt - pressedAt : sentAt - pressedAt;
  if (!(waited > LATE_AFTER_MS)) return { at: receivedAt, late: false };
  const at = sentAt === undefined ? pressedAt : receivedAt - waited;
  return { at: Math.min(at, receivedAt), late: true };
}

/**
 * How far the device's clock may disagree with the hub's about the time
 * between two of its presses before the hub's own figure is used instead: more
 * than any transit jitter, less than a clock step (NTP reaching a Pi that
 * started with no battery clock moves it by minutes to years).
 */
export const DEVICE_INTERVAL_SLACK_MS = 5000;

/**
 * How long after the press that counts (`counted`, hub clock `countedAt`)
 * this press (hub clock `at`) came.
 *
 * The hub's times carry each message's own transit; for two events that come
 * late from a device's outbox that is two transits, which on a loaded link
 * can differ by more than a quick change of mind, and put the presses in the
 * wrong order. Two presses of one device are timed exactly by that device's
 * clock: its event ids are time-ordered, made at the press (shared/ids), and
 * the clock's offset cancels out in the difference. That figure is used
 * when it agrees with the hub's within DEVICE_INTERVAL_SLACK_MS, so a device
 * clock that stepped between the two presses cannot decide.
 */
export function pressInterval(
  press: Pick<RatingPress, 'eventId' | 'deviceId'>,
  at: number,
  counted: Pick<StoredRating, 'id' | 'deviceId' | 'pressedAt'>,
): number {
  const byHub = at - counted.pressedAt;
  if (press.deviceId !== counted.deviceId) return byHub;
  const mine = timeOfOrderedId(press.eventId);
  const theirs = timeOfOrderedId(counted.id);
  if (mine === null || theirs === null) return byHub;
  const byDevice = mine - theirs;
  return Math.abs(byDevice - byHub) <= DEVICE_INTERVAL_SLACK_MS ? byDevice : byHub;
}

/** The ticket served last at the counter at time `at`: its service started last, at or before `at`. */
export function ratingTarget(tickets: Iterable<Ticket>, counterId: number, at: number): Ticket | undefined {
  let best: Ticket | undefined;
  for (const t of tickets) {
    if (t.counterId !== counterId || t.serviceStartedAt === null || t.serviceStartedAt > at) continue;
    if (t.status !== 'serving' && t.status !== 'done') continue;
    if (!best || t.serviceStartedAt > best.serviceStartedAt!) best = t;
  }
  return best;
}

/** When the window of a served ticket closes (hub clock); null while it is being served. */
export function windowClosesAt(ticket: Ticket, rules: RatingRules): number | null {
  if (ticket.status === 'serving' || ticket.finishedAt === null) return null;
  return ticket.finishedAt + rules.windowSeconds * 1000;
}

/** The ticket a press at `now` would rate, with the end of its window; undefined if none. */
export function openRating(
  tickets: Iterable<Ticket>,
  counterId: number,
  now: number,
  rules: RatingRules,
): { ticket: Ticket; closesAt: number | null } | undefined {
  const ticket = ratingTarget(tickets, counterId, now);
  if (!ticket) return undefined;
  const closesAt = windowClosesAt(ticket, rules);
  return closesAt !== null && now > closesAt ? undefined : { ticket, closesAt };
}

export function decideRating(press: RatingPress, setup: RatingSetup): RatingDecision {
  const { deviceId, boundCounterId, claimedCounterId, level } = press;
  const { scale, rules } = setup;
  if (boundCounterId === null) return refuse('device_not_bound', { deviceId });
  if (claimedCounterId !== undefined && claimedCounterId !== boundCounterId) {
    return refuse('wrong_counter', { deviceId, bound: boundCounterId, claimed: claimedCounterId });
  }
  if (!scale.levels.includes(level)) {
    return refuse('level_not_in_scale', { level, levels: scale.levels.length });
  }

  const { at, late } = pressTime(press);
  const ticket = ratingTarget(setup.tickets, boundCounterId, at);
  if (!ticket) return refuse('no_recent_service', { counterId: boundCounterId });
  const closesAt = windowClosesAt(ticket, rules);
  if (closesAt !== null && at > closesAt) {
    return refuse('rating_window_closed', { display: ticket.display, window: rules.windowSeconds });
  }

  const fresh: StoredRating = {
    id: press.eventId,
    ticketId: ticket.id,
    counterId: boundCounterId,
    officer: ticket.officer,
    level,
    score: scale.scores[level],
    deviceId,
    pressedAt: at,
    at: press.receivedAt,
  };
  const accepted = (outcome: RatingOutcome, write: RatingAccepted['write'], rating: StoredRating) => ({
    ok: true as const,
    outcome,
    write,
    rating,
    ticket,
    at,
    late,
  });

  const existing = setup.ratingOf(ticket.id);
  if (!existing) return accepted('recorded', 'insert', fresh);
  const sinceCounted = pressInterval(press, at, existing);
  const corrects =
    rules.policy === 'correction' &&
    existing.level !== level &&
    sinceCounted >= 0 &&
    sinceCounted <= rules.correctionSeconds * 1000;
  return corrects ? accepted('corrected', 'replace', fresh) : accepted('kept', 'none', existing);
}
