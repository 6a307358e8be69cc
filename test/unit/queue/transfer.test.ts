import { describe, expect, it } from 'vitest';
import {
  callNext,
  estimateWait,
  finishService,
  markNoShow,
  setCounterState,
  startService,
  transfer,
} from '../../../hub/queue/index.js';
import {
  accept,
  acceptWithChanges,
  counterOf,
  expectRefusal,
  issue,
  MINUTE,
  next,
  office,
  T0,
  text,
  ticketByDisplay,
} from './fixture.js';

describe('transfer to another counter', () => {
  it('puts the ticket back in the line pinned to that counter and frees this one', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const firstCalledAt = ctx.now;
    ctx.advance(MINUTE);
    const { result, changes } = acceptWithChanges(
      state,
      transfer(state, { counterId: 1, toCounterId: 2 }, ctx),
    );
    expect(result).toEqual({
      ...t,
      status: 'waiting',
      assignedCounterId: 2,
      counterId: 1,
      officer: 'officer-1',
      queuedAt: T0,
      firstCalledAt,
      calledAt: null,
      serviceStartedAt: null,
      callCount: 1,
      transferCount: 1,
    });
    expect(changes).toEqual([
      { kind: 'ticket', ticket: result },
      { kind: 'counter', counter: { ...counterOf(state, 1), currentTicketId: null } },
      {
        kind: 'event',
        event: {
          ticketId: t.id,
          type: 'transferred',
          at: ctx.now,
          counterId: 1,
          officer: 'officer-1',
          detail: { fromProcedureId: 'cc-cap', toProcedureId: 'cc-cap', toCounterId: 2 },
        },
      },
    ]);
    expect(counterOf(state, 1).currentTicketId).toBeNull();
  });

  it('only the target counter may call it, and it calls it before anyone else, priority included', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap'); // 1002
    next(state, ctx, 1); // 1001
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx));
    issue(state, ctx, 'cc-cap', 'elderly'); // 1003, priority
    // Counter 1 serves cc-cap too but may not take 1001.
    expect(next(state, ctx, 1)).toBe('1003');
    const { ticket } = accept(state, callNext(state, { counterId: 2 }, ctx));
    expect(ticket).toMatchObject({ display: '1001', counterId: 2, assignedCounterId: null, callCount: 2 });
    // The pinned call is not taken from the shared line: it does not move the priority run.
    expect(counterOf(state, 2).consecutivePriority).toBe(0);
    expect(counterOf(state, 1).consecutivePriority).toBe(1);
  });

  it('pins even to a counter that does not serve the procedure', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-doi'); // served by counter 1 only
    next(state, ctx, 1);
    accept(state, transfer(state, { counterId: 1, toCounterId: 3 }, ctx));
    expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 1 }, ctx));
    expect(next(state, ctx, 3)).toBe('1001');
  });

  it('may go to a paused counter; it waits there until the counter reopens', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    accept(state, setCounterState(state, { counterId: 2, state: 'paused' }, ctx));
    next(state, ctx, 1);
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx));
    expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 1 }, ctx));
    accept(state, setCounterState(state, { counterId: 2, state: 'open' }, ctx));
    expect(next(state, ctx, 2)).toBe('1001');
  });

  it('can transfer a ticket whose service had started; the partial service time is not recorded', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    ctx.advance(3 * MINUTE);
    const d = transfer(state, { counterId: 1, toCounterId: 2 }, ctx);
    const { result, changes } = acceptWithChanges(state, d);
    expect(result).toMatchObject({ status: 'waiting', serviceStartedAt: null, assignedCounterId: 2 });
    expect(changes.some((c) => c.kind === 'serviceTime')).toBe(false);
    expect(next(state, ctx, 2)).toBe('1001');
    accept(state, startService(state, { counterId: 2 }, ctx));
    ctx.advance(2 * MINUTE);
    accept(state, finishService(state, { counterId: 2 }, ctx));
    expect(state.recentServiceMs.get('cc-cap')).toEqual([2 * MINUTE]);
    expect(ticketByDisplay(state, '1001')).toMatchObject({ status: 'done', transferCount: 1, counterId: 2 });
  });

  it('a pinned ticket takes its counter’s time first in the estimate', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap'); // 1002
    next(state, ctx, 1);
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx));
    const later = issue(state, ctx, 'cc-cap');
    // Counter 1 takes 1002 and counter 2 its pinned 1001, both before `later`.
    expect(estimateWait(state, later, ctx.now).ahead).toBe(2);
  });
});

