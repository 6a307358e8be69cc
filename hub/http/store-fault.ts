// The HTTP side of a store fault (hub/store/store-health.ts): errors that
// escape a route are shown to the store's health first; while the store is
// damaged, changes are refused up front with 503 `store_fault` instead of
// being tried (and failing) one by one. Reading stays possible, and so does
// signing in and out, so an administrator can reach the admin page's banner.

import type { FastifyInstance } from 'fastify';
import { adminText } from '../../shared/text/vi/admin.js';
import type { StoreHealth } from '../store/store-health.js';
import { errorBody } from './route-helpers.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const storeFaultBody = () => errorBody('store_fault', adminText.storeFault.refused);

export function registerStoreFaultGuard(app: FastifyInstance, health: StoreHealth): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!health.refusingChanges || READS.has(request.method)) return;
    if (request.url === '/api/session' || request.url.startsWith('/api/session?')) return;
    return reply.code(503).send(storeFaultBody());
  });
}

/**
 * For the error handler: records a store fault; a lasting one (damaged or
 * vanished store) gets 503 store_fault, since "try again" cannot help.
 * Null: not a lasting store fault, answer as usual.
 */
export function storeFaultResponse(health: StoreHealth | undefined, error: unknown) {
  const fault = health?.observe(error);
  return fault?.lasting ? { status: 503, body: storeFaultBody() } : null;
}
