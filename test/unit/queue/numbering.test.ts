import { describe, expect, it } from 'vitest';
import {
  callNumber,
  finishService,
  formatDisplay,
  grantLease,
  issueTicket,
  type Lease,
  markNoShow,
  nextNumber,
  type QueueState,
  seriesFor,
  startService,
} from '../../../hub/queue/index.js';
import {
  accept,
  expectRefusal,
  issue,
  makeState,
  next,
  numbering,
  office,
  text,
  ticketByDisplay,
} from './fixture.js';

describe('series', () => {
  it('procedures of one field share the field series by default', () => {
    const { state, ctx } = office();
    const a = issue(state, ctx, 'cc-cap');
    const b = issue(state, ctx, 'cc-doi');
    const c = issue(state, ctx, 'cc-cap');
    expect([a.display, b.display, c.display]).toEqual(['1001', '1002', '1003']);
    expect([a.seriesKey, b.seriesKey, c.seriesKey]).toEqual(['field:cc', 'field:cc', 'field:cc']);
    expect(state.sequences.get('field:cc')).toBe(1003);
  });

  it('each field has its own series and prefix', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    const a = issue(state, ctx, 'ct-tt');
    const b = issue(state, ctx, 'ct-tamtru');
    expect([a.display, b.display]).toEqual(['C2001', 'C2002']);
    expect([a.number, b.number]).toEqual([2001, 2002]);
    expect(issue(state, ctx, 'cc-doi').display).toBe('1002');
  });

  it('a procedure with its own numbering uses its own series and prefix, leaving the field series alone', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'ct-tt'); // C2001
    const l1 = issue(state, ctx, 'ct-lt');
    const l2 = issue(state, ctx, 'ct-lt');
    expect(l1).toMatchObject({ display: 'L1', number: 1, seriesKey: 'procedure:ct-lt', fieldId: 'ct' });
    expect(l2.display).toBe('L2');
    expect(issue(state, ctx, 'ct-tt').display).toBe('C2002');
    expect(Object.fromEntries(state.sequences)).toEqual({ 'field:ct': 2002, 'procedure:ct-lt': 2 });
  });

  it('seriesFor: own series, field series, or null when the field is missing', () => {
    const state = makeState();
    const proc = (id: string) => state.catalogue.procedures.find((p) => p.id === id)!;
    expect(seriesFor(state, proc('cc-doi'))).toEqual({
      seriesKey: 'field:cc',
      numbering: numbering('', 1001, 1999),
    });
    expect(seriesFor(state, proc('ct-lt'))).toEqual({
      seriesKey: 'procedure:ct-lt',
      numbering: numbering('L', 1, 99),
    });
    expect(seriesFor(state, { ...proc('cc-cap'), fieldId: 'gone' })).toBeNull();
  });

  it('formatDisplay is prefix + number', () => {
    expect(formatDisplay(numbering('A', 1, 9), 7)).toBe('A7');
    expect(formatDisplay(numbering('', 1001, 1999), 1023)).toBe('1023');
    expect(formatDisplay(numbering('GP-', 1, 999), 42)).toBe('GP-42');
  });
});

