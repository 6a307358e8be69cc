import { describe, expect, it } from 'vitest';
import {
  callNext,
  issueTicket,
  markNoShow,
  pickNext,
  type QueueState,
  servesTicket,
  transfer,
  waitingFor,
} from '../../../hub/queue/index.js';
import {
  accept,
  counter,
  counterOf,
  expectRefusal,
  issue,
  next,
  office,
  SECOND,
  snapshot,
  T0,
  type TestCtx,
} from './fixture.js';

/** Calls next `n` times at a counter, marking each absent so the counter is free again. */
function drain(state: QueueState, ctx: TestCtx, counterId: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(next(state, ctx, counterId));
    accept(state, markNoShow(state, { counterId }, ctx));
    ctx.advance(SECOND);
  }
  return out;
}

/** Issues `normal` normal tickets, then `priority` priority ones, all for cc-cap. */
function line(state: QueueState, ctx: TestCtx, normal: number, priority: number): void {
  for (let i = 0; i < normal; i++) issue(state, ctx, 'cc-cap');
  for (let i = 0; i < priority; i++) issue(state, ctx, 'cc-cap', i % 2 === 0 ? 'elderly' : 'disability');
}

describe('call order', () => {
  it('oldest first among normal tickets', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-doi');
    issue(state, ctx, 'cc-cap');
    expect(drain(state, ctx, 1, 3)).toEqual(['1001', '1002', '1003']);
  });

  it('tickets issued in the same instant go by number', () => {
    const { state, ctx } = office();
    // The clock does not move between these two.
    const a = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx)).ticket;
    const b = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx)).ticket;
    expect(a.queuedAt).toBe(b.queuedAt);
    expect(drain(state, ctx, 1, 2)).toEqual([a.display, b.display]);
  });

  it('a priority ticket goes before older normal tickets, oldest priority first', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap', 'pregnant'); // 1002
    issue(state, ctx, 'cc-cap', 'elderly'); // 1003
    expect(next(state, ctx, 1)).toBe('1002');
  });

  it('cap 2 with both kinds waiting: P P N P P N, then what is left', () => {
    const { state, ctx } = office();
    line(state, ctx, 4, 4); // N 1001–1004, P 1005–1008
    expect(drain(state, ctx, 1, 8)).toEqual(['1005', '1006', '1001', '1007', '1008', '1002', '1003', '1004']);
  });

  it('cap 1 alternates and cap 3 takes three in a row', () => {
    const one = office({ settings: { priorityCap: 1 } });
    line(one.state, one.ctx, 3, 3); // N 1001–1003, P 1004–1006
    expect(drain(one.state, one.ctx, 1, 6)).toEqual(['1004', '1001', '1005', '1002', '1006', '1003']);
    const three = office({ settings: { priorityCap: 3 } });
    line(three.state, three.ctx, 2, 4); // N 1001–1002, P 1003–1006
    expect(drain(three.state, three.ctx, 1, 6)).toEqual(['1003', '1004', '1005', '1001', '1006', '1002']);
  });

  it('cap 0 gives priority no preference while normal tickets wait', () => {
    const { state, ctx } = office({ settings: { priorityCap: 0 } });
    line(state, ctx, 2, 2);
    expect(drain(state, ctx, 1, 4)).toEqual(['1001', '1002', '1003', '1004']);
  });

  it('the cap does not starve priority when no normal ticket waits', () => {
    const { state, ctx } = office();
    line(state, ctx, 0, 4);
    expect(drain(state, ctx, 1, 4)).toEqual(['1001', '1002', '1003', '1004']);
    expect(counterOf(state, 1).consecutivePriority).toBe(4);
    // Over the cap now: the next normal ticket is called before a newer priority one.
    issue(state, ctx, 'cc-cap'); // 1005 N
    issue(state, ctx, 'cc-cap', 'elderly'); // 1006 P
    expect(drain(state, ctx, 1, 2)).toEqual(['1005', '1006']);
  });

  it('a normal call resets the priority run', () => {
    const { state, ctx } = office();
    line(state, ctx, 2, 3);
    const runs: number[] = [];
    for (let i = 0; i < 4; i++) {
      next(state, ctx, 1);
      runs.push(counterOf(state, 1).consecutivePriority);
      accept(state, markNoShow(state, { counterId: 1 }, ctx));
    }
    expect(runs).toEqual([1, 2, 0, 1]);
  });

  it('the run is counted per counter', () => {
    const { state, ctx } = office();
    line(state, ctx, 2, 4); // N 1001–1002, P 1003–1006
    expect(drain(state, ctx, 1, 2)).toEqual(['1003', '1004']);
    // Counter 1 has used its priority turns; counter 2 has not.
    expect(next(state, ctx, 2)).toBe('1005');
    expect(next(state, ctx, 1)).toBe('1001');
  });

  it('a counter only gets the procedures it serves', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-doi', 'elderly'); // 1002: only counter 1 serves cc-doi
    issue(state, ctx, 'ct-tt'); // C2001
    expect(next(state, ctx, 3)).toBe('C2001');
    expect(next(state, ctx, 2)).toBe('1001');
    accept(state, markNoShow(state, { counterId: 3 }, ctx));
    expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 3 }, ctx));
    expect(next(state, ctx, 1)).toBe('1002');
  });

  it('a ticket pinned to another counter is not taken, even when it is the oldest', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap'); // 1002
    next(state, ctx, 1);
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx));
    expect(next(state, ctx, 1)).toBe('1002');
    accept(state, markNoShow(state, { counterId: 1 }, ctx));
    expectRefusal(state, 'queue_empty', (s) => callNext(s, { counterId: 1 }, ctx));
  });

  it('among tickets pinned to this counter the oldest goes first', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap'); // 1002
    issue(state, ctx, 'cc-cap', 'elderly'); // 1003
    next(state, ctx, 1); // 1003 (priority)
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx));
    next(state, ctx, 1); // 1001
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx));
    // Both pinned to 2; 1001 was issued first, 1003 is priority: pinned ones go by time only.
    expect(drain(state, ctx, 2, 3)).toEqual(['1001', '1003', '1002']);
  });
});

