import { describe, expect, it } from 'vitest';
import {
  acceptLeasedTicket,
  dailyReset,
  grantLease,
  issueTicket,
  type LeasedTicketInput,
  type LeaseInput,
  type QueueState,
  serviceDayEnd,
  waitingFor,
} from '../../../hub/queue/index.js';
import {
  accept,
  counterOf,
  DAY,
  expectRefusal,
  issue,
  MINUTE,
  next,
  numbering,
  office,
  SECOND,
  snapshot,
  T0,
  type TestCtx,
} from './fixture.js';

const lease = (over: Partial<LeaseInput> = {}): LeaseInput => ({
  deviceId: 'kiosk-1',
  procedureIds: [],
  fieldIds: ['cc'],
  count: 3,
  validUntil: T0 + 16 * 3600_000,
  ...over,
});

function sync(
  state: QueueState,
  ctx: TestCtx,
  over: Partial<LeasedTicketInput> & Pick<LeasedTicketInput, 'number'>,
) {
  return acceptLeasedTicket(
    state,
    {
      deviceId: 'kiosk-1',
      ticketId: `t-${over.number}`,
      requestId: `press-${over.number}`,
      serviceDate: DAY,
      seriesKey: 'field:cc',
      procedureId: 'cc-cap',
      priority: null,
      issuedAt: ctx.now,
      ...over,
    },
    ctx,
  );
}

