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
  it('reserves a block per series and moves the sequence past it', () => {
    const { state, ctx } = office();
    const grant = accept(state, grantLease(state, lease(), ctx));
    expect(grant.series).toEqual([{ seriesKey: 'field:cc', prefix: '', numbers: [1001, 1002, 1003] }]);
    expect(grant.granted).toBe(3);
    // The field's active procedures (cc-lai is paused), with the counters that serve them.
    expect(grant.procedures.map((p) => p.procedureId)).toEqual(['cc-cap', 'cc-doi']);
    expect(grant.procedures[0]!.counters.map((c) => c.id)).toEqual([1, 2]);
    expect(grant.serviceDate).toBe(DAY);
    // Nobody else gets a leased number: the next online ticket comes after the block.
    expect(issue(state, ctx, 'cc-cap').display).toBe('1004');
  });

  it('answers a repeat with the same numbers and tops up only what was used', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const again = accept(state, grantLease(state, lease(), ctx));
    expect(again.granted).toBe(0);
    expect(again.series[0]!.numbers).toEqual([1001, 1002, 1003]);
    accept(state, sync(state, ctx, { number: 1001 }));
    const topped = accept(state, grantLease(state, lease(), ctx));
    expect(topped.granted).toBe(1);
    expect(topped.series[0]!.numbers).toEqual([1002, 1003, 1004]);
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
      { seriesKey: 'field:cc', prefix: '', numbers: [1001, 1002] },
      { seriesKey: 'field:ct', prefix: 'C', numbers: [2001, 2002] },
      { seriesKey: 'procedure:ct-lt', prefix: 'L', numbers: [1, 2] },
    ]);
    expect(grant.skipped).toEqual(['xnc', 'nope', 'cc-lai', 'zz']);
    expect(state.leases.get('field:ct')!.get(2001)).toMatchObject({ display: 'C2001', ticketId: null });
  });

  it('keeps two kiosks apart', () => {
    const { state, ctx } = office();
    const a = accept(state, grantLease(state, lease(), ctx));
    const b = accept(state, grantLease(state, lease({ deviceId: 'kiosk-2' }), ctx));
    expect(a.series[0]!.numbers).toEqual([1001, 1002, 1003]);
    expect(b.series[0]!.numbers).toEqual([1004, 1005, 1006]);
  });

  it('gives what is left when the range runs out, and nothing after', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 4) });
    issue(state, ctx, 'cc-cap');
    const grant = accept(state, grantLease(state, lease({ count: 5 }), ctx));
    expect(grant.series[0]!.numbers).toEqual([2, 3, 4]);
    expect(accept(state, grantLease(state, lease({ deviceId: 'kiosk-2' }), ctx)).series[0]!.numbers).toEqual(
      [],
    );
  });

  it('with wrap-around, an unused leased number is never issued again the same day', () => {
    const { state, ctx } = office({ ccNumbering: numbering('', 1, 5, true) });
    const first = issue(state, ctx, 'cc-cap'); // 1
    accept(state, grantLease(state, lease({ count: 2 }), ctx)); // 2, 3
    issue(state, ctx, 'cc-cap'); // 4
    issue(state, ctx, 'cc-cap'); // 5
    // 1 is called and finished, so the series may wrap to it; 2 and 3 stay taken.
    expect(next(state, ctx, 1)).toBe(first.display);
    state.tickets.set(first.id, { ...state.tickets.get(first.id)!, status: 'done' });
    state.counters.set(1, { ...counterOf(state, 1), currentTicketId: null });
    expect(issue(state, ctx, 'cc-cap').display).toBe('1');
    const decision = issueTicket(state, { procedureId: 'cc-cap' }, ctx);
    expect(decision.ok).toBe(false);
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
      sync(state, ctx, { number: 1002, issuedAt: printedAt, priority: 'elderly' }),
    );
    expect(result.status).toBe('accepted');
    expect(result.ticket).toMatchObject({
      id: 't-1002',
      display: '1002',
      status: 'waiting',
      fieldId: 'cc',
      priority: 'elderly',
      issuedAt: printedAt,
      queuedAt: printedAt,
      source: { deviceId: 'kiosk-1', requestId: 'press-1002' },
    });
    expect(state.leases.get('field:cc')!.get(1002)!.ticketId).toBe('t-1002');
    const line = waitingFor(state, counterOf(state, 1)).map((t) => t.display);
    expect(line).toEqual(['1002', online.display]);

    // The same ticket again (a resent outbox) changes nothing.
    const before = snapshot(state);
    const again = sync(state, ctx, { number: 1002, issuedAt: printedAt, priority: 'elderly' });
    expect(again).toMatchObject({ ok: true, changes: [], result: { status: 'duplicate' } });
    expect(state).toEqual(before);
  });

  it('bounds the kiosk clock by the lease time and the hub clock', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const leasedAt = ctx.now;
    ctx.advance(10 * MINUTE);
    const early = accept(state, sync(state, ctx, { number: 1001, issuedAt: 0 })).ticket;
    expect(early.queuedAt).toBe(leasedAt);
    const late = accept(state, sync(state, ctx, { number: 1002, issuedAt: ctx.now + 3600_000 })).ticket;
    expect(late.queuedAt).toBe(ctx.now);
  });

  it('refuses numbers that are not this kiosk’s, used, or of another day', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    accept(state, grantLease(state, lease({ deviceId: 'kiosk-2' }), ctx)); // 1004–1006
    const refused = (over: Parameters<typeof sync>[2]) => {
      const before = snapshot(state);
      const d = sync(state, ctx, over);
      expect(state).toEqual(before);
      return d.ok ? 'accepted' : d.code;
    };
    expect(refused({ number: 1004 })).toBe('not_leased');
    expect(refused({ number: 1500 })).toBe('not_leased');
    expect(refused({ number: 1001, seriesKey: 'field:ct' })).toBe('not_leased');
    expect(refused({ number: 1001, serviceDate: '2025-09-30' })).toBe('lease_expired');
    expect(refused({ number: 1001, procedureId: 'nope' })).toBe('unknown_procedure');
    accept(state, sync(state, ctx, { number: 1001 }));
    expect(refused({ number: 1001, requestId: 'another-press', ticketId: 't-x' })).toBe('number_used');
    expect(refused({ number: 1002, ticketId: 't-1001' })).toBe('ticket_id_taken');
  });

  it('accepts a paused procedure and drops an unknown priority', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    const t = accept(
      state,
      sync(state, ctx, { number: 1001, procedureId: 'cc-lai', priority: 'vip' }),
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
    const result = accept(state, sync(state, ctx, { number: 1001, requestId: 'press-A' }));
    expect(result.replaced?.id).toBe(ghost.id);
    expect(state.tickets.get(ghost.id)!.status).toBe('cancelled');
    expect(waitingFor(state, counterOf(state, 1)).map((t) => t.display)).toEqual(['1001']);
    // A resend is a duplicate, not a second replacement.
    expect(sync(state, ctx, { number: 1001, requestId: 'press-A' })).toMatchObject({
      result: { status: 'duplicate' },
    });
  });

  it('lets unused numbers expire with the day', () => {
    const { state, ctx } = office();
    accept(state, grantLease(state, lease(), ctx));
    accept(state, dailyReset(state, { serviceDate: '2025-10-02' }, ctx));
    expect(state.leases.size).toBe(0);
    expect(sync(state, ctx, { number: 1001, serviceDate: '2025-10-02' })).toMatchObject({
      ok: false,
      code: 'not_leased',
    });
    // The new day numbers from the start again, leases included.
    expect(accept(state, grantLease(state, lease(), ctx)).series[0]!.numbers).toEqual([1001, 1002, 1003]);
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
