// The queue domain under a clock that jumps: the line keeps its order and
// numbers whatever the clock does, a leased ticket joins at a place fixed
// once, and a daily reset keeps the tickets the caller asks it to carry over.

import { describe, expect, it } from 'vitest';
import {
  acceptLeasedTicket,
  callNext,
  dailyReset,
  finishService,
  grantLease,
  issueTicket,
  leasedPlace,
  markNoShow,
  shiftTimes,
  startService,
  transfer,
  waitingFor,
} from '../../../hub/queue/index.js';
import {
  accept,
  counter,
  counterOf,
  DAY,
  issue,
  MINUTE,
  next,
  office,
  SECOND,
  T0,
  ticketByDisplay,
} from './fixture.js';

const TOMORROW = '2025-10-02';

/** Calls the whole line at a counter (each marked absent so the counter is free again). */
function callAll(state: Parameters<typeof next>[0], ctx: Parameters<typeof next>[1], counterId: number) {
  const out: string[] = [];
  for (;;) {
    const d = callNext(state, { counterId }, ctx);
    if (!d.ok) return out;
    accept(state, d);
    out.push(d.result.ticket.display);
    accept(state, markNoShow(state, { counterId }, ctx));
  }
}

describe('a clock stepping back', () => {
  it('two minutes back: numbers count on and the line keeps its order', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap'); // 1002
    ctx.advance(-2 * MINUTE);
    issue(state, ctx, 'cc-cap'); // 1003, stamped before 1001
    issue(state, ctx, 'cc-doi'); // 1004
    expect(ticketByDisplay(state, '1003').queuedAt).toBeLessThan(ticketByDisplay(state, '1001').queuedAt);
    expect(waitingFor(state, counterOf(state, 1)).map((t) => t.display)).toEqual([
      '1001',
      '1002',
      '1003',
      '1004',
    ]);
    expect(callAll(state, ctx, 1)).toEqual(['1001', '1002', '1003', '1004']);
  });

  it('with weights, a later ticket never counts as having waited longer than one ahead of it', () => {
    // Counter 1 prefers cc-doi twice over: normally a cc-doi ticket that waited half as long ties.
    const { state, ctx } = office({
      counters: [counter(1, 'open', ['cc-cap', { procedureId: 'cc-doi', weight: 2 }])],
    });
    issue(state, ctx, 'cc-cap'); // 1001 at T0
    ctx.advance(10 * MINUTE);
    ctx.advance(-30 * MINUTE); // the clock steps back 30 minutes
    issue(state, ctx, 'cc-doi'); // 1002, stamped 20 minutes before 1001
    ctx.advance(MINUTE);
    // By wall time 1002 "waited" 21 minutes, 1001 only 1: with its weight it would win by far.
    // Counted from no earlier than 1001's start, 1002 has waited at most as long: 1001 first.
    expect(next(state, ctx, 1)).toBe('1001');
  });

  it('the weights still work when the clock is steady', () => {
    const { state, ctx } = office({
      counters: [counter(1, 'open', ['cc-cap', { procedureId: 'cc-doi', weight: 3 }])],
    });
    issue(state, ctx, 'cc-cap'); // 1001
    ctx.advance(MINUTE);
    issue(state, ctx, 'cc-doi'); // 1002, waits a little less but weighs three times
    ctx.advance(5 * MINUTE);
    expect(next(state, ctx, 1)).toBe('1002');
  });

  it('a transferred ticket keeps its place', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap'); // 1002
    expect(next(state, ctx, 1)).toBe('1001');
    ctx.advance(-5 * MINUTE);
    const moved = accept(state, transfer(state, { counterId: 1, toProcedureId: 'cc-doi' }, ctx));
    expect(moved.seq).toBe(ticketByDisplay(state, '1001').seq);
    expect(waitingFor(state, counterOf(state, 1)).map((t) => t.display)).toEqual(['1001', '1002']);
  });

  it('places only grow, across days too', () => {
    const { state, ctx } = office();
    const a = issue(state, ctx, 'cc-cap');
    const b = issue(state, ctx, 'ct-tt');
    expect(b.seq).toBe(a.seq + 1);
    accept(state, dailyReset(state, { serviceDate: TOMORROW }, ctx));
    ctx.advance(-3600_000);
    const c = issue(state, ctx, 'cc-cap');
    expect(c.display).toBe('1001');
    expect(c.seq).toBe(b.seq + 1);
  });
});

