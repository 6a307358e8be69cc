// Queue commands: state in, decision out. No clock, no random, no disk: the
// caller passes `ctx` and persists the returned changes before applying them.

import { counterStateText, ticketStatusText } from '../../shared/text/vi.js';
import { counterReady, findCounter, liveTicketAt } from './counters.js';
import { estimateWait, type WaitEstimate } from './estimate.js';
import { waitingTicket } from './new-ticket.js';
import { formatDisplay, nextNumber, seriesFor } from './numbering.js';
import { lineOrder, pickNext } from './ordering.js';
import { isRefusal, refuse } from './refusals.js';
import type {
  CallEvent,
  Change,
  Context,
  Counter,
  Decision,
  Procedure,
  QueueState,
  Refusal,
  Ticket,
  TicketEvent,
} from './types.js';

export { refuse };

function event(
  ticket: Ticket,
  type: TicketEvent['type'],
  at: number,
  counter: Counter | null,
  detail?: Record<string, unknown>,
): Change {
  const e: TicketEvent = {
    ticketId: ticket.id,
    type,
    at,
    counterId: counter?.id ?? null,
    officer: counter?.officer ?? null,
  };
  if (detail) e.detail = detail;
  return { kind: 'event', event: e };
}

// ---------------------------------------------------------------- issue

export interface IssueInput {
  procedureId: string;
  priority?: string | null;
  source?: { deviceId: string; requestId: string } | null;
}

export interface IssueResult {
  ticket: Ticket;
  estimate: WaitEstimate;
  /** Open or paused counters that serve the procedure, for the ticket. */
  counters: { id: number; name: string }[];
}

/** A procedure tickets can be taken for now: it and its field are switched on. */
function activeProcedure(state: QueueState, procedureId: string): Procedure | Refusal {
  const procedure = state.catalogue.procedures.find((p) => p.id === procedureId);
  if (!procedure) return refuse('unknown_procedure', { procedureId });
  const field = state.catalogue.fields.find((f) => f.id === procedure.fieldId);
  if (!procedure.active || !field?.active) return refuse('procedure_inactive', { name: procedure.name });
  return procedure;
}

export function issueTicket(state: QueueState, input: IssueInput, ctx: Context): Decision<IssueResult> {
  const procedure = activeProcedure(state, input.procedureId);
  if (isRefusal(procedure)) return procedure;
  const priority = input.priority ?? null;
  if (priority !== null && !state.catalogue.priorityCategories.some((c) => c.id === priority)) {
    return refuse('unknown_priority', { priority });
  }
  const series = seriesFor(state, procedure);
  if (!series) return refuse('unknown_procedure', { procedureId: input.procedureId });
  const number = nextNumber(state, series.seriesKey, series.numbering);
  if (number === null) {
    const { prefix, start, end } = series.numbering;
    return refuse('range_exhausted', { prefix, start, end });
  }
  const ticket = waitingTicket({
    id: ctx.newId(),
    serviceDate: state.serviceDate,
    seriesKey: series.seriesKey,
    number,
    display: formatDisplay(series.numbering, number),
    fieldId: procedure.fieldId,
    procedureId: procedure.id,
    priority,
    issuedAt: ctx.now,
    seq: state.lastSeq + 1,
    queuedAt: ctx.now,
    clockUntrusted: ctx.clockTrusted === false,
    source: input.source ?? null,
  });
  const counters = [...state.counters.values()]
    .filter((c) => c.state !== 'closed' && c.serves.some((s) => s.procedureId === procedure.id))
    .map((c) => ({ id: c.id, name: c.name }));
  return {
    ok: true,
    changes: [
      { kind: 'sequence', seriesKey: series.seriesKey, last: number },
      { kind: 'ticket', ticket },
      event(ticket, 'issued', ctx.now, null, priority ? { priority } : undefined),
    ],
    result: { ticket, estimate: estimateWait(state, ticket, ctx.now), counters },
  };
}

// ---------------------------------------------------------------- calls

