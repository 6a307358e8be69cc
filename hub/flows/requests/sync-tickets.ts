// A kiosk's outbox of tickets it printed from its number lease while the hub
// did not answer (docs/protocol.md, sync-tickets). Each ticket is decided and
// committed on its own, in the order sent, and gets its own result: accepted,
// duplicate (accepted before: a resent outbox) or refused (never will be).
// If the store fails half-way the device is told hub_error and sends the
// whole batch again; the tickets already accepted come back as duplicates.

import { type SyncTicketsResult, syncTicketsRequest } from '../../../shared/protocol/messages.js';
import { acceptLeasedTicket } from '../../queue/lease.js';
import { defineHandler } from './handler.js';

type Result = SyncTicketsResult['results'][number];

export const syncTicketsHandler = defineHandler({
  schema: syncTicketsRequest,
  handle(ctx, request) {
    const { service, device, log, metrics } = ctx;
    const store = service.store;
    const results: Result[] = [];
    for (const t of request.tickets) {
      const base = { ticketId: t.ticketId, requestId: t.requestId };
      const refused = (code: string, message: string) => {
        metrics.inc('leased_tickets_refused');
        log.error('leased ticket refused', {
          device: device.id,
          ...base,
          number: t.number,
          code,
          reason: message,
        });
        results.push({ ...base, status: 'refused', error: { code, message } });
      };
      if (t.serviceDate !== service.state.serviceDate) {
        // Only the store knows other days: a resend of one accepted then is a duplicate.
        const earlier = store
          .ticketsBySource(device.id, t.requestId)
          .find(
            (x) => x.serviceDate === t.serviceDate && x.seriesKey === t.seriesKey && x.number === t.number,
          );
        if (earlier) results.push({ ...base, status: 'duplicate', display: earlier.display });
        else
          refused(
            'lease_expired',
            `the lease of ${t.serviceDate} ended with that day (service date is ${service.state.serviceDate})`,
          );
        continue;
      }
      // An id from another day would overwrite that ticket: never.
      const sameId = service.state.tickets.get(t.ticketId) ?? store.ticketById(t.ticketId);
      if (sameId && (sameId.source?.deviceId !== device.id || sameId.source.requestId !== t.requestId)) {
        refused('ticket_id_taken', `ticket id ${t.ticketId} is already in use`);
        continue;
      }
      let receivedAt = 0;
      const decision = service.run((state, c) => {
        receivedAt = c.now;
        return acceptLeasedTicket(
          state,
          {
            deviceId: device.id,
            ticketId: t.ticketId,
            requestId: t.requestId,
            serviceDate: t.serviceDate,
            seriesKey: t.seriesKey,
            number: t.number,
            procedureId: t.procedureId,
            priority: t.priority ?? null,
            issuedAt: t.issuedAt,
          },
          c,
        );
      });
      if (!decision.ok) {
        refused(decision.code, decision.message);
        continue;
      }
      const { status, ticket, replaced } = decision.result;
      results.push({ ...base, status, display: ticket.display });
      if (status === 'duplicate') {
        metrics.inc('leased_tickets_duplicate');
        continue;
      }
      metrics.inc('leased_tickets_accepted');
      log.info('leased ticket synced', {
        device: device.id,
        display: ticket.display,
        procedure: ticket.procedureId,
        priority: ticket.priority ?? undefined,
        issuedAt: new Date(ticket.issuedAt).toISOString(),
        lateMs: receivedAt - t.issuedAt,
      });
      if (replaced) {
        log.warn('ticket issued for the same press but never printed: cancelled', {
          device: device.id,
          display: replaced.display,
          replacedBy: ticket.display,
        });
      }
    }
    const data: SyncTicketsResult = { results };
    ctx.reply(data);
  },
});