describe('a ticket printed from a lease joins at a fixed place', () => {
  const printed = (
    state: ReturnType<typeof office>['state'],
    ctx: ReturnType<typeof office>['ctx'],
    number: number,
    issuedAt: number,
  ) =>
    accept(
      state,
      acceptLeasedTicket(
        state,
        {
          deviceId: 'kiosk-1',
          ticketId: `t-${number}`,
          requestId: `press-${number}`,
          serviceDate: DAY,
          seriesKey: 'field:cc',
          number,
          procedureId: 'cc-cap',
          priority: null,
          issuedAt,
        },
        ctx,
      ),
    ).ticket;

  it('behind the tickets issued before it was printed, ahead of those after, in print order', () => {
    const { state, ctx } = office();
    accept(
      state,
      grantLease(
        state,
        { deviceId: 'kiosk-1', procedureIds: [], fieldIds: ['cc'], count: 3, validUntil: T0 + 86_400_000 },
        ctx,
      ),
    );
    issue(state, ctx, 'cc-cap'); // 1001 at T0
    const firstPrint = ctx.now + 10 * SECOND;
    ctx.advance(MINUTE);
    issue(state, ctx, 'cc-cap'); // 1002, after the kiosk printed 1999 and 1998
    issue(state, ctx, 'cc-cap'); // 1003
    ctx.advance(5 * MINUTE); // the link comes back
    const a = printed(state, ctx, 1999, firstPrint);
    const b = printed(state, ctx, 1998, firstPrint + SECOND);
    expect(Math.floor(a.seq)).toBe(ticketByDisplay(state, '1001').seq);
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(b.seq).toBeLessThan(ticketByDisplay(state, '1002').seq);
    expect(waitingFor(state, counterOf(state, 1)).map((t) => t.display)).toEqual([
      '1001',
      '1999',
      '1998',
      '1002',
      '1003',
    ]);
    // The next ticket the hub issues still goes to the end.
    ctx.advance(-10 * MINUTE); // and a clock step changes nothing of the places given
    issue(state, ctx, 'cc-cap'); // 1004
    expect(callAll(state, ctx, 1)).toEqual(['1001', '1999', '1998', '1002', '1003', '1004']);
  });

  it('before every ticket of the day when printed before all of them; at the end of an empty day', () => {
    const { state, ctx } = office();
    state.lastSeq = 41;
    expect(leasedPlace(state, T0)).toBe(41 + 1 / 1024);
    issue(state, ctx, 'cc-cap'); // seq 42
    expect(leasedPlace(state, T0 - MINUTE)).toBe(41 + 1 / 1024);
    expect(leasedPlace(state, ctx.now)).toBe(42 + 1 / 1024);
  });
});

