import { describe, expect, it } from 'vitest';
import {
  callNext,
  callNumber,
  finishService,
  markNoShow,
  recall,
  startService,
} from '../../../hub/queue/index.js';
import {
  accept,
  acceptWithChanges,
  counterOf,
  expectRefusal,
  issue,
  next,
  office,
  SECOND,
  T0,
  text,
  ticketByDisplay,
} from './fixture.js';

describe('callNext', () => {
  it('calls the waiting ticket to the counter and announces it', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap'); // id-1, at T0
    ctx.advance(10 * SECOND);
    const callAt = ctx.now;
    const { result, changes } = acceptWithChanges(state, callNext(state, { counterId: 1 }, ctx));
    expect(result.ticket).toMatchObject({
      id: t.id,
      status: 'called',
      counterId: 1,
      officer: 'officer-1',
      firstCalledAt: callAt,
      calledAt: callAt,
      callCount: 1,
      serviceStartedAt: null,
      finishedAt: null,
    });
    expect(result.call).toEqual({
      callId: 'id-2',
      ticketId: t.id,
      display: '1001',
      number: 1001,
      prefix: '',
      counterId: 1,
      counterName: 'Quầy 1',
      recall: false,
      at: callAt,
    });
    expect(changes.map((c) => c.kind)).toEqual(['ticket', 'counter', 'event', 'call']);
    expect(changes[2]).toEqual({
      kind: 'event',
      event: {
        ticketId: t.id,
        type: 'called',
        at: callAt,
        counterId: 1,
        officer: 'officer-1',
        detail: { callId: 'id-2' },
      },
    });
    expect(counterOf(state, 1).currentTicketId).toBe(t.id);
    expect(state.tickets.get(t.id)?.status).toBe('called');
  });

  it('splits a prefixed display into prefix and number for the announcement', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'ct-tt');
    const { call } = accept(state, callNext(state, { counterId: 3 }, ctx));
    expect(call).toMatchObject({ display: 'C2001', prefix: 'C', number: 2001 });
    issue(state, ctx, 'ct-lt');
    accept(state, markNoShow(state, { counterId: 3 }, ctx));
    const second = accept(state, callNext(state, { counterId: 3 }, ctx)).call;
    expect(second).toMatchObject({ display: 'L1', prefix: 'L', number: 1 });
  });
});

