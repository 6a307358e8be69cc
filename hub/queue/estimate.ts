// How long a waiting ticket will wait, and how sure that is.
//
// The model replays the line forward with the office's own rules: every
// ready counter (open, with an officer at it) frees up when its current
// citizen is expected to leave, then takes the ticket "call next" would
// give it (hub/queue/ordering.ts: transfers, priority with its cap, waiting
// time and weights), and stays busy for that procedure's counter time; the
// wait is when some counter takes this ticket. A counter's time per ticket
// is measured from the call to the end (the citizen's walk to the desk,
// recalls and the service; a no-show costs the time the officer waited), so
// absent citizens and walk-up are in it. Only counters that share work with
// this ticket's counters are replayed. Paused counters, counters nobody
// staffs and citizens not yet arrived are left out: the estimate says what
// the line holds now, and its range widens with what is uncertain.
//
// The simulator (simulate/, `npm run simulate`) measures how far this lands
// from the real wait over a whole day; the figures are in the README.

import { counterReady, liveTicketAt } from './counters.js';
import { firstIssuedAt, priorityTickets, waitingTickets } from './day-tickets.js';
import { pickNext, servesTicket } from './ordering.js';
import type { Counter, QueueState, Ticket } from './types.js';

export interface WaitEstimate {
  /** Tickets this ticket's counters are expected to call before it. */
  ahead: number;
  /** Ready counters (open, with an officer) that can call it. */
  openCounters: number;
  /** A counter's time per ticket of its procedure (call to end), on average. */
  serviceSeconds: number;
  /** null when no ready counter can call it. */
  waitSeconds: number | null;
  /** The likely range around `waitSeconds` (null with it). */
  lowSeconds: number | null;
  highSeconds: number | null;
}

/** Recent samples count this much against the default until there are enough. */
const PRIOR_WEIGHT = 2;
/** Spread of counter times assumed while a procedure has too few samples. */
const DEFAULT_CV = 0.6;
/** A citizen already at the desk longer than usual still needs this share of a usual service. */
const OVERRUN_SHARE = 0.25;
/** Model error on top of the spread of service times: a share of the wait, and a floor. */
const MODEL_SHARE = 0.12;
const MODEL_FLOOR_SECONDS = 60;
/** Priority citizens still to come are counted from this recent stretch of the day. */
const PRIORITY_WINDOW_MS = 60 * 60_000;
const PRIORITY_WINDOW_MIN_MS = 15 * 60_000;
/** At most this share of the counters' time goes to priority citizens who arrive later. */
const PRIORITY_SHARE_MAX = 0.5;
/** How far the range reaches below and above the estimate, in standard deviations. */
const RANGE_BELOW = 1;
const RANGE_ABOVE = 1.3;

export interface CounterTime {
  /** Seconds a counter spends per ticket of the procedure, on average. */
  mean: number;
  /** Their variance (seconds²). */
  variance: number;
}

/**
 * A counter's time per ticket of a procedure, from the recent samples (call
 * to end, served or absent). A few samples are blended with the default, so
 * one quick service does not promise everyone a short wait.
 */
export function counterTime(state: QueueState, procedureId: string): CounterTime {
  const samples = (state.recentServiceMs.get(procedureId) ?? []).map((ms) => ms / 1000);
  const fallback = state.settings.defaultServiceSeconds;
  const n = samples.length;
  const sum = samples.reduce((a, b) => a + b, 0);
  const mean = (sum + PRIOR_WEIGHT * fallback) / (n + PRIOR_WEIGHT);
  const priorVariance = (DEFAULT_CV * mean) ** 2;
  if (n < 2) return { mean, variance: priorVariance };
  const sampleMean = sum / n;
  const sampleVariance = samples.reduce((a, b) => a + (b - sampleMean) ** 2, 0) / (n - 1);
  const variance = (sampleVariance * (n - 1) + priorVariance * PRIOR_WEIGHT) / (n - 1 + PRIOR_WEIGHT);
  return { mean, variance };
}

