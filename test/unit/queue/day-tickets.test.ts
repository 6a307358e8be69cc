// The day's tickets with their waiting and priority sets and each series'
// live numbers kept as tickets are set (hub/queue/day-tickets.ts): through a
// random day of real commands, a state holding them gives the same
// decisions, wait estimates, next numbers (ranges that wrap around) and next
// tickets ("call next", transfers, priorities) as one holding a plain Map
// (which the queue walks whole), and the sets stay right when a failed group
// commit takes changes back and a new day clears the tickets.

import { describe, expect, it } from 'vitest';
import { DayTickets, isLive } from '../../../hub/queue/day-tickets.js';
import { estimateWait } from '../../../hub/queue/estimate.js';
import {
  applyChanges,
  callNext,
  type Decision,
  finishService,
  issueTicket,
  markNoShow,
  type QueueState,
  startService,
  transfer,
} from '../../../hub/queue/index.js';
import { nextNumber, seriesFor } from '../../../hub/queue/numbering.js';
import { pickNext, waitingFor } from '../../../hub/queue/ordering.js';
import { applyUndoably } from '../../../hub/service/undo.js';
import { makeState, numbering, SECOND, TestCtx } from './fixture.js';

function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function expectSetsRight(tickets: DayTickets) {
  const all = [...tickets.values()];
  expect(new Set(tickets.waiting.keys())).toEqual(
    new Set(all.filter((t) => t.status === 'waiting').map((t) => t.id)),
  );
  expect(new Set(tickets.priority.keys())).toEqual(
    new Set(all.filter((t) => t.priority !== null).map((t) => t.id)),
  );
  expect(tickets.firstIssuedAt).toBe(Math.min(Number.POSITIVE_INFINITY, ...all.map((t) => t.issuedAt)));
  for (const t of all)
    expect(tickets.liveNumbers(t.seriesKey).has(t.number)).toBe(
      all.some((o) => o.seriesKey === t.seriesKey && o.number === t.number && isLive(o)),
    );
}

