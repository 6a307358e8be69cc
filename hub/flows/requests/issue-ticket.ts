// A kiosk's ticket request. Idempotent by requestId: the reply is stored in
// the same transaction as the ticket, so a repeat after a lost reply or a
// hub crash gets the same ticket, never a second one.

import { issueTicketRequest } from '../../../shared/protocol/messages.js';
import { issueTicket } from '../../queue/commands.js';
import { issuedTicketView } from '../../service/views.js';
import { defineHandler } from './handler.js';

/** Press time and issue time further apart than this are worth a line in the log. */
const PRESS_SKEW_MS = 2000;

export const issueTicketHandler = defineHandler({
  schema: issueTicketRequest,
  // Kiosks press many at a time: their tickets share a group commit (queue-service.ts).
  grouped: true,
  async handle(ctx, request) {
    const { service, device, metrics, log } = ctx;
    const store = service.store;
    const previous = store.findReply(device.id, request.requestId);
    if (previous) {
      // A repeat must be the same request; a device reusing an id for another
      // procedure has a bug, and handing it the old ticket would hide it.
      const old = (previous.reply as { data?: { procedureId?: string; priority?: string | null } }).data;
      if (old?.procedureId !== request.procedureId || (old.priority ?? null) !== (request.priority ?? null)) {
        return ctx.fail(
          'request_id_reused',
          `requestId ${request.requestId} was already used for another ticket request; use a new id`,
        );
      }
      metrics.inc('request_repeated');
      log.info('repeated request answered again', { device: device.id, requestId: request.requestId });
      return ctx.send(previous.reply);
    }
    // The kiosk gave up waiting, printed this press from its number lease and
    // synced it before this (late, resent) request arrived: no second ticket.
    if (store.ticketsBySource(device.id, request.requestId).length > 0) {
      return ctx.fail('superseded', `requestId ${request.requestId} was printed from the number lease`);
    }
    let reply: unknown;
    const decision = await service.runGrouped(
      (state, c) =>
        issueTicket(
          state,
          {
            procedureId: request.procedureId,
            priority: request.priority ?? null,
            source: { deviceId: device.id, requestId: request.requestId },
          },
          c,
        ),
      (result) => {
        reply = ctx.okReply(issuedTicketView(service.state, result));
        store.saveReply(device.id, request.requestId, ctx.action, result.ticket.issuedAt, reply);
      },
    );
    if (!decision.ok) return ctx.fail(decision.code, decision.message);
    metrics.inc('tickets_issued');
    // The store keeps the ticket with its device, request and time. A line per
    // ticket is a write to the journal on the hot path: it goes out at info
    // only when the kiosk's press time and the hub's disagree (a clock to
    // compare when a ticket is disputed, or a request that came late).
    const { ticket } = decision.result;
    const skewed =
      request.pressedAt !== undefined && Math.abs(request.pressedAt - ticket.issuedAt) > PRESS_SKEW_MS;
    (skewed ? log.info : log.debug)('ticket issued', {
      device: device.id,
      display: ticket.display,
      procedure: request.procedureId,
      priority: request.priority ?? undefined,
      pressedAt: request.pressedAt === undefined ? undefined : new Date(request.pressedAt).toISOString(),
    });
    ctx.send(reply);
  },
});
