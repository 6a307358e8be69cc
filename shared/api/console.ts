// What the officers' console (hub/web/assets/console.js) reads: the counters
// (hub/http/queue-routes.ts counterView), the catalogue, and the answers of the
// counter actions (hub/http/counter-routes.ts).
import type { CallEvent, CounterService, Ticket } from '../../hub/queue/types.js';
import type { CatalogueMessage, CounterStateMessage } from '../protocol/messages.js';
import type { TicketView } from './ticket.js';

/** Whether the citizen could hear a call (hub/service/announcement-state.ts). */
export interface CallHeard {
  callId: string;
  /** When the call was made (hub time). */
  at: number;
  state: 'played' | 'pending' | 'not_said' | 'no_speaker';
  /** Why it was not said. */
  problem?: 'late' | 'audio' | 'stopped' | 'other';
  /** The speaker's own words (English, for a technician). */
  detail?: string;
}

/** The ticket at a counter, with what the console shows of it. */
export type CounterCurrent = NonNullable<CounterStateMessage['current']> &
  Pick<Ticket, 'procedureId' | 'priority' | 'issuedAt' | 'serviceStartedAt' | 'callCount'> & {
    /** Only while it is called; null without an answer yet. */
    announcement: CallHeard | null;
  };

/** GET /api/counters/:id (and each of GET /api/counters). */
export interface CounterAnswer extends Omit<CounterStateMessage, 'current'> {
  /** The live ticket there, or the message's own (no longer live) one. */
  current: CounterCurrent | CounterStateMessage['current'];
  serves: CounterService[];
  waiting: {
    count: number;
    priority: number;
    longestWaitSeconds: number;
    tickets: TicketView[];
  };
}

/** GET /api/catalogue: the active fields and procedures, priority groups, and each field's series. */
export interface CatalogueAnswer extends CatalogueMessage {
  numbering: { fieldId: string; prefix: string; start: number; end: number; wrap: boolean }[];
}

/** POST /api/counters/:id/{call-next,recall,call-number}: the ticket called and the call. */
export interface CallAnswer {
  ticket: Ticket;
  call: CallEvent;
}

/** POST /api/counters/:id/{start,finish,no-show}: the ticket as it is now. */
export type TicketActionAnswer = Ticket;

/** POST /api/counters/:id/transfer: the ticket as sent on. */
export type TransferAnswer = TicketView;

/** POST /api/counters/:id/{take,leave,state}: the counter as it is now. */
export type CounterStateAnswer = CounterStateMessage;
