import type { Change, QueueState } from './types.js';

/**
 * Apply decided changes to the in-memory state. Called only after the store
 * has committed the same changes, so memory never runs ahead of the disk.
 */
export function applyChanges(state: QueueState, changes: readonly Change[]): void {
  for (const change of changes) {
    switch (change.kind) {
      case 'ticket':
        state.tickets.set(change.ticket.id, change.ticket);
        state.lastSeq = Math.max(state.lastSeq, Math.floor(change.ticket.seq));
        break;
      case 'counter':
        state.counters.set(change.counter.id, change.counter);
        break;
      case 'sequence':
        state.sequences.set(change.seriesKey, change.last);
        break;
      case 'lease': {
        const { lease } = change;
        const series = state.leases.get(lease.seriesKey) ?? new Map<number, typeof lease>();
        series.set(lease.number, lease);
        state.leases.set(lease.seriesKey, series);
        break;
      }
      case 'serviceTime': {
        const samples = state.recentServiceMs.get(change.procedureId) ?? [];
        samples.push(change.ms);
        while (samples.length > state.settings.recentServiceSamples) samples.shift();
        state.recentServiceMs.set(change.procedureId, samples);
        break;
      }
      case 'serviceDate':
        // A new day: yesterday's tickets live on in the store for the reports only.
        state.serviceDate = change.serviceDate;
        state.tickets.clear();
        state.sequences.clear();
        state.leases.clear(); // unused leased numbers expire with the day
        break;
      case 'catalogue':
        state.catalogue = change.catalogue;
        break;
      case 'settings':
        state.settings = change.settings;
        break;
      case 'counterRemoved':
        state.counters.delete(change.counterId);
        break;
      case 'event':
      case 'call':
      case 'timesShifted':
        break; // stored and published, not part of the live state
    }
  }
}
