import { lineOrder } from './ordering.js';
import type { QueueState, Ticket } from './types.js';

export interface WaitEstimate {
  /** Waiting tickets that take the same counters' time before this one. */
  ahead: number;
  /** Open counters serving the procedure. */
  openCounters: number;
  /** Average of recent service times for the procedure (or the default). */
  serviceSeconds: number;
  /** null when no counter serving the procedure is open. */
  waitSeconds: number | null;
}

export function averageServiceSeconds(state: QueueState, procedureId: string): number {
  const samples = state.recentServiceMs.get(procedureId);
  if (!samples || samples.length === 0) return state.settings.defaultServiceSeconds;
  return samples.reduce((a, b) => a + b, 0) / samples.length / 1000;
}

function goesBefore(other: Ticket, ticket: Ticket): boolean {
  if ((other.priority !== null) !== (ticket.priority !== null)) return other.priority !== null;
  return lineOrder(other, ticket) < 0;
}

/**
 * Estimated wait for a waiting ticket. "Ahead" are the waiting tickets that
 * take the same counters' time before this one: any procedure served by a
 * counter (not closed) that serves this ticket's procedure, priority first,
 * then by place in the line. The wait is their recent average service times added
 * up, divided by the open counters serving the procedure. It overestimates
 * a little when those counters are shared with others; a citizen would
 * rather be early than late. Tickets pinned to a counter by a transfer are
 * left out: they do not take from the shared line.
 */
export function estimateWait(state: QueueState, ticket: Ticket): WaitEstimate {
  const servingCounters = [...state.counters.values()].filter(
    (c) => c.state !== 'closed' && c.serves.some((s) => s.procedureId === ticket.procedureId),
  );
  const competing = new Set(servingCounters.flatMap((c) => c.serves.map((s) => s.procedureId)));
  competing.add(ticket.procedureId);
  let ahead = 0;
  let workSeconds = 0;
  for (const t of state.tickets.values()) {
    if (t.id === ticket.id || t.status !== 'waiting' || t.assignedCounterId !== null) continue;
    if (competing.has(t.procedureId) && goesBefore(t, ticket)) {
      ahead++;
      workSeconds += averageServiceSeconds(state, t.procedureId);
    }
  }
  const openCounters = servingCounters.filter((c) => c.state === 'open').length;
  const serviceSeconds = averageServiceSeconds(state, ticket.procedureId);
  const waitSeconds = openCounters === 0 ? null : Math.round(workSeconds / openCounters);
  return { ahead, openCounters, serviceSeconds, waitSeconds };
}
