// A kiosk asks for numbers in advance (docs/protocol.md, request-lease): it
// says which unused numbers it still holds; the hub spends the others it had
// leased to it, tops up to `count` per series, commits, and answers with
// every number the kiosk now holds, so a repeat changes nothing.

import { type LeaseGrant, requestLeaseRequest } from '../../../shared/protocol/messages.js';
import { grantLease } from '../../queue/lease.js';
import { defineHandler } from './handler.js';

export const requestLeaseHandler = defineHandler({
  schema: requestLeaseRequest,
  handle(ctx, request) {
    const { service, device } = ctx;
    const decision = service.run((state, c) =>
      grantLease(
        state,
        {
          deviceId: device.id,
          procedureIds: request.procedureIds,
          fieldIds: request.fieldIds,
          count: request.count,
          validUntil: ctx.serviceDayEnd(c.now),
          held: request.held,
        },
        c,
      ),
    );
    if (!decision.ok) return ctx.fail(decision.code, decision.message);
    const { granted, spent, ...grant } = decision.result;
    if (spent > 0) {
      // Numbers the kiosk printed (not synced yet) or lost, e.g. with a damaged state file.
      ctx.metrics.inc('leased_numbers_spent', spent);
      ctx.log.info('leased numbers no longer held by the kiosk: spent for the day', {
        device: device.id,
        spent,
      });
    }
    if (granted > 0) {
      ctx.metrics.inc('numbers_leased', granted);
      ctx.log.info('numbers leased', {
        device: device.id,
        granted,
        held: grant.series.map((s) => `${s.seriesKey}:${s.numbers.length}`).join(','),
      });
    }
    if (grant.skipped.length) {
      ctx.log.warn('lease asked for unknown or paused ids', {
        device: device.id,
        ids: grant.skipped.join(','),
      });
    }
    const data: LeaseGrant = grant;
    ctx.reply(data);
  },
});
