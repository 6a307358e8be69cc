import { describe, expect, it } from 'vitest';
import {
  callNext,
  counterReady,
  finishService,
  leaveCounter,
  markNoShow,
  recall,
  setCounterState,
  startService,
  takeCounter,
  transfer,
} from '../../../hub/queue/index.js';
import { counterStateText } from '../../../shared/text/vi.js';
import { accept, acceptWithChanges, counterOf, expectRefusal, issue, next, office, text } from './fixture.js';

describe('setCounterState', () => {
  it('pauses a counter: it cannot call until it reopens, and keeps its officer', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-doi');
    const { result, changes } = acceptWithChanges(
      state,
      setCounterState(state, { counterId: 1, state: 'paused' }, ctx),
    );
    expect(result).toMatchObject({ id: 1, state: 'paused', officer: 'officer-1' });
    expect(changes).toEqual([{ kind: 'counter', counter: result }]);
    expect(counterOf(state, 1).state).toBe('paused');
    expectRefusal(state, 'counter_not_open', (s) => callNext(s, { counterId: 1 }, ctx));
    accept(state, setCounterState(state, { counterId: 1, state: 'open' }, ctx));
    expect(counterOf(state, 1).state).toBe('open');
    expect(next(state, ctx, 1)).toBe('1001');
  });

  it('may pause while a ticket is called; that ticket can still be recalled, served and finished', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, setCounterState(state, { counterId: 1, state: 'paused' }, ctx));
    expect(counterOf(state, 1).currentTicketId).not.toBeNull();
    accept(state, recall(state, { counterId: 1 }, ctx));
    accept(state, startService(state, { counterId: 1 }, ctx));
    expect(accept(state, finishService(state, { counterId: 1 }, ctx)).display).toBe('1001');
    // Paused: no next call.
    expectRefusal(state, 'counter_not_open', (s) => callNext(s, { counterId: 1 }, ctx));
  });

  it('closes an idle counter: the officer signs out', () => {
    const { state, ctx } = office();
    const closed = accept(state, setCounterState(state, { counterId: 2, state: 'closed' }, ctx));
    expect(closed).toMatchObject({ id: 2, state: 'closed', officer: null, currentTicketId: null });
    expect(counterOf(state, 2)).toEqual(closed);
  });

  it('closing a counter sends tickets transferred to it back to the shared line', () => {
    const { state, ctx } = office();
    const ticket = issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx));
    expect(state.tickets.get(ticket.id)!.assignedCounterId).toBe(2);
    accept(state, setCounterState(state, { counterId: 2, state: 'closed' }, ctx));
    expect(state.tickets.get(ticket.id)).toMatchObject({ status: 'waiting', assignedCounterId: null });
    // Counter 1 serves the procedure: the ticket is its next one again.
    expect(next(state, ctx, 1)).toBe(ticket.display);
  });

  it('a closed counter with nobody at it neither opens nor pauses: an officer opens it by taking it', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    for (const wanted of ['open', 'paused'] as const) {
      const r = expectRefusal(state, 'counter_no_officer', (s) =>
        setCounterState(s, { counterId: 4, state: wanted }, ctx),
      );
      expect(r.message).toBe(
        text('counter_no_officer', { counterName: 'Quầy 4', state: counterStateText[wanted] }),
      );
    }
    expectRefusal(state, 'counter_not_open', (s) => callNext(s, { counterId: 4 }, ctx));
    accept(state, takeCounter(state, { counterId: 4, officer: 'le-van-cuong' }, ctx));
    expect(counterOf(state, 4)).toMatchObject({ state: 'open', officer: 'le-van-cuong' });
    expect(next(state, ctx, 4)).toBe('1001');
  });

  it('setting the state a counter already has changes nothing', () => {
    const { state, ctx } = office();
    const d = setCounterState(state, { counterId: 1, state: 'open' }, ctx);
    expect(d).toEqual({ ok: true, changes: [], result: counterOf(state, 1) });
  });

  it('counter_busy: a counter with a called ticket cannot close', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    const r = expectRefusal(state, 'counter_busy', (s) =>
      setCounterState(s, { counterId: 2, state: 'closed' }, ctx),
    );
    expect(r.message).toBe(text('counter_busy', { counterName: 'Quầy 2', display: '1001' }));
  });

  it('counter_busy: a counter serving a ticket cannot close; after finishing it can', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    accept(state, startService(state, { counterId: 2 }, ctx));
    expectRefusal(state, 'counter_busy', (s) => setCounterState(s, { counterId: 2, state: 'closed' }, ctx));
    accept(state, finishService(state, { counterId: 2 }, ctx));
    expect(accept(state, setCounterState(state, { counterId: 2, state: 'closed' }, ctx)).state).toBe(
      'closed',
    );
  });

  it('a counter can close after marking its ticket absent', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    accept(state, markNoShow(state, { counterId: 2 }, ctx));
    expect(accept(state, setCounterState(state, { counterId: 2, state: 'closed' }, ctx)).state).toBe(
      'closed',
    );
  });

  it('unknown_counter', () => {
    const { state, ctx } = office();
    const r = expectRefusal(state, 'unknown_counter', (s) =>
      setCounterState(s, { counterId: 42, state: 'open' }, ctx),
    );
    expect(r.message).toBe(text('unknown_counter', { counterId: 42 }));
  });
});