describe('counter weights', () => {
  // Counter 1 prefers cc-doi three to one.
  const weighted = () =>
    office({
      counters: [
        counter(1, 'open', [
          { procedureId: 'cc-cap', weight: 1 },
          { procedureId: 'cc-doi', weight: 3 },
        ]),
        counter(2, 'open', ['cc-cap', 'cc-doi']),
      ],
    });

  it('a weighted procedure is taken before an older ticket when its stretched wait is longer', () => {
    const { state, ctx } = weighted();
    issue(state, ctx, 'cc-cap'); // 1001 at T0
    ctx.now = T0 + 60 * SECOND;
    issue(state, ctx, 'cc-doi'); // 1002 at T0+60s
    ctx.now = T0 + 100 * SECOND; // waits: 100 s ×1 against 40 s ×3
    const c1 = state.counters.get(1)!;
    expect(pickNext(state, c1, ctx.now)?.display).toBe('1002');
    // An unweighted counter keeps plain order.
    expect(pickNext(state, counterOf(state, 2), ctx.now)?.display).toBe('1001');
  });

  it('the weight does not win when the weighted ticket has waited too little', () => {
    const { state, ctx } = weighted();
    issue(state, ctx, 'cc-cap'); // T0
    ctx.now = T0 + 90 * SECOND;
    issue(state, ctx, 'cc-doi'); // T0+90s
    ctx.now = T0 + 100 * SECOND; // 100 s ×1 against 10 s ×3
    expect(next(state, ctx, 1)).toBe('1001');
  });

  it('weights do not lift a normal ticket over the priority rule', () => {
    const { state, ctx } = weighted();
    issue(state, ctx, 'cc-doi'); // normal, weighted
    issue(state, ctx, 'cc-cap', 'elderly');
    ctx.advance(10 * 60 * SECOND);
    expect(next(state, ctx, 1)).toBe('1002');
  });
});

describe('pickNext, servesTicket, waitingFor', () => {
  it('pickNext is pure and returns undefined with nothing to call', () => {
    const { state, ctx } = office();
    expect(pickNext(state, counterOf(state, 1), ctx.now)).toBeUndefined();
    issue(state, ctx, 'cc-cap');
    const before = snapshot(state);
    expect(pickNext(state, counterOf(state, 1), ctx.now)?.display).toBe('1001');
    expect(state).toEqual(before);
  });

  it('servesTicket: by procedure, or only by the pin when pinned', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-doi');
    expect(servesTicket(counterOf(state, 1), t)).toBe(true);
    expect(servesTicket(counterOf(state, 2), t)).toBe(false);
    const pinned = { ...t, assignedCounterId: 3 };
    expect(servesTicket(counterOf(state, 1), pinned)).toBe(false);
    expect(servesTicket(counterOf(state, 3), pinned)).toBe(true);
  });

  it('waitingFor lists what a counter could call, oldest first', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-doi'); // 1002
    issue(state, ctx, 'ct-tt'); // C2001
    issue(state, ctx, 'cc-cap', 'elderly'); // 1003
    issue(state, ctx, 'cc-cap'); // 1004
    next(state, ctx, 2); // 1003 called at 2
    accept(state, transfer(state, { counterId: 2, toCounterId: 3 }, ctx));
    const shown = (id: number) => waitingFor(state, counterOf(state, id)).map((t) => t.display);
    expect(shown(1)).toEqual(['1001', '1002', '1004']);
    expect(shown(2)).toEqual(['1001', 'C2001', '1004']);
    expect(shown(3)).toEqual(['C2001', '1003']);
    next(state, ctx, 1);
    expect(shown(1)).toEqual(['1002', '1004']);
  });
});
