import { describe, expect, it } from 'vitest';
import { applyChanges, type Change } from '../../../hub/queue/index.js';
import { counterOf, issue, office, snapshot } from './fixture.js';

describe('applyChanges', () => {
  it('stores tickets, counters and sequences as decided', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    const changes: Change[] = [
      { kind: 'ticket', ticket: { ...t, status: 'called', counterId: 2 } },
      { kind: 'counter', counter: { ...counterOf(state, 2), currentTicketId: t.id } },
      { kind: 'sequence', seriesKey: 'field:ct', last: 2042 },
    ];
    applyChanges(state, changes);
    expect(state.tickets.get(t.id)).toMatchObject({ status: 'called', counterId: 2 });
    expect(counterOf(state, 2).currentTicketId).toBe(t.id);
    expect(state.sequences.get('field:ct')).toBe(2042);
  });

  it('events and calls are for the store and the speakers, not the live state', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    const before = snapshot(state);
    applyChanges(state, [
      { kind: 'event', event: { ticketId: t.id, type: 'called', at: 1, counterId: 1, officer: null } },
      {
        kind: 'call',
        call: {
          callId: 'c',
          ticketId: t.id,
          display: t.display,
          number: t.number,
          prefix: '',
          counterId: 1,
          counterName: 'Quầy 1',
          recall: false,
          at: 1,
        },
      },
    ]);
    expect(state).toEqual(before);
  });

  it('a new service date drops the tickets and sequences and keeps the rest', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    applyChanges(state, [
      { kind: 'serviceTime', procedureId: 'cc-cap', ms: 1000 },
      { kind: 'serviceDate', serviceDate: '2025-10-02' },
    ]);
    expect(state.serviceDate).toBe('2025-10-02');
    expect(state.tickets.size).toBe(0);
    expect(state.sequences.size).toBe(0);
    expect(state.counters.size).toBe(4);
    expect(state.recentServiceMs.get('cc-cap')).toEqual([1000]);
  });
});
