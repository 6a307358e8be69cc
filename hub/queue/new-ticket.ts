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

/** Waiting, never called, at no counter. */
export function waitingTicket(t: NewTicket): Ticket {
  return {
    ...t,
    status: 'waiting',
    assignedCounterId: null,
    counterId: null,
    officer: null,
    firstCalledAt: null,
    calledAt: null,
    counterCalledAt: null,
    serviceStartedAt: null,
    finishedAt: null,
    callCount: 0,
    transferCount: 0,
  };
}
