// Where a ticket's number comes from. A kiosk prints only a durable number
// (DESIGN §5): one the hub confirmed, or one taken from a lease the hub
// granted in advance and written to the outbox before printing.
// 1. online: `issue-ticket` with a fresh requestId, waiting requestTimeoutMs;
// 2. no answer in time (or the hub could not commit, or the link is down):
//    the next leased number of the procedure's series, with the same
//    requestId so the hub can tell the two apart if the request did arrive;
// 3. neither: nothing is printed.
// The outbox is sent with `sync-tickets` when the link returns, oldest first,
// and the lease is topped up while online.

import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import { type DeviceConnection, RequestTimeout } from '../../shared/device/connection.js';
import { timeOrderedId } from '../../shared/ids/time-ordered-id.js';
import type { Logger } from '../../shared/log/logger.js';
import {
  type IssuedTicket,
  issuedTicket,
  leaseGrant,
  type SyncTicketsResult,
  syncTicketsResult,
} from '../../shared/protocol/messages.js';
import type { LeaseBook, LocalState, OutboxEntry } from './local-state.js';

export type Issued =
  | { kind: 'online'; ticket: IssuedTicket; requestId: string }
  | { kind: 'leased'; entry: OutboxEntry; left: number; why: string }
  /** The hub said no (paused procedure, range used up...): nothing to print. */
  | { kind: 'refused'; code: string; message: string }
  /** No answer and no leased number: nothing to print. */
  | { kind: 'unavailable'; reason: string };

export interface IssuerOptions {
  connection: Pick<DeviceConnection, 'request' | 'connected'>;
  state: LocalState;
  log: Logger;
  requestTimeoutMs: number;
  /** Numbers to hold per series; 0: no lease, nothing printed while the hub is away. */
  leaseSize: number;
  /**
   * What the kiosk can issue (the lease covers exactly this): the buttons'
   * fields and procedures, or, read at each lease request, every field of
   * the catalogue for a kiosk with a touch screen.
   */
  scope: LeaseScope | (() => LeaseScope);
  now?: () => number;
  /** Time-out of lease and sync requests (they are not in front of a waiting citizen). */
  backgroundTimeoutMs?: number;
}

export interface LeaseScope {
  procedureIds: string[];
  fieldIds: string[];
}

export interface IssuerEvents {
  /** Outbox tickets the hub has settled. */
  synced: [results: SyncTicketsResult['results']];
  lease: [book: LeaseBook];
}

/**
 * The kiosk's own requests, which no citizen waits for: the name its logs
 * give each, and how loud a refusal is. The whole outbox refused is a bug
 * here or there, or hub_error (sent again later: the tickets are kept); a
 * lease the hub cannot fill (a range used up) is expected and asked again.
 */
const BACKGROUND = {
  'sync-tickets': { name: 'outbox sync', refusal: 'error' },
  'request-lease': { name: 'lease request', refusal: 'warn' },
} as const;

const SYNC_BATCH = 20;
/** A lease the hub cannot fill (a range used up) would otherwise be asked for at every queue update. */
const LEASE_RETRY_MS = 10_000;

export class Issuer extends EventEmitter<IssuerEvents> {
  private readonly now: () => number;
  private syncing: Promise<void> | null = null;
  private leasing: Promise<void> | null = null;
  private lastLeaseAsk = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: IssuerOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  async issue(choice: { procedureId: string; priority: string | null }): Promise<Issued> {
    const { connection, log } = this.options;
    // Time-ordered, as the hub's own ids: the hub's index of request ids grows
    // at its end rather than touching a random page of a day-sized index.
    const requestId = timeOrderedId();
    const pressedAt = this.now();
    let why = 'not connected to the hub';
    if (connection.connected) {
      try {
        const reply = await connection.request(
          'issue-ticket',
          { procedureId: choice.procedureId, priority: choice.priority, pressedAt },
          this.options.requestTimeoutMs,
          requestId,
        );
        if (reply.ok) {
          const ticket = issuedTicket.safeParse(reply.data);
          if (ticket.success) return { kind: 'online', ticket: ticket.data, requestId };
          log.error('the hub answered with a ticket this kiosk cannot read', { requestId });
          return { kind: 'refused', code: 'bad_reply', message: 'unreadable ticket from the hub' };
        }
        if (reply.error.code !== 'hub_error') {
          return { kind: 'refused', code: reply.error.code, message: reply.error.message };
        }
        why = `hub error: ${reply.error.message}`;
      } catch (error) {
        if (!(error instanceof RequestTimeout)) throw error;
        why = `no answer within ${this.options.requestTimeoutMs} ms`;
      }
    }
    if (this.options.leaseSize === 0)
      return { kind: 'unavailable', reason: `${why}; no number lease configured` };
    const taken = await this.options.state.takeNumber({ ...choice, requestId }, this.now());
    if (!taken)
      return { kind: 'unavailable', reason: `${why}; no leased number left for ${choice.procedureId}` };
    log.warn('printing from the number lease', {
      display: taken.entry.display,
      why,
      left: taken.left,
      outbox: this.options.state.outbox.length,
    });
    return { kind: 'leased', entry: taken.entry, left: taken.left, why };
  }

