import { describe, expect, it } from 'vitest';
import {
  applyChanges,
  averageServiceSeconds,
  estimateWait,
  finishService,
  issueTicket,
  setCounterState,
  startService,
} from '../../../hub/queue/index.js';
import { accept, issue, next, office, SECOND } from './fixture.js';

describe('estimateWait', () => {
  it('counts waiting tickets that take the same counters, by their own service times', () => {
    const { state, ctx } = office();
    // Counters 1 (cc-cap, cc-doi) and 2 (cc-cap, ct-tt) serve cc-cap; counter 3 does not.
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-doi'); // counter 1's time
    issue(state, ctx, 'ct-tt'); // counter 2's time
    issue(state, ctx, 'ct-lt'); // only counter 3: not ahead
    const t = issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap'); // after t
    expect(estimateWait(state, t)).toEqual({
      ahead: 3,
      openCounters: 2,
      serviceSeconds: 300,
      waitSeconds: 450,
    });
    // A procedure with quick recent services weighs less.
    state.recentServiceMs.set('ct-tt', [60_000]);
    expect(estimateWait(state, t)).toMatchObject({ ahead: 3, waitSeconds: 330 });
  });

  it('priority tickets go before normal ones: a normal ticket counts later priority ones, not the reverse', () => {
    const { state, ctx } = office();
    const n1 = issue(state, ctx, 'cc-cap');
    const n2 = issue(state, ctx, 'cc-cap');
    const p1 = issue(state, ctx, 'cc-cap', 'elderly');
    const p2 = issue(state, ctx, 'cc-cap', 'pregnant');
    expect(estimateWait(state, p1).ahead).toBe(0);
    expect(estimateWait(state, p2).ahead).toBe(1);
    expect(estimateWait(state, n1).ahead).toBe(2);
    expect(estimateWait(state, n2).ahead).toBe(3);
    // At issue time too.
    const d = issueTicket(state, { procedureId: 'cc-cap', priority: 'disability' }, ctx);
    expect(d.ok && d.result.estimate.ahead).toBe(2);
  });

  it('called and finished tickets are no longer ahead', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    issue(state, ctx, 'cc-cap');
    const t = issue(state, ctx, 'cc-cap');
    expect(estimateWait(state, t).ahead).toBe(2);
    next(state, ctx, 1);
    expect(estimateWait(state, t).ahead).toBe(1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    accept(state, finishService(state, { counterId: 1 }, ctx));
    expect(estimateWait(state, t).ahead).toBe(1);
  });

  it('divides by the open counters serving the procedure; paused and closed ones do not count', () => {
    const { state, ctx } = office();
    for (let i = 0; i < 3; i++) issue(state, ctx, 'cc-cap');
    const t = issue(state, ctx, 'cc-cap'); // 3 ahead
    expect(estimateWait(state, t)).toMatchObject({ ahead: 3, openCounters: 2, waitSeconds: 450 });
    accept(state, setCounterState(state, { counterId: 4, state: 'open' }, ctx));
    expect(estimateWait(state, t)).toMatchObject({ openCounters: 3, waitSeconds: 300 });
    accept(state, setCounterState(state, { counterId: 2, state: 'paused' }, ctx));
    expect(estimateWait(state, t)).toMatchObject({ openCounters: 2, waitSeconds: 450 });
  });

  it('is null when no counter serving the procedure is open', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-doi');
    accept(state, setCounterState(state, { counterId: 1, state: 'paused' }, ctx));
    const t = issue(state, ctx, 'cc-doi');
    expect(estimateWait(state, t)).toEqual({
      ahead: 1,
      openCounters: 0,
      serviceSeconds: 300,
      waitSeconds: null,
    });
    const d = issueTicket(state, { procedureId: 'cc-doi' }, ctx);
    expect(d.ok && d.result.estimate.waitSeconds).toBeNull();
  });

  it('uses the recent service average once there are service times, else the default', () => {
    const { state, ctx } = office();
    const serve = (seconds: number) => {
      issue(state, ctx, 'cc-cap');
      next(state, ctx, 1);
      accept(state, startService(state, { counterId: 1 }, ctx));
      ctx.advance(seconds * SECOND);
      accept(state, finishService(state, { counterId: 1 }, ctx));
    };
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(300);
    serve(120);
    serve(240);
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(180);
    // Other procedures keep the default.
    expect(averageServiceSeconds(state, 'cc-doi')).toBe(300);
    issue(state, ctx, 'cc-cap');
    const t = issue(state, ctx, 'cc-cap');
    expect(estimateWait(state, t)).toEqual({
      ahead: 1,
      openCounters: 2,
      serviceSeconds: 180,
      waitSeconds: 90,
    });
  });

  it('rounds the wait to whole seconds', () => {
    const { state, ctx } = office({ settings: { defaultServiceSeconds: 100 } });
    // Three open counters for cc-cap.
    accept(state, setCounterState(state, { counterId: 4, state: 'open' }, ctx));
    issue(state, ctx, 'cc-cap');
    const t = issue(state, ctx, 'cc-cap'); // 1 × 100 / 3 = 33.3
    expect(estimateWait(state, t).waitSeconds).toBe(33);
    const u = issue(state, ctx, 'cc-cap'); // 2 × 100 / 3 = 66.7
    expect(estimateWait(state, u).waitSeconds).toBe(67);
  });

  it('keeps only the last recentServiceSamples service times per procedure', () => {
    const { state } = office({ settings: { recentServiceSamples: 3 } });
    const add = (procedureId: string, seconds: number) =>
      applyChanges(state, [{ kind: 'serviceTime', procedureId, ms: seconds * 1000 }]);
    add('cc-cap', 60);
    add('cc-cap', 120);
    add('cc-cap', 180);
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(120);
    add('cc-cap', 240); // 60 drops out
    expect(state.recentServiceMs.get('cc-cap')).toEqual([120_000, 180_000, 240_000]);
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(180);
    add('cc-cap', 600); // 120 drops out
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(340);
    add('cc-doi', 30);
    expect(state.recentServiceMs.get('cc-doi')).toEqual([30_000]);
    expect(state.recentServiceMs.get('cc-cap')).toHaveLength(3);
  });
});
