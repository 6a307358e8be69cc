// A ticket as the API shows it (hub/service/views.ts ticketView), and what
// GET /api/tickets/:id answers: the ticket lookup page (/t/<id>,
// hub/web/assets/ticket.js) and the consoles' waiting lines read it.
import type { WaitEstimate, WaitRange } from '../../hub/queue/estimate.js';
import type { Ticket } from '../../hub/queue/types.js';

export type TicketView = Pick<
  Ticket,
  | 'id'
  | 'display'
  | 'number'
  | 'serviceDate'
  | 'fieldId'
  | 'procedureId'
  | 'priority'
  | 'status'
  | 'counterId'
  | 'assignedCounterId'
  | 'officer'
  | 'issuedAt'
  | 'firstCalledAt'
  | 'calledAt'
  | 'serviceStartedAt'
  | 'finishedAt'
  | 'callCount'
  | 'transferCount'
>;

/** The estimated wait of a ticket still waiting, with the range a person reads. */
export interface TicketEstimate extends WaitEstimate {
  /** null when the ticket is next or nearly so, or when there is no estimate. */
  range: WaitRange | null;
}

/** GET /api/tickets/:id. */
export interface TicketAnswer extends TicketView {
  /** null unless the ticket is waiting today. */
  estimate: TicketEstimate | null;
}
