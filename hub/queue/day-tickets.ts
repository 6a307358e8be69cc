// The day's tickets (QueueState.tickets) with the few sets the queue reads
// kept up to date as tickets are set: the waiting ones, the priority ones,
// the numbers still live in each series, and the day's first issue time. The
// wait estimate, "call next" and the next number then read the waiting line,
// not every ticket of the day (which grows to hundreds by the afternoon and
// was read several times per ticket issued). A plain Map still works
// everywhere: the helpers below walk it instead.

import type { Ticket } from './types.js';

/** Waiting, called or being served: a ticket whose number no other live ticket may share. */
export function isLive(ticket: Ticket): boolean {
  return ticket.status === 'waiting' || ticket.status === 'called' || ticket.status === 'serving';
}

export class DayTickets extends Map<string, Ticket> {
  /** Waiting tickets by id. */
  readonly waiting = new Map<string, Ticket>();
  /** Tickets with a priority category by id, whatever their status. */
  readonly priority = new Map<string, Ticket>();
  /** Per series, the numbers live tickets hold, each with how many hold it. */
  readonly #live = new Map<string, Map<number, number>>();
  #firstIssuedAt = Number.POSITIVE_INFINITY;
  /** A ticket that held the first issue time changed or left: work it out again when asked. */
  #firstStale = false;

  constructor(entries?: Iterable<readonly [string, Ticket]>) {
    // Map's constructor would call set() before the fields above exist.
    super();
    for (const [id, ticket] of entries ?? []) this.set(id, ticket);
  }

  override set(id: string, ticket: Ticket): this {
    const before = this.get(id);
    if (before) this.#count(before, -1);
    this.#count(ticket, 1);
    super.set(id, ticket);
    if (before && before.issuedAt === this.#firstIssuedAt && ticket.issuedAt !== before.issuedAt)
      this.#firstStale = true;
    else if (ticket.issuedAt < this.#firstIssuedAt) this.#firstIssuedAt = ticket.issuedAt;
    if (ticket.status === 'waiting') this.waiting.set(id, ticket);
    else this.waiting.delete(id);
    if (ticket.priority !== null) this.priority.set(id, ticket);
    else this.priority.delete(id);
    return this;
  }

  override delete(id: string): boolean {
    const before = this.get(id);
    if (before?.issuedAt === this.#firstIssuedAt) this.#firstStale = true;
    if (before) this.#count(before, -1);
    this.waiting.delete(id);
    this.priority.delete(id);
    return super.delete(id);
  }

  override clear(): void {
    super.clear();
    this.waiting.clear();
    this.priority.clear();
    this.#live.clear();
    this.#firstIssuedAt = Number.POSITIVE_INFINITY;
    this.#firstStale = false;
  }

  /** The numbers of a series that live tickets hold. */
  liveNumbers(seriesKey: string): { has(n: number): boolean } {
    return this.#live.get(seriesKey) ?? NONE;
  }

  #count(ticket: Ticket, by: 1 | -1): void {
    if (!isLive(ticket)) return;
    let numbers = this.#live.get(ticket.seriesKey);
    if (!numbers) {
      numbers = new Map();
      this.#live.set(ticket.seriesKey, numbers);
    }
    const n = (numbers.get(ticket.number) ?? 0) + by;
    if (n > 0) numbers.set(ticket.number, n);
    else numbers.delete(ticket.number);
  }

  /** The earliest issue time of the day's tickets (Infinity with none). */
  get firstIssuedAt(): number {
    if (this.#firstStale) {
      this.#firstStale = false;
      this.#firstIssuedAt = Number.POSITIVE_INFINITY;
      for (const t of this.values()) this.#firstIssuedAt = Math.min(this.#firstIssuedAt, t.issuedAt);
    }
    return this.#firstIssuedAt;
  }
}

const NONE: ReadonlySet<number> = new Set();

function* where(tickets: ReadonlyMap<string, Ticket>, keep: (t: Ticket) => boolean): Iterable<Ticket> {
  for (const t of tickets.values()) if (keep(t)) yield t;
}

/** The waiting tickets of the day. */
export function waitingTickets(tickets: ReadonlyMap<string, Ticket>): Iterable<Ticket> {
  return tickets instanceof DayTickets
    ? tickets.waiting.values()
    : where(tickets, (t) => t.status === 'waiting');
}

/** The day's tickets with a priority category. */
export function priorityTickets(tickets: ReadonlyMap<string, Ticket>): Iterable<Ticket> {
  return tickets instanceof DayTickets
    ? tickets.priority.values()
    : where(tickets, (t) => t.priority !== null);
}

/** The numbers of a series that live tickets (waiting, called, being served) hold. */
export function liveNumbers(
  tickets: ReadonlyMap<string, Ticket>,
  seriesKey: string,
): { has(n: number): boolean } {
  if (tickets instanceof DayTickets) return tickets.liveNumbers(seriesKey);
  const numbers = new Set<number>();
  for (const t of tickets.values()) if (t.seriesKey === seriesKey && isLive(t)) numbers.add(t.number);
  return numbers;
}

/** The earliest issue time of the day's tickets (Infinity with none). */
export function firstIssuedAt(tickets: ReadonlyMap<string, Ticket>): number {
  if (tickets instanceof DayTickets) return tickets.firstIssuedAt;
  let first = Number.POSITIVE_INFINITY;
  for (const t of tickets.values()) first = Math.min(first, t.issuedAt);
  return first;
}
