// Number leases: a kiosk holds a few numbers per series in advance so it can
// still print when the hub (or the link) is down, and syncs what it printed
// when the link returns. Pure like the rest of the domain: state in, decision
// out. The rules that keep every printed number honoured exactly once, and
// the day's numbering without holes:
// - leased numbers come from the top of the series' range, downward (Căn
//   cước 1001–1999: the first kiosk holding 5 gets 1999…1995, the next one
//   1994…), never a number leased today to anyone, used by a ticket today,
//   or already reached by the ascending sequence; the sequence itself does
//   not move, so online tickets run 1001, 1002, … without gaps and the block
//   at the top is used only while the hub cannot be reached;
// - the ascending sequence (nextNumber) steps over every number leased today,
//   used or not, and the range is used up when nothing else is left;
// - a synced ticket is accepted only with a number leased to that kiosk for
//   the current service date, once per (kiosk, requestId);
// - it joins the line where it was printed: right behind the last ticket
//   the hub had issued by then (its issue time on the kiosk, bounded by when
//   the number was leased and by the hub's clock, since a kiosk clock can be
//   off), after any leased ticket already placed there. That place is a
//   fraction between two whole places (Ticket.seq), fixed once given, so
//   a clock jump afterwards never moves it;
// - a kiosk's lease request says which unused numbers it still holds; every
//   other number leased to it that day and not synced is SPENT: never
//   leased, re-listed or issued again that day, though a ticket printed with
//   it is still accepted when it is synced. So a kiosk that lost its outbox
//   (a damaged state file) cannot print a number twice: what it printed and
//   lost is not in what it holds. An older kiosk that sends no list gets
//   every unused, unspent number leased to it, as before;
// - unused numbers expire with the day (applyChanges drops them on a new
//   service date).

import { waitingTicket } from './new-ticket.js';
import { formatDisplay, seriesFor } from './numbering.js';
import { refuse } from './refusals.js';
import { serviceDateOf } from './service-date.js';
import type { Change, Context, Decision, Lease, Numbering, QueueState, Refusal, Ticket } from './types.js';

/** Refusals only a kiosk's sync sees: English, for the device's log (like the protocol's other device codes). */
function deviceRefusal(code: string, message: string): Refusal {
  return { ok: false, code, message };
}

// ---------------------------------------------------------------- granting

export interface LeaseInput {
  deviceId: string;
  procedureIds: readonly string[];
  /** Each stands for all its active procedures. */
  fieldIds: readonly string[];
  /** Unused numbers the kiosk should hold per series after this grant. */
  count: number;
  /** When the lease ends (the next daily reset), passed in by the caller. */
  validUntil: number;
  /**
   * The unused numbers the kiosk says it holds (null: none). Undefined: an
   * older kiosk that does not say; nothing is spent then.
   */
  held?: { serviceDate: string; series: readonly { seriesKey: string; numbers: readonly number[] }[] } | null;
}

export interface LeasedSeries {
  seriesKey: string;
  prefix: string;
  /** Every unused number the kiosk holds in this series, oldest grant first, each grant downward. */
  numbers: number[];
}

export interface LeaseResult {
  serviceDate: string;
  validUntil: number;
  series: LeasedSeries[];
  procedures: {
    procedureId: string;
    fieldId: string;
    seriesKey: string;
    counters: { id: number; name: string }[];
  }[];
  /** Requested ids that are unknown or paused. */
  skipped: string[];
  /** Numbers newly leased by this grant. */
  granted: number;
  /** Numbers of the kiosk marked spent by this grant (no longer held by it). */
  spent: number;
}

/** The unused, unspent numbers of a series leased to a device, oldest grant first, each grant downward. */
export function heldNumbers(state: QueueState, seriesKey: string, deviceId: string): Lease[] {
  return [...(state.leases.get(seriesKey)?.values() ?? [])]
    .filter((l) => l.deviceId === deviceId && l.ticketId === null && l.spentAt === null)
    .sort((a, b) => a.leasedAt - b.leasedAt || b.number - a.number);
}