describe('transfer to another procedure', () => {
  it('any counter serving the new procedure may call it; it keeps its place by issue time', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'ct-tt'); // C2001 at T0
    const t = issue(state, ctx, 'cc-cap'); // 1001 at T0+1s
    next(state, ctx, 1); // 1001
    ctx.advance(5 * MINUTE);
    issue(state, ctx, 'ct-tt'); // C2002, issued after 1001
    const result = accept(state, transfer(state, { counterId: 1, toProcedureId: 'ct-tt' }, ctx));
    expect(result).toMatchObject({
      id: t.id,
      display: '1001',
      seriesKey: 'field:cc',
      procedureId: 'ct-tt',
      fieldId: 'ct',
      assignedCounterId: null,
      status: 'waiting',
      queuedAt: t.issuedAt,
      transferCount: 1,
    });
    // Counter 1 does not serve ct-tt.
    expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 1 }, ctx));
    expect(next(state, ctx, 3)).toBe('C2001');
    expect(next(state, ctx, 2)).toBe('1001'); // ahead of C2002, issued later
    accept(state, markNoShow(state, { counterId: 3 }, ctx));
    expect(next(state, ctx, 3)).toBe('C2002');
  });

  it('records the procedure change in the event', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    const d = transfer(state, { counterId: 2, toProcedureId: 'cc-doi' }, ctx);
    expect(d.ok && d.changes[2]).toMatchObject({
      event: {
        type: 'transferred',
        detail: { fromProcedureId: 'cc-cap', toProcedureId: 'cc-doi', toCounterId: null },
      },
    });
  });

  it('to a procedure and a counter at once: pinned there with the new procedure', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const result = accept(
      state,
      transfer(state, { counterId: 1, toCounterId: 3, toProcedureId: 'ct-tamtru' }, ctx),
    );
    expect(result).toMatchObject({ procedureId: 'ct-tamtru', fieldId: 'ct', assignedCounterId: 3 });
    expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 2 }, ctx));
    expect(next(state, ctx, 3)).toBe('1001');
  });

  it('to another procedure at the same counter is allowed (the same counter with nothing else is not)', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const result = accept(
      state,
      transfer(state, { counterId: 1, toCounterId: 1, toProcedureId: 'cc-doi' }, ctx),
    );
    expect(result).toMatchObject({ procedureId: 'cc-doi', assignedCounterId: 1 });
    expect(next(state, ctx, 1)).toBe('1001');
  });
});

