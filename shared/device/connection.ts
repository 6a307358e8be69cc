// An edge device's link to the hub: MQTT 3.1.1 with the device's own
// credential, a retained presence with a last will, and request/reply by
// requestId on the device's reply topic.

import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { timeOrderedId } from '../ids/time-ordered-id.js';
import type { Logger } from '../log/logger.js';
import { connectMqtt } from '../mqtt/connect.js';
import {
  type DeviceStatus,
  decodePayload,
  encode,
  PROTOCOL_VERSION,
  type Reply,
  reply as replySchema,
} from '../protocol/messages.js';
import { type RequestAction, type Role, topics } from '../protocol/topics.js';

/** How long a stopping device waits for the hub to acknowledge its goodbye. */
const GOODBYE_MS = 3000;

export interface ConnectionOptions {
  url: string;
  deviceId: string;
  role: Role;
  password: string;
  version: string;
  log: Logger;
  /** Topics to subscribe to besides the reply topic. */
  subscriptions?: string[];
  reconnectPeriodMs?: number;
}

export class RequestTimeout extends Error {
  override name = 'RequestTimeout';
}

/**
 * The link was closed (the program stops) before the hub answered. Like a
 * time-out, the answer is unknown: whoever keeps the request in an outbox
 * sends it again after the next start, and the hub answers a repeat once.
 */
export class RequestAbandoned extends RequestTimeout {
  override name = 'RequestAbandoned';
}

export interface ConnectionEvents {
  connected: [];
  disconnected: [];
  message: [topic: string, payload: Buffer];
}

export class DeviceConnection extends EventEmitter<ConnectionEvents> {
  readonly client: MqttClient;
  private readonly pending = new Map<
    string,
    { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private extraStatus: Partial<DeviceStatus> = {};

  constructor(private readonly options: ConnectionOptions) {
    super();
    const { deviceId, role } = options;
    const offline: DeviceStatus = { v: PROTOCOL_VERSION, deviceId, role, state: 'offline', at: Date.now() };
    this.client = connectMqtt(options.url, {
      clientId: deviceId,
      username: deviceId,
      password: options.password,
      // A persistent session: replies and announcements sent during a short
      // drop are kept by the broker and delivered on reconnect.
      clean: false,
      keepalive: 15,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 5000,
      will: {
        topic: topics.deviceStatus(deviceId),
        payload: Buffer.from(encode(offline)),
        qos: 1,
        retain: true,
      },
    });
    this.client.on('connect', () => {
      options.log.info('connected to hub', { url: options.url });
      const wanted = [topics.deviceReply(deviceId), ...(options.subscriptions ?? [])];
      this.client.subscribe(wanted, { qos: 1 }, (error, granted) => {
        if (error) options.log.error('subscribe failed', { error });
        for (const g of granted ?? []) {
          if (g.qos === 128) options.log.error('subscription refused by the hub', { topic: g.topic });
        }
      });
      this.publishStatus();
      this.emit('connected');
    });
    this.client.on('close', () => this.emit('disconnected'));
    this.client.on('error', (error) => options.log.warn('connection problem', { error: error.message }));
    this.client.on('message', (topic, payload) => {
      if (topic === topics.deviceReply(deviceId)) this.onReply(payload);
      else this.emit('message', topic, payload);
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Update and publish the retained presence (printer state, fault, ...). */
  setStatus(extra: Partial<DeviceStatus>): void {
    this.extraStatus = { ...this.extraStatus, ...extra };
    if (this.client.connected) this.publishStatus();
  }

  private publishStatus(): void {
    const { deviceId, role, version } = this.options;
    const status: DeviceStatus = {
      ...this.extraStatus,
      v: PROTOCOL_VERSION,
      deviceId,
      role,
      state: 'online',
      version,
      at: Date.now(),
    };
    this.client.publish(topics.deviceStatus(deviceId), encode(status), { qos: 1, retain: true });
  }

  private onReply(payload: Buffer): void {
    const decoded = decodePayload(payload, replySchema);
    if (!decoded.ok) {
      this.options.log.warn('bad reply from hub ignored', { reason: decoded.message });
      return;
    }
    const { requestId } = decoded.value;
    const waiting = requestId ? this.pending.get(requestId) : undefined;
    if (!waiting || !requestId) return; // a late reply to a request given up on
    clearTimeout(waiting.timer);
    this.pending.delete(requestId);
    waiting.resolve(decoded.value);
  }

  /**
   * Send a request and wait for its reply. The caller keeps `requestId` to
   * retry the same request: the hub answers a repeat with the same reply.
   * `qos: 0` suits a caller that resends from its own outbox: the MQTT client
   * then keeps no copy of its own to replay, unchanged, after a reconnect.
   */
  request(
    action: RequestAction,
    body: Record<string, unknown>,
    timeoutMs: number,
    requestId: string = timeOrderedId(),
    options: { qos?: 0 | 1 } = {},
  ) {
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RequestTimeout(`no reply from the hub within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      const message = encode({ v: PROTOCOL_VERSION, requestId, ...body });
      this.client.publish(
        topics.deviceRequest(this.options.deviceId, action),
        message,
        { qos: options.qos ?? 1 },
        (error) => {
          if (error) this.options.log.warn('request not sent yet', { action, error: error.message });
        },
      );
    });
  }

  async close(): Promise<void> {
    // A request still waiting ends now, not never: its caller (an outbox
    // sync, a lease request) must be able to finish before the program exits.
    const abandoned = [...this.pending.values()];
    this.pending.clear();
    for (const { timer, reject } of abandoned) {
      clearTimeout(timer);
      reject(new RequestAbandoned('the connection closed before the hub answered'));
    }
    // A clean goodbye: say offline ourselves, since a normal disconnect sends no will.
    // The goodbye waits for the hub's acknowledgement, but not for ever: a
    // hub that went away at the same moment would keep it waiting for a
    // reconnect that never comes, and a stop must not hang (systemd would
    // kill the program, half stopped). Then the link is ended at once.
    let acknowledged = false;
    if (this.client.connected) {
      const { deviceId, role } = this.options;
      const offline: DeviceStatus = { v: PROTOCOL_VERSION, deviceId, role, state: 'offline', at: Date.now() };
      let timer: NodeJS.Timeout | undefined;
      acknowledged = await Promise.race([
        this.client
          .publishAsync(topics.deviceStatus(deviceId), encode(offline), { qos: 1, retain: true })
          .then(
            () => true,
            () => false,
          ),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), GOODBYE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    // Forced when the goodbye was not acknowledged: nothing else is waited for.
    await this.client.endAsync(!acknowledged);
  }
}