describe('recall', () => {
  it('announces again with a new call id each time, counting calls and keeping the first call time', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const first = accept(state, callNext(state, { counterId: 1 }, ctx));
    const firstAt = ctx.now;
    ctx.advance(30 * SECOND);
    const { result: second, changes } = acceptWithChanges(state, recall(state, { counterId: 1 }, ctx));
    ctx.advance(30 * SECOND);
    const third = accept(state, recall(state, { counterId: 1 }, ctx));

    expect(second.call.recall).toBe(true);
    expect(third.call.recall).toBe(true);
    expect(first.call.recall).toBe(false);
    const ids = [first.call.callId, second.call.callId, third.call.callId];
    expect(new Set(ids).size).toBe(3);
    expect(second.ticket.callCount).toBe(2);
    expect(third.ticket.callCount).toBe(3);
    expect(third.ticket.firstCalledAt).toBe(firstAt);
    expect(second.ticket.calledAt).toBe(firstAt + 30 * SECOND);
    expect(third.ticket.calledAt).toBe(firstAt + 60 * SECOND);
    expect(third.call.at).toBe(firstAt + 60 * SECOND);
    expect(third.ticket.status).toBe('called');
    expect(changes[2]).toMatchObject({
      kind: 'event',
      event: { type: 'recalled', detail: { callId: second.call.callId } },
    });
    expect(counterOf(state, 1).currentTicketId).toBe(first.ticket.id);
  });

  it('does not move the priority run of the counter', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap', 'elderly');
    accept(state, callNext(state, { counterId: 1 }, ctx));
    expect(counterOf(state, 1).consecutivePriority).toBe(1);
    accept(state, recall(state, { counterId: 1 }, ctx));
    accept(state, recall(state, { counterId: 1 }, ctx));
    expect(counterOf(state, 1).consecutivePriority).toBe(1);
  });

  it('refuses no_current_ticket, naming the counter, when the counter has nothing called', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    let r = expectRefusal(state, 'no_current_ticket', (s) => recall(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    expect(r.message).not.toContain('—');
    // A ticket called at another counter is not this counter's to recall.
    next(state, ctx, 2);
    r = expectRefusal(state, 'no_current_ticket', (s) => recall(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    expect(r.message).not.toContain('1001');
  });

  it('refuses ticket_not_called, naming the ticket, once service has started', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    const r = expectRefusal(state, 'ticket_not_called', (s) => recall(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('ticket_not_called', { display: '1001', counterName: 'Quầy 1' }));
  });
});

describe('markNoShow', () => {
  it('marks the called ticket absent, frees the counter and lets it call the next one', () => {
    const { state, ctx } = office();
    const a = issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    ctx.advance(2 * 60 * SECOND);
    const { result, changes } = acceptWithChanges(state, markNoShow(state, { counterId: 1 }, ctx));
    expect(result).toMatchObject({ id: a.id, status: 'no_show', finishedAt: ctx.now, counterId: 1 });
    expect(changes.map((c) => c.kind)).toEqual(['ticket', 'counter', 'serviceTime', 'event']);
    expect(changes[3]).toMatchObject({
      event: { type: 'no_show', counterId: 1, officer: 'officer-1', detail: { counterMs: 2 * 60 * SECOND } },
    });
    expect(counterOf(state, 1)).toMatchObject({ currentTicketId: null, freeSince: ctx.now });
    // The two minutes the officer waited for nobody are what this ticket cost the counter.
    expect(state.recentServiceMs.get('cc-cap')).toEqual([2 * 60 * SECOND]);
    expect(next(state, ctx, 1)).toBe('1002');
  });

  it('refuses no_current_ticket with nothing called, and ticket_not_called while serving', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    let r = expectRefusal(state, 'no_current_ticket', (s) => markNoShow(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    expect(r.message).not.toContain('—');
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    r = expectRefusal(state, 'ticket_not_called', (s) => markNoShow(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('ticket_not_called', { display: '1001', counterName: 'Quầy 1' }));
  });
});

describe('callNumber', () => {
  it('calls a waiting number out of turn; the line then continues in order', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    const c = issue(state, ctx, 'cc-cap');
    const { ticket, call } = accept(state, callNumber(state, { counterId: 1, display: '1003' }, ctx));
    expect(ticket).toMatchObject({ id: c.id, status: 'called', counterId: 1, callCount: 1 });
    expect(call).toMatchObject({ display: '1003', recall: false, counterId: 1 });
    expect(ticketByDisplay(state, '1001').status).toBe('waiting');
    accept(state, startService(state, { counterId: 1 }, ctx));
    accept(state, finishService(state, { counterId: 1 }, ctx));
    expect(next(state, ctx, 1)).toBe('1001');
    expect(next(state, ctx, 2)).toBe('1002');
  });

  it('calls a no-show ticket again when the citizen comes back late', () => {
    const { state, ctx } = office();
    const a = issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const firstCalledAt = ctx.now;
    ctx.advance(60 * SECOND);
    accept(state, markNoShow(state, { counterId: 1 }, ctx));
    ctx.advance(10 * 60 * SECOND);
    // Called again at another counter.
    const { ticket } = accept(state, callNumber(state, { counterId: 2, display: '1001' }, ctx));
    expect(ticket).toMatchObject({
      id: a.id,
      status: 'called',
      counterId: 2,
      officer: 'officer-2',
      callCount: 2,
      firstCalledAt,
      calledAt: ctx.now,
      // A live ticket has no end time: the earlier no-show end must not linger.
      finishedAt: null,
    });
    expect(counterOf(state, 2).currentTicketId).toBe(a.id);
    accept(state, startService(state, { counterId: 2 }, ctx));
    ctx.advance(90 * SECOND);
    expect(accept(state, finishService(state, { counterId: 2 }, ctx))).toMatchObject({
      status: 'done',
      finishedAt: ctx.now,
    });
  });

  it('does not count toward the priority cap', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap', 'elderly');
    issue(state, ctx, 'cc-cap', 'pregnant');
    accept(state, callNumber(state, { counterId: 1, display: '1002' }, ctx));
    expect(counterOf(state, 1).consecutivePriority).toBe(0);
  });

  it('refuses unknown_ticket for a number not issued today', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const r = expectRefusal(state, 'unknown_ticket', (s) =>
      callNumber(s, { counterId: 1, display: '1999' }, ctx),
    );
    expect(r.message).toBe(text('unknown_ticket', { display: '1999' }));
  });

  it('refuses ticket_not_callable for a ticket called or served elsewhere, or done', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1); // 1001 called at 1
    next(state, ctx, 2); // 1002 called at 2
    accept(state, startService(state, { counterId: 2 }, ctx));
    let r = expectRefusal(state, 'ticket_not_callable', (s) =>
      callNumber(s, { counterId: 3, display: '1001' }, ctx),
    );
    expect(r.message).toBe(text('ticket_not_callable', { display: '1001', status: 'đã gọi' }));
    r = expectRefusal(state, 'ticket_not_callable', (s) =>
      callNumber(s, { counterId: 3, display: '1002' }, ctx),
    );
    expect(r.message).toBe(text('ticket_not_callable', { display: '1002', status: 'đang phục vụ' }));
    accept(state, finishService(state, { counterId: 2 }, ctx));
    r = expectRefusal(state, 'ticket_not_callable', (s) =>
      callNumber(s, { counterId: 2, display: '1002' }, ctx),
    );
    expect(r.message).toBe(text('ticket_not_callable', { display: '1002', status: 'đã xong' }));
  });
});