describe('grantLease', () => {
  it('takes a block per series from the top of the range, downward, and leaves the sequence alone', () => {
    const { state, ctx } = office();
    const decision = grantLease(state, lease(), ctx);
    const grant = accept(state, decision);
    expect(grant.series).toEqual([{ seriesKey: 'field:cc', prefix: '', numbers: [1999, 1998, 1997] }]);
    expect(grant.granted).toBe(3);
    // The field's active procedures (cc-lai is paused), with the counters that serve them.
    expect(grant.procedures.map((p) => p.procedureId)).toEqual(['cc-cap', 'cc-doi']);
    expect(grant.procedures[0]!.counters.map((c) => c.id)).toEqual([1, 2]);
    expect(grant.serviceDate).toBe(DAY);
    // Only leases are written: the ascending sequence does not move.
    expect(decision.ok && decision.changes.map((c) => c.kind)).toEqual(['lease', 'lease', 'lease']);
    expect(state.sequences.has('field:cc')).toBe(false);
    // So the day still starts at the start of the range and runs without gaps.
    expect(['cc-cap', 'cc-doi', 'cc-cap'].map((p) => issue(state, ctx, p).display)).toEqual([
      '1001',
      '1002',
      '1003',
    ]);
  });

  it('answers a repeat with the same numbers and tops up only what was used, below the block', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const again = accept(state, grantLease(state, lease(), ctx));
    expect(again.granted).toBe(0);
    expect(again.series[0]!.numbers).toEqual([1999, 1998, 1997]);
    accept(state, sync(state, ctx, { number: 1999 }));
    ctx.advance(MINUTE);
    const topped = accept(state, grantLease(state, lease(), ctx));
    expect(topped.granted).toBe(1);
    // Oldest grant first; the used 1999 is never leased again.
    expect(topped.series[0]!.numbers).toEqual([1998, 1997, 1996]);
  });

  it('gives each series once, own series apart, and skips unknown or paused ids', () => {
    const { state, ctx } = office();
    const grant = accept(
      state,
      grantLease(
        state,
        lease({ fieldIds: ['ct', 'xnc', 'nope'], procedureIds: ['cc-cap', 'cc-lai', 'zz'], count: 2 }),
        ctx,
      ),
    );
    expect(grant.series).toEqual([
      { seriesKey: 'field:cc', prefix: '', numbers: [1999, 1998] },
      { seriesKey: 'field:ct', prefix: 'C', numbers: [2999, 2998] },
      { seriesKey: 'procedure:ct-lt', prefix: 'L', numbers: [99, 98] },
    ]);
    expect(grant.skipped).toEqual(['xnc', 'nope', 'cc-lai', 'zz']);
    expect(state.leases.get('field:ct')!.get(2999)).toMatchObject({ display: 'C2999', ticketId: null });
    expect(issue(state, ctx, 'ct-lt').display).toBe('L1');
  });

  it('keeps two kiosks apart, the second one below the first', () => {
    const { state, ctx } = office();
    const a = accept(state, grantLease(state, lease({ count: 5 }), ctx));
    const b = accept(state, grantLease(state, lease({ deviceId: 'kiosk-2' }), ctx));
    expect(a.series[0]!.numbers).toEqual([1999, 1998, 1997, 1996, 1995]);
    expect(b.series[0]!.numbers).toEqual([1994, 1993, 1992]);
    expect(issue(state, ctx, 'cc-cap').display).toBe('1001');
  });

  it('never takes a number the ascending sequence has reached', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 6) });
    for (let i = 0; i < 4; i++) issue(state, ctx, 'cc-cap'); // 1–4
    const grant = accept(state, grantLease(state, lease({ count: 5 }), ctx));
    expect(grant.series[0]!.numbers).toEqual([6, 5]);
    expect(grant.granted).toBe(2);
    // Even where it left no ticket (a sequence moved on by an older hub's leases).
    const other = office();
    other.state.sequences.set('field:cc', 1996);
    const left = accept(other.state, grantLease(other.state, lease({ count: 5 }), other.ctx));
    expect(left.series[0]!.numbers).toEqual([1999, 1998, 1997]);
  });

  it('never takes a number of a ticket of today, even one above the sequence', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 5, true) });
    for (let i = 0; i < 5; i++) issue(state, ctx, 'cc-cap'); // 1–5
    for (const t of state.tickets.values()) state.tickets.set(t.id, { ...t, status: 'done' });
    expect(issue(state, ctx, 'cc-cap').display).toBe('1'); // wrapped: the sequence is at 1
    // 2–5 are above the sequence but were issued today: the lease gets none of them.
    const grant = accept(state, grantLease(state, lease({ count: 2 }), ctx));
    expect(grant.series[0]!.numbers).toEqual([]);
    expect(grant.granted).toBe(0);
  });

  it('gives what is left when the range runs out, and nothing after', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 4) });
    issue(state, ctx, 'cc-cap');
    const grant = accept(state, grantLease(state, lease({ count: 5 }), ctx));
    expect(grant.series[0]!.numbers).toEqual([4, 3, 2]);
    expect(accept(state, grantLease(state, lease({ deviceId: 'kiosk-2' }), ctx)).series[0]!.numbers).toEqual(
      [],
    );
    // The ascending sequence has nothing left either: 2–4 are leased.
    expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-cap' }, ctx));
  });

  it('the ascending sequence skips the leased block and runs out when it meets it', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 6) });
    issue(state, ctx, 'cc-cap'); // 1
    accept(state, grantLease(state, lease({ count: 2 }), ctx)); // 6, 5
    accept(state, sync(state, ctx, { number: 6 })); // used
    expect([2, 3, 4].map(() => issue(state, ctx, 'cc-cap').display)).toEqual(['2', '3', '4']);
    // 5 (unused) and 6 (used) are leased: nothing left for the sequence.
    expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-cap' }, ctx));
  });

  it('with wrap-around, a leased number is never issued by the sequence the same day, used or not', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 5, true) });
    const first = issue(state, ctx, 'cc-cap'); // 1
    expect(accept(state, grantLease(state, lease({ count: 2 }), ctx)).series[0]!.numbers).toEqual([5, 4]);
    issue(state, ctx, 'cc-cap'); // 2
    issue(state, ctx, 'cc-cap'); // 3
    // 4 and 5 are leased, 1–3 live: nothing free.
    expect(issueTicket(state, { procedureId: 'cc-cap' }, ctx).ok).toBe(false);
    // 5 printed from the lease and done, 1 called and finished: only 1 may come again.
    const leased = accept(state, sync(state, ctx, { number: 5 })).ticket;
    state.tickets.set(leased.id, { ...leased, status: 'done' });
    expect(next(state, ctx, 1)).toBe(first.display);
    state.tickets.set(first.id, { ...state.tickets.get(first.id)!, status: 'done' });
    state.counters.set(1, { ...counterOf(state, 1), currentTicketId: null });
    expect(issue(state, ctx, 'cc-cap').display).toBe('1');
    expect(issueTicket(state, { procedureId: 'cc-cap' }, ctx).ok).toBe(false);
  });
});

