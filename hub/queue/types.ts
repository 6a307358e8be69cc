// The queue domain's data. Everything here is plain data so that the domain
// stays pure: a command reads a QueueState and returns a Decision (the changes
// to make, or a refusal); the hub persists the changes and only then applies
// them to its in-memory state.

/** A block of numbers a series hands out: prefix + number, e.g. "A" 1001..1999. */
export interface Numbering {
  prefix: string;
  start: number;
  end: number;
  /** After `end`, start again at `start` (skipping numbers still in use today). */
  wrap: boolean;
}

export interface Field {
  id: string;
  name: string;
  /** Series shared by every procedure of the field unless a procedure has its own. */
  numbering: Numbering;
  position: number;
  active: boolean;
}

export interface Procedure {
  id: string;
  fieldId: string;
  name: string;
  /** Own series; when absent the procedure draws from its field's series. */
  numbering?: Numbering;
  position: number;
  active: boolean;
}

export interface PriorityCategory {
  id: string;
  name: string;
}

export interface Catalogue {
  fields: Field[];
  procedures: Procedure[];
  priorityCategories: PriorityCategory[];
}

export type CounterState = 'open' | 'paused' | 'closed';

export interface CounterService {
  procedureId: string;
  /** >1 makes a counter prefer this procedure: waiting time is multiplied by it. */
  weight: number;
}

export interface Counter {
  id: number;
  name: string;
  state: CounterState;
  officer: string | null;
  serves: CounterService[];
  /** Ticket called to or being served at this counter, if any. */
  currentTicketId: string | null;
  /** Priority tickets called in a row; reset by a normal call (fairness cap). */
  consecutivePriority: number;
  /**
   * Since when it has been free with an officer at it (its citizen left, or
   * the officer sat down); null while a citizen is called or served there,
   * and while nobody sits there. The next call counts the short pause since
   * then into that ticket's counter time (papers between two citizens).
   */
  freeSince: number | null;
}

export type TicketStatus = 'waiting' | 'called' | 'serving' | 'done' | 'no_show' | 'cancelled';

export interface Ticket {
  id: string;
  serviceDate: string;
  seriesKey: string;
  number: number;
  /** What is printed and announced: prefix + number. */
  display: string;
  fieldId: string;
  procedureId: string;
  /** Priority category id, or null for a normal ticket. */
  priority: string | null;
  status: TicketStatus;
  /** A transfer to a counter pins the ticket to it. */
  assignedCounterId: number | null;
  /** Counter currently calling/serving it, or the one that last did. */
  counterId: number | null;
  officer: string | null;
  issuedAt: number;
  /**
   * Place in the line: a number that only grows, given by the hub as the
   * ticket joins (whole for tickets the hub issues, a fraction between two
   * of them for one printed from a lease that joins later). The line is
   * ordered by it, never by a clock; kept across transfers and a carry-over.
   */
  seq: number;
  /** When its wait started (the issue time, on the hub's clock); kept across transfers. Only weighs waits. */
  queuedAt: number;
  /**
   * Issued while the hub's clock was not trusted: its times and service date
   * may be off. When the clock becomes trusted its times move by the step
   * (same boot), and the reset that comes with it keeps the ticket (new
   * date, same number) and clears this mark.
   */
  clockUntrusted: boolean;
  firstCalledAt: number | null;
  calledAt: number | null;
  /**
   * When the counter now calling or serving it first called it on this
   * visit (a recall keeps it, a transfer clears it): the counter's time for
   * the ticket runs from here, the citizen's walk to the desk included.
   */
  counterCalledAt: number | null;
  serviceStartedAt: number | null;
  finishedAt: number | null;
  callCount: number;
  transferCount: number;
  source: { deviceId: string; requestId: string } | null;
}

export interface QueueSettings {
  /** Priority tickets called in a row at one counter before a normal one gets its turn. */
  priorityCap: number;
  /** Used for the estimate until enough real service times exist. */
  defaultServiceSeconds: number;
  /** How many recent service durations per procedure the estimate averages. */
  recentServiceSamples: number;
}

