import { EventEmitter } from 'node:events';
import type { CentralRecorder } from '../central/recorder.js';
import { applyChanges } from '../queue/apply.js';
import type { Change, Context, Decision, QueueState } from '../queue/types.js';
import type { QueueStore } from '../store/queue-store.js';

export interface QueueServiceEvents {
  /** Changes that were committed and applied, in order. */
  changes: [changes: readonly Change[]];
  /** A rating was stored or corrected at this counter (not a queue change: ratings live in their own table). */
  rated: [counterId: number];
  /** A speaker reported a call said or not said (the consoles show calls nobody heard). */
  announced: [callId: string];
}

/**
 * The one writer of queue state. Every command goes decide → commit → apply →
 * notify, synchronously, so two requests never interleave and memory never
 * holds what the disk does not.
 */
export class QueueService extends EventEmitter<QueueServiceEvents> {
  constructor(
    readonly store: QueueStore,
    readonly state: QueueState,
    private readonly clock: { now: () => number; newId: () => string; trusted?: () => boolean },
  ) {
    super();
  }

  /**
   * Records changes, ratings and device health for the province centre, in
   * the transaction that commits them (hub/central); unset while disabled.
   */
  recorder: CentralRecorder | undefined;

  context(): Context {
    return { now: this.clock.now(), newId: this.clock.newId, clockTrusted: this.clock.trusted?.() ?? true };
  }

  /**
   * Run a domain command. `alsoInTransaction` writes more rows atomically
   * with the changes (e.g. the reply to an idempotent device request).
   * Throws if the store cannot commit; then nothing was applied.
   */
  run<R>(
    decide: (state: QueueState, ctx: Context) => Decision<R>,
    alsoInTransaction?: (result: R) => void,
  ): Decision<R> {
    const decision = decide(this.state, this.context());
    if (!decision.ok) return decision;
    if (decision.changes.length > 0 || alsoInTransaction) {
      const recorder = this.recorder;
      this.store.persist(
        decision.changes,
        alsoInTransaction || recorder
          ? () => {
              // this.state is still the state the decision was taken on.
              recorder?.changes(decision.changes, this.state);
              alsoInTransaction?.(decision.result);
            }
          : undefined,
      );
    }
    if (decision.changes.length > 0) {
      applyChanges(this.state, decision.changes);
      this.emit('changes', decision.changes);
    }
    return decision;
  }
}