/**
 * The leases of a device that its list of held numbers no longer names (or
 * names for another service date, or in a series it no longer asks for):
 * spent from now on. `wantedSeries`: the series this grant answers for.
 */
function spentBy(
  state: QueueState,
  deviceId: string,
  held: NonNullable<LeaseInput['held']>,
  wantedSeries: ReadonlySet<string>,
): Lease[] {
  const kept = new Set<string>();
  if (held.serviceDate === state.serviceDate) {
    for (const s of held.series) {
      if (!wantedSeries.has(s.seriesKey)) continue;
      for (const n of s.numbers) kept.add(`${s.seriesKey}\u0000${n}`);
    }
  }
  const spent: Lease[] = [];
  for (const [seriesKey, series] of state.leases) {
    for (const l of series.values()) {
      if (l.deviceId !== deviceId || l.ticketId !== null || l.spentAt !== null) continue;
      if (!kept.has(`${seriesKey}\u0000${l.number}`)) spent.push(l);
    }
  }
  return spent;
}

/**
 * Up to `count` numbers a lease may take in a series, highest first: from the
 * end of the range down, above the number the ascending sequence counts up
 * from, and neither leased today (to anyone, used or not) nor the number of
 * any ticket of today in the series.
 */
function freeFromTop(state: QueueState, seriesKey: string, numbering: Numbering, count: number): number[] {
  const { start, end, wrap } = numbering;
  const last = state.sequences.get(seriesKey);
  // Where nextNumber counts up from: it restarts at `start` below the range,
  // and above it with wrap-around (without, the range is used up).
  const reached = last === undefined || last < start || (last > end && wrap) ? start - 1 : last;
  const taken = new Set<number>(state.leases.get(seriesKey)?.keys() ?? []);
  for (const t of state.tickets.values()) if (t.seriesKey === seriesKey) taken.add(t.number);
  const numbers: number[] = [];
  for (let n = end; n > reached && numbers.length < count; n--) if (!taken.has(n)) numbers.push(n);
  return numbers;
}

/**
 * Top the kiosk's unused numbers up to `count` per series of the procedures
 * it offers, taking them from the top of each range downward (the ascending
 * sequence is left alone). With `held`, the numbers the kiosk no longer
 * holds are spent first, and it keeps only what it listed. Answers with all
 * it now holds, so asking again with the answer changes nothing. A series
 * with no free number left gives what it has (possibly none).
 */
