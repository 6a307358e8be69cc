import type { QueueState, Ticket } from './types.js';

export interface WaitEstimate {
  /** Waiting tickets of the same procedure that will be called before this one. */
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
  return (
    other.queuedAt < ticket.queuedAt || (other.queuedAt === ticket.queuedAt && other.number < ticket.number)
  );
}

/**
 * Estimated wait for a waiting ticket: people ahead × recent average service
 * time ÷ open counters for that procedure. Tickets pinned to a counter by a
 * transfer are left out: they do not take from the shared line.
 */
export function estimateWait(state: QueueState, ticket: Ticket): WaitEstimate {
  let ahead = 0;
  for (const t of state.tickets.values()) {
    if (t.id === ticket.id || t.status !== 'waiting' || t.assignedCounterId !== null) continue;
    if (t.procedureId === ticket.procedureId && goesBefore(t, ticket)) ahead++;
  }
  let openCounters = 0;
  for (const c of state.counters.values()) {
    if (c.state === 'open' && c.serves.some((s) => s.procedureId === ticket.procedureId)) openCounters++;
  }
  const serviceSeconds = averageServiceSeconds(state, ticket.procedureId);
  const waitSeconds = openCounters === 0 ? null : Math.round((ahead * serviceSeconds) / openCounters);
  return { ahead, openCounters, serviceSeconds, waitSeconds };
}
