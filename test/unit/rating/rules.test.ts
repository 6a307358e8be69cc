// The hub's rating rules, pure: which ticket a press goes to, the window,
// one rating per ticket (first press vs a quick correction), the scale, and
// the press time of an event that comes late from the device's outbox.

import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../../hub/queue/types.js';
import {
  DEVICE_INTERVAL_SLACK_MS,
  decideRating,
  LATE_AFTER_MS,
  openRating,
  pressInterval,
  pressTime,
  type RatingPress,
  type RatingSetup,
} from '../../../hub/ratings/rules.js';
import { DEFAULT_RATING_RULES, type RatingRules } from '../../../hub/service/admin-settings.js';
import type { StoredRating } from '../../../hub/store/rating-store.js';
import { timeOrderedId } from '../../../shared/ids/time-ordered-id.js';
import { FOUR_LEVELS, THREE_LEVELS } from '../../../shared/ratings.js';

const T0 = Date.UTC(2025, 9, 1, 1, 0, 0);
const S = 1000;
const MIN = 60 * S;

function ticket(id: string, over: Partial<Ticket>): Ticket {
  return {
    id,
    serviceDate: '2025-10-01',
    seriesKey: 'field:can-cuoc',
    number: 1000 + Number(id.replace(/\D/g, '') || 0),
    display: String(1000 + Number(id.replace(/\D/g, '') || 0)),
    fieldId: 'can-cuoc',
    procedureId: 'can-cuoc-01',
    priority: null,
    status: 'done',
    assignedCounterId: null,
    counterId: 1,
    officer: 'canbo1',
    issuedAt: T0 - 30 * MIN,
    seq: 1,
    queuedAt: T0 - 30 * MIN,
    clockUntrusted: false,
    firstCalledAt: T0 - 10 * MIN,
    calledAt: T0 - 10 * MIN,
    counterCalledAt: T0 - 10 * MIN,
    serviceStartedAt: T0 - 9 * MIN,
    finishedAt: T0,
    callCount: 1,
    transferCount: 0,
    source: null,
    ...over,
  };
}

/** Counter 1: t1 served by canbo1 and finished at T0; counter 2 serves t9. */
const t1 = ticket('t1', {});
const t0 = ticket('t0', { serviceStartedAt: T0 - 20 * MIN, finishedAt: T0 - 15 * MIN, officer: 'canbo3' });
const t9 = ticket('t9', { counterId: 2, status: 'serving', finishedAt: null, officer: 'canbo2' });

function setup(
  tickets: Ticket[],
  options: { rules?: Partial<RatingRules>; stored?: StoredRating[]; four?: boolean } = {},
): RatingSetup {
  const stored = new Map((options.stored ?? []).map((r) => [r.ticketId, r]));
  return {
    tickets,
    scale: options.four ? FOUR_LEVELS : THREE_LEVELS,
    rules: { ...DEFAULT_RATING_RULES, ...options.rules },
    ratingOf: (id) => stored.get(id),
  };
}

const press = (over: Partial<RatingPress> = {}): RatingPress => ({
  eventId: 'e1',
  deviceId: 'rating-01',
  boundCounterId: 1,
  level: 'very_satisfied',
  pressedAt: T0 + 10 * S,
  sentAt: T0 + 10 * S,
  receivedAt: T0 + 10 * S,
  ...over,
});

/** What decideRating stored for a press (to chain presses). */
function stored(p: RatingPress, s: RatingSetup): StoredRating {
  const d = decideRating(p, s);
  if (!d.ok) throw new Error(d.message);
  return d.rating;
}