export function grantLease(state: QueueState, input: LeaseInput, ctx: Context): Decision<LeaseResult> {
  const { catalogue } = state;
  const skipped: string[] = [];
  const wanted = new Set<string>();
  for (const fieldId of input.fieldIds) {
    const field = catalogue.fields.find((f) => f.id === fieldId);
    if (!field?.active) {
      skipped.push(fieldId);
      continue;
    }
    for (const p of catalogue.procedures) if (p.fieldId === fieldId && p.active) wanted.add(p.id);
  }
  for (const procedureId of input.procedureIds) {
    const procedure = catalogue.procedures.find((p) => p.id === procedureId);
    const field = procedure && catalogue.fields.find((f) => f.id === procedure.fieldId);
    if (!procedure?.active || !field?.active) skipped.push(procedureId);
    else wanted.add(procedureId);
  }

  const changes: Change[] = [];
  const series = new Map<string, LeasedSeries>();
  const procedures: LeaseResult['procedures'] = [];
  let granted = 0;

  const wantedProcedures = catalogue.procedures.flatMap((procedure) => {
    if (!wanted.has(procedure.id)) return [];
    const found = seriesFor(state, procedure);
    return found ? [{ procedure, ...found }] : [];
  });
  // Spent before the draw below: a spent number is neither kept nor handed out again.
  const spent =
    input.held === undefined
      ? []
      : spentBy(
          state,
          input.deviceId,
          input.held ?? { serviceDate: '', series: [] },
          new Set(wantedProcedures.map((w) => w.seriesKey)),
        );
  const spentKeys = new Set(spent.map((l) => `${l.seriesKey}\u0000${l.number}`));
  for (const lease of spent) changes.push({ kind: 'lease', lease: { ...lease, spentAt: ctx.now } });

  for (const { procedure, seriesKey, numbering } of wantedProcedures) {
    procedures.push({
      procedureId: procedure.id,
      fieldId: procedure.fieldId,
      seriesKey,
      counters: [...state.counters.values()]
        .filter((c) => c.state !== 'closed' && c.serves.some((s) => s.procedureId === procedure.id))
        .map((c) => ({ id: c.id, name: c.name })),
    });
    // Procedures sharing a series draw from it once, so the state is all a draw needs to see.
    if (series.has(seriesKey)) continue;
    const numbers = heldNumbers(state, seriesKey, input.deviceId)
      .filter((l) => !spentKeys.has(`${seriesKey}\u0000${l.number}`))
      .map((l) => l.number);
    const fresh = freeFromTop(state, seriesKey, numbering, input.count - numbers.length);
    for (const number of fresh) {
      const lease: Lease = {
        serviceDate: state.serviceDate,
        seriesKey,
        number,
        display: formatDisplay(numbering, number),
        deviceId: input.deviceId,
        leasedAt: ctx.now,
        ticketId: null,
        spentAt: null,
      };
      changes.push({ kind: 'lease', lease });
      numbers.push(number);
      granted++;
    }
    series.set(seriesKey, { seriesKey, prefix: numbering.prefix, numbers });
  }

  return {
    ok: true,
    changes,
    result: {
      serviceDate: state.serviceDate,
      validUntil: input.validUntil,
      series: [...series.values()],
      procedures,
      skipped,
      granted,
      spent: spent.length,
    },
  };
}

// ---------------------------------------------------------------- syncing

export interface LeasedTicketInput {
  deviceId: string;
  ticketId: string;
  /** The press's id (also the issue-ticket request that timed out, if one was sent). */
  requestId: string;
  serviceDate: string;
  seriesKey: string;
  number: number;
  procedureId: string;
  priority: string | null;
  /** Kiosk clock. */
  issuedAt: number;
}

export interface SyncOutcome {
  /** `duplicate`: this very ticket was accepted before; nothing changes. */
  status: 'accepted' | 'duplicate';
  ticket: Ticket;
  /** A ticket the hub issued for the same press whose reply came too late: cancelled. */
  replaced: Ticket | null;
}

/**
 * Accept a ticket a kiosk printed from its lease. Idempotent per (kiosk,
 * requestId). If the hub had issued a ticket for the same press (the kiosk
 * gave up waiting and printed the leased number instead), that one was never
 * printed: it is cancelled so nobody waits for a ghost.
 */