export interface CallResult {
  ticket: Ticket;
  call: CallEvent;
}

function callChanges(
  counter: Counter,
  ticket: Ticket,
  ctx: Context,
  recall: boolean,
  fromQueue: boolean,
): Accepted {
  const called: Ticket = {
    ...ticket,
    status: 'called',
    counterId: counter.id,
    officer: counter.officer,
    assignedCounterId: recall ? ticket.assignedCounterId : null,
    firstCalledAt: ticket.firstCalledAt ?? ctx.now,
    calledAt: ctx.now,
    counterCalledAt: recall
      ? (ticket.counterCalledAt ?? ticket.calledAt ?? ctx.now)
      : counterFreeFor(counter, ticket, ctx.now),
    // A no-show ticket called again is live once more: its old end time goes.
    finishedAt: null,
    callCount: ticket.callCount + 1,
  };
  const call: CallEvent = {
    callId: ctx.newId(),
    ticketId: ticket.id,
    display: ticket.display,
    number: ticket.number,
    prefix: ticket.display.slice(0, ticket.display.length - String(ticket.number).length),
    counterId: counter.id,
    counterName: counter.name,
    recall,
    at: ctx.now,
  };
  // Only calls taken from the shared line count toward the priority cap.
  const consecutivePriority = !fromQueue
    ? counter.consecutivePriority
    : ticket.priority !== null
      ? counter.consecutivePriority + 1
      : 0;
  const changes: Change[] = [
    { kind: 'ticket', ticket: called },
    {
      kind: 'counter',
      counter: { ...counter, currentTicketId: ticket.id, consecutivePriority, freeSince: null },
    },
    event(ticket, recall ? 'recalled' : 'called', ctx.now, counter, { callId: call.callId }),
    { kind: 'call', call },
  ];
  return { ok: true, changes, result: { ticket: called, call } };
}

type Accepted = Decision<CallResult> & { ok: true };

/** A pause longer than this between two citizens is a break, not part of the next one's counter time. */
export const COUNTER_PAUSE_MAX_MS = 3 * 60_000;

/**
 * Since when the counter has been free for this ticket: since its previous
 * citizen left (or the ticket arrived, if later), when that was a short
 * pause ago; otherwise now. Its counter time runs from there.
 */
function counterFreeFor(counter: Counter, ticket: Ticket, now: number): number {
  if (counter.freeSince === null) return now;
  const since = Math.max(counter.freeSince, ticket.queuedAt);
  return since <= now && now - since <= COUNTER_PAUSE_MAX_MS ? since : now;
}

function counterReadyToCall(state: QueueState, counterId: number): Counter | Refusal {
  const counter = findCounter(state, counterId);
  if (isRefusal(counter)) return counter;
  if (counter.state !== 'open') {
    return refuse('counter_not_open', { counterName: counter.name, state: counterStateText[counter.state] });
  }
  // Nobody can be called to an empty desk (a store from before this rule may hold such a counter).
  if (!counterReady(counter)) {
    return refuse('counter_no_officer', { counterName: counter.name, state: counterStateText.open });
  }
  const live = liveTicketAt(state, counter);
  if (live) return refuse('counter_busy', { counterName: counter.name, display: live.display });
  return counter;
}

export function callNext(
  state: QueueState,
  input: { counterId: number },
  ctx: Context,
): Decision<CallResult> {
  const counter = counterReadyToCall(state, input.counterId);
  if (isRefusal(counter)) return counter;
  const ticket = pickNext(state, counter, ctx.now);
  if (!ticket) return refuse('queue_empty', { counterName: counter.name });
  return callChanges(counter, ticket, ctx, false, ticket.assignedCounterId !== counter.id);
}

/**
 * Call a given number. A waiting ticket may be called out of turn, and a
 * no-show ticket may be called again when the citizen comes back late.
 */
