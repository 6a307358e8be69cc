// A citizen pressed a rating key at a counter. The hub picks the ticket from
// the device's registered counter and decides with hub/ratings/rules.ts; the
// rating row (keyed by the event id) and, where the row cannot say it, the
// reply are stored in one transaction, so a resend of the same event id (a
// lost reply, the device's outbox after an outage, a hub restart) gets the
// same reply and never counts twice. Refusals are not
// stored: the device drops a refused event and shows the fault.

import { type RatingResult, submitRating } from '../../../shared/protocol/messages.js';
import { decideRating, type RatingAccepted } from '../../ratings/rules.js';
import { readRatingRules, readRatingScale } from '../../service/admin-settings.js';
import type { QueueStore } from '../../store/queue-store.js';
import { ratingStoreOf, type StoredRating } from '../../store/rating-store.js';
import { defineHandler } from './handler.js';

/**
 * Ratings decided but still in their group commit, by ticket, per store: a
 * second press for the same ticket in the same batch decides on the first
 * (one rating per ticket), which the store does not hold yet.
 */
const pendingByStore = new WeakMap<QueueStore, Map<string, StoredRating>>();
function pendingRatings(store: QueueStore): Map<string, StoredRating> {
  let pending = pendingByStore.get(store);
  if (!pending) {
    pending = new Map();
    pendingByStore.set(store, pending);
  }
  return pending;
}

export const submitRatingHandler = defineHandler({
  schema: submitRating,
  // Presses share the group commit of tickets and officers' actions (queue-service.ts).
  grouped: true,
  async handle(ctx, request) {
    const { service, device, metrics, log } = ctx;
    const store = service.store;
    const ratings = ratingStoreOf(store.db);
    /**
     * The reply to a rating event that recorded its ticket's first rating,
     * rebuilt from the rating row it wrote (keyed by the event id): such an
     * event stores no reply row. A correction and a kept rating store theirs,
     * and so does a recorded one when a correction replaces its row.
     */
    /** The answer to rating event `eventId`: `rating` counts for its ticket. */
    const answer = (
      eventId: string,
      rating: Pick<StoredRating, 'ticketId' | 'counterId' | 'level' | 'score'>,
      display: string,
      outcome: RatingResult['outcome'],
    ) => {
      const { ticketId, counterId, level, score } = rating;
      const data: RatingResult = { ticketId, display, counterId, level, score, outcome };
      return { ...ctx.okReply(data), requestId: eventId };
    };
    const replyTo = (d: RatingAccepted) => answer(request.requestId, d.rating, d.ticket.display, d.outcome);
    /**
     * The reply to a rating event that recorded its ticket's first rating,
     * rebuilt from the rating row it wrote (keyed by the event id): such an
     * event stores no reply row. A correction and a kept rating store theirs,
     * and so does a recorded one when a correction replaces its row.
     */
    const recordedReply = (eventId: string, deviceId: string) => {
      const row = ratings.byEvent(eventId);
      if (!row || row.deviceId !== deviceId) return undefined;
      const ticket = service.state.tickets.get(row.ticketId) ?? store.ticketById(row.ticketId);
      return answer(eventId, row, ticket?.display ?? '', 'recorded');
    };
    const previous =
      store.findReply(device.id, request.requestId)?.reply ?? recordedReply(request.requestId, device.id);
    if (previous) {
      metrics.inc('request_repeated');
      log.info('repeated rating answered again', { device: device.id, requestId: request.requestId });
      return ctx.send(previous);
    }
    // The binding as stored now (an administrator may have moved the device
    // since it connected).
    const registered = ctx.devices.get(device.id);
    const boundCounterId = registered ? registered.counterId : device.counterId;
    const scale = readRatingScale(store);
    const rules = readRatingRules(store);
    const pending = pendingRatings(store);
    let receivedAt = 0;
    // Decided on the live state with the earlier requests of its group commit
    // (tickets, officers' actions, other ratings), committed with them; the
    // answer leaves once the batch is on disk (QueueService.runGrouped).
    const grouped = await service
      .runGrouped(
        (state, c) => {
          receivedAt = c.now;
          const decided = decideRating(
            {
              eventId: request.requestId,
              deviceId: device.id,
              boundCounterId,
              claimedCounterId: request.counterId,
              level: request.level,
              pressedAt: request.pressedAt,
              sentAt: request.sentAt,
              receivedAt,
            },
            {
              tickets: state.tickets.values(),
              scale,
              rules,
              ratingOf: (ticketId) => pending.get(ticketId) ?? ratings.forTicket(ticketId),
            },
          );
          if (!decided.ok) return decided;
          if (decided.write !== 'none') pending.set(decided.ticket.id, decided.rating);
          return { ok: true as const, changes: [], result: decided };
        },
        (decided) => {
          const { rating, ticket } = decided;
          if (decided.write === 'insert') ratings.insert(rating);
          else {
            if (decided.write === 'replace') {
              // The row no longer answers for the event it replaces: keep that one's reply.
              const replaced = ratings.forTicket(ticket.id)!;
              const replacedReply = recordedReply(replaced.id, replaced.deviceId);
              if (replacedReply && !store.findReply(replaced.deviceId, replaced.id))
                store.saveReply(replaced.deviceId, replaced.id, ctx.action, replaced.at, replacedReply);
              ratings.replace(rating);
            }
            // A correction or a kept rating: the row does not say it (see recordedReply).
            store.saveReply(device.id, request.requestId, ctx.action, receivedAt, replyTo(decided));
          }
          if (decided.write !== 'none')
            service.recorder?.rating(rating, ticket.serviceDate, decided.write === 'replace');
        },
      )
      .finally(() => {
        for (const [ticketId, rating] of pending)
          if (rating.id === request.requestId) pending.delete(ticketId);
      });
    if (!grouped.ok) return ctx.fail(grouped.code, grouped.message);
    const decision = grouped.result;
    const { rating, ticket } = decision;
    const reply = replyTo(decision);
    metrics.inc(`ratings_${decision.outcome}`);
    log.info(`rating ${decision.outcome}`, {
      device: device.id,
      requestId: request.requestId,
      counter: rating.counterId,
      ticket: ticket.display,
      officer: rating.officer ?? undefined,
      level: rating.level,
      pressed: request.level,
      late: decision.late || undefined,
      // The device's clock, for comparing with the hub's when a rating is disputed.
      pressedAt: new Date(request.pressedAt).toISOString(),
    });
    ctx.send(reply);
    // The counter's retained state says whether its ticket is rated (the invite LED).
    if (decision.write !== 'none') service.emit('rated', rating.counterId);
  },
});
