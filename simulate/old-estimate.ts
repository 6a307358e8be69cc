// The wait estimate the hub used before the simulator (kept here only to
// compare against): waiting tickets of the procedures the ticket's counters
// serve, priority first then the line, each weighing the recent average of
// start → finish times (walk-up, recalls and no-shows left out), divided by
// the open counters serving the procedure. Current services were ignored.

import { lineOrder } from '../hub/queue/ordering.js';
import type { QueueState, Ticket } from '../hub/queue/types.js';

/** `startFinishMs`: recent start → finish durations per procedure, as the hub kept them then. */
export function oldEstimateSeconds(
  state: QueueState,
  ticket: Ticket,
  startFinishMs: ReadonlyMap<string, readonly number[]>,
): number | null {
  const average = (procedureId: string) => {
    const samples = startFinishMs.get(procedureId);
    if (!samples || samples.length === 0) return state.settings.defaultServiceSeconds;
    return samples.reduce((a, b) => a + b, 0) / samples.length / 1000;
  };
  const goesBefore = (other: Ticket) => {
    if ((other.priority !== null) !== (ticket.priority !== null)) return other.priority !== null;
    return lineOrder(other, ticket) < 0;
  };
  const serving = [...state.counters.values()].filter(
    (c) => c.state !== 'closed' && c.serves.some((s) => s.procedureId === ticket.procedureId),
  );
  const competing = new Set(serving.flatMap((c) => c.serves.map((s) => s.procedureId)));
  competing.add(ticket.procedureId);
  let work = 0;
  for (const t of state.tickets.values()) {
    if (t.id === ticket.id || t.status !== 'waiting' || t.assignedCounterId !== null) continue;
    if (competing.has(t.procedureId) && goesBefore(t)) work += average(t.procedureId);
  }
  const open = serving.filter((c) => c.state === 'open').length;
  return open === 0 ? null : Math.round(work / open);
}
