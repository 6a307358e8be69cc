// A speaker reports a call it played (or skipped, with the reason). A call
// said together with another of the same ticket (a recall joining a call still
// waiting) counts as played. The consoles follow: a call nobody heard is shown
// to its officer with a recall button.

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
    const log = report.skipped ? ctx.log.warn.bind(ctx.log) : ctx.log.info.bind(ctx.log);
    log(report.skipped ? 'announcement not said' : 'announcement played', {
      device: ctx.device.id,
      callId: report.callId,
      ms: report.endedAt - report.startedAt,
      reason: report.skipped,
      ...(report.foldedInto ? { with: report.foldedInto } : {}),
      ...(report.form ? { form: report.form } : {}),
    });
    ctx.reply(null);
    ctx.service.emit('announced', report.callId);
  },
});
