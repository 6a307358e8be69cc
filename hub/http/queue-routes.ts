// Read-only views of the queue: open to the LAN (the display board and the
// ticket lookup page need no sign-in), and nothing here changes state.

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CatalogueAnswer, CounterAnswer } from '../../shared/api/console.js';
import type { TicketAnswer } from '../../shared/api/ticket.js';
import { estimateWait, waitRange } from '../queue/estimate.js';
import { lineOrder, waitingFor } from '../queue/ordering.js';
import type { Counter, QueueState } from '../queue/types.js';
import { type AnnouncementState, announcementState } from '../service/announcement-state.js';
import type { QueueService } from '../service/queue-service.js';
import { catalogueMessage, counterStateMessage, queueSummary, ticketView } from '../service/views.js';
import type { DeviceStore } from '../store/device-store.js';
import { counterParams, errorBody, errorSchema } from './route-helpers.js';

export function counterView(
  state: QueueState,
  counter: Counter,
  now: number,
  announcement?: (ticketId: string, counterId: number) => AnnouncementState | null,
): CounterAnswer {
  const waiting = waitingFor(state, counter);
  const message = counterStateMessage(state, counter, now);
  const live = message.current ? state.tickets.get(message.current.ticketId) : undefined;
  return {
    ...message,
    // The officer's console also shows what the citizen came for and how long the service has run.
    current:
      message.current && live
        ? {
            ...message.current,
            procedureId: live.procedureId,
            priority: live.priority,
            issuedAt: live.issuedAt,
            serviceStartedAt: live.serviceStartedAt,
            callCount: live.callCount,
            // Whether the citizen could hear the call (the console offers a recall when not).
            announcement: live.status === 'called' && announcement ? announcement(live.id, counter.id) : null,
          }
        : message.current,
    serves: counter.serves,
    waiting: {
      count: waiting.length,
      priority: waiting.filter((t) => t.priority !== null).length,
      longestWaitSeconds: waiting.length
        ? Math.max(0, Math.round((now - Math.min(...waiting.map((t) => t.queuedAt))) / 1000))
        : 0,
      tickets: waiting.map(ticketView),
    },
  };
}

export function registerQueueRoutes(
  app: FastifyInstance,
  deps: {
    service: QueueService;
    health: () => Record<string, unknown>;
    clock: { now(): number };
    devices: DeviceStore;
    connectedDevices: () => string[];
  },
): void {
  const { service } = deps;
  const now = () => deps.clock.now();
  const state = () => service.state;
  const speakersOnline = () =>
    deps.connectedDevices().filter((id) => deps.devices.get(id)?.role === 'speaker').length;
  const announcement = (ticketId: string, counterId: number) =>
    announcementState(service.store, ticketId, counterId, speakersOnline());

  app.get(
    '/api/health',
    { schema: { summary: 'Liveness, version, store faults, backups and counters of refused input' } },
    // 503 while something is wrong (ok: false, e.g. a store fault), for monitors that read only the status.
    async (_request, reply) => {
      const health = deps.health();
      if (health.ok === false) reply.code(503);
      return health;
    },
  );

  app.get(
    '/api/catalogue',
    { schema: { summary: 'Fields, procedures and priority categories' } },
    async (): Promise<CatalogueAnswer> => ({
      ...catalogueMessage(state(), now()),
      numbering: state().catalogue.fields.map((f) => ({ fieldId: f.id, ...f.numbering })),
    }),
  );

  app.get(
    '/api/queue',
    { schema: { summary: 'Live queue: counters, waiting tickets, counts per field' } },
    async () => {
      const at = now();
      const s = state();
      return {
        serviceDate: s.serviceDate,
        summary: queueSummary(s, at),
        counters: [...s.counters.values()].map((c) => counterStateMessage(s, c, at)),
        waiting: [...s.tickets.values()]
          .filter((t) => t.status === 'waiting')
          .sort(lineOrder)
          .map(ticketView),
      };
    },
  );

  app.get(
    '/api/counters',
    { schema: { summary: 'Every counter with what it serves and its waiting line' } },
    async (): Promise<CounterAnswer[]> => {
      const at = now();
      return [...state().counters.values()].map((c) => counterView(state(), c, at, announcement));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/counters/:id',
    { schema: { summary: 'One counter', params: counterParams, response: { 404: errorSchema } } },
    async (request, reply): Promise<CounterAnswer | FastifyReply> => {
      const counter = state().counters.get(request.params.id);
      if (!counter)
        return reply.code(404).send(errorBody('unknown_counter', `Không có quầy số ${request.params.id}.`));
      return counterView(state(), counter, now(), announcement);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/tickets/:id',
    {
      schema: {
        summary: 'A ticket, its people ahead and estimated wait (the ticket lookup page)',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' } },
          required: ['id'],
        },
        response: { 404: errorSchema },
      },
    },
    async (request, reply): Promise<TicketAnswer | FastifyReply> => {
      const live = state().tickets.get(request.params.id);
      const ticket = live ?? service.store.ticketById(request.params.id);
      if (!ticket) return reply.code(404).send(errorBody('unknown_ticket', 'Không tìm thấy số thứ tự này.'));
      const estimate = live && live.status === 'waiting' ? estimateWait(state(), live, now()) : null;
      return { ...ticketView(ticket), estimate: estimate && { ...estimate, range: waitRange(estimate) } };
    },
  );
}
