// The office's link to the province centre, as the hub starts it from its
// config (`central`): the outbox recorder on the queue service and the
// forwarder. Disabled (the default): nothing is recorded, nothing sent.

import { readFileSync } from 'node:fs';
import type { Logger } from '../../shared/log/logger.js';
import { centralSettings, type HubConfig } from '../config.js';
import type { QueueService } from '../service/queue-service.js';
import type { Db } from '../store/db.js';
import { CentralForwarder } from './forwarder.js';
import { Outbox } from './outbox.js';
import { CentralRecorder } from './recorder.js';

export type CentralSettings = HubConfig['central'];

/** What /api/health and the admin page show of the link. */
export interface CentralHealth {
  enabled: true;
  officeId: string;
  url: string;
  connected: boolean;
  /** Events waiting for the centre's acknowledgement. */
  pending: number;
  oldestAt: number | null;
  lastSeq: number;
  ackedSeq: number;
  lastAckAt: number | null;
  /** Events dropped unsent from a full outbox since the hub started. */
  dropped: number;
  lastError: string | null;
  /** Set when the outbox grows past the alarm settings: 'backlog' (count) or 'stale' (age of the oldest). */
  alarm: 'backlog' | 'stale' | null;
  maxEvents: number;
}

export interface CentralLink {
  outbox: Outbox;
  forwarder: CentralForwarder;
  health(): CentralHealth;
  stop(): Promise<void>;
}

export function startCentralLink(
  settings: Partial<CentralSettings> | undefined,
  deps: {
    db: Db;
    service: QueueService;
    now: () => number;
    site: { name: string; timeZone: string };
    log: Logger;
  },
): CentralLink | null {
  const config = centralSettings.parse(settings ?? {});
  if (!config.enabled) return null;
  const password = config.password ?? readFileSync(config.passwordFile!, 'utf8').trim();
  const ca = config.caFile ? readFileSync(config.caFile) : undefined;
  const outbox = new Outbox(deps.db, { maxEvents: config.maxEvents });
  const recorder = new CentralRecorder(outbox, deps.now);
  recorder.snapshot(deps.service.state);
  deps.service.recorder = recorder;
  const forwarder = new CentralForwarder(outbox, {
    url: config.url!,
    officeId: config.officeId!,
    password,
    ...(ca ? { ca } : {}),
    officeName: deps.site.name,
    timeZone: deps.site.timeZone,
    batchEvents: config.batchEvents,
    windowEvents: config.windowEvents,
    resendMs: config.resendSeconds * 1000,
    log: deps.log,
    now: deps.now,
  });
  forwarder.start();
  deps.log.info('outbox enabled', { office: config.officeId, url: config.url });
  return {
    outbox,
    forwarder,
    health() {
      const stats = outbox.stats();
      const link = forwarder.status();
      const old = stats.oldestAt !== null && deps.now() - stats.oldestAt > config.alarmMinutes * 60_000;
      return {
        enabled: true,
        officeId: config.officeId!,
        url: config.url!,
        connected: link.connected,
        pending: stats.pending,
        oldestAt: stats.oldestAt,
        lastSeq: stats.lastSeq,
        ackedSeq: stats.ackedSeq,
        lastAckAt: link.lastAckAt,
        dropped: stats.dropped,
        lastError: link.lastError,
        alarm: stats.pending >= config.alarmEvents ? 'backlog' : old ? 'stale' : null,
        maxEvents: config.maxEvents,
      };
    },
    async stop() {
      deps.service.recorder = undefined;
      await forwarder.stop();
    },
  };
}