describe('refusals shared by the calls', () => {
  it('unknown_counter', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const r = expectRefusal(state, 'unknown_counter', (s) => callNext(s, { counterId: 9 }, ctx));
    expect(r.message).toBe(text('unknown_counter', { counterId: 9 }));
    expectRefusal(state, 'unknown_counter', (s) => callNumber(s, { counterId: 9, display: '1001' }, ctx));
    expectRefusal(state, 'unknown_counter', (s) => recall(s, { counterId: 9 }, ctx));
    expectRefusal(state, 'unknown_counter', (s) => startService(s, { counterId: 9 }, ctx));
    expectRefusal(state, 'unknown_counter', (s) => finishService(s, { counterId: 9 }, ctx));
    expectRefusal(state, 'unknown_counter', (s) => markNoShow(s, { counterId: 9 }, ctx));
  });

  it('counter_busy while a ticket is called, and while it is served', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    let r = expectRefusal(state, 'counter_busy', (s) => callNext(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('counter_busy', { counterName: 'Quầy 1', display: '1001' }));
    expectRefusal(state, 'counter_busy', (s) => callNumber(s, { counterId: 1, display: '1002' }, ctx));
    accept(state, startService(state, { counterId: 1 }, ctx));
    r = expectRefusal(state, 'counter_busy', (s) => callNext(s, { counterId: 1 }, ctx));
    expect(r.message).toContain('1001');
  });

  it('queue_empty when nothing waits, or only for procedures the counter does not serve', () => {
    const { state, ctx } = office();
    let r = expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('queue_empty', { counterName: 'Quầy 1' }));
    issue(state, ctx, 'ct-lt'); // served by counter 3 only
    r = expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 1 }, ctx));
    expect(next(state, ctx, 3)).toBe('L1');
  });

  it('counter_not_open for a paused and for a closed counter', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    state.counters.set(2, { ...counterOf(state, 2), state: 'paused' });
    let r = expectRefusal(state, 'counter_not_open', (s) => callNext(s, { counterId: 2 }, ctx));
    expect(r.message).toBe(text('counter_not_open', { counterName: 'Quầy 2', state: 'tạm dừng' }));
    r = expectRefusal(state, 'counter_not_open', (s) =>
      callNumber(s, { counterId: 4, display: '1001' }, ctx),
    );
    expect(r.message).toBe(text('counter_not_open', { counterName: 'Quầy 4', state: 'đóng' }));
    expectRefusal(state, 'counter_not_open', (s) => callNext(s, { counterId: 4 }, ctx));
  });
});

describe('the ids and clock come from ctx only', () => {
  it('two runs with the same ctx give identical decisions', () => {
    const run = () => {
      const { state, ctx } = office();
      issue(state, ctx, 'cc-cap', 'elderly');
      issue(state, ctx, 'cc-doi');
      const d = callNext(state, { counterId: 1 }, ctx);
      return { d, at: ctx.now };
    };
    const a = run();
    const b = run();
    expect(a).toEqual(b);
    expect(a.at).toBe(T0 + 2 * SECOND);
  });
});