/** The average counter time of a procedure in seconds (what `serviceSeconds` shows). */
export function averageServiceSeconds(state: QueueState, procedureId: string): number {
  return counterTime(state, procedureId).mean;
}

/**
 * The ready counters that share work with this ticket: those that can call
 * it, then every ready counter serving a procedure one of them serves, and
 * so on. Tickets outside their procedures cannot change when it is called.
 */
function sharingCounters(state: QueueState, ticket: Ticket): { own: Counter[]; all: Counter[] } {
  const ready = [...state.counters.values()].filter(counterReady);
  const own = ready.filter((c) => servesTicket(c, ticket));
  const procedures = new Set<string>([ticket.procedureId]);
  const all = new Set<Counter>(own);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of all) for (const s of c.serves) procedures.add(s.procedureId);
    for (const c of ready) {
      if (!all.has(c) && c.serves.some((s) => procedures.has(s.procedureId))) {
        all.add(c);
        grew = true;
      }
    }
  }
  return { own, all: [...all] };
}

interface Desk {
  counter: Counter;
  /** When it is expected to call next (ms on the hub's clock). */
  freeAt: number;
  own: boolean;
}

/**
 * Estimated wait of a waiting ticket (one about to be issued too), now.
 * Deterministic: the same state and time give the same answer.
 */
export function estimateWait(state: QueueState, ticket: Ticket, now: number): WaitEstimate {
  const times = new Map<string, CounterTime>();
  const timeOf = (procedureId: string) => {
    let t = times.get(procedureId);
    if (!t) {
      t = counterTime(state, procedureId);
      times.set(procedureId, t);
    }
    return t;
  };
  const serviceSeconds = timeOf(ticket.procedureId).mean;
  const { own, all } = sharingCounters(state, ticket);
  const none = { openCounters: 0, serviceSeconds, waitSeconds: null, lowSeconds: null, highSeconds: null };
  if (own.length === 0) return { ahead: 0, ...none };

  const ids = new Set(all.map((c) => c.id));
  const procedures = new Set(all.flatMap((c) => c.serves.map((s) => s.procedureId)));
  const waiting = new Map<string, Ticket>();
  for (const t of waitingTickets(state.tickets)) {
    if (t.assignedCounterId !== null ? ids.has(t.assignedCounterId) : procedures.has(t.procedureId)) {
      waiting.set(t.id, t);
    }
  }
  waiting.set(ticket.id, ticket);
  const line: QueueState = { ...state, tickets: waiting };

  // Each desk is free when its citizen is expected to leave; one far over
  // the usual time still needs a part of it.
  let variance = 0;
  const desks: Desk[] = all.map((counter) => {
    const isOwn = own.includes(counter);
    const live = liveTicketAt(state, counter);
    if (!live) return { counter, freeAt: now, own: isOwn };
    const { mean, variance: v } = timeOf(live.procedureId);
    const since = live.counterCalledAt ?? live.calledAt ?? now;
    const elapsed = Math.max(0, (now - since) / 1000);
    const remaining = Math.max(mean - elapsed, OVERRUN_SHARE * mean);
    if (isOwn) variance += v * (remaining / mean) ** 2;
    return { counter, freeAt: now + remaining * 1000, own: isOwn };
  });

  let ahead = 0;
  let calledAt: number | null = null;
  const active = [...desks];
  // Each step calls one ticket or retires one desk: bounded by their sum.
  for (let steps = waiting.size + desks.length; steps > 0 && active.length > 0; steps--) {
    let k = 0;
    for (let i = 1; i < active.length; i++) {
      const a = active[i]!;
      const b = active[k]!;
      if (a.freeAt < b.freeAt || (a.freeAt === b.freeAt && a.counter.id < b.counter.id)) k = i;
    }
    const desk = active[k]!;
    const next = pickNext(line, desk.counter, desk.freeAt);
    if (!next) {
      active.splice(k, 1); // nothing left that this desk serves
      continue;
    }
    if (next.id === ticket.id) {
      calledAt = desk.freeAt;
      break;
    }
    waiting.delete(next.id);
    // The priority cap counts as at a real call (commands.ts callChanges).
    const fromLine = next.assignedCounterId !== desk.counter.id;
    const consecutivePriority = !fromLine
      ? desk.counter.consecutivePriority
      : next.priority !== null
        ? desk.counter.consecutivePriority + 1
        : 0;
    desk.counter = { ...desk.counter, consecutivePriority };
    const t = timeOf(next.procedureId);
    desk.freeAt += t.mean * 1000;
    if (desk.own) {
      ahead++;
      variance += t.variance;
    }
  }
  if (calledAt === null) return { ahead, ...none, openCounters: own.length };

  let waitSeconds = Math.max(0, (calledAt - now) / 1000);
  if (ticket.priority === null) {
    // Priority citizens who arrive while this one waits go before it: at
    // the rate they came lately, they take that share of its counters' time.
    const share = Math.min(PRIORITY_SHARE_MAX, priorityLoad(state, own, now, timeOf));
    waitSeconds /= 1 - share;
  }
  waitSeconds = Math.round(waitSeconds);
  // Service times of the tickets ahead, shared among the ticket's counters,
  // plus what the model cannot see (breaks, late priority arrivals).
  const spread = Math.sqrt(variance) / own.length;
  const sd = Math.sqrt(spread ** 2 + (MODEL_SHARE * waitSeconds) ** 2 + MODEL_FLOOR_SECONDS ** 2);
  return {
    ahead,
    openCounters: own.length,
    serviceSeconds,
    waitSeconds,
    lowSeconds: Math.max(0, Math.round(waitSeconds - RANGE_BELOW * sd)),
    highSeconds: Math.round(waitSeconds + RANGE_ABOVE * sd),
  };
}

