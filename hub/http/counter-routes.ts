// Officers' actions at a counter. Each needs a signed-in officer (or
// administrator) and is written to the audit log: who, what, when, which
// counter and which ticket.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {
  CallAnswer,
  CounterStateAnswer,
  TicketActionAnswer,
  TransferAnswer,
} from '../../shared/api/console.js';
import type { AccountStore } from '../auth/account-store.js';
import {
  callNext,
  callNumber,
  finishService,
  markNoShow,
  recall,
  startService,
  transfer,
} from '../queue/commands.js';
import { leaveCounter, setCounterState, type TakeResult, takeCounter } from '../queue/counters.js';
import type { Context, Counter, CounterState, Decision, QueueState } from '../queue/types.js';
import type { QueueService } from '../service/queue-service.js';
import { counterStateMessage, ticketView } from '../service/views.js';
import type { Guard } from './auth.js';
import { counterParams, errorSchema, sendDecision } from './route-helpers.js';

type CounterRequest = FastifyRequest<{ Params: { id: number } }>;
type CounterCommand = (
  state: QueueState,
  input: { counterId: number },
  ctx: Context,
) => Decision<CallAnswer | TicketActionAnswer>;

/** The ticket a counter action touched, for the audit log. */
function ticketIdOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const r = result as { id?: unknown; display?: unknown; ticket?: { id?: unknown } };
  if (typeof r.ticket?.id === 'string') return r.ticket.id;
  return typeof r.id === 'string' && typeof r.display === 'string' ? r.id : null;
}

export function registerCounterRoutes(
  app: FastifyInstance,
  deps: { service: QueueService; accounts: AccountStore; requireOfficer: Guard; clock: { now(): number } },
): void {
  const { service, accounts, requireOfficer } = deps;
  const now = () => deps.clock.now();

  const act = <R>(
    request: CounterRequest,
    action: string,
    decide: (s: QueueState, ctx: Context) => Decision<R>,
    detail?: unknown | ((result: R) => unknown),
  ): Promise<Decision<R>> => {
    // The audit row goes into the same transaction as the change: never a
    // change without its audit row or the other way round. Actions arriving
    // together (and kiosks' tickets, ratings) share one durable commit; the
    // answer leaves after it (QueueService.runGrouped).
    return service.runGrouped(decide, (result) =>
      accounts.audit(
        {
          username: request.account!.username,
          action,
          counterId: request.params.id,
          ticketId: ticketIdOf(result),
          detail: typeof detail === 'function' ? (detail as (r: R) => unknown)(result) : detail,
        },
        now(),
      ),
    );
  };

  const options = (summary: string, body?: object) => ({
    preHandler: requireOfficer,
    schema: {
      summary,
      params: counterParams,
      ...(body ? { body } : {}),
      response: { 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  });

  const simple: [string, string, CounterCommand][] = [
    ['call-next', 'Call the next ticket (priority rules, then waiting time)', callNext],
    ['recall', 'Call the current ticket again', recall],
    ['start', 'Start serving the called ticket', startService],
    ['finish', 'Finish the ticket being served', finishService],
    ['no-show', 'Mark the called ticket absent', markNoShow],
  ];
  /** The answer to a change of a counter: its new state, as the console shows it. */
  const counterState = (counter: Counter): CounterStateAnswer =>
    counterStateMessage(service.state, counter, now());
  /** A counter action without a body: POST /api/counters/:id/<path>, audited as <path>. */
  const action = <R>(
    path: string,
    summary: string,
    decide: (request: CounterRequest, state: QueueState, ctx: Context) => Decision<R>,
    view: (result: R) => unknown,
    detail?: (result: R) => unknown,
  ) =>
    app.post<{ Params: { id: number } }>(
      `/api/counters/:id/${path}`,
      options(summary),
      async (request, reply) =>
        sendDecision(reply, await act(request, path, (s, ctx) => decide(request, s, ctx), detail), view),
    );

  for (const [path, summary, command] of simple) {
    action(
      path,
      summary,
      (request, s, ctx) => command(s, { counterId: request.params.id }, ctx),
      (r): CallAnswer | TicketActionAnswer => r,
    );
  }

  app.post<{ Params: { id: number }; Body: { display: string } }>(
    '/api/counters/:id/call-number',
    options('Call a given number (out of turn, or a no-show who came back)', {
      type: 'object',
      properties: { display: { type: 'string', minLength: 1, maxLength: 16 } },
      required: ['display'],
      additionalProperties: false,
    }),
    async (request, reply) => {
      const display = request.body.display.trim();
      return sendDecision(
        reply,
        await act(
          request,
          'call-number',
          (s, ctx) => callNumber(s, { counterId: request.params.id, display }, ctx),
          {
            display,
          },
        ),
        (r): CallAnswer => r,
      );
    },
  );

  app.post<{ Params: { id: number }; Body: { toCounterId?: number | null; toProcedureId?: string | null } }>(
    '/api/counters/:id/transfer',
    options('Send the current ticket to another counter or procedure', {
      type: 'object',
      properties: {
        toCounterId: { type: ['integer', 'null'], minimum: 1, maximum: 999 },
        toProcedureId: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
      },
      additionalProperties: false,
    }),
    async (request, reply) =>
      sendDecision(
        reply,
        await act(
          request,
          'transfer',
          (s, ctx) => transfer(s, { counterId: request.params.id, ...request.body }, ctx),
          request.body,
        ),
        (t): TransferAnswer => ticketView(t),
      ),
  );

  app.post<{ Params: { id: number }; Body: { state: CounterState } }>(
    '/api/counters/:id/state',
    options('Open, pause or close the counter', {
      type: 'object',
      properties: { state: { type: 'string', enum: ['open', 'paused', 'closed'] } },
      required: ['state'],
      additionalProperties: false,
    }),
    async (request, reply) =>
      sendDecision(
        reply,
        await act(request, `state-${request.body.state}`, (s, ctx) =>
          setCounterState(s, { counterId: request.params.id, state: request.body.state }, ctx),
        ),
        counterState,
      ),
  );

  // An officer takes a counter: calls and services there carry the officer's
  // name until another officer takes it, the officer leaves, or it closes. An
  // officer sits at one counter at a time: taking another moves them (the
  // audit row names the counter they left and the officer they replaced).
  // Either way it is the signed-in officer who sits down or gets up, and the
  // answer is the counter's new state.
  const seated = (request: CounterRequest) => ({
    counterId: request.params.id,
    officer: request.account!.username,
  });
  action(
    'take',
    'The signed-in officer takes the counter (and leaves the one they held)',
    (request, s, ctx) => takeCounter(s, seated(request), ctx),
    (r: TakeResult) => counterState(r.counter),
    (r) => (r.movedFrom.length || r.replaced ? { movedFrom: r.movedFrom, replaced: r.replaced } : undefined),
  );
  action(
    'leave',
    'The signed-in officer leaves the counter, which closes',
    (request, s, ctx) => leaveCounter(s, seated(request), ctx),
    counterState,
  );
}
