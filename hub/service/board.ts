// What the waiting-room board and the officers' consoles follow live: every
// counter's current call, the last calls, and waiting counts per field. A
// snapshot is rebuilt after each committed change (coalesced), so a client
// that reconnects simply takes the next snapshot.

import { EventEmitter } from 'node:events';
import type { BoardSnapshot } from '../../shared/api/board.js';
import type { TrustedClock } from '../clock/clock.js';
import type { Change } from '../queue/types.js';
import type { QueueService } from './queue-service.js';
import { counterStateMessage, queueSummary } from './views.js';

const LAST_CALLS = 10;

export type { BoardSnapshot } from '../../shared/api/board.js';

/**
 * `update` hands listeners a getter, not the snapshot: building one walks the
 * whole live state, and with no page open nobody needs it (the getter builds
 * it once, on the first call).
 */
export class BoardFeed extends EventEmitter<{ update: [snapshot: () => BoardSnapshot] }> {
  private lastCalls: BoardSnapshot['lastCalls'];
  private revision = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly onChanges = (changes: readonly Change[]) => {
    for (const c of changes) {
      if (c.kind === 'call') {
        const { callId, display, counterId, counterName, recall, at } = c.call;
        this.lastCalls = [{ callId, display, counterId, counterName, recall, at }, ...this.lastCalls].slice(
          0,
          LAST_CALLS,
        );
      } else if (c.kind === 'serviceDate') {
        this.lastCalls = [];
      }
    }
    this.revision++;
    // Many changes in a burst become one update: the board needs the state, not each step.
    this.timer ??= setTimeout(() => {
      this.timer = null;
      let built: BoardSnapshot | undefined;
      this.emit('update', () => {
        built ??= this.snapshot();
        return built;
      });
    }, this.delayMs);
  };

  private readonly onClock = () => this.onChanges([]);
  /** A speaker's report changes what the consoles show, not the board: a new revision for them. */
  private readonly onAnnounced = () => this.onChanges([]);

  constructor(
    private readonly service: QueueService,
    private readonly clock?: TrustedClock,
    private readonly delayMs = 50,
  ) {
    super();
    this.setMaxListeners(0); // one listener per open page
    this.lastCalls = service.store.recentCalls(service.state.serviceDate, LAST_CALLS);
    service.on('changes', this.onChanges);
    service.on('announced', this.onAnnounced);
    clock?.on('change', this.onClock);
  }

  /** Something the pages show beside the queue changed (a guide card): send a fresh snapshot soon. */
  touch(): void {
    this.onChanges([]);
  }

  snapshot(): BoardSnapshot {
    const { state } = this.service;
    const now = this.clock ? this.clock.now() : Date.now();
    return {
      serviceDate: state.serviceDate,
      at: now,
      counters: [...state.counters.values()].map((c) => counterStateMessage(state, c, now)),
      lastCalls: this.lastCalls,
      summary: queueSummary(state, now),
      revision: this.revision,
      clock: this.clock
        ? { source: this.clock.status().source, trusted: this.clock.trusted }
        : { source: 'system', trusted: true },
    };
  }

  stop(): void {
    this.service.off('changes', this.onChanges);
    this.service.off('announced', this.onAnnounced);
    this.clock?.off('change', this.onClock);
    if (this.timer) clearTimeout(this.timer);
  }
}