export function callNumber(
  state: QueueState,
  input: { counterId: number; display: string },
  ctx: Context,
): Decision<CallResult> {
  const counter = counterReadyToCall(state, input.counterId);
  if (isRefusal(counter)) return counter;
  const matches = [...state.tickets.values()].filter((t) => t.display === input.display);
  if (matches.length === 0) return refuse('unknown_ticket', { display: input.display });
  // With wrap-around a number can exist twice in a day: the live one wins.
  const ticket =
    matches.find((t) => t.status === 'waiting') ??
    matches.find((t) => t.status === 'no_show') ??
    matches[matches.length - 1]!;
  if (ticket.status !== 'waiting' && ticket.status !== 'no_show') {
    return refuse('ticket_not_callable', {
      display: ticket.display,
      status: ticketStatusText[ticket.status],
    });
  }
  return callChanges(counter, ticket, ctx, false, false);
}

/** The counter's current ticket, checked to be in one of the given states. */
function currentTicket(
  state: QueueState,
  counterId: number,
  wanted: Ticket['status'],
  refusal: 'ticket_not_called' | 'ticket_not_serving',
): { counter: Counter; ticket: Ticket } | Refusal {
  const counter = findCounter(state, counterId);
  if (isRefusal(counter)) return counter;
  const ticket = counter.currentTicketId ? state.tickets.get(counter.currentTicketId) : undefined;
  if (!ticket || ticket.counterId !== counter.id)
    return refuse('no_current_ticket', { counterName: counter.name });
  if (ticket.status !== wanted)
    return refuse(refusal, { display: ticket.display, counterName: counter.name });
  return { counter, ticket };
}

export function recall(state: QueueState, input: { counterId: number }, ctx: Context): Decision<CallResult> {
  const found = currentTicket(state, input.counterId, 'called', 'ticket_not_called');
  if (isRefusal(found)) return found;
  return callChanges(found.counter, found.ticket, ctx, true, false);
}

// ---------------------------------------------------------------- service

export function startService(
  state: QueueState,
  input: { counterId: number },
  ctx: Context,
): Decision<Ticket> {
  const found = currentTicket(state, input.counterId, 'called', 'ticket_not_called');
  if (isRefusal(found)) return found;
  const ticket: Ticket = {
    ...found.ticket,
    status: 'serving',
    serviceStartedAt: ctx.now,
    officer: found.counter.officer,
  };
  return {
    ok: true,
    changes: [{ kind: 'ticket', ticket }, event(ticket, 'started', ctx.now, found.counter)],
    result: ticket,
  };
}

/** The counter once its citizen has left: free for the next one from now. */
function freed(counter: Counter, now: number): Counter {
  return { ...counter, currentTicketId: null, freeSince: counter.officer !== null ? now : null };
}

/** The counter's time for a ticket: from its call there (walk-up, recalls and service included) to now. */
function counterTime(ticket: Ticket, now: number): number {
  const from = ticket.counterCalledAt ?? ticket.calledAt ?? ticket.serviceStartedAt ?? now;
  return Math.max(0, now - from);
}

/**
 * The citizen at the counter leaves it, served or absent: the ticket ends,
 * the counter is free for the next one, and the counter's time for the
 * ticket joins the samples of the wait estimate. A counter that waited for
 * nobody spent that time too: it is part of what each ticket ahead costs a
 * counter, so the estimate counts an absence like a service.
 */
function leaves(
  found: { counter: Counter; ticket: Ticket },
  status: 'done' | 'no_show',
  now: number,
  detail: Record<string, unknown>,
): Decision<Ticket> {
  const ticket: Ticket = { ...found.ticket, status, finishedAt: now };
  const counterMs = counterTime(found.ticket, now);
  return {
    ok: true,
    changes: [
      { kind: 'ticket', ticket },
      { kind: 'counter', counter: freed(found.counter, now) },
      { kind: 'serviceTime', procedureId: ticket.procedureId, ms: counterMs },
      event(ticket, status === 'done' ? 'finished' : 'no_show', now, found.counter, { ...detail, counterMs }),
    ],
    result: ticket,
  };
}