  /** Send the outbox, oldest first, until it is empty or the hub stops answering. */
  sync(): Promise<void> {
    this.syncing ??= this.syncNow().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    const { connection, state, log } = this.options;
    while (state.outbox.length > 0 && connection.connected) {
      const batch = state.outbox.slice(0, SYNC_BATCH);
      const reply = await this.backgroundRequest(
        'sync-tickets',
        { tickets: batch.map(({ display: _display, ...ticket }) => ticket) },
        syncTicketsResult,
      );
      if (!reply) return;
      const { results } = reply;
      const settled = results.map((r) =>
        r.status === 'refused'
          ? { ticketId: r.ticketId, refused: r.error ?? { code: 'refused', message: 'refused' } }
          : { ticketId: r.ticketId },
      );
      for (const r of results) {
        if (r.status === 'refused') {
          log.error('the hub refused a ticket printed from the lease', {
            ticketId: r.ticketId,
            code: r.error?.code,
            reason: r.error?.message,
          });
        }
      }
      await state.settle(settled, this.now());
      log.info('outbox synced', {
        accepted: results.filter((r) => r.status === 'accepted').length,
        duplicate: results.filter((r) => r.status === 'duplicate').length,
        refused: results.filter((r) => r.status === 'refused').length,
        left: state.outbox.length,
      });
      this.emit('synced', results);
      // A reply that settled nothing would loop forever.
      if (!results.some((r) => batch.some((b) => b.ticketId === r.ticketId))) return;
    }
  }

  /** Does the lease need topping up (numbers used, expired, or another service date)? */
  leaseLow(serviceDate?: string): boolean {
    if (this.options.leaseSize === 0) return false;
    const lease = this.options.state.data.lease;
    if (!lease || this.now() >= lease.validUntil) return true;
    if (serviceDate && serviceDate !== lease.serviceDate) return true;
    return Object.values(lease.series).some((s) => s.numbers.length < this.options.leaseSize);
  }

  /**
   * Ask the hub to top the lease up; the answer replaces the local lease. At
   * most every 10 s unless `force` (after a reconnect, on a new service date).
   */
  refreshLease(force = false): Promise<void> {
    if (this.leasing) return this.leasing;
    if (!force && this.now() - this.lastLeaseAsk < LEASE_RETRY_MS) return Promise.resolve();
    this.lastLeaseAsk = this.now();
    this.leasing = this.refreshNow()
      // Callers do not wait for it (`void refreshLease()`): a lease the state file could not keep is logged.
      .catch((error: unknown) => this.options.log.error('lease not kept', { error }))
      .finally(() => {
        this.leasing = null;
      });
    return this.leasing;
  }

  private async refreshNow(): Promise<void> {
    const { connection, state, log, leaseSize } = this.options;
    if (leaseSize === 0 || !connection.connected) return;
    const scope = typeof this.options.scope === 'function' ? this.options.scope() : this.options.scope;
    if (scope.procedureIds.length === 0 && scope.fieldIds.length === 0) return;
    // What the kiosk still holds: the hub keeps exactly these for it and
    // never hands out again any other number it leased to this kiosk today
    // (one printed and then lost with a damaged state file included).
    const g = await this.backgroundRequest(
      'request-lease',
      { ...scope, count: leaseSize, held: state.heldForLease() },
      leaseGrant,
    );
    if (!g) return;
    const book: LeaseBook = {
      serviceDate: g.serviceDate,
      validUntil: g.validUntil,
      grantedAt: this.now(),
      series: Object.fromEntries(
        g.series.map((s) => [s.seriesKey, { prefix: s.prefix, numbers: [...s.numbers] }]),
      ),
      procedures: Object.fromEntries(
        g.procedures.map((p) => [
          p.procedureId,
          { fieldId: p.fieldId, seriesKey: p.seriesKey, counters: p.counters },
        ]),
      ),
    };
    await state.setLease(book);
    if (g.skipped.length) log.warn('buttons without numbers in the lease', { ids: g.skipped.join(',') });
    log.info('number lease', {
      serviceDate: g.serviceDate,
      held: Object.entries(book.series)
        .map(([k, s]) => `${k}:${s.numbers.length}`)
        .join(','),
    });
    this.emit('lease', book);
  }

  /**
   * Send one of the kiosk's own requests and read its answer. Whatever goes
   * wrong (a refusal, an unreadable answer, no answer, a failure to send) is
   * logged and gives null: nothing changes, and the next reconnect or queue
   * update asks again.
   */
  private async backgroundRequest<T>(
    action: keyof typeof BACKGROUND,
    body: Record<string, unknown>,
    answer: z.ZodType<T>,
  ): Promise<T | null> {
    const { connection, log } = this.options;
    const { name, refusal } = BACKGROUND[action];
    try {
      const reply = await connection.request(action, body, this.options.backgroundTimeoutMs ?? 5000);
      if (!reply.ok) {
        log[refusal](`${name} refused`, { code: reply.error.code, reason: reply.error.message });
        return null;
      }
      const parsed = answer.safeParse(reply.data);
      if (parsed.success) return parsed.data;
      log.error(`unreadable ${name} answer from the hub`);
    } catch (error) {
      if (error instanceof RequestTimeout) log.warn(`${name}: no answer; will try again`);
      else log.error(`${name} failed`, { error });
    }
    return null;
  }
}
