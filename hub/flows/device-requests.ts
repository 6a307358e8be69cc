// Requests from edge devices over MQTT: validated, answered on the device's
// reply topic, and idempotent by requestId (the reply is stored in the same
// transaction as the change, so a repeat after a crash gets the same ticket).

import type { Logger } from '../../shared/log/logger.js';
import {
  decodePayload,
  deviceStatus,
  encode,
  PROTOCOL_VERSION,
  type Reply,
  requestSchemas,
} from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import type { DevicePublish } from '../broker/broker.js';
import type { Metrics } from '../metrics.js';
import { issueTicket } from '../queue/commands.js';
import type { QueueService } from '../service/queue-service.js';
import { issuedTicketView } from '../service/views.js';
import type { Device, DeviceStore } from '../store/device-store.js';

export interface DeviceRequestDeps {
  service: QueueService;
  devices: DeviceStore;
  publish: (topic: string, payload: string) => Promise<void>;
  log: Logger;
  metrics: Metrics;
}

/** The requestId of a payload we could not accept, if it has a usable one. */
function looseRequestId(payload: Buffer): string | null {
  try {
    const id = (JSON.parse(payload.toString()) as { requestId?: unknown }).requestId;
    return typeof id === 'string' && id.length <= 64 ? id : null;
  } catch {
    return null;
  }
}

export function createDeviceRequestHandler(deps: DeviceRequestDeps) {
  const { service, devices, log, metrics } = deps;
  const store = service.store;

  const send = (device: Device, reply: Reply) => {
    deps.publish(topics.deviceReply(device.id), encode(reply)).catch((error: unknown) => {
      log.error('reply not published', { device: device.id, error });
    });
  };

  const fail = (device: Device, action: string, requestId: string | null, code: string, message: string) => {
    metrics.inc(`request_refused_${code}`);
    log.warn('request refused', { device: device.id, action, requestId, code, reason: message });
    send(device, { v: PROTOCOL_VERSION, requestId, action, ok: false, error: { code, message } });
  };

  function handleIssueTicket(device: Device, payload: Buffer) {
    const action = 'issue-ticket';
    const decoded = decodePayload(payload, requestSchemas[action]);
    if (!decoded.ok) return fail(device, action, looseRequestId(payload), decoded.code, decoded.message);
    const request = decoded.value;
    const previous = store.findReply(device.id, request.requestId);
    if (previous) {
      // A repeat must be the same request; a device reusing an id for another
      // procedure has a bug, and handing it the old ticket would hide it.
      const old = (previous.reply as { data?: { procedureId?: string; priority?: string | null } }).data;
      if (old?.procedureId !== request.procedureId || (old.priority ?? null) !== (request.priority ?? null)) {
        return fail(
          device,
          action,
          request.requestId,
          'request_id_reused',
          `requestId ${request.requestId} was already used for another ticket request; use a new id`,
        );
      }
      metrics.inc('request_repeated');
      log.info('repeated request answered again', { device: device.id, requestId: request.requestId });
      return send(device, previous.reply as Reply);
    }
    let reply: Reply | undefined;
    const decision = service.run(
      (state, ctx) =>
        issueTicket(
          state,
          {
            procedureId: request.procedureId,
            priority: request.priority ?? null,
            source: { deviceId: device.id, requestId: request.requestId },
          },
          ctx,
        ),
      (result) => {
        reply = {
          v: PROTOCOL_VERSION,
          requestId: request.requestId,
          action,
          ok: true,
          data: issuedTicketView(service.state, result),
        };
        store.saveReply(device.id, request.requestId, action, result.ticket.issuedAt, reply);
      },
    );
    if (!decision.ok) return fail(device, action, request.requestId, decision.code, decision.message);
    metrics.inc('tickets_issued');
    log.info('ticket issued', {
      device: device.id,
      display: decision.result.ticket.display,
      procedure: request.procedureId,
      priority: request.priority ?? undefined,
      // The kiosk's clock, for comparing with the hub's when a ticket is disputed.
      pressedAt: request.pressedAt === undefined ? undefined : new Date(request.pressedAt).toISOString(),
    });
    send(device, reply!);
  }

  function handleAnnouncementPlayed(device: Device, payload: Buffer) {
    const action = 'announcement-played';
    const decoded = decodePayload(payload, requestSchemas[action]);
    if (!decoded.ok) return fail(device, action, looseRequestId(payload), decoded.code, decoded.message);
    const report = decoded.value;
    if (!store.callExists(report.callId)) {
      return fail(device, action, report.requestId, 'unknown_call', `no call with id ${report.callId}`);
    }
    store.recordPlayback(report.callId, device.id, report.startedAt, report.endedAt, report.skipped ?? null);
    log.info(report.skipped ? 'announcement skipped' : 'announcement played', {
      device: device.id,
      callId: report.callId,
      ms: report.endedAt - report.startedAt,
      reason: report.skipped,
    });
    send(device, { v: PROTOCOL_VERSION, requestId: report.requestId, action, ok: true, data: null });
  }

  return function onDevicePublish({ device, topic, payload }: DevicePublish): void {
    if (topic.kind === 'deviceStatus') {
      const status = decodePayload(payload, deviceStatus);
      if (status.ok) devices.recordStatus(device.id, status.value, Date.now());
      return;
    }
    if (topic.kind !== 'deviceRequest') return;
    // The broker's ACL already limited the action to the device's role.
    try {
      if (topic.action === 'issue-ticket') handleIssueTicket(device, payload);
      else if (topic.action === 'announcement-played') handleAnnouncementPlayed(device, payload);
    } catch (error) {
      // The store could not commit (disk full, I/O error): nothing was
      // applied; the device keeps its request and tries again.
      metrics.inc('request_failed');
      log.error('request failed', { device: device.id, action: topic.action, error });
      send(device, {
        v: PROTOCOL_VERSION,
        requestId: looseRequestId(payload),
        action: topic.action,
        ok: false,
        error: { code: 'hub_error', message: 'the hub could not save the request; try again' },
      });
    }
  };
}
