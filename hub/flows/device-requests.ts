// Requests from edge devices over MQTT: decoded and validated against the
// action's schema, handed to its handler (hub/flows/requests/), and always
// answered on the device's reply topic — with the data, or with an error
// code and message (docs/protocol.md). A handler that throws (the store
// could not commit) changes nothing, and the device is told to try again.

import type { Logger } from '../../shared/log/logger.js';
import {
  decodePayload,
  deviceStatus,
  encode,
  MAX_PAYLOAD_BYTES,
  PROTOCOL_VERSION,
  type Reply,
} from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import type { DevicePublish } from '../broker/broker.js';
import type { Metrics } from '../metrics.js';
import { serviceDayEnd } from '../queue/lease.js';
import type { QueueService } from '../service/queue-service.js';
import type { Device, DeviceStore } from '../store/device-store.js';
import type { StoreHealth } from '../store/store-health.js';
import type { RequestContext } from './requests/handler.js';
import { requestHandlers } from './requests/index.js';

export interface DeviceRequestDeps {
  service: QueueService;
  devices: DeviceStore;
  publish: (topic: string, payload: string) => Promise<void>;
  log: Logger;
  metrics: Metrics;
  /** The hub's trusted clock (default Date.now, tests). */
  now?: () => number;
  /**
   * When the service date that `now` belongs to ends (the next daily reset):
   * number leases end there. Default: midnight in Vietnam (tests).
   */
  serviceDayEnd?: (now: number) => number;
  /**
   * The store's faults. While the store is damaged every request is answered
   * hub_error without touching it: kiosks then print from their number
   * lease and rating keys keep their outbox, as in any hub outage.
   */
  storeHealth?: StoreHealth;
}

/**
 * How far into an oversized payload its requestId is looked for. Devices
 * write `{"v":1,"requestId":"…"` first (shared/device/connection.ts).
 */
const REQUEST_ID_PREFIX_BYTES = 256;
const LEADING_REQUEST_ID = /^\s*\{[^{}[\]]*?"requestId"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"/;

/**
 * The requestId of a payload we could not accept, if it has a usable one.
 * An oversized payload is never parsed (a 200 MB JSON text takes ~900 MB to
 * parse): its id is taken only from a top-level "requestId" string in its
 * first bytes, otherwise the reply carries none (docs/protocol.md).
 */
export function looseRequestId(payload: Buffer): string | null {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    const prefix = payload.subarray(0, REQUEST_ID_PREFIX_BYTES).toString('latin1');
    return LEADING_REQUEST_ID.exec(prefix)?.[1] ?? null;
  }
  try {
    const id = (JSON.parse(payload.toString()) as { requestId?: unknown }).requestId;
    return typeof id === 'string' && id.length <= 64 ? id : null;
  } catch {
    return null;
  }
}

export function createDeviceRequestHandler(deps: DeviceRequestDeps) {
  const { service, devices, log, metrics } = deps;
  const now = deps.now ?? Date.now;

  const send = (device: Device, reply: unknown) => {
    deps.publish(topics.deviceReply(device.id), encode(reply as object)).catch((error: unknown) => {
      log.error('reply not published', { device: device.id, error });
    });
  };

  const fail = (device: Device, action: string, requestId: string | null, code: string, message: string) => {
    metrics.inc(`request_refused_${code}`);
    log.warn('request refused', { device: device.id, action, requestId, code, reason: message });
    const reply: Reply = { v: PROTOCOL_VERSION, requestId, action, ok: false, error: { code, message } };
    send(device, reply);
  };

  /** Requests in a group commit, by device and requestId. */
  const inFlight = new Map<string, Promise<void>>();

  return function onDevicePublish({ device, topic, payload }: DevicePublish): void {
    if (topic.kind === 'deviceStatus') {
      if (deps.storeHealth?.refusingChanges) return;
      const status = decodePayload(payload, deviceStatus);
      if (!status.ok) return;
      const recorder = service.recorder;
      if (!recorder) devices.recordStatus(device.id, status.value, now());
      else {
        // The health change goes to the province centre with the stored status, or neither does.
        service.store.db.transaction(() => {
          recorder.device(status.value, devices.get(device.id)?.status ?? null);
          devices.recordStatus(device.id, status.value, now());
        })();
      }
      return;
    }
    if (topic.kind !== 'deviceRequest') return;
    const { action } = topic;
    // The broker's ACL already limited the action to the device's role.
    const handler = requestHandlers[action];
    if (!handler) {
      fail(device, action, looseRequestId(payload), 'unknown_action', `no action ${action}`);
      return;
    }
    const decoded = decodePayload(payload, handler.schema);
    if (!decoded.ok) {
      fail(device, action, looseRequestId(payload), decoded.code, decoded.message);
      return;
    }
    const { requestId } = decoded.value;
    if (deps.storeHealth?.refusingChanges) {
      metrics.inc('request_failed');
      fail(
        device,
        action,
        requestId,
        'hub_error',
        'the hub store is damaged; the hub saves nothing until it is restored',
      );
      return;
    }
    const okReply = (data: unknown) => ({ v: PROTOCOL_VERSION, requestId, action, ok: true as const, data });
    const ctx: RequestContext = {
      device,
      action,
      requestId,
      service,
      devices,
      log,
      metrics,
      serviceDayEnd: deps.serviceDayEnd ?? ((now) => serviceDayEnd(now, 'Asia/Ho_Chi_Minh', '00:00')),
      okReply,
      reply: (data) => send(device, okReply(data)),
      fail: (code, message) => fail(device, action, requestId, code, message),
      send: (reply) => send(device, reply),
    };
    // The same request again while the first is still in its group commit
    // (not yet in the store, where the repeat would find its reply): it
    // waits for the first, then is handled as any repeat.
    const key = `${device.id}\u0000${requestId}`;
    const earlier = inFlight.get(key);
    if (earlier) {
      void earlier.then(() => onDevicePublish({ device, topic, payload }));
      return;
    }
    const failed = (error: unknown) => {
      // The store could not commit (disk full, I/O error): nothing was
      // applied; the device keeps its request and tries again.
      metrics.inc('request_failed');
      deps.storeHealth?.observe(error);
      log.error('request failed', { device: device.id, action, error });
      fail(device, action, requestId, 'hub_error', 'the hub could not save the request; try again');
    };
    try {
      if (!handler.grouped) service.flush();
      const done = handler.handle(ctx, decoded.value);
      if (done) {
        const settled = done.catch(failed).finally(() => inFlight.delete(key));
        inFlight.set(key, settled);
      }
    } catch (error) {
      failed(error);
    }
  };
}
