// Takes the offices' event batches from the central broker with a shared
// subscription ($share/<group>/…: each batch goes to one of the running
// central instances), stores each (ingest.ts) and acknowledges it on the
// office's ack topic with the highest number stored without a gap.
//
// The office id comes from the topic, which the broker's ACL lets only that
// office publish under; a payload naming another office is refused.
// Batches of one office are stored one after the other (in arrival order);
// different offices in parallel, up to the pool size. A batch that cannot be
// stored (PostgreSQL down) is not acknowledged: the hub resends it.

import mqtt, { type MqttClient } from 'mqtt';
import type { Pool } from 'pg';
import type { Logger } from '../shared/log/logger.js';
import {
  CENTRAL_PROTOCOL_VERSION,
  type CentralBatch,
  centralBatch,
  centralTopics,
  MAX_BATCH_BYTES,
  officeOfTopic,
} from '../shared/protocol/central.js';
import { notifyChanged, storeBatches } from './ingest.js';
import type { Partitions } from './store/schema.js';

const NOTIFY_MS = 50;
/** Events stored in one transaction at most. */
const GROUP_EVENTS = 5000;

export interface ConsumerOptions {
  url: string;
  username: string;
  password?: string;
  ca?: Buffer;
  shareGroup: string;
  /** Distinct per instance (the broker refuses two clients with one id). */
  clientId: string;
  pool: Pool;
  partitions: Partitions;
  log: Logger;
  /** Batches stored at once (across offices). */
  concurrency: number;
}

export interface ConsumerStats {
  connected: boolean;
  batches: number;
  stored: number;
  duplicates: number;
  refused: number;
  failed: number;
}

export class Consumer {
  private client: MqttClient | null = null;
  /** Batches received and not yet stored, per office, in arrival order. */
  private readonly queued = new Map<string, CentralBatch[]>();
  /** Offices a worker is storing now: their next batches wait for it. */
  private readonly busy = new Set<string>();
  private workers = 0;
  private readonly idle: (() => void)[] = [];
  /** Offices with news for the dashboards, told every NOTIFY_MS at most. */
  private readonly changed = new Set<string>();
  private notifyTimer: NodeJS.Timeout | null = null;
  readonly stats: ConsumerStats = {
    connected: false,
    batches: 0,
    stored: 0,
    duplicates: 0,
    refused: 0,
    failed: 0,
  };
  /** Told after each batch stored (tests, the benchmark). */
  onStored: ((officeId: string, ackedSeq: number) => void) | undefined;

  constructor(private readonly options: ConsumerOptions) {}

