// Applying decided changes to the live state in a way that can be taken back:
// a group commit applies each request's changes as it is decided (the next
// request of the batch must see them) and, if the batch's one transaction
// fails, puts the state back as it was, so memory never keeps what the disk
// does not.

import { applyChanges } from '../queue/apply.js';
import type { Change, QueueState } from '../queue/types.js';

/** Apply `changes` to `state`; the returned function restores what they replaced. */
export function applyUndoably(state: QueueState, changes: readonly Change[]): () => void {
  const undos: (() => void)[] = [];
  for (const change of changes) {
    undos.push(undoOf(state, change));
    applyChanges(state, [change]);
  }
  return () => {
    for (let i = undos.length - 1; i >= 0; i--) undos[i]!();
  };
}

function restore<K, V>(map: Map<K, V>, key: K): () => void {
  const had = map.has(key);
  const before = map.get(key);
  return () => {
    if (had) map.set(key, before as V);
    else map.delete(key);
  };
}

/** How to put back what applying `change` alone replaces. */
function undoOf(state: QueueState, change: Change): () => void {
  switch (change.kind) {
    case 'ticket': {
      const ticket = restore(state.tickets, change.ticket.id);
      const lastSeq = state.lastSeq;
      return () => {
        ticket();
        state.lastSeq = lastSeq;
      };
    }
    case 'counter':
      return restore(state.counters, change.counter.id);
    case 'counterRemoved':
      return restore(state.counters, change.counterId);
    case 'sequence':
      return restore(state.sequences, change.seriesKey);
    case 'lease': {
      const series = state.leases.get(change.lease.seriesKey);
      if (!series) return restore(state.leases, change.lease.seriesKey);
      return restore(series, change.lease.number);
    }
    case 'serviceTime': {
      const samples = state.recentServiceMs.get(change.procedureId);
      const copy = samples ? [...samples] : undefined;
      return () => {
        if (copy) state.recentServiceMs.set(change.procedureId, copy);
        else state.recentServiceMs.delete(change.procedureId);
      };
    }
    case 'serviceDate': {
      // A new day clears the day's maps: keep copies (once a day).
      const { serviceDate, tickets, sequences, leases } = state;
      const copies = { tickets: new Map(tickets), sequences: new Map(sequences), leases: new Map(leases) };
      return () => {
        state.serviceDate = serviceDate;
        for (const [key, map] of [
          ['tickets', state.tickets],
          ['sequences', state.sequences],
          ['leases', state.leases],
        ] as const) {
          map.clear();
          for (const [k, v] of copies[key] as Map<unknown, never>) (map as Map<unknown, unknown>).set(k, v);
        }
      };
    }
    case 'catalogue': {
      const catalogue = state.catalogue;
      return () => {
        state.catalogue = catalogue;
      };
    }
    case 'settings': {
      const settings = state.settings;
      return () => {
        state.settings = settings;
      };
    }
    case 'event':
    case 'call':
    case 'timesShifted':
      return () => undefined; // not part of the live state
  }
}
