import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Decision } from '../queue/types.js';

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
};

export const counterParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: 999 } },
  required: ['id'],
} as const;

/** Every error leaves as `{ error: { code, message } }` with a message a person can act on. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

// Refusals of "nothing by that name" are 404; every other refusal is a
// conflict with the current queue state.
function statusForRefusal(code: string): number {
  return code.startsWith('unknown_') ? 404 : 409;
}

export function sendDecision<R>(reply: FastifyReply, decision: Decision<R>, view: (result: R) => unknown) {
  if (!decision.ok)
    return reply.code(statusForRefusal(decision.code)).send(errorBody(decision.code, decision.message));
  return reply.send(view(decision.result));
}

/** An address as limits count it: an IPv4 client of a dual-stack socket without its "::ffff:" prefix. */
export function normalAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The client's own address (the hub trusts no forwarding header). */
export function clientAddress(request: FastifyRequest): string {
  return normalAddress(request.ip);
}

/**
 * Options of an administration route: the guard first, then the route's own
 * input check (attachValidation: the refusal is worded in Vietnamese there),
 * with the error answers it may give.
 */
export function adminRouteOptions(
  guard: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
  summary: string,
  schema: Record<string, unknown> = {},
  errorStatuses: readonly number[] = [400, 401, 403, 404, 409],
) {
  return {
    preHandler: guard,
    attachValidation: true,
    schema: {
      summary,
      tags: ['administration'],
      ...schema,
      response: Object.fromEntries(errorStatuses.map((status) => [status, errorSchema])),
    },
  };
}