const held = (numbers: number[], seriesKey = 'field:cc', serviceDate = DAY): LeaseInput['held'] => ({
  serviceDate,
  series: [{ seriesKey, numbers }],
});

describe('grantLease with the numbers the kiosk holds', () => {
  it('keeps what the kiosk holds, spends what it no longer holds, tops up below', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease({ held: null }), ctx)); // 1999, 1998, 1997
    ctx.advance(MINUTE);
    // It printed 1999 offline and has not synced it yet.
    const grant = accept(state, grantLease(state, lease({ held: held([1998, 1997]) }), ctx));
    expect(grant.series[0]!.numbers).toEqual([1998, 1997, 1996]);
    expect(grant).toMatchObject({ granted: 1, spent: 1 });
    expect(state.leases.get('field:cc')!.get(1999)).toMatchObject({ ticketId: null, spentAt: ctx.now });
    // Asking again with the answer changes nothing.
    const again = grantLease(state, lease({ held: held([1998, 1997, 1996]) }), ctx);
    expect(again).toMatchObject({ ok: true, changes: [], result: { granted: 0, spent: 0 } });
    // The printed ticket still syncs.
    expect(accept(state, sync(state, ctx, { number: 1999 })).status).toBe('accepted');
    expect(state.leases.get('field:cc')!.get(1999)).toMatchObject({
      ticketId: 't-1999',
      spentAt: expect.any(Number),
    });
  });

  it('a kiosk that lost its state holds nothing: nothing it had is handed out again that day', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 8) });
    accept(state, grantLease(state, lease({ held: null }), ctx)); // 8, 7, 6
    // 8 and 7 printed offline, then the state file is lost; the kiosk asks with nothing held.
    const after = accept(state, grantLease(state, lease({ held: null }), ctx));
    expect(after.series[0]!.numbers).toEqual([5, 4, 3]);
    expect(after.spent).toBe(3);
    // Not to it, not to an older kiosk that sends no list, not by the sequence, not to another kiosk.
    expect(accept(state, grantLease(state, lease({ held: undefined }), ctx)).series[0]!.numbers).toEqual([
      5, 4, 3,
    ]);
    expect(issue(state, ctx, 'cc-cap').display).toBe('1');
    expect(
      accept(state, grantLease(state, lease({ deviceId: 'kiosk-2', count: 5 }), ctx)).series[0]!.numbers,
    ).toEqual([2]);
    expectRefusal(state, 'range_exhausted', (s) => issueTicket(s, { procedureId: 'cc-cap' }, ctx));
    // A list naming a spent number does not bring it back (a state file restored from an old copy).
    const stale = accept(state, grantLease(state, lease({ held: held([8, 7, 6, 5, 4, 3]) }), ctx));
    expect(stale.series[0]!.numbers).toEqual([5, 4, 3]);
    // Tickets printed with the spent numbers before the loss are still accepted when they arrive.
    expect(accept(state, sync(state, ctx, { number: 8 })).status).toBe('accepted');
  });

  it('keeps only numbers leased to this kiosk, unused, of the service date and a series it asks for', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease({ held: null, fieldIds: ['cc', 'ct'], count: 2 }), ctx)); // cc 1999,1998; ct 2999,2998
    accept(state, grantLease(state, lease({ deviceId: 'kiosk-2', held: null, count: 2 }), ctx)); // 1997, 1996
    accept(state, sync(state, ctx, { number: 1999 }));
    const grant = accept(
      state,
      grantLease(
        state,
        lease({
          // Only "Căn cước" now; it claims 1999 (used), 1997 (kiosk-2's), 1500 (never leased) and 1998.
          held: {
            serviceDate: DAY,
            series: [
              { seriesKey: 'field:cc', numbers: [1999, 1997, 1500, 1998] },
              { seriesKey: 'field:ct', numbers: [2999, 2998] },
            ],
          },
          count: 2,
        }),
        ctx,
      ),
    );
    expect(grant.series).toEqual([{ seriesKey: 'field:cc', prefix: '', numbers: [1998, 1995] }]);
    // "Cư trú" (two series) is no longer asked for: the kiosk drops its numbers, so they are spent.
    expect(grant.spent).toBe(4);
    expect(state.leases.get('procedure:ct-lt')!.get(99)!.spentAt).not.toBeNull();
    expect(state.leases.get('field:ct')!.get(2999)!.spentAt).not.toBeNull();
    expect(state.leases.get('field:cc')!.get(1997)).toMatchObject({ deviceId: 'kiosk-2', spentAt: null });
    // A list of another service date holds nothing of today.
    const old = accept(
      state,
      grantLease(state, lease({ held: held([1998, 1995], 'field:cc', '2025-09-30'), count: 2 }), ctx),
    );
    expect(old.series[0]!.numbers).toEqual([1994, 1993]);
    expect(old.spent).toBe(2);
  });

  it('an older kiosk (no list) keeps getting its unused numbers, as before', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const again = accept(state, grantLease(state, lease(), ctx));
    expect(again).toMatchObject({ granted: 0, spent: 0 });
    expect(again.series[0]!.numbers).toEqual([1999, 1998, 1997]);
  });
});