describe('the end of a range', () => {
  it('without wrap-around the range runs out: range_exhausted', () => {
    const { state, ctx } = office({ ccNumbering: numbering('A', 1, 3) });
    expect(
      [issue(state, ctx, 'cc-cap'), issue(state, ctx, 'cc-doi'), issue(state, ctx, 'cc-cap')].map(
        (t) => t.display,
      ),
    ).toEqual(['A1', 'A2', 'A3']);
    const r = expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-cap' }, ctx));
    expect(r.message).toBe(text('range_exhausted', { prefix: 'A', start: 1, end: 3 }));
    expect(r.message).toContain('A1–A3');
    // Even when every ticket is done, without wrap the range stays used up.
    next(state, ctx, 1);
    accept(state, startService(state, { counterId: 1 }, ctx));
    accept(state, finishService(state, { counterId: 1 }, ctx));
    expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-doi' }, ctx));
    // Another series is not affected.
    expect(issue(state, ctx, 'ct-tt').display).toBe('C2001');
  });

  it('with wrap-around it starts again at the start, skipping numbers still live', () => {
    const { state, ctx } = office({ ccNumbering: numbering('A', 1, 4, true) });
    for (let i = 0; i < 4; i++) issue(state, ctx, 'cc-cap'); // A1–A4 waiting
    // A2 is called out of turn and marked absent: no longer live. A1, A3, A4 still wait.
    accept(state, callNumber(state, { counterId: 1, display: 'A2' }, ctx));
    accept(state, markNoShow(state, { counterId: 1 }, ctx));
    const wrapped = issue(state, ctx, 'cc-cap');
    expect(wrapped).toMatchObject({ display: 'A2', number: 2 });
    expect(state.sequences.get('field:cc')).toBe(2);
    // Now A1–A4 are all live again: nothing free.
    const r = expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-cap' }, ctx));
    expect(r.message).toBe(text('range_exhausted', { prefix: 'A', start: 1, end: 4 }));
  });

  it('after a wrap it continues from the last number, and called or served numbers count as live', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 3, true) });
    for (let i = 0; i < 3; i++) issue(state, ctx, 'cc-cap'); // 1, 2, 3
    next(state, ctx, 1); // 1 called
    next(state, ctx, 2); // 2 called
    accept(state, startService(state, { counterId: 2 }, ctx)); // 2 serving
    expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-cap' }, ctx));
    accept(state, finishService(state, { counterId: 2 }, ctx)); // 2 done
    expect(issue(state, ctx, 'cc-cap').number).toBe(2);
    accept(state, markNoShow(state, { counterId: 1 }, ctx)); // 1 absent
    accept(state, callNumber(state, { counterId: 2, display: '3' }, ctx));
    accept(state, markNoShow(state, { counterId: 2 }, ctx)); // 3 absent
    // Last was 2: continues at 3, then wraps to 1.
    expect(issue(state, ctx, 'cc-cap').number).toBe(3);
    expect(issue(state, ctx, 'cc-cap').number).toBe(1);
  });

  it('with a number twice in a day, calling it by number takes the waiting one over an absent one', () => {
    const { state, ctx } = office({ ccNumbering: numbering('A', 1, 2, true) });
    const old = issue(state, ctx, 'cc-cap'); // A1
    issue(state, ctx, 'cc-cap'); // A2
    next(state, ctx, 1);
    accept(state, markNoShow(state, { counterId: 1 }, ctx)); // old A1 absent, no longer live
    const again = issue(state, ctx, 'cc-cap'); // new A1
    expect(again.display).toBe('A1');
    expect(() => ticketByDisplay(state, 'A1')).toThrow(/found 2/);
    // Put the old one last in the map so that picking "the latest" would be wrong.
    state.tickets.delete(old.id);
    state.tickets.set(old.id, { ...old, status: 'no_show', callCount: 1 });
    const { ticket } = accept(state, callNumber(state, { counterId: 2, display: 'A1' }, ctx));
    expect(ticket.id).toBe(again.id);
    // The absent one can still be called back by number once the new one is gone.
    accept(state, startService(state, { counterId: 2 }, ctx));
    accept(state, finishService(state, { counterId: 2 }, ctx));
    expect(accept(state, callNumber(state, { counterId: 2, display: 'A1' }, ctx)).ticket.id).toBe(old.id);
  });
});

describe('nextNumber', () => {
  it('starts at the start, goes on from the last number, and restarts when the range moved', () => {
    const state = makeState();
    const n = numbering('', 100, 199);
    expect(nextNumber(state, 'k', n)).toBe(100);
    state.sequences.set('k', 150);
    expect(nextNumber(state, 'k', n)).toBe(151);
    state.sequences.set('k', 42); // below a range that was moved up
    expect(nextNumber(state, 'k', n)).toBe(100);
    state.sequences.set('k', 198);
    expect(nextNumber(state, 'k', n)).toBe(199);
    state.sequences.set('k', 199);
    expect(nextNumber(state, 'k', n)).toBeNull();
    expect(nextNumber(state, 'k', { ...n, wrap: true })).toBe(100);
    // Past the end of a range that was moved down: used up without wrap, restart with it.
    state.sequences.set('k', 250);
    expect(nextNumber(state, 'k', n)).toBeNull();
    expect(nextNumber(state, 'k', { ...n, wrap: true })).toBe(100);
  });

  it('a range of one number', () => {
    const state = makeState();
    const n = numbering('Z', 5, 5);
    expect(nextNumber(state, 'z', n)).toBe(5);
    state.sequences.set('z', 5);
    expect(nextNumber(state, 'z', n)).toBeNull();
    expect(nextNumber(state, 'z', { ...n, wrap: true })).toBe(5);
  });

  it('only live tickets of the same series block a number', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 2, true) });
    const t = issue(state, ctx, 'cc-cap'); // 1
    state.sequences.set('field:cc', 2);
    expect(nextNumber(state, 'field:cc', numbering('', 1, 2, true))).toBe(2);
    // Same number in another series does not block.
    state.tickets.set('other', { ...t, id: 'other', seriesKey: 'field:ct', number: 2 });
    expect(nextNumber(state, 'field:cc', numbering('', 1, 2, true))).toBe(2);
    state.tickets.set('done', { ...t, id: 'done', number: 2, status: 'done' });
    expect(nextNumber(state, 'field:cc', numbering('', 1, 2, true))).toBe(2);
    state.tickets.set('live', { ...t, id: 'live', number: 2, status: 'serving' });
    expect(nextNumber(state, 'field:cc', numbering('', 1, 2, true))).toBeNull();
  });
});

