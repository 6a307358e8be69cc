import { describe, expect, it } from 'vitest';
import { callNext, finishService, recall, startService, takeCounter } from '../../../hub/queue/index.js';
import {
  accept,
  acceptWithChanges,
  counterOf,
  expectRefusal,
  issue,
  MINUTE,
  next,
  office,
  SECOND,
  T0,
  text,
} from './fixture.js';

describe('a ticket through its whole life', () => {
  it('issue → call → recall → start → finish, with every time stamp and the counter freed', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-doi'); // at T0
    ctx.advance(4 * MINUTE);
    const calledAt = ctx.now;
    accept(state, callNext(state, { counterId: 1 }, ctx));
    ctx.advance(20 * SECOND);
    const recalledAt = ctx.now;
    accept(state, recall(state, { counterId: 1 }, ctx));
    ctx.advance(10 * SECOND);
    const startedAt = ctx.now;
    const started = acceptWithChanges(state, startService(state, { counterId: 1 }, ctx));
    expect(started.result).toMatchObject({
      status: 'serving',
      serviceStartedAt: startedAt,
      officer: 'officer-1',
    });
    expect(started.changes).toEqual([
      { kind: 'ticket', ticket: started.result },
      {
        kind: 'event',
        event: { ticketId: t.id, type: 'started', at: startedAt, counterId: 1, officer: 'officer-1' },
      },
    ]);
    // Starting keeps the ticket on the counter.
    expect(counterOf(state, 1).currentTicketId).toBe(t.id);

    ctx.advance(7 * MINUTE + 30 * SECOND);
    const finishedAt = ctx.now;
    const finished = acceptWithChanges(state, finishService(state, { counterId: 1 }, ctx));
    expect(finished.result).toEqual({
      ...t,
      status: 'done',
      counterId: 1,
      officer: 'officer-1',
      issuedAt: T0,
      queuedAt: T0,
      firstCalledAt: calledAt,
      calledAt: recalledAt,
      // The counter's time runs from its first call (the recall keeps it).
      counterCalledAt: calledAt,
      serviceStartedAt: startedAt,
      finishedAt,
      callCount: 2,
    });
    const serviceMs = 7 * MINUTE + 30 * SECOND;
    const counterMs = 8 * MINUTE;
    expect(finished.changes).toEqual([
      { kind: 'ticket', ticket: finished.result },
      { kind: 'counter', counter: { ...counterOf(state, 1), currentTicketId: null, freeSince: finishedAt } },
      { kind: 'serviceTime', procedureId: 'cc-doi', ms: counterMs },
      {
        kind: 'event',
        event: {
          ticketId: t.id,
          type: 'finished',
          at: finishedAt,
          counterId: 1,
          officer: 'officer-1',
          detail: { serviceMs, counterMs },
        },
      },
    ]);
    expect(counterOf(state, 1).currentTicketId).toBeNull();
    expect(state.recentServiceMs.get('cc-doi')).toEqual([counterMs]);
    expect(state.tickets.get(t.id)?.status).toBe('done');
  });

  it('a freed counter calls the next ticket', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    accept(state, finishService(state, { counterId: 1 }, ctx));
    expect(next(state, ctx, 1)).toBe('1002');
  });

  it('records the officer signed in when service starts', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    expect(state.tickets.get(t.id)?.officer).toBe('officer-1');
    accept(state, takeCounter(state, { counterId: 1, officer: 'nguyen-van-an' }, ctx));
    const started = accept(state, startService(state, { counterId: 1 }, ctx));
    expect(started.officer).toBe('nguyen-van-an');
    const d = finishService(state, { counterId: 1 }, ctx);
    expect(d.ok && d.changes.find((c) => c.kind === 'event')).toMatchObject({
      event: { officer: 'nguyen-van-an', counterId: 1 },
    });
  });

  it('a service started and finished in the same instant records 0 ms', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    accept(state, finishService(state, { counterId: 1 }, ctx));
    expect(state.recentServiceMs.get('cc-cap')).toEqual([0]);
  });
});

describe('service refusals', () => {
  it('no_current_ticket: start with nothing called', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const r = expectRefusal(state, 'no_current_ticket', (s) => startService(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    expect(r.message).not.toContain('—');
  });

  it('ticket_not_called: start twice', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    const r = expectRefusal(state, 'ticket_not_called', (s) => startService(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('ticket_not_called', { display: '1001', counterName: 'Quầy 1' }));
  });

  it('ticket_not_serving: finish a ticket that is only called', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const r = expectRefusal(state, 'ticket_not_serving', (s) => finishService(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('ticket_not_serving', { display: '1001', counterName: 'Quầy 1' }));
  });

  it('no_current_ticket: finish with nothing at the counter, and finish twice', () => {
    const { state, ctx } = office();
    let r = expectRefusal(state, 'no_current_ticket', (s) => finishService(s, { counterId: 2 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 2' }));
    expect(r.message).not.toContain('—');
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    accept(state, startService(state, { counterId: 2 }, ctx));
    accept(state, finishService(state, { counterId: 2 }, ctx));
    // The finished ticket has left the counter: nothing is there to finish again.
    r = expectRefusal(state, 'no_current_ticket', (s) => finishService(s, { counterId: 2 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 2' }));
  });

  it('another counter cannot start or finish a ticket it did not call', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    let r = expectRefusal(state, 'no_current_ticket', (s) => startService(s, { counterId: 2 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 2' }));
    accept(state, startService(state, { counterId: 1 }, ctx));
    r = expectRefusal(state, 'no_current_ticket', (s) => finishService(s, { counterId: 2 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 2' }));
    // Counter 1 still finishes its own ticket.
    expect(accept(state, finishService(state, { counterId: 1 }, ctx)).status).toBe('done');
  });

  it('no_current_ticket when the counter still points at a ticket that belongs to another counter', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    // A stale pointer: counter 2 names 1001, which is called at counter 1.
    state.counters.set(2, { ...counterOf(state, 2), currentTicketId: t.id });
    let r = expectRefusal(state, 'no_current_ticket', (s) => startService(s, { counterId: 2 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 2' }));
    expect(r.message).not.toContain('1001');
    accept(state, startService(state, { counterId: 1 }, ctx));
    r = expectRefusal(state, 'no_current_ticket', (s) => finishService(s, { counterId: 2 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 2' }));
  });

  it('ticket_not_called / ticket_not_serving when the counter still points at its own ticket that is over', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    // A stale pointer: counter 1 still names 1001, which is already done.
    state.tickets.set(t.id, { ...state.tickets.get(t.id)!, status: 'done', finishedAt: ctx.now });
    let r = expectRefusal(state, 'ticket_not_called', (s) => startService(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('ticket_not_called', { display: '1001', counterName: 'Quầy 1' }));
    r = expectRefusal(state, 'ticket_not_serving', (s) => finishService(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('ticket_not_serving', { display: '1001', counterName: 'Quầy 1' }));
  });
});
