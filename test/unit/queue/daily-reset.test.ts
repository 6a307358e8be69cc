import { describe, expect, it } from 'vitest';
import {
  applyChanges,
  callNext,
  dailyReset,
  finishService,
  markNoShow,
  setCounterState,
  startService,
} from '../../../hub/queue/index.js';
import { accept, counterOf, DAY, issue, next, office, snapshot, ticketByDisplay } from './fixture.js';

const TOMORROW = '2025-10-02';

/** A busy day: 1001 done, 1002 no-show, 1003 serving at 1, C2002 (priority) called at 3, 1004 and C2001 waiting. */
function busyDay() {
  const o = office();
  const { state, ctx } = o;
  for (const p of ['cc-cap', 'cc-cap', 'cc-cap', 'cc-cap'])
    issue(state, ctx, p, p === 'cc-cap' ? null : null);
  issue(state, ctx, 'ct-tt');
  issue(state, ctx, 'ct-tt', 'elderly');
  next(state, ctx, 1); // 1001
  accept(state, startService(state, { counterId: 1 }, ctx));
  accept(state, finishService(state, { counterId: 1 }, ctx));
  next(state, ctx, 1); // 1002
  accept(state, markNoShow(state, { counterId: 1 }, ctx));
  next(state, ctx, 1); // 1003
  accept(state, startService(state, { counterId: 1 }, ctx));
  next(state, ctx, 3); // C2002 (priority)
  return o;
}

describe('dailyReset', () => {
  it('cancels every live ticket, keeping done and no-show ones as they are', () => {
    const { state, ctx } = busyDay();
    expect(counterOf(state, 3).consecutivePriority).toBe(1);
    const before = snapshot(state);
    const d = dailyReset(state, { serviceDate: TOMORROW }, ctx);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    // Deciding changes nothing by itself.
    expect(state).toEqual(before);
    expect(d.result).toEqual({ cancelled: 4, carried: 0 });
    const cancelled = d.changes.flatMap((c) => (c.kind === 'ticket' ? [c.ticket] : []));
    expect(cancelled.map((t) => t.display).sort()).toEqual(['1003', '1004', 'C2001', 'C2002']);
    for (const t of cancelled) {
      expect(t).toMatchObject({ status: 'cancelled', finishedAt: ctx.now, serviceDate: DAY });
    }
    const events = d.changes.flatMap((c) => (c.kind === 'event' ? [c.event] : []));
    expect(events).toHaveLength(4);
    for (const e of events) {
      expect(e).toMatchObject({
        type: 'cancelled',
        at: ctx.now,
        counterId: null,
        detail: { reason: 'daily_reset' },
      });
    }
    expect(new Set(events.map((e) => e.ticketId))).toEqual(new Set(cancelled.map((t) => t.id)));
    // Counters 1 and 3 had a ticket; 3 also had a priority run. Counter 2 and 4 are untouched.
    const counters = d.changes.flatMap((c) => (c.kind === 'counter' ? [c.counter] : []));
    expect(counters.map((c) => c.id).sort()).toEqual([1, 3]);
    for (const c of counters) expect(c).toMatchObject({ currentTicketId: null, consecutivePriority: 0 });
    expect(d.changes.at(-1)).toEqual({ kind: 'serviceDate', serviceDate: TOMORROW });
    expect(d.changes.filter((c) => c.kind === 'serviceDate')).toHaveLength(1);
  });

  it('after applying: a new date, no tickets, numbering restarts, counters are free but keep state and officer', () => {
    const { state, ctx } = busyDay();
    accept(state, setCounterState(state, { counterId: 2, state: 'paused' }, ctx));
    state.recentServiceMs.set('cc-cap', [200_000]);
    accept(state, dailyReset(state, { serviceDate: TOMORROW }, ctx));
    expect(state.serviceDate).toBe(TOMORROW);
    expect(state.tickets.size).toBe(0);
    expect(state.sequences.size).toBe(0);
    expect(counterOf(state, 1)).toMatchObject({ state: 'open', officer: 'officer-1', currentTicketId: null });
    expect(counterOf(state, 2).state).toBe('paused');
    expect(counterOf(state, 3)).toMatchObject({ currentTicketId: null, consecutivePriority: 0 });
    expect(counterOf(state, 4).state).toBe('closed');
    // Recent service times stay useful for the estimate the next morning.
    expect(state.recentServiceMs.get('cc-cap')).toEqual([200_000]);

    const first = issue(state, ctx, 'cc-cap');
    expect(first).toMatchObject({ display: '1001', serviceDate: TOMORROW });
    expect(issue(state, ctx, 'ct-tt').display).toBe('C2001');
    // Counter 1 was serving yesterday's 1003; now it can call at once.
    expect(next(state, ctx, 1)).toBe('1001');
    expect(ticketByDisplay(state, '1001').serviceDate).toBe(TOMORROW);
  });

  it('the same date is a no-op', () => {
    const { state, ctx } = busyDay();
    const before = snapshot(state);
    const d = dailyReset(state, { serviceDate: DAY }, ctx);
    expect(d).toEqual({ ok: true, changes: [], result: { cancelled: 0, carried: 0 } });
    applyChanges(state, d.ok ? d.changes : []);
    expect(state).toEqual(before);
    expect(callNext(state, { counterId: 2 }, ctx).ok).toBe(true);
  });

  it('a quiet day: only the date changes', () => {
    const { state, ctx } = office();
    const d = dailyReset(state, { serviceDate: TOMORROW }, ctx);
    expect(d).toEqual({
      ok: true,
      changes: [{ kind: 'serviceDate', serviceDate: TOMORROW }],
      result: { cancelled: 0, carried: 0 },
    });
  });
});