describe('which ticket and officer a press goes to', () => {
  it('within the window after the finish: the ticket served last, its officer, score 2/1/0', () => {
    const s = setup([t0, t1, t9]);
    for (const [level, score] of [
      ['very_satisfied', 2],
      ['satisfied', 1],
      ['unsatisfied', 0],
    ] as const) {
      const d = decideRating(press({ level, receivedAt: T0 + 119 * S }), s);
      expect(d).toMatchObject({
        ok: true,
        outcome: 'recorded',
        write: 'insert',
        late: false,
        ticket: { id: 't1' },
        rating: { id: 'e1', ticketId: 't1', counterId: 1, officer: 'canbo1', level, score },
      });
    }
  });

  it('during the service: the ticket being served', () => {
    const serving = ticket('t2', { status: 'serving', serviceStartedAt: T0 + 5 * S, finishedAt: null });
    const d = decideRating(press({ receivedAt: T0 + 30 * MIN }), setup([t0, t1, serving]));
    expect(d).toMatchObject({ ok: true, ticket: { id: 't2' }, rating: { officer: 'canbo1', score: 2 } });
  });

  it('a ticket only called (not served yet) does not take the press from the last one served', () => {
    const called = ticket('t2', {
      status: 'called',
      serviceStartedAt: null,
      finishedAt: null,
      calledAt: T0 + 5 * S,
    });
    const d = decideRating(press({ receivedAt: T0 + 20 * S }), setup([t1, called]));
    expect(d).toMatchObject({ ok: true, ticket: { id: 't1' } });
  });

  it('outside the window: refused with the reason', () => {
    const d = decideRating(press({ receivedAt: T0 + 121 * S }), setup([t1]));
    expect(d).toMatchObject({ ok: false, code: 'rating_window_closed' });
    if (!d.ok) expect(d.message).toContain('1001');
    // A longer window (setting) takes it.
    expect(
      decideRating(press({ receivedAt: T0 + 121 * S }), setup([t1], { rules: { windowSeconds: 300 } })).ok,
    ).toBe(true);
  });

  it('no ticket served yet at the counter (another counter serving does not count): refused', () => {
    const d = decideRating(press(), setup([t9]));
    expect(d).toMatchObject({ ok: false, code: 'no_recent_service' });
    const noShow = ticket('t3', { status: 'no_show', serviceStartedAt: null });
    expect(decideRating(press(), setup([noShow]))).toMatchObject({ ok: false, code: 'no_recent_service' });
  });

  it('a device bound to no counter, or configured for another counter, is refused', () => {
    expect(decideRating(press({ boundCounterId: null }), setup([t1]))).toMatchObject({
      ok: false,
      code: 'device_not_bound',
    });
    const d = decideRating(press({ claimedCounterId: 2 }), setup([t1, t9]));
    expect(d).toMatchObject({ ok: false, code: 'wrong_counter' });
    expect(decideRating(press({ claimedCounterId: 1 }), setup([t1])).ok).toBe(true);
  });

  it('a level outside the active scale is refused: "neutral" on three levels, taken on four', () => {
    expect(decideRating(press({ level: 'neutral' }), setup([t1]))).toMatchObject({
      ok: false,
      code: 'level_not_in_scale',
    });
    expect(decideRating(press({ level: 'neutral' }), setup([t1], { four: true }))).toMatchObject({
      ok: true,
      rating: { level: 'neutral', score: 1 },
    });
  });
});