  start(): Promise<void> {
    const { url, username, password, ca, clientId, log } = this.options;
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId,
      username,
      ...(password ? { password } : {}),
      ...(ca ? { ca } : {}),
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
      rejectUnauthorized: true,
    });
    this.client = client;
    client.on('connect', () => {
      this.stats.connected = true;
      client.subscribe(centralTopics.shared(this.options.shareGroup), { qos: 1 }, (error, granted) => {
        if (error || granted?.some((g) => g.qos > 2)) {
          log.error('subscription refused', { error: error?.message, granted });
          return;
        }
        log.info('subscribed', { topic: centralTopics.shared(this.options.shareGroup) });
        void this.announce();
      });
    });
    client.on('close', () => {
      if (this.stats.connected && this.client) log.warn('broker connection lost');
      this.stats.connected = false;
    });
    client.on('error', (error) => log.warn('broker error', { error: error.message }));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    return new Promise((resolve) => {
      const done = () => resolve();
      client.once('connect', done);
      // Start anyway after a while: the broker may come later; mqtt.js keeps trying.
      setTimeout(done, 5000).unref();
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true).catch(() => {});
    this.queued.clear();
    while (this.workers > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
  }

  /**
   * Tell every known office where the centre stands, asking it to send the
   * rest now: after a restart of this service or of the broker, batches in
   * flight were lost, and the offices would otherwise wait for their resend timer.
   */
  private async announce(): Promise<void> {
    try {
      const { rows } = await this.options.pool.query<{ id: string; acked_seq: string }>(
        'SELECT id, acked_seq FROM offices',
      );
      for (const r of rows)
        this.client?.publish(
          centralTopics.ack(r.id),
          JSON.stringify({ v: CENTRAL_PROTOCOL_VERSION, seq: Number(r.acked_seq), resend: true }),
          { qos: 1 },
        );
    } catch (error) {
      this.options.log.warn('offices not told to resend', { error: (error as Error).message });
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const officeId = officeOfTopic(topic);
    const { log } = this.options;
    if (!officeId || payload.length > MAX_BATCH_BYTES) {
      this.stats.refused++;
      log.warn('message refused', { topic, bytes: payload.length });
      return;
    }
    let batch: ReturnType<typeof centralBatch.parse>;
    try {
      const parsed = centralBatch.safeParse(JSON.parse(payload.toString()));
      if (!parsed.success)
        throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      batch = parsed.data;
    } catch (error) {
      this.stats.refused++;
      log.warn('batch refused: not a valid batch', {
        office: officeId,
        error: (error instanceof Error ? error.message : String(error)).slice(0, 300),
      });
      return;
    }
    if (batch.office !== officeId) {
      this.stats.refused++;
      log.warn('batch refused: names another office', { office: officeId, claimed: batch.office });
      return;
    }
    const list = this.queued.get(officeId) ?? [];
    list.push(batch);
    this.queued.set(officeId, list);
    this.kick();
  }

  /**
   * Start workers while there is work: each takes the waiting batches of
   * offices no other worker is storing, up to GROUP_EVENTS events, and stores
   * them in one transaction (one disk flush for many offices).
   */
  private kick(): void {
    while (this.workers < this.options.concurrency) {
      const group = new Map<string, CentralBatch[]>();
      let events = 0;
      for (const [officeId, batches] of this.queued) {
        if (this.busy.has(officeId)) continue;
        group.set(officeId, batches);
        events += batches.reduce((n, b) => n + b.events.length, 0);
        if (events >= GROUP_EVENTS) break;
      }
      if (group.size === 0) return;
      for (const officeId of group.keys()) {
        this.queued.delete(officeId);
        this.busy.add(officeId);
      }
      this.workers++;
      void this.store(group).finally(() => {
        for (const officeId of group.keys()) this.busy.delete(officeId);
        this.workers--;
        for (const resolve of this.idle.splice(0)) resolve();
        if (this.client) this.kick();
      });
    }
  }

  private async store(group: Map<string, CentralBatch[]>): Promise<void> {
    try {
      const results = await storeBatches(this.options.pool, this.options.partitions, group);
      for (const [officeId, result] of results) {
        this.stats.batches += group.get(officeId)!.length;
        this.stats.stored += result.stored;
        this.stats.duplicates += result.duplicates;
        if (result.stored > 0 || result.lost > 0) this.noteChanged(officeId);
        if (result.lost > 0)
          this.options.log.warn('office reports events lost from its full outbox', {
            office: officeId,
            lost: result.lost,
          });
        this.client?.publish(
          centralTopics.ack(officeId),
          JSON.stringify({ v: CENTRAL_PROTOCOL_VERSION, seq: result.ackedSeq }),
          { qos: 1 },
        );
        this.onStored?.(officeId, result.ackedSeq);
      }
    } catch (error) {
      this.stats.failed += group.size;
      this.options.log.error('batches not stored; the offices will send them again', {
        offices: [...group.keys()].slice(0, 10).join(','),
        error,
      });
    }
  }

  private noteChanged(officeId: string): void {
    this.changed.add(officeId);
    this.notifyTimer ??= setTimeout(() => {
      this.notifyTimer = null;
      const offices = [...this.changed];
      this.changed.clear();
      notifyChanged(this.options.pool, offices).catch((error: unknown) =>
        this.options.log.warn('dashboards not told of a change', { error: (error as Error).message }),
      );
    }, NOTIFY_MS);
  }
}
