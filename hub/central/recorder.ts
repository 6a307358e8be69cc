// What the province centre hears of an office: the queue's committed changes,
// ratings and device health, turned into outbox events (shared/protocol/
// central.ts) inside the transaction that commits them. Only what the
// dashboard and the cross-office reports use goes out: no personal data.

import type { CentralEventData, CentralTicket } from '../../shared/protocol/central.js';
import type { DeviceStatus } from '../../shared/protocol/messages.js';
import type { Change, QueueState, Ticket } from '../queue/types.js';
import type { StoredRating } from '../store/rating-store.js';
import type { Outbox } from './outbox.js';

export function centralTicket(ticket: Ticket, procedureName: string): CentralTicket {
  return {
    id: ticket.id,
    serviceDate: ticket.serviceDate,
    display: ticket.display,
    fieldId: ticket.fieldId,
    procedureId: ticket.procedureId,
    procedureName,
    priority: ticket.priority,
    status: ticket.status,
    counterId: ticket.counterId,
    officer: ticket.officer,
    issuedAt: ticket.issuedAt,
    queuedAt: ticket.queuedAt,
    firstCalledAt: ticket.firstCalledAt,
    serviceStartedAt: ticket.serviceStartedAt,
    finishedAt: ticket.finishedAt,
  };
}

/**
 * The events a committed decision makes. `before` is the queue state the
 * decision was taken on (not yet changed): a counter row rewritten only for
 * its current ticket or priority streak is no news to the centre.
 */
export function eventsOfChanges(changes: readonly Change[], before: QueueState): CentralEventData[] {
  const tickets = new Map<string, Ticket>();
  for (const c of changes) if (c.kind === 'ticket') tickets.set(c.ticket.id, c.ticket);
  const procedureName = (id: string) => before.catalogue.procedures.find((p) => p.id === id)?.name ?? id;
  const counterName = (id: number | null) => {
    if (id === null) return null;
    for (const c of changes) if (c.kind === 'counter' && c.counter.id === id) return c.counter.name;
    return before.counters.get(id)?.name ?? null;
  };
  const out: CentralEventData[] = [];
  for (const change of changes) {
    switch (change.kind) {
      case 'event': {
        const e = change.event;
        const ticket = tickets.get(e.ticketId) ?? before.tickets.get(e.ticketId);
        if (!ticket) break;
        out.push({
          type: 'ticket',
          action: e.type,
          counterId: e.counterId,
          counterName: counterName(e.counterId),
          officer: e.officer,
          ticket: centralTicket(ticket, procedureName(ticket.procedureId)),
        });
        break;
      }
      case 'counter': {
        const c = change.counter;
        const was = before.counters.get(c.id);
        if (was && was.state === c.state && was.officer === c.officer && was.name === c.name) break;
        out.push({ type: 'counter', counterId: c.id, name: c.name, state: c.state, officer: c.officer });
        break;
      }
      case 'counterRemoved': {
        const was = before.counters.get(change.counterId);
        out.push({
          type: 'counter',
          counterId: change.counterId,
          name: was?.name ?? String(change.counterId),
          state: 'removed',
          officer: null,
        });
        break;
      }
      case 'serviceDate':
        out.push({ type: 'day', serviceDate: change.serviceDate });
        break;
      default:
        break;
    }
  }
  return out;
}

/** The state of a device as the dashboard shows it: a change of any of these is news. */
function deviceHealth(status: DeviceStatus) {
  return {
    state: status.state,
    printer: status.printer ?? null,
    fault: status.fault ?? null,
  };
}

/** Records the office's domain events into the outbox; every method runs inside the change's transaction. */
export class CentralRecorder {
  constructor(
    readonly outbox: Outbox,
    private readonly now: () => number,
  ) {}

  changes(changes: readonly Change[], before: QueueState): void {
    this.prepare(changes, before)();
  }

  /**
   * The events of changes decided now on `before`, to record later inside the
   * transaction that commits them (a group commit decides several commands,
   * each on the state the earlier ones changed, before its one transaction).
   */
  prepare(changes: readonly Change[], before: QueueState): () => void {
    const at = this.now();
    const events = eventsOfChanges(changes, before);
    return () => {
      for (const data of events) this.outbox.record(data, at);
    };
  }

  /**
   * Where the office stands (its day and every counter), recorded when the
   * link starts: the centre then knows counters that have not changed since.
   */
  snapshot(state: QueueState): void {
    const at = this.now();
    this.outbox.db.transaction(() => {
      this.outbox.record({ type: 'day', serviceDate: state.serviceDate }, at);
      for (const c of state.counters.values())
        this.outbox.record(
          { type: 'counter', counterId: c.id, name: c.name, state: c.state, officer: c.officer },
          at,
        );
    })();
  }

  rating(rating: StoredRating, serviceDate: string, correction: boolean): void {
    this.outbox.record(
      {
        type: 'rating',
        ticketId: rating.ticketId,
        serviceDate,
        counterId: rating.counterId,
        officer: rating.officer,
        level: rating.level,
        score: rating.score,
        correction,
      },
      rating.at,
    );
  }

  /** A device's status, when its health differs from the one stored before. */
  device(status: DeviceStatus, previous: DeviceStatus | null): void {
    const now = deviceHealth(status);
    if (previous) {
      const was = deviceHealth(previous);
      if (was.state === now.state && was.printer === now.printer && was.fault === now.fault) return;
    }
    this.outbox.record(
      {
        type: 'device',
        deviceId: status.deviceId,
        role: status.role,
        ...now,
        fault: now.fault?.slice(0, 200) ?? null,
      },
      this.now(),
    );
  }
}