describe('one rating per ticket', () => {
  const first = press({ eventId: 'e1', level: 'unsatisfied', receivedAt: T0 + 10 * S });

  it('policy "first": a second press is answered "kept" and writes nothing', () => {
    const s0 = setup([t1], { rules: { policy: 'first' } });
    const r1 = stored(first, s0);
    const s = setup([t1], { rules: { policy: 'first' }, stored: [r1] });
    const d = decideRating(press({ eventId: 'e2', level: 'very_satisfied', receivedAt: T0 + 11 * S }), s);
    expect(d).toMatchObject({
      ok: true,
      outcome: 'kept',
      write: 'none',
      rating: { id: 'e1', level: 'unsatisfied' },
    });
  });

  it('policy "correction": another level within the correction time replaces it; later it is final', () => {
    const r1 = stored(first, setup([t1]));
    const s = setup([t1], { stored: [r1], rules: { policy: 'correction', correctionSeconds: 5 } });
    const quick = decideRating(press({ eventId: 'e2', level: 'very_satisfied', receivedAt: T0 + 15 * S }), s);
    expect(quick).toMatchObject({
      ok: true,
      outcome: 'corrected',
      write: 'replace',
      rating: { id: 'e2', ticketId: 't1', level: 'very_satisfied', score: 2 },
    });
    const late = decideRating(
      press({ eventId: 'e3', level: 'very_satisfied', receivedAt: T0 + 15 * S + 1 }),
      s,
    );
    expect(late).toMatchObject({ ok: true, outcome: 'kept', write: 'none', rating: { id: 'e1', score: 0 } });
  });

  it('a double press of the same key counts once under either policy', () => {
    for (const policy of ['first', 'correction'] as const) {
      const r1 = stored(first, setup([t1]));
      const s = setup([t1], { stored: [r1], rules: { policy } });
      const again = decideRating(
        press({ eventId: 'e2', level: 'unsatisfied', receivedAt: T0 + 10.3 * S }),
        s,
      );
      expect(again).toMatchObject({ ok: true, outcome: 'kept', write: 'none', rating: { id: 'e1' } });
    }
  });

  it('the next ticket gets its own rating', () => {
    const r1 = stored(first, setup([t1]));
    const t2 = ticket('t2', { status: 'serving', serviceStartedAt: T0 + 20 * S, finishedAt: null });
    const d = decideRating(
      press({ eventId: 'e2', receivedAt: T0 + 21 * S }),
      setup([t1, t2], { stored: [r1] }),
    );
    expect(d).toMatchObject({ ok: true, outcome: 'recorded', ticket: { id: 't2' } });
  });
});

describe('two presses of one device, in its own order', () => {
  // An outage: the device pressed at device time D and D + 70 ms (its clock
  // is 3 h ahead of the hub's: D is T0 on the hub), kept both, and sent them
  // late, a minute on, 10 ms apart. The first message met 400 ms more on the
  // way than the second, so the hub's figures alone put the second press
  // 330 ms *before* the first.
  const D = T0 + 3 * 3600 * S;
  const late = (
    eventId: string,
    level: RatingPress['level'],
    pressedAt: number,
    sentAt: number,
    transit: number,
  ) => press({ eventId, level, pressedAt, sentAt, receivedAt: sentAt - 3 * 3600 * S + transit });
  const correction = { rules: { policy: 'correction' as const, correctionSeconds: 5 } };

  it('a change of mind 70 ms later corrects, though the first message was slower on the way', () => {
    const p1 = late(timeOrderedId(D), 'unsatisfied', D, D + 60 * S, 450);
    const p2 = late(timeOrderedId(D + 70), 'very_satisfied', D + 70, D + 60 * S + 10, 50);
    const r1 = stored(p1, setup([t1], correction));
    const d2 = decideRating(p2, setup([t1], { ...correction, stored: [r1] }));
    expect(d2).toMatchObject({ ok: true, late: true });
    if (!d2.ok) return;
    expect(d2.at - r1.pressedAt).toBe(-330); // the hub's figures: the wrong order
    expect(pressInterval(p2, d2.at, r1)).toBe(70); // the device's: the right one
    expect(d2).toMatchObject({ outcome: 'corrected', rating: { level: 'very_satisfied' } });
  });

  it("the hub's figures decide for two devices, for ids that carry no time, and across a device clock step", () => {
    const counted = { id: timeOrderedId(D), deviceId: 'rating-01', pressedAt: T0 };
    // Another device: its clock is not this one's.
    expect(
      pressInterval({ eventId: timeOrderedId(D + 70), deviceId: 'rating-02' }, T0 + 1 * S, counted),
    ).toBe(S);
    // Hand-made ids.
    expect(pressInterval({ eventId: 'e2', deviceId: 'rating-01' }, T0 + S, { ...counted, id: 'e1' })).toBe(S);
    // The device's clock stepped 3 h between the presses (NTP came): its figure disagrees by far more than any transit.
    expect(
      pressInterval({ eventId: timeOrderedId(D + 3 * 3600 * S + S), deviceId: 'rating-01' }, T0 + S, counted),
    ).toBe(S);
    // Within the slack, the device's figure stands.
    const within = DEVICE_INTERVAL_SLACK_MS - 1;
    expect(
      pressInterval({ eventId: timeOrderedId(D + S + within), deviceId: 'rating-01' }, T0 + S, counted),
    ).toBe(S + within);
  });
});

