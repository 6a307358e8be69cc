// One scenario per refusal code (and per way of reaching it), so that every
// code in shared/text/vi.ts is known to be reachable, carries a filled-in
// Vietnamese message, returns no changes and leaves the state alone.

import { describe, expect, it } from 'vitest';
import {
  callNext,
  callNumber,
  type Decision,
  finishService,
  issueTicket,
  leaveCounter,
  markNoShow,
  type QueueState,
  recall,
  setCounterState,
  startService,
  takeCounter,
  transfer,
} from '../../../hub/queue/index.js';
import { refusalText } from '../../../shared/text/vi.js';
import {
  accept,
  counterOf,
  expectRefusal,
  issue,
  next,
  numbering,
  office,
  type StateOptions,
  type TestCtx,
  ticketByDisplay,
} from './fixture.js';

type Code = keyof typeof refusalText;

interface Case {
  code: Code;
  how: string;
  options?: StateOptions;
  setup?: (state: QueueState, ctx: TestCtx) => void;
  run: (state: QueueState, ctx: TestCtx) => Decision<unknown>;
}

/** 1001 waiting, 1002 called at counter 1, 1003 served at counter 2. */
function busy(state: QueueState, ctx: TestCtx): void {
  issue(state, ctx, 'cc-cap');
  issue(state, ctx, 'cc-cap');
  issue(state, ctx, 'cc-cap');
  accept(state, callNumber(state, { counterId: 1, display: '1002' }, ctx));
  accept(state, callNumber(state, { counterId: 2, display: '1003' }, ctx));
  accept(state, startService(state, { counterId: 2 }, ctx));
}

/**
 * `busy`, then pointers no command leaves behind (only a damaged store could):
 * counter 1 still names 1002 though it was marked absent, and counter 3 names
 * 1003, which is counter 2's.
 */
function stale(state: QueueState, ctx: TestCtx): void {
  busy(state, ctx);
  const t = ticketByDisplay(state, '1002');
  state.tickets.set(t.id, { ...t, status: 'no_show', finishedAt: ctx.now });
  state.counters.set(3, { ...counterOf(state, 3), currentTicketId: ticketByDisplay(state, '1003').id });
}

