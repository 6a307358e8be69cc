// Sends the outbox to the province centre: MQTT over TLS to the central
// broker with the office's own credential, batches at QoS 1 on the office's
// events topic, and forgets an event only when the central SERVICE has
// acknowledged its number on the office's ack topic (the broker's PUBACK
// only says the broker took it; a broker restarted without persistence, or
// a central service that was down, loses what it had not stored).
//
// - In order, at most `windowEvents` sent and not yet acknowledged.
// - After a reconnect, and whenever acknowledgements stop coming for
//   `resendMs` while events are outstanding, everything after the last
//   acknowledged number is sent again (the centre ignores what it holds).
// - Each connection is a fresh client (no session, no mqtt.js offline
//   queue): what is outstanding lives in the outbox only.
// - Nothing here ever blocks or fails a queue change: the outbox is written
//   by the change's own transaction, and this only reads and trims it.

import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import type { Logger } from '../../shared/log/logger.js';
import {
  CENTRAL_PROTOCOL_VERSION,
  type CentralBatch,
  centralAck,
  centralTopics,
  MAX_BATCH_BYTES,
} from '../../shared/protocol/central.js';
import type { Outbox } from './outbox.js';

export interface ForwarderOptions {
  /** mqtts://host:8883 (mqtt:// only for tests and a broker on the same machine). */
  url: string;
  officeId: string;
  password: string;
  /** PEM of the CA that signed the central broker's certificate (default: the system's CAs). */
  ca?: string | Buffer;
  /** Shown on the province dashboard. */
  officeName: string;
  timeZone: string;
  batchEvents: number;
  windowEvents: number;
  /** Send again after this long without an acknowledgement while events are outstanding. */
  resendMs: number;
  /** First reconnect delay; doubles up to `maxReconnectMs`. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  log: Logger;
  now: () => number;
}

export interface ForwarderStatus {
  connected: boolean;
  /** Highest number sent so far on this connection. */
  sentSeq: number;
  lastAckAt: number | null;
  lastError: string | null;
  connectedSince: number | null;
}