/**
 * The share of these counters' time that priority citizens took lately:
 * those issued in the last hour (or since the day's first ticket, if later)
 * for the procedures the counters serve, times their counter time, over the
 * counters' time in that stretch.
 */
function priorityLoad(
  state: QueueState,
  own: readonly Counter[],
  now: number,
  timeOf: (procedureId: string) => CounterTime,
): number {
  const served = new Set(own.flatMap((c) => c.serves.map((s) => s.procedureId)));
  const first = Math.min(now, firstIssuedAt(state.tickets));
  let work = 0;
  for (const t of priorityTickets(state.tickets)) {
    if (t.issuedAt < now - PRIORITY_WINDOW_MS || t.issuedAt > now) continue;
    if (served.has(t.procedureId)) work += timeOf(t.procedureId).mean;
  }
  const windowMs = Math.max(PRIORITY_WINDOW_MIN_MS, Math.min(PRIORITY_WINDOW_MS, now - first));
  return work / ((windowMs / 1000) * own.length);
}

/** A range of whole minutes, as printed and shown: "khoảng 15–20 phút"; `from` 0 is "under `to`". */
export interface WaitRange {
  fromMinutes: number;
  toMinutes: number;
}

/**
 * The range a person reads: its ends rounded to a step that grows with the
 * wait (5 minutes, 10 over an hour, 30 over two), so the figures never claim
 * more precision than the estimate has. Null when the ticket is
 * next or nearly so ("sắp đến lượt"), or when there is no estimate.
 */
export function waitRange(estimate: Pick<WaitEstimate, 'lowSeconds' | 'highSeconds'>): WaitRange | null {
  const { lowSeconds, highSeconds } = estimate;
  if (lowSeconds === null || highSeconds === null || highSeconds < 90) return null;
  const high = highSeconds / 60;
  const step = high > 120 ? 30 : high > 60 ? 10 : 5;
  let fromMinutes = Math.round(lowSeconds / 60 / step) * step;
  const toMinutes = Math.max(step, Math.round(high / step) * step);
  if (fromMinutes >= toMinutes) fromMinutes = toMinutes - step;
  return { fromMinutes, toMinutes };
}