describe('acceptLeasedTicket', () => {
  it('accepts a leased ticket once and puts it in line by its issue time', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const printedAt = ctx.now + MINUTE;
    ctx.advance(2 * MINUTE);
    const online = issue(state, ctx, 'cc-cap'); // issued on the hub after the leased one was printed
    ctx.advance(5 * MINUTE);
    const result = accept(
      state,
      sync(state, ctx, { number: 1998, issuedAt: printedAt, priority: 'elderly' }),
    );
    expect(result.status).toBe('accepted');
    expect(result.ticket).toMatchObject({
      id: 't-1998',
      display: '1998',
      status: 'waiting',
      fieldId: 'cc',
      priority: 'elderly',
      issuedAt: printedAt,
      queuedAt: printedAt,
      source: { deviceId: 'kiosk-1', requestId: 'press-1998' },
    });
    expect(state.leases.get('field:cc')!.get(1998)!.ticketId).toBe('t-1998');
    const line = waitingFor(state, counterOf(state, 1)).map((t) => t.display);
    expect(online.display).toBe('1001');
    expect(line).toEqual(['1998', '1001']);

    // The same ticket again (a resent outbox) changes nothing.
    const before = snapshot(state);
    const again = sync(state, ctx, { number: 1998, issuedAt: printedAt, priority: 'elderly' });
    expect(again).toMatchObject({ ok: true, changes: [], result: { status: 'duplicate' } });
    expect(state).toEqual(before);
  });

  it('bounds the kiosk clock by the lease time and the hub clock', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const leasedAt = ctx.now;
    ctx.advance(10 * MINUTE);
    const early = accept(state, sync(state, ctx, { number: 1999, issuedAt: 0 })).ticket;
    expect(early.queuedAt).toBe(leasedAt);
    const late = accept(state, sync(state, ctx, { number: 1998, issuedAt: ctx.now + 3600_000 })).ticket;
    expect(late.queuedAt).toBe(ctx.now);
  });

  it('refuses numbers that are not this kiosk’s, used, or of another day', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    accept(state, grantLease(state, lease({ deviceId: 'kiosk-2' }), ctx)); // 1996–1994
    const refused = (over: Parameters<typeof sync>[2]) => {
      const before = snapshot(state);
      const d = sync(state, ctx, over);
      expect(state).toEqual(before);
      return d.ok ? 'accepted' : d.code;
    };
    expect(refused({ number: 1996 })).toBe('not_leased');
    expect(refused({ number: 1500 })).toBe('not_leased');
    // An online ticket's number was never leased.
    issue(state, ctx, 'cc-cap');
    expect(refused({ number: 1001 })).toBe('not_leased');
    expect(refused({ number: 1999, seriesKey: 'field:ct' })).toBe('not_leased');
    expect(refused({ number: 1999, serviceDate: '2025-09-30' })).toBe('lease_expired');
    expect(refused({ number: 1999, procedureId: 'nope' })).toBe('unknown_procedure');
    accept(state, sync(state, ctx, { number: 1999 }));
    expect(refused({ number: 1999, requestId: 'another-press', ticketId: 't-x' })).toBe('number_used');
    expect(refused({ number: 1998, ticketId: 't-1999' })).toBe('ticket_id_taken');
  });

  it('accepts a paused procedure and drops an unknown priority', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const t = accept(
      state,
      sync(state, ctx, { number: 1999, procedureId: 'cc-lai', priority: 'vip' }),
    ).ticket;
    expect(t).toMatchObject({ procedureId: 'cc-lai', priority: null });
  });

  it('cancels the ticket the hub issued for the same press when the kiosk printed the leased one', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    // The kiosk's issue-ticket reached the hub, but the reply came too late.
    const ghost = accept(
      state,
      issueTicket(
        state,
        { procedureId: 'cc-cap', source: { deviceId: 'kiosk-1', requestId: 'press-A' } },
        ctx,
      ),
    ).ticket;
    ctx.advance(SECOND);
    expect(ghost.display).toBe('1001');
    const result = accept(state, sync(state, ctx, { number: 1999, requestId: 'press-A' }));
    expect(result.replaced?.id).toBe(ghost.id);
    expect(state.tickets.get(ghost.id)!.status).toBe('cancelled');
    expect(waitingFor(state, counterOf(state, 1)).map((t) => t.display)).toEqual(['1999']);
    // A resend is a duplicate, not a second replacement.
    expect(sync(state, ctx, { number: 1999, requestId: 'press-A' })).toMatchObject({
      result: { status: 'duplicate' },
    });
  });

  it('lets unused numbers expire with the day', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    accept(state, dailyReset(state, { serviceDate: '2025-10-02' }, ctx));
    expect(state.leases.size).toBe(0);
    expect(sync(state, ctx, { number: 1999, serviceDate: '2025-10-02' })).toMatchObject({
      ok: false,
      code: 'not_leased',
    });
    // The new day numbers from the start again, and leases from the top again.
    expect(accept(state, grantLease(state, lease(), ctx)).series[0]!.numbers).toEqual([1999, 1998, 1997]);
    expect(issue(state, ctx, 'cc-cap').display).toBe('1001');
  });
});

describe('serviceDayEnd', () => {
  it('is the next daily reset in the office time zone', () => {
    // T0 is 08:00 in Hà Nội on 2025-10-01.
    expect(serviceDayEnd(T0, 'Asia/Ho_Chi_Minh', '00:00')).toBe(Date.UTC(2025, 9, 1, 17, 0));
    expect(serviceDayEnd(T0, 'Asia/Ho_Chi_Minh', '03:30')).toBe(Date.UTC(2025, 9, 1, 20, 30));
    // Before the reset time the day still belongs to yesterday's service date.
    const early = Date.UTC(2025, 9, 1, 19, 0); // 02:00 local on 2025-10-02
    expect(serviceDayEnd(early, 'Asia/Ho_Chi_Minh', '03:30')).toBe(Date.UTC(2025, 9, 1, 20, 30));
  });
});