describe('transfer refusals', () => {
  it('no_current_ticket, naming the counter, when nothing is called there', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const r = expectRefusal(state, 'no_current_ticket', (s) =>
      transfer(s, { counterId: 1, toCounterId: 2 }, ctx),
    );
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    expect(r.message).not.toContain('—');
  });

  it('no_current_ticket after the ticket was marked absent or finished', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    accept(state, markNoShow(state, { counterId: 1 }, ctx));
    let r = expectRefusal(state, 'no_current_ticket', (s) =>
      transfer(s, { counterId: 1, toCounterId: 2 }, ctx),
    );
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    accept(state, finishService(state, { counterId: 1 }, ctx));
    r = expectRefusal(state, 'no_current_ticket', (s) =>
      transfer(s, { counterId: 1, toProcedureId: 'cc-doi' }, ctx),
    );
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
  });

  it('no_current_ticket when the ticket is called at another counter', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    let r = expectRefusal(state, 'no_current_ticket', (s) =>
      transfer(s, { counterId: 1, toCounterId: 3 }, ctx),
    );
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    // Even with a stale pointer to it, a ticket of counter 2 is not counter 1's to transfer.
    state.counters.set(1, { ...counterOf(state, 1), currentTicketId: t.id });
    r = expectRefusal(state, 'no_current_ticket', (s) => transfer(s, { counterId: 1, toCounterId: 3 }, ctx));
    expect(r.message).toBe(text('no_current_ticket', { counterName: 'Quầy 1' }));
    expect(r.message).not.toContain('1001');
  });

  it('ticket_not_at_counter, naming the ticket, when the counter still points at its own ticket that is over', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    // A stale pointer: counter 1 still names 1001, which was marked absent.
    state.tickets.set(t.id, { ...ticketByDisplay(state, '1001'), status: 'no_show', finishedAt: ctx.now });
    const r = expectRefusal(state, 'ticket_not_at_counter', (s) =>
      transfer(s, { counterId: 1, toCounterId: 2 }, ctx),
    );
    expect(r.message).toBe(text('ticket_not_at_counter', { display: '1001', counterName: 'Quầy 1' }));
  });

  it('transfer_nothing when neither a counter nor a procedure is given', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const r = expectRefusal(state, 'transfer_nothing', (s) => transfer(s, { counterId: 1 }, ctx));
    expect(r.message).toBe(text('transfer_nothing'));
    expectRefusal(state, 'transfer_nothing', (s) =>
      transfer(s, { counterId: 1, toCounterId: null, toProcedureId: null }, ctx),
    );
  });

  it('transfer_target_closed for a closed counter', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const r = expectRefusal(state, 'transfer_target_closed', (s) =>
      transfer(s, { counterId: 1, toCounterId: 4 }, ctx),
    );
    expect(r.message).toBe(text('transfer_target_closed', { counterName: 'Quầy 4' }));
  });

  it('transfer_same_counter', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 2);
    accept(state, startService(state, { counterId: 2 }, ctx));
    const r = expectRefusal(state, 'transfer_same_counter', (s) =>
      transfer(s, { counterId: 2, toCounterId: 2 }, ctx),
    );
    expect(r.message).toBe(text('transfer_same_counter', { display: '1001', counterName: 'Quầy 2' }));
  });

  it('unknown_counter for the source and for the target', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    expectRefusal(state, 'unknown_counter', (s) => transfer(s, { counterId: 7, toCounterId: 2 }, ctx));
    const r = expectRefusal(state, 'unknown_counter', (s) =>
      transfer(s, { counterId: 1, toCounterId: 8 }, ctx),
    );
    expect(r.message).toBe(text('unknown_counter', { counterId: 8 }));
  });

  it('unknown_procedure and procedure_inactive for the target procedure', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const r = expectRefusal(state, 'unknown_procedure', (s) =>
      transfer(s, { counterId: 1, toProcedureId: 'nope' }, ctx),
    );
    expect(r.message).toBe(text('unknown_procedure', { procedureId: 'nope' }));
    const r2 = expectRefusal(state, 'procedure_inactive', (s) =>
      transfer(s, { counterId: 1, toProcedureId: 'cc-lai' }, ctx),
    );
    expect(r2.message).toBe(text('procedure_inactive', { name: 'Cấp lại thẻ căn cước' }));
    // An active procedure of an inactive field is refused as at the kiosk.
    const r3 = expectRefusal(state, 'procedure_inactive', (s) =>
      transfer(s, { counterId: 1, toProcedureId: 'xnc-hc' }, ctx),
    );
    expect(r3.message).toBe(text('procedure_inactive', { name: 'Cấp hộ chiếu phổ thông ở trong nước' }));
  });
});