export function finishService(
  state: QueueState,
  input: { counterId: number },
  ctx: Context,
): Decision<Ticket> {
  const found = currentTicket(state, input.counterId, 'serving', 'ticket_not_serving');
  if (isRefusal(found)) return found;
  const serviceMs = Math.max(0, ctx.now - (found.ticket.serviceStartedAt ?? ctx.now));
  return leaves(found, 'done', ctx.now, { serviceMs });
}

export function markNoShow(state: QueueState, input: { counterId: number }, ctx: Context): Decision<Ticket> {
  const found = currentTicket(state, input.counterId, 'called', 'ticket_not_called');
  if (isRefusal(found)) return found;
  return leaves(found, 'no_show', ctx.now, {});
}

export interface TransferInput {
  counterId: number;
  toCounterId?: number | null;
  toProcedureId?: string | null;
}

/**
 * Send the counter's current ticket back to the line, for another counter
 * (pinned to it) or another procedure (any counter serving it). The ticket
 * keeps its number and its place in the line.
 */
export function transfer(state: QueueState, input: TransferInput, ctx: Context): Decision<Ticket> {
  const counter = findCounter(state, input.counterId);
  if (isRefusal(counter)) return counter;
  const current = counter.currentTicketId ? state.tickets.get(counter.currentTicketId) : undefined;
  if (
    !current ||
    (current.status !== 'called' && current.status !== 'serving') ||
    current.counterId !== counter.id
  ) {
    if (!current || current.counterId !== counter.id)
      return refuse('no_current_ticket', { counterName: counter.name });
    return refuse('ticket_not_at_counter', { display: current.display, counterName: counter.name });
  }
  const toCounterId = input.toCounterId ?? null;
  const toProcedureId = input.toProcedureId ?? null;
  if (toCounterId === null && toProcedureId === null) return refuse('transfer_nothing');
  let target: Counter | null = null;
  if (toCounterId !== null) {
    const found = findCounter(state, toCounterId);
    if (isRefusal(found)) return found;
    if (found.state === 'closed') return refuse('transfer_target_closed', { counterName: found.name });
    if (found.id === counter.id && toProcedureId === null) {
      return refuse('transfer_same_counter', { display: current.display, counterName: found.name });
    }
    target = found;
  }
  let procedureId = current.procedureId;
  let fieldId = current.fieldId;
  if (toProcedureId !== null) {
    const procedure = activeProcedure(state, toProcedureId);
    if (isRefusal(procedure)) return procedure;
    procedureId = procedure.id;
    fieldId = procedure.fieldId;
  }
  const ticket: Ticket = {
    ...current,
    status: 'waiting',
    procedureId,
    fieldId,
    assignedCounterId: target?.id ?? null,
    calledAt: null,
    counterCalledAt: null,
    serviceStartedAt: null,
    transferCount: current.transferCount + 1,
  };
  return {
    ok: true,
    changes: [
      { kind: 'ticket', ticket },
      { kind: 'counter', counter: freed(counter, ctx.now) },
      event(current, 'transferred', ctx.now, counter, {
        fromProcedureId: current.procedureId,
        toProcedureId: procedureId,
        toCounterId: target?.id ?? null,
      }),
    ],
    result: ticket,
  };
}

// ---------------------------------------------------------------- day

/**
 * The hub's clock was off by `byMs` while these tickets were issued and
 * handled (it was not trusted, and has just been set right by a person or
 * NTP): every time stamped on them, and on their events and calls, moves by
 * it, so their waits, the board and the reports come out right. Their
 * place in the line and their numbers do not change.
 */
