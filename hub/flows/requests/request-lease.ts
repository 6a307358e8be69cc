// A kiosk asks for numbers in advance (docs/protocol.md, request-lease): the
// hub tops its unused numbers up to `count` per series, commits them, and
// answers with every number the kiosk holds, so a repeat changes nothing.

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
        },
        c,
      ),
    );
    if (!decision.ok) return ctx.fail(decision.code, decision.message);
    const { granted, ...grant } = decision.result;
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