describe('DayTickets: the waiting line without walking the day', () => {
  it('a random day: the same decisions and estimates as a plain Map', () => {
    const indexed = makeState();
    indexed.tickets = new DayTickets();
    const plain = makeState();
    const ctxA = new TestCtx();
    const ctxB = new TestCtx();
    const rnd = random(18);
    const procedures = ['cc-cap', 'cc-doi', 'ct-tt', 'ct-tamtru', 'ct-lt'];
    const both = <R>(decide: (s: QueueState, c: TestCtx) => Decision<R>) => {
      const a = decide(indexed, ctxA);
      const b = decide(plain, ctxB);
      expect(a).toEqual(b);
      if (a.ok) applyChanges(indexed, a.changes);
      if (b.ok) applyChanges(plain, b.changes);
    };
    for (let step = 0; step < 400; step++) {
      const r = rnd();
      const counterId = 1 + Math.floor(rnd() * 3);
      if (r < 0.4) {
        const procedureId = procedures[Math.floor(rnd() * procedures.length)]!;
        const priority = rnd() < 0.15 ? indexed.catalogue.priorityCategories[0]!.id : null;
        both((s, c) => issueTicket(s, { procedureId, priority }, c));
      } else if (r < 0.7) both((s, c) => callNext(s, { counterId }, c));
      else if (r < 0.8) both((s, c) => startService(s, { counterId }, c));
      else if (r < 0.95) both((s, c) => finishService(s, { counterId }, c));
      else both((s, c) => markNoShow(s, { counterId }, c));
      // The first, a middle and the last of the line (each estimate replays the whole line).
      const line = [...plain.tickets.values()].filter((t) => t.status === 'waiting');
      for (const t of new Set([line[0], line[line.length >> 1], line.at(-1)]))
        if (t) expect(estimateWait(indexed, t, ctxA.now)).toEqual(estimateWait(plain, t, ctxB.now));
      ctxA.advance(20 * SECOND);
      ctxB.advance(20 * SECOND);
    }
    expect(plain.tickets.size).toBeGreaterThan(120);
    expectSetsRight(indexed.tickets as DayTickets);
  });

  it('numbers that wrap around, transfers and priorities: the same next number and next ticket', () => {
    // Small wrapping ranges, so that the next number steps over live tickets all day.
    const opts = { ccNumbering: numbering('', 1001, 1012, true), ltNumbering: numbering('L', 1, 5, true) };
    const indexed = makeState(opts);
    indexed.tickets = new DayTickets();
    const plain = makeState(opts);
    const ctxA = new TestCtx();
    const ctxB = new TestCtx();
    const rnd = random(7);
    const procedures = ['cc-cap', 'cc-doi', 'ct-tt', 'ct-lt'];
    let accepted = 0;
    const both = <R>(decide: (s: QueueState, c: TestCtx) => Decision<R>) => {
      const a = decide(indexed, ctxA);
      const b = decide(plain, ctxB);
      expect(a).toEqual(b);
      if (a.ok) applyChanges(indexed, a.changes);
      if (b.ok) applyChanges(plain, b.changes);
      if (a.ok) accepted++;
    };
    for (let step = 0; step < 1500; step++) {
      const r = rnd();
      const counterId = 1 + Math.floor(rnd() * 3);
      if (r < 0.35) {
        const procedureId = procedures[Math.floor(rnd() * procedures.length)]!;
        const priority = rnd() < 0.25 ? indexed.catalogue.priorityCategories[0]!.id : null;
        both((s, c) => issueTicket(s, { procedureId, priority }, c));
      } else if (r < 0.6) both((s, c) => callNext(s, { counterId }, c));
      else if (r < 0.7) both((s, c) => startService(s, { counterId }, c));
      else if (r < 0.85) both((s, c) => finishService(s, { counterId }, c));
      else if (r < 0.92) {
        const toCounterId = 1 + Math.floor(rnd() * 3);
        both((s, c) => transfer(s, { counterId, toCounterId }, c));
      } else both((s, c) => markNoShow(s, { counterId }, c));
      for (const c of indexed.counters.values()) {
        const other = plain.counters.get(c.id)!;
        expect(pickNext(indexed, c, ctxA.now)?.id).toBe(pickNext(plain, other, ctxB.now)?.id);
        expect(waitingFor(indexed, c)).toEqual(waitingFor(plain, other));
      }
      for (const p of indexed.catalogue.procedures) {
        const series = seriesFor(indexed, p);
        if (series)
          expect(nextNumber(indexed, series.seriesKey, series.numbering)).toBe(
            nextNumber(plain, series.seriesKey, series.numbering),
          );
      }
      ctxA.advance(15 * SECOND);
      ctxB.advance(15 * SECOND);
    }
    expect(accepted).toBeGreaterThan(450);
    // The ranges wrapped many times over.
    expect(plain.tickets.size).toBeGreaterThan(100);
    expectSetsRight(indexed.tickets as DayTickets);
  });

  it('changes taken back (a failed group commit) and a new day leave the sets right', () => {
    const state = makeState();
    state.tickets = new DayTickets();
    const ctx = new TestCtx();
    const tickets = state.tickets as DayTickets;
    const priority = state.catalogue.priorityCategories[0]!.id;
    for (let i = 0; i < 5; i++) {
      const d = issueTicket(state, { procedureId: 'cc-cap', priority: i === 0 ? priority : null }, ctx);
      if (!d.ok) throw new Error(d.message);
      applyChanges(state, d.changes);
      ctx.advance(SECOND);
    }
    const call = callNext(state, { counterId: 1 }, ctx);
    if (!call.ok) throw new Error(call.message);
    const undoCall = applyUndoably(state, call.changes);
    const late = issueTicket(state, { procedureId: 'cc-cap', priority }, ctx);
    if (!late.ok) throw new Error(late.message);
    const undoLate = applyUndoably(state, late.changes);
    expectSetsRight(tickets);
    undoLate();
    undoCall();
    expectSetsRight(tickets);
    expect(tickets.waiting.size).toBe(5);
    // The first ticket's issue time moves (a clock correction): the first issue time follows.
    const first = [...tickets.values()][0]!;
    tickets.set(first.id, { ...first, issuedAt: first.issuedAt + 10 * SECOND });
    expectSetsRight(tickets);
    applyChanges(state, [{ kind: 'serviceDate', serviceDate: '2025-10-02' }]);
    expect(tickets.size).toBe(0);
    expectSetsRight(tickets);
  });
});