describe('press time', () => {
  it('a fresh event is timed by the hub, whatever the device clock says', () => {
    // The device's clock is an hour behind: the hub's receive time decides.
    const p = press({ pressedAt: T0 - 60 * MIN, sentAt: T0 - 60 * MIN + 20, receivedAt: T0 + 30 * S });
    expect(pressTime(p)).toEqual({ at: T0 + 30 * S, late: false });
    expect(decideRating(p, setup([t1]))).toMatchObject({ ok: true, ticket: { id: 't1' } });
  });

  it('a late event from the outbox is timed by how long it waited on the device, offset cancelled', () => {
    // Pressed 60 s after the finish, delivered 10 minutes later; the device clock is 1 h behind.
    const skew = -60 * MIN;
    const p = press({
      pressedAt: T0 + 60 * S + skew,
      sentAt: T0 + 10 * MIN + skew,
      receivedAt: T0 + 10 * MIN + 40,
    });
    expect(pressTime(p)).toEqual({ at: T0 + 60 * S + 40, late: true });
    const d = decideRating(p, setup([t1]));
    expect(d).toMatchObject({
      ok: true,
      late: true,
      ticket: { id: 't1' },
      rating: { pressedAt: T0 + 60 * S + 40 },
    });
    // Timed on arrival it would have been outside the window.
    expect(decideRating({ ...p, sentAt: p.pressedAt }, setup([t1]))).toMatchObject({
      ok: false,
      code: 'rating_window_closed',
    });
  });

  it('a late event goes to the ticket served at the press, not the one served when it arrives', () => {
    const t2 = ticket('t2', {
      status: 'serving',
      serviceStartedAt: T0 + 5 * MIN,
      finishedAt: null,
      officer: 'canbo4',
    });
    const p = press({ pressedAt: T0 + 30 * S, sentAt: T0 + 6 * MIN, receivedAt: T0 + 6 * MIN });
    expect(decideRating(p, setup([t1, t2]))).toMatchObject({
      ok: true,
      ticket: { id: 't1' },
      rating: { officer: 'canbo1' },
    });
  });

  it('is bounded: never after the receive time, and a press before any service finds no ticket', () => {
    // sentAt before pressedAt (the device clock stepped back): taken as fresh.
    expect(pressTime({ pressedAt: T0, sentAt: T0 - 5 * S, receivedAt: T0 + S })).toEqual({
      at: T0 + S,
      late: false,
    });
    // No sentAt (a hand-made request) and a pressedAt in the future: the receive time.
    expect(pressTime({ pressedAt: T0 + MIN, receivedAt: T0 })).toEqual({ at: T0, late: false });
    expect(pressTime({ pressedAt: T0 - 3 * LATE_AFTER_MS, receivedAt: T0 })).toEqual({
      at: T0 - 3 * LATE_AFTER_MS,
      late: true,
    });
    const early = press({ pressedAt: T0 - 60 * MIN, sentAt: T0, receivedAt: T0 });
    expect(decideRating(early, setup([t1]))).toMatchObject({ ok: false, code: 'no_recent_service' });
  });
});

describe('the invite (counter state)', () => {
  it('is open while serving and until the window closes', () => {
    const rules = DEFAULT_RATING_RULES;
    expect(openRating([t1], 1, T0 + 60 * S, rules)).toMatchObject({
      ticket: { id: 't1' },
      closesAt: T0 + 120 * S,
    });
    expect(openRating([t1], 1, T0 + 121 * S, rules)).toBeUndefined();
    expect(openRating([t9], 2, T0, rules)).toMatchObject({ ticket: { id: 't9' }, closesAt: null });
    expect(openRating([t9], 1, T0, rules)).toBeUndefined();
  });
});