export function shiftTimes(
  state: QueueState,
  input: { ticketIds: readonly string[]; byMs: number },
  _ctx: Context,
): Decision<{ shifted: number }> {
  const move = (v: number | null) => (v === null ? null : v + input.byMs);
  const changes: Change[] = [];
  const ids: string[] = [];
  for (const id of input.ticketIds) {
    const t = state.tickets.get(id);
    if (!t) continue;
    ids.push(id);
    changes.push({
      kind: 'ticket',
      ticket: {
        ...t,
        issuedAt: t.issuedAt + input.byMs,
        queuedAt: t.queuedAt + input.byMs,
        firstCalledAt: move(t.firstCalledAt),
        calledAt: move(t.calledAt),
        counterCalledAt: move(t.counterCalledAt),
        serviceStartedAt: move(t.serviceStartedAt),
        finishedAt: move(t.finishedAt),
      },
    });
  }
  if (ids.length === 0 || input.byMs === 0) return { ok: true, changes: [], result: { shifted: 0 } };
  changes.push({ kind: 'timesShifted', ticketIds: ids, byMs: input.byMs });
  return { ok: true, changes, result: { shifted: ids.length } };
}

export interface DailyResetInput {
  serviceDate: string;
  /**
   * Tickets to keep (the caller's rule: live ones issued a short while ago,
   * and at the end of an untrusted stretch those issued during it, whose day
   * was never known): they move to the new date with their number, place
   * and status, and their series count on from where they were.
   */
  carryOver?: ReadonlySet<string>;
}

export interface DailyResetResult {
  cancelled: number;
  carried: number;
}

const LIVE: ReadonlySet<Ticket['status']> = new Set(['waiting', 'called', 'serving']);

/**
 * Start a new service date: every ticket still waiting, called or being
 * served is cancelled (kept for the reports) unless it is carried over,
 * numbering starts again (except in series with a carried ticket, which
 * count on) and counters drop their current ticket unless it is carried.
 */
export function dailyReset(
  state: QueueState,
  input: DailyResetInput,
  ctx: Context,
): Decision<DailyResetResult> {
  if (input.serviceDate === state.serviceDate)
    return { ok: true, changes: [], result: { cancelled: 0, carried: 0 } };
  const keep = input.carryOver ?? new Set<string>();
  const changes: Change[] = [];
  const carried: Ticket[] = [];
  let cancelled = 0;
  for (const t of state.tickets.values()) {
    if (keep.has(t.id)) {
      carried.push(t);
      continue;
    }
    if (!LIVE.has(t.status)) continue;
    const ticket: Ticket = { ...t, status: 'cancelled', finishedAt: ctx.now };
    changes.push({ kind: 'ticket', ticket }, event(t, 'cancelled', ctx.now, null, { reason: 'daily_reset' }));
    cancelled++;
  }
  const kept = new Set(carried.map((t) => t.id));
  for (const c of state.counters.values()) {
    const holdsKept = c.currentTicketId !== null && kept.has(c.currentTicketId);
    if ((c.currentTicketId !== null && !holdsKept) || c.consecutivePriority !== 0) {
      changes.push({
        kind: 'counter',
        counter: { ...c, currentTicketId: holdsKept ? c.currentTicketId : null, consecutivePriority: 0 },
      });
    }
  }
  // The new date clears tickets, sequences and leases; what is carried comes back after it.
  changes.push({ kind: 'serviceDate', serviceDate: input.serviceDate });
  const counting = new Set<string>();
  for (const t of carried.sort(lineOrder)) {
    changes.push(
      { kind: 'ticket', ticket: { ...t, serviceDate: input.serviceDate, clockUntrusted: false } },
      event(t, 'carried_over', ctx.now, null, { from: state.serviceDate, to: input.serviceDate }),
    );
    const lease = state.leases.get(t.seriesKey)?.get(t.number);
    if (lease && lease.ticketId === t.id) {
      // Its number stays reserved from the sequence on the new date too.
      changes.push({ kind: 'lease', lease: { ...lease, serviceDate: input.serviceDate } });
    } else {
      counting.add(t.seriesKey);
    }
  }
  // Numbering counts on where a carried ticket came from the sequence: no number is given twice.
  for (const seriesKey of counting) {
    const last = state.sequences.get(seriesKey);
    if (last !== undefined) changes.push({ kind: 'sequence', seriesKey, last });
  }
  return { ok: true, changes, result: { cancelled, carried: carried.length } };
}