export class CentralForwarder {
  private client: MqttClient | null = null;
  private connected = false;
  private stopped = false;
  /** Next number to send on this connection. */
  private nextSeq = 1;
  private lastProgressAt = 0;
  private resendMs: number;
  private reconnectDelay: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;
  private pumping = false;
  private lastError: string | null = null;
  private connectedSince: number | null = null;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: ForwarderOptions,
  ) {
    this.resendMs = options.resendMs;
    this.reconnectDelay = options.reconnectMs ?? 1000;
  }

  start(): void {
    this.outbox.onRecord = () => this.schedulePump();
    this.connect();
    this.checkTimer = setInterval(
      () => this.checkProgress(),
      Math.max(200, Math.floor(this.options.resendMs / 4)),
    );
    this.checkTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.outbox.onRecord = undefined;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await client.endAsync(true).catch(() => {});
  }

  status(): ForwarderStatus {
    return {
      connected: this.connected,
      sentSeq: this.nextSeq - 1,
      lastAckAt: this.outbox.state().ackedAt,
      lastError: this.lastError,
      connectedSince: this.connectedSince,
    };
  }

  private connect(): void {
    if (this.stopped) return;
    const { officeId, password, url, ca } = this.options;
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: `qms-office-${officeId}`,
      username: officeId,
      password,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      queueQoSZero: false,
      ...(ca ? { ca } : {}),
      rejectUnauthorized: true,
    });
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      client.subscribe(centralTopics.ack(officeId), { qos: 1 }, (error) => {
        if (error || this.client !== client) {
          this.lastError = `subscribe to acknowledgements failed: ${error?.message ?? 'closed'}`;
          this.options.log.warn('subscribe failed', { error: this.lastError });
          client.end(true);
          return;
        }
        this.connected = true;
        this.connectedSince = this.options.now();
        this.reconnectDelay = this.options.reconnectMs ?? 1000;
        this.lastError = null;
        // Everything not acknowledged goes again: the centre ignores what it holds.
        this.nextSeq = this.outbox.state().ackedSeq + 1;
        this.lastProgressAt = Date.now();
        this.resendMs = this.options.resendMs;
        this.options.log.info('connected', { url, office: officeId, from: this.nextSeq });
        this.schedulePump();
      });
    });
    client.on('message', (topic, payload) => {
      if (topic !== centralTopics.ack(officeId)) return;
      this.onAck(payload);
    });
    client.on('error', (error) => {
      this.lastError = error.message;
    });
    client.on('close', () => {
      if (this.client !== client) return;
      const was = this.connected;
      this.connected = false;
      this.connectedSince = null;
      this.client = null;
      client.removeAllListeners('message');
      client.end(true);
      if (this.stopped) return;
      if (was) this.options.log.warn('connection lost', { error: this.lastError ?? undefined });
      else this.options.log.debug('connection failed', { error: this.lastError ?? undefined });
      const delay = this.reconnectDelay;
      this.reconnectDelay = Math.min(this.options.maxReconnectMs ?? 30_000, this.reconnectDelay * 2);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, delay);
      this.reconnectTimer.unref();
    });
  }

  private onAck(payload: Buffer): void {
    let seq: number;
    let resend = false;
    try {
      const ack = centralAck.safeParse(JSON.parse(payload.toString()));
      if (!ack.success) throw new Error(ack.error.issues[0]?.message ?? 'bad acknowledgement');
      seq = ack.data.seq;
      resend = ack.data.resend === true;
    } catch (error) {
      this.options.log.warn('acknowledgement ignored', {
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    let outcome: ReturnType<Outbox['acknowledge']>;
    try {
      outcome = this.outbox.acknowledge(seq, this.options.now());
    } catch (error) {
      // The store refused the trim (disk full, I/O error): the events stay and go again later.
      this.options.log.error('acknowledgement not saved', { error });
      return;
    }
    if (resend) {
      // The centre came back: everything it has not acknowledged goes again now.
      this.nextSeq = Math.max(seq, this.outbox.state().ackedSeq) + 1;
      this.lastProgressAt = Date.now();
      this.resendMs = this.options.resendMs;
      if (outcome !== 'ahead') {
        this.schedulePump();
        return;
      }
    }
    if (outcome === 'stale') return;
    this.lastProgressAt = Date.now();
    this.resendMs = this.options.resendMs;
    if (outcome === 'ahead') {
      this.options.log.error(
        'the centre holds more events of this office than this store numbered (restored from a backup?); events not yet acknowledged are numbered after the centre’s',
        { centreSeq: seq },
      );
      this.nextSeq = seq + 1;
    } else if (this.nextSeq <= seq) this.nextSeq = seq + 1;
    this.schedulePump();
  }

  /** No acknowledgement for a while with events outstanding: send them again, waiting longer each time. */
  private checkProgress(): void {
    if (!this.connected) return;
    const acked = this.outbox.state().ackedSeq;
    if (this.nextSeq - 1 <= acked) {
      this.lastProgressAt = Date.now();
      return;
    }
    if (Date.now() - this.lastProgressAt < this.resendMs) return;
    this.options.log.info('no acknowledgement, sending again', {
      from: acked + 1,
      waitedMs: this.resendMs,
    });
    this.nextSeq = acked + 1;
    this.lastProgressAt = Date.now();
    this.resendMs = Math.min(this.resendMs * 2, 300_000);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    // After the current transaction and its caller are done.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.connected && this.client) {
        const state = this.outbox.state();
        const acked = state.ackedSeq;
        if (this.nextSeq <= acked) this.nextSeq = acked + 1;
        const room = acked + this.options.windowEvents - (this.nextSeq - 1);
        if (room <= 0 || this.nextSeq > state.lastSeq) break;
        const batch = this.batch(state, Math.min(room, this.options.batchEvents));
        if (!batch) break;
        const { payload, lastSeq } = batch;
        if (this.nextSeq - 1 === acked) this.lastProgressAt = Date.now();
        this.nextSeq = lastSeq + 1;
        this.client.publish(centralTopics.events(this.options.officeId), payload, { qos: 1 }, (error) => {
          if (error) this.lastError = error.message;
        });
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.options.log.error('sending failed', { error });
    } finally {
      this.pumping = false;
    }
  }

  /** The next batch from `nextSeq`: events in order under the byte limit, and any numbers dropped unsent. */
  private batch(
    state: ReturnType<Outbox['state']>,
    limit: number,
  ): { payload: string; lastSeq: number } | null {
    const body: CentralBatch = {
      v: CENTRAL_PROTOCOL_VERSION,
      office: this.options.officeId,
      name: this.options.officeName,
      timeZone: this.options.timeZone,
      events: [],
      acked: state.ackedSeq,
    };
    let lastSeq = this.nextSeq - 1;
    if (state.droppedThrough >= this.nextSeq) {
      body.lost = { from: this.nextSeq, to: state.droppedThrough };
      lastSeq = state.droppedThrough;
    }
    const events = this.outbox.read(lastSeq + 1, limit);
    let size = JSON.stringify(body).length;
    for (const event of events) {
      const length = JSON.stringify(event).length + 1;
      if (body.events.length > 0 && size + length > MAX_BATCH_BYTES / 2) break;
      body.events.push(event);
      size += length;
      lastSeq = event.seq;
    }
    if (body.events.length === 0 && !body.lost) return null;
    return { payload: JSON.stringify(body), lastSeq };
  }
}