describe('takeCounter and leaveCounter', () => {
  it('an officer takes a closed counter: it opens, and calls and events carry that officer', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const { result, changes } = acceptWithChanges(
      state,
      takeCounter(state, { counterId: 4, officer: 'tran-thi-binh' }, ctx),
    );
    expect(result).toEqual({
      counter: { ...counterOf(state, 4), officer: 'tran-thi-binh', state: 'open' },
      movedFrom: [],
      replaced: null,
    });
    expect(changes).toEqual([{ kind: 'counter', counter: result.counter }]);
    expect(counterReady(counterOf(state, 4))).toBe(true);
    const d = callNext(state, { counterId: 4 }, ctx);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.result.ticket.officer).toBe('tran-thi-binh');
    expect(d.changes[2]).toMatchObject({ event: { officer: 'tran-thi-binh', counterId: 4 } });
  });

  it('a paused counter stays paused when a colleague takes it; taking the counter one holds changes nothing', () => {
    const { state, ctx } = office();
    accept(state, setCounterState(state, { counterId: 1, state: 'paused' }, ctx));
    const r = accept(state, takeCounter(state, { counterId: 1, officer: 'pham-thu-dung' }, ctx));
    expect(r).toMatchObject({
      counter: { state: 'paused', officer: 'pham-thu-dung' },
      replaced: 'officer-1',
    });
    expect(takeCounter(state, { counterId: 1, officer: 'pham-thu-dung' }, ctx)).toEqual({
      ok: true,
      changes: [],
      result: { counter: counterOf(state, 1), movedFrom: [], replaced: null },
    });
  });

  it('one officer, one counter: taking a second counter moves the officer, the first closes behind them', () => {
    const { state, ctx } = office();
    const pinned = issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    accept(state, transfer(state, { counterId: 2, toCounterId: 1 }, ctx));
    expect(state.tickets.get(pinned.id)!.assignedCounterId).toBe(1);
    const r = accept(state, takeCounter(state, { counterId: 4, officer: 'officer-1' }, ctx));
    expect(r.movedFrom).toEqual([1]);
    expect(counterOf(state, 1)).toMatchObject({ state: 'closed', officer: null });
    expect(counterOf(state, 4)).toMatchObject({ state: 'open', officer: 'officer-1' });
    // The ticket sent to counter 1 goes back to the shared line instead of waiting for an empty desk.
    expect(state.tickets.get(pinned.id)!.assignedCounterId).toBeNull();
    expect([...state.counters.values()].filter((c) => c.officer === 'officer-1')).toHaveLength(1);
  });

  it('officer_busy_elsewhere: an officer with a citizen called or served at their counter cannot move', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const r = expectRefusal(state, 'officer_busy_elsewhere', (s) =>
      takeCounter(s, { counterId: 4, officer: 'officer-1' }, ctx),
    );
    expect(r.message).toBe(text('officer_busy_elsewhere', { display: '1001', counterName: 'Quầy 1' }));
    accept(state, startService(state, { counterId: 1 }, ctx));
    expectRefusal(state, 'officer_busy_elsewhere', (s) =>
      takeCounter(s, { counterId: 4, officer: 'officer-1' }, ctx),
    );
    accept(state, finishService(state, { counterId: 1 }, ctx));
    accept(state, takeCounter(state, { counterId: 4, officer: 'officer-1' }, ctx));
  });

  it('a colleague may take over a desk with a citizen at it; the service goes on in their name', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, takeCounter(state, { counterId: 1, officer: 'ngo-van-em' }, ctx));
    const started = accept(state, startService(state, { counterId: 1 }, ctx));
    expect(started.officer).toBe('ngo-van-em');
  });

  it('leaving closes the counter; refused with a citizen at it, or for a counter another officer holds', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 3 - 1);
    expectRefusal(state, 'counter_busy', (s) => leaveCounter(s, { counterId: 2, officer: 'officer-2' }, ctx));
    const r = expectRefusal(state, 'counter_not_yours', (s) =>
      leaveCounter(s, { counterId: 3, officer: 'officer-2' }, ctx),
    );
    expect(r.message).toBe(text('counter_not_yours', { counterName: 'Quầy 3', officer: 'officer-3' }));
    const left = accept(state, leaveCounter(state, { counterId: 3, officer: 'officer-3' }, ctx));
    expect(left).toMatchObject({ id: 3, state: 'closed', officer: null });
    expect(counterReady(counterOf(state, 3))).toBe(false);
    // Leaving a counter nobody holds changes nothing.
    expect(leaveCounter(state, { counterId: 3, officer: 'officer-3' }, ctx)).toEqual({
      ok: true,
      changes: [],
      result: counterOf(state, 3),
    });
  });

  it('a counter with no officer from an older store cannot call even if it says open', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    state.counters.set(1, { ...counterOf(state, 1), officer: null });
    expect(counterReady(counterOf(state, 1))).toBe(false);
    expectRefusal(state, 'counter_no_officer', (s) => callNext(s, { counterId: 1 }, ctx));
  });

  it('unknown_counter', () => {
    const { state, ctx } = office();
    expectRefusal(state, 'unknown_counter', (s) => takeCounter(s, { counterId: 0, officer: 'x' }, ctx));
    expectRefusal(state, 'unknown_counter', (s) => leaveCounter(s, { counterId: 0, officer: 'x' }, ctx));
  });
});
