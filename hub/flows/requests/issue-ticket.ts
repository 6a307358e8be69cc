// A kiosk's ticket request. Idempotent by requestId: the ticket keeps the
// device's request id and what its reply said that only the moment of issue
// knew, in the same transaction, so a repeat after a lost reply or a hub
// crash gets the same ticket and reply, never a second one.

import { issueTicketRequest } from '../../../shared/protocol/messages.js';
import { issueTicket } from '../../queue/commands.js';
import { type IssueFigures, issuedTicketView, issueFigures } from '../../service/views.js';
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
    // A repeat (a lost reply, a resend after a hub restart) is answered from
    // its ticket, found by the device's request id, and the figures kept with
    // it; tickets issued before those were kept have a stored reply instead.
    const issued = store.issuedBySource(device.id, request.requestId);
    const kept = issued.find((i) => i.issueReply !== null);
    const previous = kept
      ? {
          reply: ctx.okReply(
            issuedTicketView(service.state, kept.ticket, kept.issueReply as IssueFigures),
          ) as unknown,
          procedureId: kept.ticket.procedureId,
          priority: kept.ticket.priority,
        }
      : storedReply(store.findReply(device.id, request.requestId)?.reply);
    if (previous) {
      // A repeat must be the same request; a device reusing an id for another
      // procedure has a bug, and handing it the old ticket would hide it.
      if (previous.procedureId !== request.procedureId || previous.priority !== (request.priority ?? null)) {
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
    if (issued.length > 0) {
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
        const figures = issueFigures(result);
        reply = ctx.okReply(issuedTicketView(service.state, result.ticket, figures));
        store.saveIssueReply(result.ticket.id, figures);
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

/** A reply stored by an older hub (before migration 10), with what its request asked. */
function storedReply(reply: unknown) {
  if (reply === undefined) return undefined;
  const data = (reply as { data?: { procedureId?: string; priority?: string | null } }).data;
  return { reply, procedureId: data?.procedureId, priority: data?.priority ?? null };
}