const cases: Case[] = [
  { code: 'unknown_procedure', how: 'issue', run: (s, c) => issueTicket(s, { procedureId: 'x' }, c) },
  {
    code: 'unknown_procedure',
    how: 'transfer to a procedure',
    setup: busy,
    run: (s, c) => transfer(s, { counterId: 1, toProcedureId: 'x' }, c),
  },
  {
    code: 'procedure_inactive',
    how: 'inactive procedure',
    run: (s, c) => issueTicket(s, { procedureId: 'cc-lai' }, c),
  },
  {
    code: 'procedure_inactive',
    how: 'inactive field',
    run: (s, c) => issueTicket(s, { procedureId: 'xnc-hc' }, c),
  },
  {
    code: 'procedure_inactive',
    how: 'transfer to an inactive procedure',
    setup: busy,
    run: (s, c) => transfer(s, { counterId: 2, toProcedureId: 'cc-lai' }, c),
  },
  {
    code: 'unknown_priority',
    how: 'issue',
    run: (s, c) => issueTicket(s, { procedureId: 'cc-cap', priority: 'thuong-binh' }, c),
  },
  {
    code: 'range_exhausted',
    how: 'no wrap',
    options: { ltNumbering: numbering('L', 1, 1) },
    setup: (s, c) => void issue(s, c, 'ct-lt'),
    run: (s, c) => issueTicket(s, { procedureId: 'ct-lt' }, c),
  },
  {
    code: 'range_exhausted',
    how: 'wrap with every number live',
    options: { ltNumbering: numbering('L', 1, 2, true) },
    setup: (s, c) => {
      issue(s, c, 'ct-lt');
      issue(s, c, 'ct-lt');
    },
    run: (s, c) => issueTicket(s, { procedureId: 'ct-lt' }, c),
  },
  { code: 'unknown_counter', how: 'call next', run: (s, c) => callNext(s, { counterId: 99 }, c) },
  {
    code: 'unknown_counter',
    how: 'call number',
    run: (s, c) => callNumber(s, { counterId: 99, display: '1' }, c),
  },
  { code: 'unknown_counter', how: 'recall', run: (s, c) => recall(s, { counterId: 99 }, c) },
  { code: 'unknown_counter', how: 'start', run: (s, c) => startService(s, { counterId: 99 }, c) },
  { code: 'unknown_counter', how: 'finish', run: (s, c) => finishService(s, { counterId: 99 }, c) },
  { code: 'unknown_counter', how: 'no-show', run: (s, c) => markNoShow(s, { counterId: 99 }, c) },
  {
    code: 'unknown_counter',
    how: 'transfer from',
    run: (s, c) => transfer(s, { counterId: 99, toCounterId: 1 }, c),
  },
  {
    code: 'unknown_counter',
    how: 'transfer to',
    setup: busy,
    run: (s, c) => transfer(s, { counterId: 1, toCounterId: 99 }, c),
  },
  {
    code: 'unknown_counter',
    how: 'set state',
    run: (s, c) => setCounterState(s, { counterId: 99, state: 'open' }, c),
  },
  {
    code: 'unknown_counter',
    how: 'take',
    run: (s, c) => takeCounter(s, { counterId: 99, officer: 'a' }, c),
  },
  {
    code: 'counter_not_open',
    how: 'paused',
    setup: (s, c) => {
      issue(s, c, 'cc-cap');
      accept(s, setCounterState(s, { counterId: 1, state: 'paused' }, c));
    },
    run: (s, c) => callNext(s, { counterId: 1 }, c),
  },
  {
    code: 'counter_not_open',
    how: 'closed',
    setup: (s, c) => void issue(s, c, 'cc-cap'),
    run: (s, c) => callNext(s, { counterId: 4 }, c),
  },
  {
    code: 'counter_busy',
    how: 'call next while called',
    setup: busy,
    run: (s, c) => callNext(s, { counterId: 1 }, c),
  },
  {
    code: 'counter_busy',
    how: 'call next while serving',
    setup: busy,
    run: (s, c) => callNext(s, { counterId: 2 }, c),
  },
  {
    code: 'counter_busy',
    how: 'call a number while called',
    setup: busy,
    run: (s, c) => callNumber(s, { counterId: 1, display: '1001' }, c),
  },
  {
    code: 'counter_busy',
    how: 'close while called',
    setup: busy,
    run: (s, c) => setCounterState(s, { counterId: 1, state: 'closed' }, c),
  },
  {
    code: 'counter_busy',
    how: 'close while serving',
    setup: busy,
    run: (s, c) => setCounterState(s, { counterId: 2, state: 'closed' }, c),
  },
  { code: 'queue_empty', how: 'nothing issued', run: (s, c) => callNext(s, { counterId: 3 }, c) },
  {
    code: 'queue_empty',
    how: 'nothing served here',
    setup: busy,
    run: (s, c) => callNext(s, { counterId: 3 }, c),
  },
  {
    code: 'unknown_ticket',
    how: 'call number',
    setup: busy,
    run: (s, c) => callNumber(s, { counterId: 3, display: 'C2001' }, c),
  },
  {
    code: 'ticket_not_callable',
    how: 'called elsewhere',
    setup: busy,
    run: (s, c) => callNumber(s, { counterId: 3, display: '1002' }, c),
  },
  {
    code: 'ticket_not_callable',
    how: 'being served',
    setup: busy,
    run: (s, c) => callNumber(s, { counterId: 3, display: '1003' }, c),
  },
  { code: 'no_current_ticket', how: 'recall nothing', run: (s, c) => recall(s, { counterId: 1 }, c) },
  { code: 'no_current_ticket', how: 'start nothing', run: (s, c) => startService(s, { counterId: 1 }, c) },
  { code: 'no_current_ticket', how: 'no-show nothing', run: (s, c) => markNoShow(s, { counterId: 1 }, c) },
  { code: 'no_current_ticket', how: 'finish nothing', run: (s, c) => finishService(s, { counterId: 3 }, c) },
  {
    code: 'no_current_ticket',
    how: 'transfer nothing',
    setup: busy,
    run: (s, c) => transfer(s, { counterId: 3, toCounterId: 1 }, c),
  },
  {
    code: 'no_current_ticket',
    how: "finish another counter's ticket",
    setup: stale,
    run: (s, c) => finishService(s, { counterId: 3 }, c),
  },
  {
    code: 'no_current_ticket',
    how: "transfer another counter's ticket",
    setup: stale,
    run: (s, c) => transfer(s, { counterId: 3, toCounterId: 1 }, c),
  },
  {
    code: 'ticket_not_called',
    how: 'recall while serving',
    setup: busy,
    run: (s, c) => recall(s, { counterId: 2 }, c),
  },
  {
    code: 'ticket_not_called',
    how: 'start twice',
    setup: busy,
    run: (s, c) => startService(s, { counterId: 2 }, c),
  },
  {
    code: 'ticket_not_called',
    how: 'no-show while serving',
    setup: busy,
    run: (s, c) => markNoShow(s, { counterId: 2 }, c),
  },
  {
    code: 'ticket_not_serving',
    how: 'finish a called ticket',
    setup: busy,
    run: (s, c) => finishService(s, { counterId: 1 }, c),
  },
  {
    code: 'ticket_not_serving',
    how: 'finish a ticket that is over',
    setup: stale,
    run: (s, c) => finishService(s, { counterId: 1 }, c),
  },
  {
    code: 'ticket_not_at_counter',
    how: 'transfer a ticket that is over',
    setup: stale,
    run: (s, c) => transfer(s, { counterId: 1, toCounterId: 2 }, c),
  },
  {
    code: 'transfer_target_closed',
    how: 'closed target',
    setup: busy,
    run: (s, c) => transfer(s, { counterId: 1, toCounterId: 4 }, c),
  },
  {
    code: 'counter_no_officer',
    how: 'open a counter nobody took',
    run: (s, c) => setCounterState(s, { counterId: 4, state: 'open' }, c),
  },
  {
    code: 'counter_not_yours',
    how: "leave a colleague's counter",
    run: (s, c) => leaveCounter(s, { counterId: 3, officer: 'officer-1' }, c),
  },
  {
    code: 'officer_busy_elsewhere',
    how: 'move with a citizen called',
    setup: busy,
    run: (s, c) => takeCounter(s, { counterId: 4, officer: 'officer-1' }, c),
  },
  {
    code: 'transfer_nothing',
    how: 'no target',
    setup: busy,
    run: (s, c) => transfer(s, { counterId: 1 }, c),
  },
  {
    code: 'transfer_same_counter',
    how: 'own counter',
    setup: busy,
    run: (s, c) => transfer(s, { counterId: 2, toCounterId: 2 }, c),
  },
];

