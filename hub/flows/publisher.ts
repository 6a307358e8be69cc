// Turns committed queue changes into MQTT messages: the retained state of
// each affected counter, one announcement per call, and a (coalesced) queue
// summary, and the announcement wording. Also republishes all retained state when the hub starts, since the
// broker's retained store lives in memory and the SQLite store is the truth.

import type { Logger } from '../../shared/log/logger.js';
import { encode, PROTOCOL_VERSION } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import type { TrustedClock } from '../clock/clock.js';
import type { Change } from '../queue/types.js';
import { ratingInvite } from '../ratings/invite.js';
import { readAnnouncementSettings } from '../service/admin-settings.js';
import type { QueueService } from '../service/queue-service.js';
import { catalogueMessage, counterStateMessage, queueSummary } from '../service/views.js';

type Publish = (topic: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }) => Promise<void>;

export interface Publisher {
  publishAll(): Promise<void>;
  /** Publish the announcement wording again (an administrator changed it). */
  publishAnnouncementSettings(): Promise<void>;
  /** Publish the hub status again (its clock changed). */
  publishStatus(): Promise<void>;
  stop(): void;
}

export function startPublisher(
  service: QueueService,
  publish: Publish,
  log: Logger,
  options: { version: string; startedAt: number; summaryDelayMs?: number; clock?: TrustedClock },
): Publisher {
  const { clock } = options;
  const now = clock ? () => clock.now() : () => Date.now();
  const warn = (topic: string) => (error: unknown) => log.error('publish failed', { topic, error });
  let summaryTimer: NodeJS.Timeout | null = null;

  // Per counter, the moment its rating window closes: the state is published
  // again then, so rating devices stop inviting a press the hub would refuse.
  const windowTimers = new Map<number, NodeJS.Timeout>();
  const rating = (counterId: number, at: number) => {
    try {
      return ratingInvite(service, counterId, at);
    } catch (error) {
      log.error('rating state not read', { counterId, error });
      return undefined;
    }
  };
  const publishCounter = (counterId: number) => {
    const counter = service.state.counters.get(counterId);
    if (!counter) return;
    const topic = topics.counterState(counterId);
    const at = now();
    const invite = rating(counterId, at);
    // Fields in the schema's order (rating before at), so the payload is its own re-encoding.
    const { at: stamp, ...state } = counterStateMessage(service.state, counter, at);
    const message = { ...state, rating: invite, at: stamp };
    publish(topic, encode(message), { retain: true }).catch(warn(topic));
    clearTimeout(windowTimers.get(counterId));
    windowTimers.delete(counterId);
    const closesAt = invite?.closesAt ?? null;
    if (closesAt !== null) {
      const timer = setTimeout(() => publishCounter(counterId), Math.max(0, closesAt - at) + 20);
      timer.unref();
      windowTimers.set(counterId, timer);
    }
  };
  const onRated = (counterId: number) => publishCounter(counterId);

  const publishCatalogue = () =>
    publish(topics.catalogue, encode(catalogueMessage(service.state, now())), { retain: true }).catch(
      warn(topics.catalogue),
    );

  const publishAnnouncementSettings = () =>
    publish(
      topics.announcementSettings,
      encode({ v: PROTOCOL_VERSION, ...readAnnouncementSettings(service.store), at: now() }),
      { retain: true, qos: 1 },
    ).catch(warn(topics.announcementSettings));

  const publishSummary = () => {
    summaryTimer = null;
    publish(topics.queueSummary, encode(queueSummary(service.state, now())), { retain: true }).catch(
      warn(topics.queueSummary),
    );
  };

  const onChanges = (changes: readonly Change[]) => {
    const counters = new Set<number>();
    let ticketsChanged = false;
    let catalogueChanged = false;
    for (const change of changes) {
      if (change.kind === 'counter') counters.add(change.counter.id);
      else if (change.kind === 'catalogue') catalogueChanged = true;
      else if (change.kind === 'counterRemoved') {
        // An empty retained message clears the removed counter's state.
        const topic = topics.counterState(change.counterId);
        publish(topic, '', { retain: true }).catch(warn(topic));
      } else if (change.kind === 'serviceDate')
        ticketsChanged = true; // a new day: the summary says so
      else if (change.kind === 'ticket') {
        ticketsChanged = true;
        if (change.ticket.counterId !== null) counters.add(change.ticket.counterId);
      } else if (change.kind === 'call') {
        const { call } = change;
        publish(topics.announce, encode({ v: PROTOCOL_VERSION, ...call }), { qos: 1 }).catch(
          warn(topics.announce),
        );
      }
    }
    // Kiosks offer what the retained catalogue lists: an edit reaches them at once.
    if (catalogueChanged) {
      publishCatalogue();
      ticketsChanged = true; // field names and the active fields of the summary
    }
    for (const id of counters) publishCounter(id);
    // Many tickets a second would otherwise mean as many summaries: coalesce.
    if (ticketsChanged && summaryTimer === null)
      summaryTimer = setTimeout(publishSummary, options.summaryDelayMs ?? 100);
  };
  service.on('changes', onChanges);
  service.on('rated', onRated);

  const publishStatus = () => {
    const c = clock?.status();
    return publish(
      topics.hubStatus,
      encode({
        v: PROTOCOL_VERSION,
        state: 'online',
        version: options.version,
        startedAt: options.startedAt,
        ...(c ? { clock: { source: c.source, trusted: c.trusted, offsetMs: c.offsetMs }, at: c.now } : {}),
      }),
      { retain: true },
    );
  };
  // Devices learn at once when the hub's time becomes trusted or moves.
  const onClock = () => void publishStatus().catch(warn(topics.hubStatus));
  clock?.on('change', onClock);

  return {
    async publishAll() {
      await publishStatus();
      await publish(topics.catalogue, encode(catalogueMessage(service.state, now())), { retain: true });
      await publishAnnouncementSettings();
      for (const id of service.state.counters.keys()) publishCounter(id);
      publishSummary();
    },
    publishAnnouncementSettings,
    publishStatus,
    stop() {
      clock?.off('change', onClock);
      service.off('changes', onChanges);
      service.off('rated', onRated);
      for (const timer of windowTimers.values()) clearTimeout(timer);
      if (summaryTimer) clearTimeout(summaryTimer);
    },
  };
}