describe('dailyReset with tickets carried over', () => {
  it('keeps the carried tickets with their number and place; their series counts on, others restart', () => {
    const { state, ctx } = office();
    const old = issue(state, ctx, 'cc-cap'); // 1001: yesterday's leftover
    const c1 = issue(state, ctx, 'cc-cap'); // 1002
    const c2 = issue(state, ctx, 'cc-cap'); // 1003, called at counter 1 below
    issue(state, ctx, 'ct-tt'); // C2001, not carried
    expect(next(state, ctx, 1)).toBe('1001');
    accept(state, markNoShow(state, { counterId: 1 }, ctx));
    expect(next(state, ctx, 2)).toBe('1002');
    accept(state, startService(state, { counterId: 2 }, ctx));
    const carry = new Set([c1.id, c2.id]);
    const d = dailyReset(state, { serviceDate: TOMORROW, carryOver: carry }, ctx);
    expect(d.ok && d.result).toEqual({ cancelled: 1, carried: 2 });
    accept(state, d);
    expect(state.serviceDate).toBe(TOMORROW);
    expect(state.tickets.has(old.id)).toBe(false); // no-show of the old day: not live, stays behind
    const kept = [...state.tickets.values()].sort((a, b) => a.seq - b.seq);
    expect(kept.map((t) => [t.display, t.status, t.serviceDate, t.seq])).toEqual([
      ['1002', 'serving', TOMORROW, c1.seq],
      ['1003', 'waiting', TOMORROW, c2.seq],
    ]);
    // Counter 2 still serves 1002; counter 1 is free.
    expect(counterOf(state, 2).currentTicketId).toBe(c1.id);
    expect(counterOf(state, 1).currentTicketId).toBe(null);
    // Căn cước counts on after 1003; Cư trú starts again.
    expect(issue(state, ctx, 'cc-cap').display).toBe('1004');
    expect(issue(state, ctx, 'ct-tt').display).toBe('C2001');
    const events = d.ok ? d.changes.flatMap((c) => (c.kind === 'event' ? [c.event] : [])) : [];
    expect(events.filter((e) => e.type === 'carried_over').map((e) => e.detail)).toEqual([
      { from: DAY, to: TOMORROW },
      { from: DAY, to: TOMORROW },
    ]);
  });

  it('moves a finished ticket too when asked (its day was never known), and its series counts on', () => {
    const { state, ctx } = office();
    const a = issue(state, ctx, 'cc-cap'); // 1001
    expect(next(state, ctx, 1)).toBe('1001');
    accept(state, startService(state, { counterId: 1 }, ctx));
    accept(state, finishService(state, { counterId: 1 }, ctx));
    accept(state, dailyReset(state, { serviceDate: TOMORROW, carryOver: new Set([a.id]) }, ctx));
    expect(state.tickets.get(a.id)).toMatchObject({ status: 'done', serviceDate: TOMORROW });
    expect(issue(state, ctx, 'cc-cap').display).toBe('1002');
  });

  it('clears the untrusted-clock mark of a carried ticket (it is carried once)', () => {
    const { state, ctx } = office();
    ctx.clockTrusted = false;
    const t = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx)).ticket;
    expect(t.clockUntrusted).toBe(true);
    ctx.clockTrusted = true;
    accept(state, dailyReset(state, { serviceDate: TOMORROW, carryOver: new Set([t.id]) }, ctx));
    expect(state.tickets.get(t.id)?.clockUntrusted).toBe(false);
  });

  it('a carried ticket printed from a lease keeps its number reserved on the new date', () => {
    const { state, ctx } = office();
    accept(
      state,
      grantLease(
        state,
        { deviceId: 'kiosk-1', procedureIds: [], fieldIds: ['cc'], count: 1, validUntil: T0 + 86_400_000 },
        ctx,
      ),
    );
    const leased = accept(
      state,
      acceptLeasedTicket(
        state,
        {
          deviceId: 'kiosk-1',
          ticketId: 't-1999',
          requestId: 'p-1999',
          serviceDate: DAY,
          seriesKey: 'field:cc',
          number: 1999,
          procedureId: 'cc-cap',
          priority: null,
          issuedAt: ctx.now,
        },
        ctx,
      ),
    ).ticket;
    accept(state, dailyReset(state, { serviceDate: TOMORROW, carryOver: new Set([leased.id]) }, ctx));
    expect(state.leases.get('field:cc')?.get(1999)).toMatchObject({
      serviceDate: TOMORROW,
      ticketId: leased.id,
    });
    // The sequence restarts (the leased number came from the top) and steps over 1999 when it gets there.
    expect(issue(state, ctx, 'cc-cap').display).toBe('1001');
  });
});

describe('shiftTimes', () => {
  it('moves every time stamped on the tickets, and their events and calls, by the clock step; nothing else', () => {
    const { state, ctx } = office();
    const a = issue(state, ctx, 'cc-cap');
    const b = issue(state, ctx, 'cc-cap');
    expect(next(state, ctx, 1)).toBe('1001');
    const called = state.tickets.get(a.id)!;
    const step = 13.5 * 3600_000;
    const d = shiftTimes(state, { ticketIds: [a.id, 'gone'], byMs: step }, ctx);
    expect(d.ok && d.result).toEqual({ shifted: 1 });
    expect(d.ok && d.changes.at(-1)).toEqual({ kind: 'timesShifted', ticketIds: [a.id], byMs: step });
    accept(state, d);
    expect(state.tickets.get(a.id)).toEqual({
      ...called,
      issuedAt: called.issuedAt + step,
      queuedAt: called.queuedAt + step,
      firstCalledAt: called.firstCalledAt! + step,
      calledAt: called.calledAt! + step,
      counterCalledAt: called.counterCalledAt! + step,
    });
    expect(state.tickets.get(b.id)).toEqual(b);
    expect(shiftTimes(state, { ticketIds: [b.id], byMs: 0 }, ctx)).toEqual({
      ok: true,
      changes: [],
      result: { shifted: 0 },
    });
  });
});
