// Counters and the officers at them. A counter serves citizens only when it is
// open and an officer sits at it ("ready"): nobody can be called to an empty
// desk, and the wait estimate counts only ready counters. An officer sits at
// one counter at a time: taking another moves them there (the first one
// closes behind them). Pure like commands.ts: state in, decision out.

import { counterStateText } from '../../shared/text/vi.js';
import { isRefusal, refuse } from './refusals.js';
import type {
  Change,
  Context,
  Counter,
  CounterState,
  Decision,
  QueueState,
  Refusal,
  Ticket,
} from './types.js';

/** Can this counter call citizens now: open, with an officer at it. */
export function counterReady(counter: Counter): boolean {
  return counter.state === 'open' && counter.officer !== null;
}

/** The ticket called to or being served at this counter, if any. */
export function liveTicketAt(state: QueueState, counter: Counter): Ticket | undefined {
  if (counter.currentTicketId === null) return undefined;
  const ticket = state.tickets.get(counter.currentTicketId);
  return ticket && (ticket.status === 'called' || ticket.status === 'serving') ? ticket : undefined;
}

export function findCounter(state: QueueState, counterId: number): Counter | Refusal {
  return state.counters.get(counterId) ?? refuse('unknown_counter', { counterId });
}

/**
 * A counter closes: its officer leaves it, and tickets transferred to it
 * (they would wait for it all day) go back to the shared line of their
 * procedure, keeping their place. The caller has checked it holds no live ticket.
 */
function closing(state: QueueState, counter: Counter): { counter: Counter; changes: Change[] } {
  const closed: Counter = {
    ...counter,
    state: 'closed',
    officer: null,
    currentTicketId: null,
    freeSince: null,
  };
  const changes: Change[] = [{ kind: 'counter', counter: closed }];
  for (const t of state.tickets.values()) {
    if (t.status === 'waiting' && t.assignedCounterId === counter.id) {
      changes.push({ kind: 'ticket', ticket: { ...t, assignedCounterId: null } });
    }
  }
  return { counter: closed, changes };
}

/** Close a counter, refused while a citizen is called or served there. */
function close(state: QueueState, counter: Counter): Decision<Counter> {
  const live = liveTicketAt(state, counter);
  if (live) return refuse('counter_busy', { counterName: counter.name, display: live.display });
  if (counter.state === 'closed' && counter.officer === null)
    return { ok: true, changes: [], result: counter };
  const { counter: closed, changes } = closing(state, counter);
  return { ok: true, changes, result: closed };
}

/**
 * Open, pause or close a counter. Open and paused need an officer at it
 * (an officer opens a counter by taking it); closing sends the officer away
 * and is refused while a citizen is called or served there.
 */
export function setCounterState(
  state: QueueState,
  input: { counterId: number; state: CounterState },
  ctx: Context,
): Decision<Counter> {
  const counter = findCounter(state, input.counterId);
  if (isRefusal(counter)) return counter;
  if (input.state === 'closed') return close(state, counter);
  if (counter.officer === null) {
    return refuse('counter_no_officer', { counterName: counter.name, state: counterStateText[input.state] });
  }
  if (counter.state === input.state) return { ok: true, changes: [], result: counter };
  // A pause is not time spent on the next citizen; reopening starts the clock again.
  const free = input.state === 'open' && !liveTicketAt(state, counter) ? ctx.now : null;
  const updated: Counter = { ...counter, state: input.state, freeSince: free };
  return { ok: true, changes: [{ kind: 'counter', counter: updated }], result: updated };
}

export interface TakeResult {
  counter: Counter;
  /** Counters this officer sat at before and left by taking this one (closed now). */
  movedFrom: number[];
  /** The officer who sat here before, if another one. */
  replaced: string | null;
}

/**
 * An officer takes a counter. A closed counter opens (a paused one stays
 * paused); an officer already at another counter moves: that counter closes
 * behind them, which is refused while they have a citizen called or served
 * there. Another officer sitting here is replaced (a colleague takes over
 * the desk, and the citizen at it if any).
 */
export function takeCounter(
  state: QueueState,
  input: { counterId: number; officer: string },
  ctx: Context,
): Decision<TakeResult> {
  const counter = findCounter(state, input.counterId);
  if (isRefusal(counter)) return counter;
  const elsewhere = [...state.counters.values()].filter(
    (c) => c.id !== counter.id && c.officer === input.officer,
  );
  for (const c of elsewhere) {
    const live = liveTicketAt(state, c);
    if (live) return refuse('officer_busy_elsewhere', { display: live.display, counterName: c.name });
  }
  const changes: Change[] = [];
  for (const c of elsewhere) changes.push(...closing(state, c).changes);
  const arrives = counter.officer !== input.officer || counter.state === 'closed';
  const updated: Counter = {
    ...counter,
    officer: input.officer,
    state: counter.state === 'closed' ? 'open' : counter.state,
    // The officer who sits down is free for the next citizen from now on.
    freeSince: arrives ? (liveTicketAt(state, counter) ? null : ctx.now) : counter.freeSince,
  };
  if (arrives) {
    changes.push({ kind: 'counter', counter: updated });
  }
  const replaced = counter.officer !== null && counter.officer !== input.officer ? counter.officer : null;
  return {
    ok: true,
    changes,
    result: { counter: updated, movedFrom: elsewhere.map((c) => c.id), replaced },
  };
}

/**
 * The officer leaves the counter, which closes: nobody is there to serve.
 * Refused while a citizen is called or served there, and for a counter
 * another officer holds (an administrator closes such a counter instead).
 */
export function leaveCounter(
  state: QueueState,
  input: { counterId: number; officer: string },
  _ctx: Context,
): Decision<Counter> {
  const counter = findCounter(state, input.counterId);
  if (isRefusal(counter)) return counter;
  if (counter.officer === null) return { ok: true, changes: [], result: counter };
  if (counter.officer !== input.officer) {
    return refuse('counter_not_yours', { counterName: counter.name, officer: counter.officer });
  }
  return close(state, counter);
}
