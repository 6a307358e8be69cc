import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  callNext,
  callNumber,
  finishService,
  markNoShow,
  recall,
  setCounterState,
  startService,
  transfer,
} from '../queue/commands.js';
import { estimateWait } from '../queue/estimate.js';
import { waitingFor } from '../queue/ordering.js';
import type { Context, Counter, CounterState, Decision, QueueState } from '../queue/types.js';
import type { QueueService } from '../service/queue-service.js';
import { catalogueMessage, counterStateMessage, queueSummary, ticketView } from '../service/views.js';
import type { DeviceStore } from '../store/device-store.js';

export interface ApiDeps {
  service: QueueService;
  devices: DeviceStore;
  /** Ids of devices with a live MQTT connection. */
  connectedDevices: () => string[];
  health: () => Record<string, unknown>;
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
};

const counterParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: 999 } },
  required: ['id'],
} as const;

// Refusals of "nothing by that name" are 404; every other refusal is a
// conflict with the current queue state.
function statusForRefusal(code: string): number {
  return code.startsWith('unknown_') ? 404 : 409;
}

function sendDecision<R>(reply: FastifyReply, decision: Decision<R>, view: (result: R) => unknown) {
  if (!decision.ok) {
    return reply
      .code(statusForRefusal(decision.code))
      .send({ error: { code: decision.code, message: decision.message } });
  }
  return reply.send(view(decision.result));
}

function counterView(state: QueueState, counter: Counter, now: number) {
  const waiting = waitingFor(state, counter);
  return {
    ...counterStateMessage(state, counter, now),
    serves: counter.serves,
    waiting: {
      count: waiting.length,
      priority: waiting.filter((t) => t.priority !== null).length,
      longestWaitSeconds: waiting.length
        ? Math.round((now - Math.min(...waiting.map((t) => t.queuedAt))) / 1000)
        : 0,
      tickets: waiting.map(ticketView),
    },
  };
}

type CounterCommand = (state: QueueState, input: { counterId: number }, ctx: Context) => Decision<unknown>;

export function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { service } = deps;
  const state = () => service.state;

  app.get(
    '/api/health',
    { schema: { summary: 'Liveness, version and counters of refused input' } },
    async () => deps.health(),
  );

  app.get(
    '/api/catalogue',
    { schema: { summary: 'Fields, procedures and priority categories' } },
    async () => ({
      ...catalogueMessage(state(), Date.now()),
      numbering: state().catalogue.fields.map((f) => ({ fieldId: f.id, ...f.numbering })),
    }),
  );

  app.get(
    '/api/queue',
    { schema: { summary: 'Live queue: counters, waiting tickets, counts per field' } },
    async () => {
      const now = Date.now();
      const s = state();
      return {
        serviceDate: s.serviceDate,
        summary: queueSummary(s, now),
        counters: [...s.counters.values()].map((c) => counterStateMessage(s, c, now)),
        waiting: [...s.tickets.values()]
          .filter((t) => t.status === 'waiting')
          .sort((a, b) => a.queuedAt - b.queuedAt)
          .map(ticketView),
      };
    },
  );

  app.get(
    '/api/counters',
    { schema: { summary: 'Every counter with what it serves and its waiting line' } },
    async () => {
      const now = Date.now();
      return [...state().counters.values()].map((c) => counterView(state(), c, now));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/counters/:id',
    { schema: { summary: 'One counter', params: counterParams, response: { 404: errorSchema } } },
    async (request, reply) => {
      const counter = state().counters.get(request.params.id);
      if (!counter) {
        return reply
          .code(404)
          .send({ error: { code: 'unknown_counter', message: `Không có quầy số ${request.params.id}.` } });
      }
      return counterView(state(), counter, Date.now());
    },
  );

  const counterAction = (path: string, summary: string, command: CounterCommand) => {
    app.post<{ Params: { id: number } }>(
      `/api/counters/:id/${path}`,
      { schema: { summary, params: counterParams, response: { 404: errorSchema, 409: errorSchema } } },
      async (request, reply) =>
        sendDecision(
          reply,
          service.run((s, ctx) => command(s, { counterId: request.params.id }, ctx)),
          (result) => result,
        ),
    );
  };
  counterAction('call-next', 'Call the next ticket (priority rules, then waiting time)', callNext);
  counterAction('recall', 'Call the current ticket again', recall);
  counterAction('start', 'Start serving the called ticket', startService);
  counterAction('finish', 'Finish the ticket being served', finishService);
  counterAction('no-show', 'Mark the called ticket absent', markNoShow);

  app.post<{ Params: { id: number }; Body: { display: string } }>(
    '/api/counters/:id/call-number',
    {
      schema: {
        summary: 'Call a given number (out of turn, or a no-show who came back)',
        params: counterParams,
        body: {
          type: 'object',
          properties: { display: { type: 'string', minLength: 1, maxLength: 16 } },
          required: ['display'],
          additionalProperties: false,
        },
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) =>
      sendDecision(
        reply,
        service.run((s, ctx) =>
          callNumber(s, { counterId: request.params.id, display: request.body.display.trim() }, ctx),
        ),
        (r) => r,
      ),
  );

  app.post<{ Params: { id: number }; Body: { toCounterId?: number | null; toProcedureId?: string | null } }>(
    '/api/counters/:id/transfer',
    {
      schema: {
        summary: 'Send the current ticket to another counter or procedure',
        params: counterParams,
        body: {
          type: 'object',
          properties: {
            toCounterId: { type: ['integer', 'null'], minimum: 1, maximum: 999 },
            toProcedureId: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
          },
          additionalProperties: false,
        },
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) =>
      sendDecision(
        reply,
        service.run((s, ctx) => transfer(s, { counterId: request.params.id, ...request.body }, ctx)),
        ticketView,
      ),
  );

  app.post<{ Params: { id: number }; Body: { state: CounterState } }>(
    '/api/counters/:id/state',
    {
      schema: {
        summary: 'Open, pause or close the counter',
        params: counterParams,
        body: {
          type: 'object',
          properties: { state: { type: 'string', enum: ['open', 'paused', 'closed'] } },
          required: ['state'],
          additionalProperties: false,
        },
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) =>
      sendDecision(
        reply,
        service.run((s, ctx) =>
          setCounterState(s, { counterId: request.params.id, state: request.body.state }, ctx),
        ),
        (counter) => counterStateMessage(service.state, counter, Date.now()),
      ),
  );

  app.get(
    '/api/devices',
    { schema: { summary: 'Registered devices: role, counter, online, version, last seen, printer state' } },
    async () => {
      const online = new Set(deps.connectedDevices());
      return deps.devices.list().map((d) => ({
        id: d.id,
        role: d.role,
        counterId: d.counterId,
        online: online.has(d.id),
        revoked: d.revokedAt !== null,
        version: d.status?.version ?? null,
        printer: d.status?.printer ?? null,
        fault: d.status?.fault ?? null,
        lastSeen: d.lastSeen,
      }));
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
    async (request, reply) => {
      const live = state().tickets.get(request.params.id);
      const ticket = live ?? service.store.ticketById(request.params.id);
      if (!ticket) {
        return reply
          .code(404)
          .send({ error: { code: 'unknown_ticket', message: 'Không tìm thấy số thứ tự này.' } });
      }
      const estimate = live && live.status === 'waiting' ? estimateWait(state(), live) : null;
      return { ...ticketView(ticket), estimate };
    },
  );
}
