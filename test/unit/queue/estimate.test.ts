import { describe, expect, it } from 'vitest';
import {
  applyChanges,
  averageServiceSeconds,
  counterTime,
  estimateWait,
  finishService,
  issueTicket,
  leaveCounter,
  markNoShow,
  recall,
  setCounterState,
  startService,
  takeCounter,
  transfer,
  waitRange,
} from '../../../hub/queue/index.js';
import { accept, counter, issue, MINUTE, next, office, SECOND, snapshot } from './fixture.js';

describe('estimateWait: the line replayed with the office’s own rules', () => {
  it('each ready counter takes what "call next" would give it, for that procedure’s counter time', () => {
    const { state, ctx } = office();
    // Counters 1 (cc-cap, cc-doi) and 2 (cc-cap, ct-tt) serve cc-cap; counter 3 (ct-*) shares ct-tt with 2.
    issue(state, ctx, 'cc-cap'); // counter 1 at once
    issue(state, ctx, 'cc-doi'); // counter 1 next
    issue(state, ctx, 'ct-tt'); // counter 2 at once
    issue(state, ctx, 'ct-lt'); // counter 3: not ahead
    const t = issue(state, ctx, 'cc-cap'); // counter 2, when its first citizen leaves
    issue(state, ctx, 'cc-cap'); // after t
    expect(estimateWait(state, t, ctx.now)).toMatchObject({
      ahead: 3,
      openCounters: 2,
      serviceSeconds: 300,
      waitSeconds: 300,
    });
    // Quick services of ct-tt free counter 2 sooner.
    state.recentServiceMs.set('ct-tt', [60_000, 60_000, 60_000, 60_000, 60_000]);
    const quick = (5 * 60 + 2 * 300) / 7; // five samples blended with the default
    expect(estimateWait(state, t, ctx.now).waitSeconds).toBe(Math.round(quick));
  });

  it('one counter, n citizens ahead: n counter times; the ticket being issued is counted too', () => {
    const { state, ctx } = office({ counters: [counter(1, 'open', ['cc-cap'])] });
    for (let i = 0; i < 4; i++) issue(state, ctx, 'cc-cap');
    const d = issueTicket(state, { procedureId: 'cc-cap' }, ctx);
    expect(d.ok && d.result.estimate).toMatchObject({ ahead: 4, openCounters: 1, waitSeconds: 1200 });
  });

  it('only ready counters count: paused, closed and unstaffed ones are left out; null when none', () => {
    const { state, ctx } = office();
    for (let i = 0; i < 5; i++) issue(state, ctx, 'cc-cap');
    const t = issue(state, ctx, 'cc-cap');
    // Counters 1 and 2 take two at once, two more after 300 s, the fifth and t after 600 s.
    expect(estimateWait(state, t, ctx.now)).toMatchObject({ ahead: 5, openCounters: 2, waitSeconds: 600 });
    accept(state, takeCounter(state, { counterId: 4, officer: 'officer-4' }, ctx));
    expect(estimateWait(state, t, ctx.now)).toMatchObject({ ahead: 5, openCounters: 3, waitSeconds: 300 });
    accept(state, setCounterState(state, { counterId: 2, state: 'paused' }, ctx));
    accept(state, leaveCounter(state, { counterId: 4, officer: 'officer-4' }, ctx));
    expect(estimateWait(state, t, ctx.now)).toMatchObject({ ahead: 5, openCounters: 1, waitSeconds: 1500 });
    accept(state, setCounterState(state, { counterId: 1, state: 'closed' }, ctx));
    expect(estimateWait(state, t, ctx.now)).toEqual({
      ahead: 0,
      openCounters: 0,
      serviceSeconds: 300,
      waitSeconds: null,
      lowSeconds: null,
      highSeconds: null,
    });
    const d = issueTicket(state, { procedureId: 'cc-cap' }, ctx);
    expect(d.ok && d.result.estimate.waitSeconds).toBeNull();
  });

  it('a counter with a citizen at it frees up when its usual counter time has run, or a quarter of it after', () => {
    const { state, ctx } = office({ counters: [counter(1, 'open', ['cc-cap'])] });
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const t = issue(state, ctx, 'cc-cap');
    ctx.advance(2 * MINUTE - SECOND); // called two minutes ago
    expect(estimateWait(state, t, ctx.now)).toMatchObject({ ahead: 0, waitSeconds: 180 });
    ctx.advance(10 * MINUTE); // far over the usual time
    expect(estimateWait(state, t, ctx.now).waitSeconds).toBe(75);
  });

  it('a ticket transferred to a counter takes that counter’s time first', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap'); // 1001
    issue(state, ctx, 'cc-cap'); // 1002
    next(state, ctx, 1);
    accept(state, transfer(state, { counterId: 1, toCounterId: 2 }, ctx)); // 1001 pinned to counter 2
    const later = issue(state, ctx, 'cc-cap');
    // Counter 1 takes 1002, counter 2 its pinned 1001; then counter 1 takes `later`.
    expect(estimateWait(state, later, ctx.now)).toMatchObject({ ahead: 2, waitSeconds: 300 });
  });

  it('priority: a priority ticket waits only for those ahead of it; normal tickets count priority citizens yet to come', () => {
    const { state, ctx } = office({ counters: [counter(1, 'open', ['cc-cap'])] });
    const n1 = issue(state, ctx, 'cc-cap');
    const p1 = issue(state, ctx, 'cc-cap', 'elderly');
    const p2 = issue(state, ctx, 'cc-cap', 'pregnant');
    expect(estimateWait(state, p1, ctx.now)).toMatchObject({ ahead: 0, waitSeconds: 0 });
    expect(estimateWait(state, p2, ctx.now)).toMatchObject({ ahead: 1, waitSeconds: 300 });
    // n1 goes after both, and two priority tickets in 15 minutes ask for 600 s of its
    // counter's 900: the share cap (half) doubles its wait.
    expect(estimateWait(state, n1, ctx.now)).toMatchObject({ ahead: 2, waitSeconds: 1200 });
    // The cap of two priority calls in a row lets a normal ticket through.
    const p3 = issue(state, ctx, 'cc-cap', 'disability');
    expect(estimateWait(state, n1, ctx.now).ahead).toBe(2);
    expect(estimateWait(state, p3, ctx.now).ahead).toBe(3);
  });

  it('leaves the state untouched and gives the same answer twice', () => {
    const { state, ctx } = office();
    for (let i = 0; i < 5; i++) issue(state, ctx, i % 2 ? 'cc-cap' : 'ct-tt', i === 3 ? 'elderly' : null);
    next(state, ctx, 2);
    const t = issue(state, ctx, 'cc-cap');
    const before = snapshot(state);
    const a = estimateWait(state, t, ctx.now);
    expect(estimateWait(state, t, ctx.now)).toEqual(a);
    expect(state).toEqual(before);
  });
});

