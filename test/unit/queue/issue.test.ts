import { describe, expect, it } from 'vitest';
import { issueTicket, setCounterState, takeCounter } from '../../../hub/queue/index.js';
import { accept, acceptWithChanges, DAY, expectRefusal, issue, office, SECOND, T0, text } from './fixture.js';

describe('issueTicket', () => {
  it('issues the first number of the field series as a waiting ticket with every field set', () => {
    const { state, ctx } = office();
    const { result, changes } = acceptWithChanges(
      state,
      issueTicket(state, { procedureId: 'cc-cap', source: { deviceId: 'kiosk-1', requestId: 'r-1' } }, ctx),
    );
    const expected = {
      id: 'id-1',
      serviceDate: DAY,
      seriesKey: 'field:cc',
      number: 1001,
      display: '1001',
      fieldId: 'cc',
      procedureId: 'cc-cap',
      priority: null,
      status: 'waiting',
      assignedCounterId: null,
      counterId: null,
      officer: null,
      issuedAt: T0,
      seq: 1,
      queuedAt: T0,
      clockUntrusted: false,
      firstCalledAt: null,
      calledAt: null,
      counterCalledAt: null,
      serviceStartedAt: null,
      finishedAt: null,
      callCount: 0,
      transferCount: 0,
      source: { deviceId: 'kiosk-1', requestId: 'r-1' },
    };
    expect(result.ticket).toEqual(expected);
    expect(changes).toEqual([
      { kind: 'sequence', seriesKey: 'field:cc', last: 1001 },
      { kind: 'ticket', ticket: expected },
      { kind: 'event', event: { ticketId: 'id-1', type: 'issued', at: T0, counterId: null, officer: null } },
    ]);
    expect(state.tickets.get('id-1')).toEqual(expected);
    expect(state.sequences.get('field:cc')).toBe(1001);
  });

  it('numbers tickets one after another and stamps each with the clock', () => {
    const { state, ctx } = office();
    const a = issue(state, ctx, 'cc-cap');
    const b = issue(state, ctx, 'cc-cap');
    const c = issue(state, ctx, 'cc-cap');
    expect([a.display, b.display, c.display]).toEqual(['1001', '1002', '1003']);
    expect([a.issuedAt, b.issuedAt, c.issuedAt]).toEqual([T0, T0 + SECOND, T0 + 2 * SECOND]);
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(state.tickets.size).toBe(3);
  });

  it('records the priority category on the ticket and in the issued event', () => {
    const { state, ctx } = office();
    const d = issueTicket(state, { procedureId: 'cc-cap', priority: 'elderly' }, ctx);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.result.ticket.priority).toBe('elderly');
    expect(d.changes[2]).toEqual({
      kind: 'event',
      event: {
        ticketId: 'id-1',
        type: 'issued',
        at: T0,
        counterId: null,
        officer: null,
        detail: { priority: 'elderly' },
      },
    });
  });

  it('treats a missing source and a null priority as a normal walk-in ticket', () => {
    const { state, ctx } = office();
    const t = accept(state, issueTicket(state, { procedureId: 'ct-tt', priority: null }, ctx)).ticket;
    expect(t.priority).toBeNull();
    expect(t.source).toBeNull();
    expect(t.display).toBe('C2001');
    expect(t.fieldId).toBe('ct');
  });

  it('lists the open and paused counters serving the procedure, not the closed ones', () => {
    const { state, ctx } = office();
    // cc-cap: counters 1 and 2 open, 4 closed.
    let r = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx));
    expect(r.counters).toEqual([
      { id: 1, name: 'Quầy 1' },
      { id: 2, name: 'Quầy 2' },
    ]);
    accept(state, setCounterState(state, { counterId: 2, state: 'paused' }, ctx));
    r = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx));
    expect(r.counters.map((c) => c.id)).toEqual([1, 2]);
    accept(state, takeCounter(state, { counterId: 4, officer: 'officer-4' }, ctx));
    r = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx));
    expect(r.counters.map((c) => c.id)).toEqual([1, 2, 4]);
    r = accept(state, issueTicket(state, { procedureId: 'ct-lt' }, ctx));
    expect(r.counters).toEqual([{ id: 3, name: 'Quầy 3' }]);
  });

  it('prints the estimate: people ahead, open counters, wait', () => {
    const { state, ctx } = office();
    const first = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx));
    const estimate = { openCounters: 2, serviceSeconds: 300, lowSeconds: 0 };
    expect(first.estimate).toEqual({ ...estimate, ahead: 0, waitSeconds: 0, highSeconds: 78 });
    // Two counters are free: the second citizen is called at once too, by the other one.
    const second = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx));
    expect(second.estimate).toEqual({ ...estimate, ahead: 1, waitSeconds: 0, highSeconds: 141 });
    const third = accept(state, issueTicket(state, { procedureId: 'cc-cap' }, ctx));
    expect(third.estimate).toEqual({
      ...estimate,
      ahead: 2,
      waitSeconds: 300,
      lowSeconds: 155,
      highSeconds: 489,
    });
  });

  it('does not change the state by itself: only applyChanges does', () => {
    const { state, ctx } = office();
    const d = issueTicket(state, { procedureId: 'cc-cap' }, ctx);
    expect(d.ok).toBe(true);
    expect(state.tickets.size).toBe(0);
    expect(state.sequences.size).toBe(0);
  });

  describe('refusals', () => {
    it('unknown_procedure names the procedure id', () => {
      const { state, ctx } = office();
      const r = expectRefusal(state, 'unknown_procedure', (s) =>
        issueTicket(s, { procedureId: 'no-such' }, ctx),
      );
      expect(r.message).toBe(text('unknown_procedure', { procedureId: 'no-such' }));
    });

    it('procedure_inactive for an inactive procedure', () => {
      const { state, ctx } = office();
      const r = expectRefusal(state, 'procedure_inactive', (s) =>
        issueTicket(s, { procedureId: 'cc-lai' }, ctx),
      );
      expect(r.message).toBe(text('procedure_inactive', { name: 'Cấp lại thẻ căn cước' }));
    });

    it('procedure_inactive for an active procedure of an inactive field', () => {
      const { state, ctx } = office();
      const r = expectRefusal(state, 'procedure_inactive', (s) =>
        issueTicket(s, { procedureId: 'xnc-hc' }, ctx),
      );
      expect(r.message).toBe(text('procedure_inactive', { name: 'Cấp hộ chiếu phổ thông ở trong nước' }));
    });

    it('unknown_priority names the category', () => {
      const { state, ctx } = office();
      issue(state, ctx, 'cc-cap');
      const r = expectRefusal(state, 'unknown_priority', (s) =>
        issueTicket(s, { procedureId: 'cc-cap', priority: 'vip' }, ctx),
      );
      expect(r.message).toBe(text('unknown_priority', { priority: 'vip' }));
      // The refused request took no number: the next one is still 1002.
      expect(issue(state, ctx, 'cc-cap').display).toBe('1002');
    });
  });
});
