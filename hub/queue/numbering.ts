import { liveNumbers } from './day-tickets.js';
import type { Numbering, Procedure, QueueState } from './types.js';

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
 * The next free number of a series, counting up from the last one issued, or
 * null when the range is used up. Numbers leased to kiosks today (used or
 * not) are never issued by the sequence: leases are taken from the top of the
 * range (lease.ts), and the sequence steps over them when it gets there.
 * With wrap-around, numbers that are still waiting, called or being served
 * today are skipped as well, so that no two live tickets share a number.
 */
export function nextNumber(state: QueueState, seriesKey: string, numbering: Numbering): number | null {
  const { start, end, wrap } = numbering;
  const size = end - start + 1;
  const last = state.sequences.get(seriesKey);
  let candidate = last === undefined || last < start || last > end ? start : last + 1;
  if (last !== undefined && last >= end && !wrap) return null;
  // Numbers a kiosk holds in advance, or printed from its lease, until the day ends.
  const leased = state.leases.get(seriesKey);
  const live = wrap ? liveNumbers(state.tickets, seriesKey) : undefined;
  for (let tries = 0; tries < size; tries++) {
    if (candidate > end) {
      if (!wrap) return null;
      candidate = start;
    }
    if (!leased?.has(candidate) && !live?.has(candidate)) return candidate;
    candidate++;
  }
  return null;
}