export function acceptLeasedTicket(
  state: QueueState,
  input: LeasedTicketInput,
  ctx: Context,
): Decision<SyncOutcome> {
  const samePress = [...state.tickets.values()].filter(
    (t) => t.source?.deviceId === input.deviceId && t.source.requestId === input.requestId,
  );
  const already = samePress.find((t) => t.seriesKey === input.seriesKey && t.number === input.number);
  if (already)
    return { ok: true, changes: [], result: { status: 'duplicate', ticket: already, replaced: null } };

  if (input.serviceDate !== state.serviceDate) {
    return deviceRefusal(
      'lease_expired',
      `the lease of ${input.serviceDate} ended with that day (service date is ${state.serviceDate})`,
    );
  }
  const lease = state.leases.get(input.seriesKey)?.get(input.number);
  if (!lease || lease.deviceId !== input.deviceId || lease.serviceDate !== input.serviceDate) {
    return deviceRefusal(
      'not_leased',
      `number ${input.number} of ${input.seriesKey} is not leased to ${input.deviceId} for ${input.serviceDate}`,
    );
  }
  if (lease.ticketId !== null) {
    return deviceRefusal('number_used', `leased number ${lease.display} was already used by another ticket`);
  }
  if (state.tickets.has(input.ticketId)) {
    return deviceRefusal('ticket_id_taken', `ticket id ${input.ticketId} is already in use`);
  }
  const procedure = state.catalogue.procedures.find((p) => p.id === input.procedureId);
  // A paused procedure is still served: the ticket was printed in good faith.
  if (!procedure) return refuse('unknown_procedure', { procedureId: input.procedureId });
  const priority =
    input.priority !== null && state.catalogue.priorityCategories.some((c) => c.id === input.priority)
      ? input.priority
      : null;

  const at = Math.min(Math.max(input.issuedAt, lease.leasedAt), ctx.now);
  const ticket = waitingTicket({
    id: input.ticketId,
    serviceDate: state.serviceDate,
    seriesKey: lease.seriesKey,
    number: lease.number,
    display: lease.display,
    fieldId: procedure.fieldId,
    procedureId: procedure.id,
    priority,
    issuedAt: at,
    seq: leasedPlace(state, at),
    queuedAt: at,
    clockUntrusted: ctx.clockTrusted === false,
    source: { deviceId: input.deviceId, requestId: input.requestId },
  });
  const detail: Record<string, unknown> = { leased: true, kioskIssuedAt: input.issuedAt };
  if (priority) detail.priority = priority;
  if (input.priority !== null && priority === null) detail.unknownPriority = input.priority;
  const changes: Change[] = [
    { kind: 'ticket', ticket },
    { kind: 'lease', lease: { ...lease, ticketId: ticket.id } },
    {
      kind: 'event',
      event: { ticketId: ticket.id, type: 'issued', at: ctx.now, counterId: null, officer: null, detail },
    },
  ];
  const ghost = samePress.find((t) => t.status === 'waiting') ?? null;
  let replaced: Ticket | null = null;
  if (ghost) {
    replaced = { ...ghost, status: 'cancelled', finishedAt: ctx.now };
    changes.push(
      { kind: 'ticket', ticket: replaced },
      {
        kind: 'event',
        event: {
          ticketId: ghost.id,
          type: 'cancelled',
          at: ctx.now,
          counterId: null,
          officer: null,
          detail: { reason: 'replaced_by_leased_ticket', by: ticket.id },
        },
      },
    );
  }
  return { ok: true, changes, result: { status: 'accepted', ticket, replaced } };
}

/** Leased tickets that can join behind one whole place (more share the last slot, ordered by number). */
const LEASED_SLOTS = 1024;

/**
 * The place of a ticket printed from a lease at `at` (hub time): behind the
 * last ticket of the day with a whole place that joined at or before `at`
 * (before the first one if none did), after the leased tickets already
 * placed behind it. k/1024 fractions are exact in a double, so places compare
 * exactly and the next issued ticket (lastSeq + 1) still comes after.
 */
export function leasedPlace(state: QueueState, at: number): number {
  let anchor = Number.NEGATIVE_INFINITY;
  let first = Number.POSITIVE_INFINITY;
  for (const t of state.tickets.values()) {
    if (!Number.isInteger(t.seq)) continue;
    first = Math.min(first, t.seq);
    if (t.queuedAt <= at) anchor = Math.max(anchor, t.seq);
  }
  if (anchor === Number.NEGATIVE_INFINITY)
    anchor = first === Number.POSITIVE_INFINITY ? state.lastSeq : first - 1;
  let behind = 0;
  for (const t of state.tickets.values()) {
    if (!Number.isInteger(t.seq) && Math.floor(t.seq) === anchor) behind++;
  }
  return anchor + Math.min(behind + 1, LEASED_SLOTS - 1) / LEASED_SLOTS;
}

// ---------------------------------------------------------------- expiry

/**
 * The moment the service date after `now` begins (the next daily reset),
 * found by bisection on serviceDateOf so time zones and odd reset times need
 * no calendar arithmetic here. Exact to the millisecond.
 */
export function serviceDayEnd(now: number, timeZone: string, resetTime: string): number {
  const today = serviceDateOf(now, timeZone, resetTime);
  let lo = now;
  let hi = now + 49 * 3600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (serviceDateOf(mid, timeZone, resetTime) === today) lo = mid;
    else hi = mid;
  }
  return hi;
}
