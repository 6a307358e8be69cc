// A ticket as it joins the line, the same whether the hub issues it, a kiosk
// prints it from a lease, or the guide screen imagines it for an estimate.

import type { Ticket } from './types.js';

/** What the issuer decides; the rest is the same for every new ticket. */
export type NewTicket = Pick<
  Ticket,
  | 'id'
  | 'serviceDate'
  | 'seriesKey'
  | 'number'
  | 'display'
  | 'fieldId'
  | 'procedureId'
  | 'priority'
  | 'issuedAt'
  | 'seq'
  | 'queuedAt'
  | 'clockUntrusted'
  | 'source'
>;

/**
 * Waiting, never called, at no counter. Written out field by field in the
 * order the store reads a ticket (queue-store.ts ticketFromRow), so that
 * every ticket of the day has one shape for the loops over the line.
 */
export function waitingTicket(t: NewTicket): Ticket {
  return {
    id: t.id,
    serviceDate: t.serviceDate,
    seriesKey: t.seriesKey,
    number: t.number,
    display: t.display,
    fieldId: t.fieldId,
    procedureId: t.procedureId,
    priority: t.priority,
    status: 'waiting',
    assignedCounterId: null,
    counterId: null,
    officer: null,
    issuedAt: t.issuedAt,
    seq: t.seq,
    queuedAt: t.queuedAt,
    clockUntrusted: t.clockUntrusted,
    firstCalledAt: null,
    calledAt: null,
    counterCalledAt: null,
    serviceStartedAt: null,
    finishedAt: null,
    callCount: 0,
    transferCount: 0,
    source: t.source,
  };
}