describe('every refusal', () => {
  it('every refusal code in the Vietnamese table has at least one scenario here', () => {
    expect(new Set(cases.map((c) => c.code))).toEqual(new Set(Object.keys(refusalText)));
  });

  it.each(cases.map((c) => [c.code, c.how, c] as const))('%s (%s)', (_code, _how, c) => {
    const { state, ctx } = office(c.options);
    c.setup?.(state, ctx);
    const r = expectRefusal(state, c.code, (s) => c.run(s, ctx));
    // A refusal is exactly { ok, code, message }.
    expect(Object.keys(r).sort()).toEqual(['code', 'message', 'ok']);
    // No placeholder stands in for a ticket that is not there.
    expect(r.message).not.toContain('—');
  });

  it('a refused command uses no id and takes no number', () => {
    const { state, ctx } = office();
    busy(state, ctx);
    const ids = ctx.issuedIds.length;
    const before = state.sequences.get('field:cc');
    for (const c of cases.filter((x) => x.setup === busy)) expect(c.run(state, ctx).ok).toBe(false);
    expect(ctx.issuedIds.length).toBe(ids);
    expect(state.sequences.get('field:cc')).toBe(before);
    // The state still works: the waiting ticket is called next.
    accept(state, finishService(state, { counterId: 2 }, ctx));
    expect(next(state, ctx, 2)).toBe('1001');
  });
});
