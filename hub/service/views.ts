// What the hub shows of its state: the retained messages for devices and the
// JSON the HTTP API returns. Pure functions of the queue state.

import {
  type CatalogueMessage,
  type CounterStateMessage,
  type IssuedTicket,
  PROTOCOL_VERSION,
  type QueueSummary,
} from '../../shared/protocol/messages.js';
import type { IssueResult } from '../queue/commands.js';
import { waitingTickets } from '../queue/day-tickets.js';
import { waitRange } from '../queue/estimate.js';
import type { Catalogue, Counter, Procedure, QueueState, Ticket } from '../queue/types.js';

export function counterStateMessage(state: QueueState, counter: Counter, at: number): CounterStateMessage {
  const ticket = counter.currentTicketId ? state.tickets.get(counter.currentTicketId) : undefined;
  const live = ticket && (ticket.status === 'called' || ticket.status === 'serving') ? ticket : undefined;
  return {
    v: PROTOCOL_VERSION,
    counterId: counter.id,
    name: counter.name,
    state: counter.state,
    officer: counter.officer,
    current: live
      ? {
          ticketId: live.id,
          display: live.display,
          status: live.status as 'called' | 'serving',
          calledAt: live.calledAt,
        }
      : null,
    at,
  };
}

export function queueSummary(state: QueueState, at: number): QueueSummary {
  const waiting = new Map<string, number>();
  for (const t of waitingTickets(state.tickets)) waiting.set(t.fieldId, (waiting.get(t.fieldId) ?? 0) + 1);
  return {
    v: PROTOCOL_VERSION,
    at,
    serviceDate: state.serviceDate,
    fields: state.catalogue.fields
      .filter((f) => f.active)
      .map((f) => ({ fieldId: f.id, name: f.name, waiting: waiting.get(f.id) ?? 0 })),
  };
}

/** What a citizen may choose: the active fields, each with its active procedures as `procedure` shows them. */
export function activeFields<P>(catalogue: Catalogue, procedure: (p: Procedure) => P) {
  return catalogue.fields
    .filter((f) => f.active)
    .map((f) => ({
      id: f.id,
      name: f.name,
      procedures: catalogue.procedures.filter((p) => p.fieldId === f.id && p.active).map(procedure),
    }));
}

export function catalogueMessage(state: QueueState, at: number): CatalogueMessage {
  return {
    v: PROTOCOL_VERSION,
    at,
    fields: activeFields(state.catalogue, (p) => ({ id: p.id, name: p.name })),
    priorityCategories: state.catalogue.priorityCategories.map((c) => ({ id: c.id, name: c.name })),
  };
}

/** What a ticket's reply says that only the moment of issue knew; the rest is rebuilt from the ticket. */
export type IssueFigures = Pick<
  IssuedTicket,
  'ahead' | 'estimatedWaitSeconds' | 'estimatedWait' | 'counters'
>;

export function issueFigures(issued: IssueResult): IssueFigures {
  return {
    ahead: issued.estimate.ahead,
    estimatedWaitSeconds: issued.estimate.waitSeconds,
    estimatedWait: waitRange(issued.estimate),
    counters: issued.counters,
  };
}

/** A kiosk's ticket as its reply shows it: the ticket, named from the catalogue, with the figures of its issue. */
export function issuedTicketView(state: QueueState, t: Ticket, figures: IssueFigures): IssuedTicket {
  const { catalogue } = state;
  return {
    ticketId: t.id,
    display: t.display,
    number: t.number,
    serviceDate: t.serviceDate,
    fieldId: t.fieldId,
    fieldName: catalogue.fields.find((f) => f.id === t.fieldId)?.name ?? t.fieldId,
    procedureId: t.procedureId,
    procedureName: catalogue.procedures.find((p) => p.id === t.procedureId)?.name ?? t.procedureId,
    priority: t.priority,
    priorityName: t.priority
      ? (catalogue.priorityCategories.find((c) => c.id === t.priority)?.name ?? null)
      : null,
    issuedAt: t.issuedAt,
    ahead: figures.ahead,
    estimatedWaitSeconds: figures.estimatedWaitSeconds,
    estimatedWait: figures.estimatedWait,
    counters: figures.counters,
    lookupPath: `/t/${t.id}`,
  };
}

/** A ticket as the API shows it. */
export function ticketView(t: Ticket) {
  return {
    id: t.id,
    display: t.display,
    number: t.number,
    serviceDate: t.serviceDate,
    fieldId: t.fieldId,
    procedureId: t.procedureId,
    priority: t.priority,
    status: t.status,
    counterId: t.counterId,
    assignedCounterId: t.assignedCounterId,
    officer: t.officer,
    issuedAt: t.issuedAt,
    firstCalledAt: t.firstCalledAt,
    calledAt: t.calledAt,
    serviceStartedAt: t.serviceStartedAt,
    finishedAt: t.finishedAt,
    callCount: t.callCount,
    transferCount: t.transferCount,
  };
}
