import type { FastifyReply } from 'fastify';
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
