import type { Numbering, Procedure, QueueState, Ticket } from './types.js';

const ACTIVE: ReadonlySet<Ticket['status']> = new Set(['waiting', 'called', 'serving']);

/** Which series a procedure draws from: its own, or its field's (the default). */
export function seriesFor(
  state: QueueState,
  procedure: Procedure,
): { seriesKey: string; numbering: Numbering } | null {
  if (procedure.numbering) return { seriesKey: `procedure:${procedure.id}`, numbering: procedure.numbering };
  const field = state.catalogue.fields.find((f) => f.id === procedure.fieldId);
  if (!field) return null;
  return { seriesKey: `field:${field.id}`, numbering: field.numbering };
}

export function formatDisplay(numbering: Numbering, n: number): string {
  return `${numbering.prefix}${n}`;
}

/**
 * The next free number of a series, or null when the range is used up.
 * With wrap-around, numbers that are still waiting, called or being served
 * today, or leased to a kiosk and not yet used, are skipped so that no two
 * live tickets share a number.
 */
export function nextNumber(state: QueueState, seriesKey: string, numbering: Numbering): number | null {
  const { start, end, wrap } = numbering;
  const size = end - start + 1;
  const last = state.sequences.get(seriesKey);
  let candidate = last === undefined || last < start || last > end ? start : last + 1;
  if (last !== undefined && last >= end && !wrap) return null;
  const inUse = new Set<number>();
  if (wrap) {
    for (const t of state.tickets.values()) {
      if (t.seriesKey === seriesKey && ACTIVE.has(t.status)) inUse.add(t.number);
    }
    // Numbers a kiosk holds in advance are taken too, until the day ends.
    for (const lease of state.leases.get(seriesKey)?.values() ?? []) {
      if (lease.ticketId === null) inUse.add(lease.number);
    }
  }
  for (let tries = 0; tries < size; tries++) {
    if (candidate > end) {
      if (!wrap) return null;
      candidate = start;
    }
    if (!inUse.has(candidate)) return candidate;
    candidate++;
  }
  return null;
}
