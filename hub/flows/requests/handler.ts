import type { z } from 'zod';
import type { Logger } from '../../../shared/log/logger.js';
import type { Metrics } from '../../metrics.js';
import type { QueueService } from '../../service/queue-service.js';
import type { Device, DeviceStore } from '../../store/device-store.js';

/** What a request handler gets: the parsed request and ways to answer it. */
export interface RequestContext {
  device: Device;
  action: string;
  requestId: string;
  service: QueueService;
  devices: DeviceStore;
  log: Logger;
  metrics: Metrics;
  /** When the service date that `now` belongs to ends (the next daily reset). */
  serviceDayEnd(now: number): number;
  /** Answer ok with `data`. */
  reply(data: unknown): void;
  /** Answer with an error the device can act on (see docs/protocol.md). */
  fail(code: string, message: string): void;
  /** The reply object `reply(data)` would send, e.g. to store it for idempotency. */
  okReply(data: unknown): { v: number; requestId: string; action: string; ok: true; data: unknown };
  /** Send an already built reply (a stored one, for a repeated request). */
  send(reply: unknown): void;
}

/** One request action: its payload schema and what the hub does with it. */
export interface RequestHandler<T extends { requestId: string }> {
  schema: z.ZodType<T>;
  /**
   * Does it commit through the service's group commit (runGrouped)? Other
   * handlers read and write the store at once, so a waiting batch is
   * committed before they start.
   */
  grouped?: boolean;
  /** Answers through ctx; a throw or a rejection means the store failed and nothing was kept. */
  handle(ctx: RequestContext, request: T): void | Promise<void>;
}

export function defineHandler<T extends { requestId: string }>(h: RequestHandler<T>): RequestHandler<T> {
  return h;
}
