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
  centralBatch,
  centralTopics,
  MAX_BATCH_BYTES,
  officeOfTopic,
} from '../shared/protocol/central.js';
import { storeBatch } from './ingest.js';
import type { Partitions } from './store/schema.js';

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
  private readonly chains = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiters: (() => void)[] = [];
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
      if (this.stats.connected) log.warn('broker connection lost');
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
    await Promise.allSettled([...this.chains.values()]);
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
    const previous = this.chains.get(officeId) ?? Promise.resolve();
    const next = previous.then(() => this.handle(officeId, batch));
    this.chains.set(officeId, next);
    void next.then(() => {
      if (this.chains.get(officeId) === next) this.chains.delete(officeId);
    });
  }

  private async handle(officeId: string, batch: ReturnType<typeof centralBatch.parse>): Promise<void> {
    await this.slot();
    try {
      const result = await storeBatch(this.options.pool, this.options.partitions, officeId, batch);
      this.stats.batches++;
      this.stats.stored += result.stored;
      this.stats.duplicates += result.duplicates;
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
    } catch (error) {
      this.stats.failed++;
      this.options.log.error('batch not stored; the office will send it again', { office: officeId, error });
    } finally {
      this.release();
    }
  }

  private async slot(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.running--;
  }
}
