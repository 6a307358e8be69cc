// A speaker reports a call it played (or skipped, with the reason).

import { announcementPlayed } from '../../../shared/protocol/messages.js';
import { defineHandler } from './handler.js';

export const announcementPlayedHandler = defineHandler({
  schema: announcementPlayed,
  handle(ctx, report) {
    const store = ctx.service.store;
    if (!store.callExists(report.callId)) return ctx.fail('unknown_call', `no call with id ${report.callId}`);
    store.recordPlayback(
      report.callId,
      ctx.device.id,
      report.startedAt,
      report.endedAt,
      report.skipped ?? null,
    );
    ctx.log.info(report.skipped ? 'announcement skipped' : 'announcement played', {
      device: ctx.device.id,
      callId: report.callId,
      ms: report.endedAt - report.startedAt,
      reason: report.skipped,
    });
    ctx.reply(null);
  },
});
