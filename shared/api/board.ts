// The live snapshot the board, the consoles, the ticket page and the guide follow
// (GET /api/events, event "board"; GET /api/board): hub/service/board.ts builds it.
import type { CallEvent } from '../../hub/queue/types.js';
import type { CounterStateMessage, QueueSummary } from '../protocol/messages.js';

export interface BoardSnapshot {
  serviceDate: string;
  at: number;
  counters: CounterStateMessage[];
  lastCalls: Pick<CallEvent, 'callId' | 'display' | 'counterId' | 'counterName' | 'recall' | 'at'>[];
  summary: QueueSummary;
  /** Bumped on every change, so a client can tell a fresh snapshot. */
  revision: number;
  /** Is the hub's time trusted? The consoles ask a person to confirm it when not. */
  clock: { source: string; trusted: boolean };
}