/** Numbers of a series leased to a kiosk today; `used` ones carry a ticket id. */
function leaseNumbers(state: QueueState, seriesKey: string, numbers: number[], used: number[] = []): void {
  const series = state.leases.get(seriesKey) ?? new Map<number, Lease>();
  for (const number of [...numbers, ...used]) {
    series.set(number, {
      serviceDate: state.serviceDate,
      seriesKey,
      number,
      display: String(number),
      deviceId: 'kiosk-1',
      leasedAt: 0,
      ticketId: used.includes(number) ? `t-${number}` : null,
      spentAt: null,
    });
  }
  state.leases.set(seriesKey, series);
}

describe('nextNumber and leased numbers', () => {
  it('the first online ticket of the day is the start of the range while a lease is held', () => {
    const { state, ctx } = office();
    const grant = accept(
      state,
      grantLease(
        state,
        { deviceId: 'kiosk-1', procedureIds: [], fieldIds: ['cc'], count: 5, validUntil: ctx.now + 1 },
        ctx,
      ),
    );
    expect(grant.series[0]!.numbers).toEqual([1999, 1998, 1997, 1996, 1995]);
    expect(nextNumber(state, 'field:cc', numbering('', 1001, 1999))).toBe(1001);
    expect([issue(state, ctx, 'cc-cap'), issue(state, ctx, 'cc-doi')].map((t) => t.display)).toEqual([
      '1001',
      '1002',
    ]);
  });

  it('skips a leased number without wrap-around, used or not', () => {
    const state = makeState();
    const n = numbering('', 100, 199);
    leaseNumbers(state, 'k', [151], [152]);
    state.sequences.set('k', 150);
    expect(nextNumber(state, 'k', n)).toBe(153);
    leaseNumbers(state, 'k', [100, 101]);
    state.sequences.delete('k');
    expect(nextNumber(state, 'k', n)).toBe(102);
    // Leases of another series do not count.
    expect(nextNumber(state, 'other', n)).toBe(100);
  });

  it('returns null when only leased numbers are left', () => {
    const state = makeState();
    const n = numbering('', 100, 199);
    leaseNumbers(state, 'k', [197, 199], [198]);
    state.sequences.set('k', 195);
    expect(nextNumber(state, 'k', n)).toBe(196);
    state.sequences.set('k', 196);
    expect(nextNumber(state, 'k', n)).toBeNull();
  });

  it('with wrap-around, skips leased numbers (used or not) after wrapping too', () => {
    const state = makeState();
    const n = numbering('', 1, 5, true);
    leaseNumbers(state, 'k', [5, 1], [2]);
    state.sequences.set('k', 4);
    expect(nextNumber(state, 'k', n)).toBe(3);
    leaseNumbers(state, 'k', [3]);
    expect(nextNumber(state, 'k', n)).toBe(4);
    leaseNumbers(state, 'k', [4]);
    expect(nextNumber(state, 'k', n)).toBeNull();
  });

  it('through issueTicket: the sequence steps over a leased number in the middle', () => {
    const { state, ctx } = office({ ccNumbering: numbering('A', 1, 5) });
    leaseNumbers(state, 'field:cc', [3], [4]);
    expect([1, 2, 3].map(() => issue(state, ctx, 'cc-cap').display)).toEqual(['A1', 'A2', 'A5']);
    expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-cap' }, ctx));
  });
});
