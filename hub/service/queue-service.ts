import { EventEmitter } from 'node:events';
import type { CentralRecorder } from '../central/recorder.js';
import { applyChanges } from '../queue/apply.js';
import type { Change, Context, Decision, QueueState } from '../queue/types.js';
import type { QueueStore } from '../store/queue-store.js';
import { applyUndoably } from './undo.js';

export interface QueueServiceEvents {
  /** Changes that were committed and applied, in order. */
  changes: [changes: readonly Change[]];
  /** A rating was stored or corrected at this counter (not a queue change: ratings live in their own table). */
  rated: [counterId: number];
  /** A group commit's transaction failed: nothing of the batch was kept. */
  batchFailed: [error: unknown, requests: number];
  /** A speaker reported a call said or not said (the consoles show calls nobody heard). */
  announced: [callId: string];
}

/** One decided command of a group commit, waiting for the batch's transaction. */
interface Pending {
  decision: Decision<unknown>;
  /** Its changes (none for a refusal). */
  changes: readonly Change[];
  /** Its alsoInTransaction, bound to its result. */
  extra: (() => void) | undefined;
  undo: () => void;
  resolve: (decision: Decision<unknown>) => void;
  reject: (error: unknown) => void;
}

/**
 * The one writer of queue state. A command goes decide → commit → apply →
 * notify; memory never shows what the disk does not.
 *
 * `run` does it at once, synchronously. `runGrouped` (the kiosks' ticket
 * requests, which come many at a time) lets the commands decided within one
 * turn of the event loop share one durable transaction: each is decided on
 * the live state with the earlier ones of its batch applied, the batch is
 * committed once when the turn ends, then the changes are told and each
 * command's promise settles, so no reply leaves before its change is on
 * disk. If the transaction fails, every change of the batch is taken back
 * and every command of it rejects. Whoever reads `state` (an HTTP request, a
 * timer, a synchronous `run`) while a batch waits commits it first, so
 * nothing outside the batch ever sees an uncommitted change.
 */
export class QueueService extends EventEmitter<QueueServiceEvents> {
  private readonly live: QueueState;
  private batch: Pending[] = [];
  private flushing = false;
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    readonly store: QueueStore,
    state: QueueState,
    private readonly clock: { now: () => number; newId: () => string; trusted?: () => boolean },
  ) {
    super();
    this.live = state;
  }

  /** The committed live state (a waiting batch is committed first). */
  get state(): QueueState {
    if (!this.flushing) this.flush();
    return this.live;
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
    this.flush();
    const decision = decide(this.live, this.context());
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
      applyChanges(this.live, decision.changes);
      this.emit('changes', decision.changes);
    }
    return decision;
  }

  /**
   * Run a domain command in the current group commit (see the class). The
   * promise settles after the batch's transaction: with the decision (a
   * refusal too waits, as it was decided on the batch's state), or with the
   * store's error, when nothing of the batch was kept.
   */
  runGrouped<R>(
    decide: (state: QueueState, ctx: Context) => Decision<R>,
    alsoInTransaction?: (result: R) => void,
  ): Promise<Decision<R>> {
    let decision: Decision<R>;
    try {
      decision = decide(this.live, this.context());
    } catch (error) {
      return Promise.reject(error);
    }
    const ok = decision.ok ? decision : null;
    // The centre's events are of the state this command was decided on: taken before applying it.
    const central = ok && ok.changes.length > 0 ? this.recorder?.prepare(ok.changes, this.live) : undefined;
    const undo = ok ? applyUndoably(this.live, ok.changes) : () => undefined;
    const extra =
      ok && (central || alsoInTransaction)
        ? () => {
            central?.();
            alsoInTransaction?.(ok.result);
          }
        : undefined;
    return new Promise<Decision<R>>((resolve, reject) => {
      this.batch.push({
        decision,
        changes: ok ? ok.changes : [],
        extra,
        undo,
        resolve: resolve as Pending['resolve'],
        reject,
      });
      this.scheduled ??= setImmediate(() => {
        this.scheduled = null;
        this.flush();
      });
    });
  }

  /** Commands waiting for their group commit. */
  get waiting(): number {
    return this.batch.length;
  }

  /** Commit the waiting batch now (nothing when none waits). Never throws: a failure rejects the batch. */
  flush(): void {
    if (this.batch.length === 0 || this.flushing) return;
    const batch = this.batch;
    this.batch = [];
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    this.flushing = true;
    try {
      const writes = batch.filter((p) => p.changes.length > 0 || p.extra);
      // Refusals alone write nothing.
      if (writes.length > 0) this.store.persistMany(writes);
    } catch (error) {
      // Nothing of the batch is on disk: nothing of it stays in memory.
      for (let i = batch.length - 1; i >= 0; i--) batch[i]!.undo();
      this.flushing = false;
      for (const p of batch) p.reject(error);
      this.emit('batchFailed', error, batch.length);
      return;
    }
    this.flushing = false;
    const changes = batch.flatMap((p) => p.changes);
    try {
      if (changes.length > 0) this.emit('changes', changes);
    } finally {
      for (const p of batch) p.resolve(p.decision);
    }
  }
}
