// The order of the line. Tickets wait in the order of their place
// (`Ticket.seq`), a number that only grows; a clock reading never decides
// who goes first, so a clock that steps back (or forward) cannot reorder the
// line. Waiting times still weigh a counter's preferences (weights), but
// each is counted from a moment never earlier than that of a ticket ahead.

import { waitingTickets } from './day-tickets.js';
import type { Counter, QueueState, Ticket } from './types.js';

/** Can this counter call this waiting ticket at all? */
export function servesTicket(counter: Counter, ticket: Ticket): boolean {
  if (ticket.assignedCounterId !== null) return ticket.assignedCounterId === counter.id;
  return counter.serves.some((s) => s.procedureId === ticket.procedureId);
}

function weightOf(counter: Counter, ticket: Ticket): number {
  return counter.serves.find((s) => s.procedureId === ticket.procedureId)?.weight ?? 1;
}

/**
 * Line order: place, then number (two tickets can share a place only in a
 * very crowded lease gap), then id, so that the order never depends on the
 * order the tickets were read in.
 */
export function lineOrder(a: Ticket, b: Ticket): number {
  return a.seq - b.seq || a.number - b.number || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Best of a set of waiting tickets for a counter: the longest wait, stretched
 * by the counter's weight for the procedure; ties go to the ticket ahead in
 * the line. A wait is counted from the latest `queuedAt` of the ticket and
 * those ahead of it, so with equal weights the line order always wins, and
 * a clock stepping back makes no later ticket look older.
 */
function best(counter: Counter, tickets: Ticket[], now: number): Ticket | undefined {
  let chosen: Ticket | undefined;
  let chosenScore = -Infinity;
  let since = -Infinity;
  for (const t of tickets.sort(lineOrder)) {
    since = Math.max(since, t.queuedAt);
    const score = Math.max(0, now - since + 1) * weightOf(counter, t);
    if (chosen === undefined || score > chosenScore) {
      chosen = t;
      chosenScore = score;
    }
  }
  return chosen;
}

/**
 * The ticket "call next" takes at a counter:
 * 1. tickets transferred to this very counter (they already waited once);
 * 2. priority tickets, unless the counter has called `priorityCap` of them in a
 *    row and a normal ticket is waiting (so normal tickets are never starved);
 * 3. normal tickets.
 */
export function pickNext(state: QueueState, counter: Counter, now: number): Ticket | undefined {
  const assigned: Ticket[] = [];
  const priority: Ticket[] = [];
  const normal: Ticket[] = [];
  for (const t of waitingTickets(state.tickets)) {
    if (!servesTicket(counter, t)) continue;
    if (t.assignedCounterId === counter.id) assigned.push(t);
    else if (t.priority !== null) priority.push(t);
    else normal.push(t);
  }
  if (assigned.length > 0) return best(counter, assigned, now);
  const priorityTurn = counter.consecutivePriority < state.settings.priorityCap || normal.length === 0;
  if (priority.length > 0 && priorityTurn) return best(counter, priority, now);
  return best(counter, normal, now);
}

/** Waiting tickets a counter could call now (what its console shows), in line order. */
export function waitingFor(state: QueueState, counter: Counter): Ticket[] {
  return [...waitingTickets(state.tickets)].filter((t) => servesTicket(counter, t)).sort(lineOrder);
}