export interface QueueState {
  serviceDate: string;
  settings: QueueSettings;
  catalogue: Catalogue;
  counters: Map<number, Counter>;
  /** Tickets of the current service date. */
  tickets: Map<string, Ticket>;
  /** Last number handed out per series key for the current service date. */
  sequences: Map<string, number>;
  /** Recent service durations in ms per procedure, oldest first. */
  recentServiceMs: Map<string, number[]>;
  /** Numbers leased to kiosks in advance for the current service date, per series key and number. */
  leases: Map<string, Map<number, Lease>>;
  /** Highest whole place in the line (`Ticket.seq`) ever given, over all days: the next ticket gets one more. */
  lastSeq: number;
}

/**
 * A number a kiosk holds in advance, to print from when the hub does not
 * answer; the series' sequence has moved past it, so nobody else gets it.
 */
export interface Lease {
  serviceDate: string;
  seriesKey: string;
  number: number;
  display: string;
  deviceId: string;
  leasedAt: number;
  /** The ticket printed with it, once the kiosk has synced it; null while unused. */
  ticketId: string | null;
  /**
   * When the kiosk's lease request no longer listed it among the numbers it
   * holds (it printed it, or lost it with its state file): from then on it is
   * never leased or handed out again that day, but a ticket printed with it
   * may still be synced. Null while the kiosk holds it.
   */
  spentAt: number | null;
}

export type TicketEventType =
  | 'issued'
  | 'called'
  | 'recalled'
  | 'started'
  | 'finished'
  | 'no_show'
  | 'transferred'
  | 'cancelled'
  /** Kept by a daily reset: moved to the new service date with its number and place. */
  | 'carried_over';

export interface TicketEvent {
  ticketId: string;
  type: TicketEventType;
  at: number;
  counterId: number | null;
  officer: string | null;
  detail?: Record<string, unknown>;
}

/** A call to announce: every call and recall gets its own id. */
export interface CallEvent {
  callId: string;
  ticketId: string;
  display: string;
  number: number;
  prefix: string;
  counterId: number;
  counterName: string;
  recall: boolean;
  at: number;
}

export type Change =
  | { kind: 'ticket'; ticket: Ticket }
  | { kind: 'counter'; counter: Counter }
  | { kind: 'sequence'; seriesKey: string; last: number }
  /** A number leased to a kiosk, or its lease marked used by a synced ticket. */
  | { kind: 'lease'; lease: Lease }
  | { kind: 'serviceTime'; procedureId: string; ms: number }
  | { kind: 'event'; event: TicketEvent }
  | { kind: 'call'; call: CallEvent }
  | { kind: 'serviceDate'; serviceDate: string }
  /** An administrator's edit: the whole new catalogue (fields, procedures, priority categories). */
  | { kind: 'catalogue'; catalogue: Catalogue }
  /** An administrator's edit of the queue settings (e.g. the priority cap). */
  | { kind: 'settings'; settings: QueueSettings }
  /** A closed counter with no live ticket, removed by an administrator. */
  | { kind: 'counterRemoved'; counterId: number }
  /**
   * The times of these tickets' events and calls move by `byMs` (the ticket
   * rows themselves come as 'ticket' changes): they were stamped by a clock
   * that turned out to be off by that much.
   */
  | { kind: 'timesShifted'; ticketIds: string[]; byMs: number };

export interface Refusal {
  ok: false;
  code: string;
  message: string;
}

export interface Accepted<R> {
  ok: true;
  changes: Change[];
  result: R;
}

export type Decision<R> = Accepted<R> | Refusal;

/** What a command needs from the outside world, passed in to keep it pure. */
export interface Context {
  /** The hub's trusted clock (hub/clock): what every stamp and duration uses. */
  now: number;
  newId: () => string;
  /** False while the hub's clock is not trusted (no sync, no RTC, nobody confirmed it); default true. */
  clockTrusted?: boolean;
}
