import { describe, expect, it } from 'vitest';
import {
  callNext,
  finishService,
  markNoShow,
  recall,
  setCounterOfficer,
  setCounterState,
  startService,
  transfer,
} from '../../../hub/queue/index.js';
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

  it('opens a closed counter, which then calls', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    accept(state, setCounterState(state, { counterId: 4, state: 'open' }, ctx));
    expect(counterOf(state, 4).state).toBe('open');
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

describe('setCounterOfficer', () => {
  it('signs an officer in; calls and events carry that officer', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const { result, changes } = acceptWithChanges(
      state,
      setCounterOfficer(state, { counterId: 1, officer: 'tran-thi-binh' }, ctx),
    );
    expect(result).toEqual({ ...counterOf(state, 1), officer: 'tran-thi-binh' });
    expect(changes).toEqual([{ kind: 'counter', counter: result }]);
    const d = callNext(state, { counterId: 1 }, ctx);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.result.ticket.officer).toBe('tran-thi-binh');
    expect(d.changes[2]).toMatchObject({ event: { officer: 'tran-thi-binh', counterId: 1 } });
  });

  it('signs the officer out with null, keeping the counter state', () => {
    const { state, ctx } = office();
    const c = accept(state, setCounterOfficer(state, { counterId: 3, officer: null }, ctx));
    expect(c).toMatchObject({ id: 3, officer: null, state: 'open' });
    expect(counterOf(state, 3).officer).toBeNull();
  });

  it('unknown_counter', () => {
    const { state, ctx } = office();
    expectRefusal(state, 'unknown_counter', (s) => setCounterOfficer(s, { counterId: 0, officer: 'x' }, ctx));
  });
});
