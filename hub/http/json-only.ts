// State-changing API requests are accepted only as `application/json`, with
// a body (`{}` for actions that need no data). A browser sends text/plain,
// form-urlencoded and multipart bodies to another site without asking it
// first (no CORS preflight), but a JSON body only after a preflight this hub
// never grants: beside the Origin check and SameSite cookies (auth.ts), this
// keeps another page from acting on the hub. It also makes the routes
// consistent: a body-less or text/plain POST used to reach some handlers.
// The check runs before the body is read; the refusal closes the connection
// so an unread body is not drained.

import type { FastifyInstance } from 'fastify';
import { httpText } from '../../shared/text/vi/http.js';
import { errorBody } from './route-helpers.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `application/json`, with any parameters (`; charset=utf-8`), in any letter case. */
export function isJsonType(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

export function requireJsonBodies(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!STATE_CHANGING.has(request.method) || !request.url.startsWith('/api/')) return;
    if (isJsonType(request.headers['content-type'])) return;
    return reply
      .code(415)
      .header('connection', 'close')
      .send(errorBody('json_required', httpText.jsonRequired));
  });
}
