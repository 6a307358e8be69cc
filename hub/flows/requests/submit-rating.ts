// A citizen pressed a rating key at a counter. The hub picks the ticket from
// the device's registered counter and decides with hub/ratings/rules.ts; the
// rating row and the reply are stored in one transaction, so a resend of the
// same event id (a lost reply, the device's outbox after an outage, a hub
// restart) gets the same reply and never counts twice. Refusals are not
// stored: the device drops a refused event and shows the fault.

import { type RatingResult, submitRating } from '../../../shared/protocol/messages.js';
import { decideRating } from '../../ratings/rules.js';
import { readRatingRules, readRatingScale } from '../../service/admin-settings.js';
import { ratingStoreOf } from '../../store/rating-store.js';
import { defineHandler } from './handler.js';

export const submitRatingHandler = defineHandler({
  schema: submitRating,
  handle(ctx, request) {
    const { service, device, metrics, log } = ctx;
    const store = service.store;
    const previous = store.findReply(device.id, request.requestId);
    if (previous) {
      metrics.inc('request_repeated');
      log.info('repeated rating answered again', { device: device.id, requestId: request.requestId });
      return ctx.send(previous.reply);
    }
    const ratings = ratingStoreOf(store.db);
    const receivedAt = service.context().now;
    // The binding as stored now (an administrator may have moved the device
    // since it connected).
    const registered = ctx.devices.get(device.id);
    const boundCounterId = registered ? registered.counterId : device.counterId;
    const decision = decideRating(
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
        tickets: service.state.tickets.values(),
        scale: readRatingScale(store),
        rules: readRatingRules(store),
        ratingOf: (ticketId) => ratings.forTicket(ticketId),
      },
    );
    if (!decision.ok) return ctx.fail(decision.code, decision.message);

    const { rating, ticket } = decision;
    const data: RatingResult = {
      ticketId: ticket.id,
      display: ticket.display,
      counterId: rating.counterId,
      level: rating.level,
      score: rating.score,
      outcome: decision.outcome,
    };
    const reply = ctx.okReply(data);
    store.db.transaction(() => {
      if (decision.write === 'insert') ratings.insert(rating);
      else if (decision.write === 'replace') ratings.replace(rating);
      store.saveReply(device.id, request.requestId, ctx.action, receivedAt, reply);
      if (decision.write !== 'none')
        service.recorder?.rating(rating, ticket.serviceDate, decision.write === 'replace');
    })();
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