describe('counter time: what a ticket costs a counter', () => {
  it('runs from the call to the end: the walk to the desk and recalls are in it', () => {
    const { state, ctx } = office({ counters: [counter(1, 'open', ['cc-cap'])] });
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    ctx.advance(MINUTE);
    accept(state, recall(state, { counterId: 1 }, ctx));
    ctx.advance(30 * SECOND);
    accept(state, startService(state, { counterId: 1 }, ctx));
    ctx.advance(4 * MINUTE);
    accept(state, finishService(state, { counterId: 1 }, ctx));
    expect(state.recentServiceMs.get('cc-cap')).toEqual([5 * MINUTE + 30 * SECOND]);
  });

  it('a no-show costs the time the officer waited for nobody', () => {
    const { state, ctx } = office({ counters: [counter(1, 'open', ['cc-cap'])] });
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    ctx.advance(3 * MINUTE);
    accept(state, markNoShow(state, { counterId: 1 }, ctx));
    expect(state.recentServiceMs.get('cc-cap')).toEqual([3 * MINUTE]);
  });

  it('a short pause between two citizens belongs to the next one; a break does not', () => {
    const { state, ctx } = office({ counters: [counter(1, 'open', ['cc-cap'])] });
    const serve = (pause: number) => {
      ctx.advance(pause);
      next(state, ctx, 1);
      accept(state, startService(state, { counterId: 1 }, ctx));
      ctx.advance(2 * MINUTE);
      accept(state, finishService(state, { counterId: 1 }, ctx));
    };
    for (let i = 0; i < 3; i++) issue(state, ctx, 'cc-cap');
    serve(0);
    serve(20 * SECOND); // papers between two citizens
    serve(30 * MINUTE); // lunch
    expect(state.recentServiceMs.get('cc-cap')).toEqual([2 * MINUTE, 2 * MINUTE + 20 * SECOND, 2 * MINUTE]);
  });

  it('a few samples are blended with the default; the spread comes from the samples', () => {
    const { state } = office({ settings: { recentServiceSamples: 3 } });
    expect(counterTime(state, 'cc-cap')).toEqual({ mean: 300, variance: (0.6 * 300) ** 2 });
    const add = (seconds: number) =>
      applyChanges(state, [{ kind: 'serviceTime', procedureId: 'cc-cap', ms: seconds * 1000 }]);
    add(60);
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(220); // (60 + 2 × 300) / 3
    add(120);
    add(180);
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(192); // (360 + 600) / 5
    add(240); // 60 drops out: only the last recentServiceSamples count
    expect(state.recentServiceMs.get('cc-cap')).toEqual([120_000, 180_000, 240_000]);
    expect(averageServiceSeconds(state, 'cc-cap')).toBe(228);
  });
});

describe('the range people read', () => {
  it('holds the estimate and widens with the wait', () => {
    const { state, ctx } = office({ counters: [counter(1, 'open', ['cc-cap'])] });
    const widths: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t = issue(state, ctx, 'cc-cap');
      const e = estimateWait(state, t, ctx.now);
      expect(e.lowSeconds!).toBeLessThanOrEqual(e.waitSeconds!);
      expect(e.highSeconds!).toBeGreaterThan(e.waitSeconds!);
      widths.push(e.highSeconds! - e.lowSeconds!);
    }
    for (let i = 1; i < widths.length; i++) expect(widths[i]!).toBeGreaterThanOrEqual(widths[i - 1]!);
  });

  it('is rounded to 5 minutes, 10 over an hour, 30 over two; "soon" when nearly next', () => {
    const r = (low: number, high: number) => waitRange({ lowSeconds: low * 60, highSeconds: high * 60 });
    expect(r(14, 21)).toEqual({ fromMinutes: 15, toMinutes: 20 });
    expect(r(0.5, 4)).toEqual({ fromMinutes: 0, toMinutes: 5 });
    expect(r(2, 3)).toEqual({ fromMinutes: 0, toMinutes: 5 });
    expect(r(21, 22)).toEqual({ fromMinutes: 15, toMinutes: 20 }); // never an empty range
    expect(r(52, 74)).toEqual({ fromMinutes: 50, toMinutes: 70 });
    expect(r(100, 150)).toEqual({ fromMinutes: 90, toMinutes: 150 });
    expect(r(0, 1)).toBeNull();
    expect(waitRange({ lowSeconds: null, highSeconds: null })).toBeNull();
  });
});
