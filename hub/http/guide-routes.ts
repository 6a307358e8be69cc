// The touch-screen guide's API: read-only views for the screens (open to the
// LAN, like the board), and the cards' editing for administrators.

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GuideAnswer, GuideLinesAnswer } from '../../shared/api/guide.js';
import { GUIDE_LIMITS, refuseGuide } from '../guide/card.js';
import { CATALOGUE_ID_PATTERN } from '../queue/catalogue.js';
import type { GuideSaved, GuideService } from '../service/guide.js';
import { validationMessage } from './admin-validation.js';
import { adminRouteOptions, errorBody, errorSchema } from './route-helpers.js';
import type { RouteDeps } from './server.js';

const procedureParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: CATALOGUE_ID_PATTERN.source } },
  required: ['id'],
} as const;

// Types and an outer bound on sizes; the card checker (hub/guide/card.ts)
// applies the real limits with a sentence an administrator can act on.
const L = GUIDE_LIMITS;
const text = (max: number) => ({ type: 'string', maxLength: max * 2 }) as const;
const lines = (items: number, max: number) =>
  ({ type: 'array', maxItems: items * 2, items: text(max) }) as const;
const count = { type: 'integer', minimum: 0, maximum: 1000 } as const;
const guideBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    documents: {
      type: 'array',
      maxItems: L.documents * 2,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: text(L.name), originals: count, copies: count, note: text(L.note) },
      },
    },
    fee: text(L.fee),
    timeLimit: text(L.timeLimit),
    legalBasis: lines(L.legalBasis, L.legalLine),
    onlineUrl: text(L.onlineUrl),
    notes: text(L.notes),
    keywords: lines(L.keywords, L.keyword),
    checkedOn: { type: ['string', 'null'], maxLength: 10 },
  },
} as const;

function statusOf(code: string): number {
  if (code === 'unknown_procedure' || code === 'no_card') return 404;
  return 400;
}

export function registerGuideRoutes(app: FastifyInstance, deps: RouteDeps & { guide: GuideService }): void {
  const { guide, requireAdmin } = deps;

  app.get(
    '/api/guide',
    {
      schema: { summary: 'Touch-screen guide: fields, procedures, their cards and counters, and the lines' },
    },
    async (): Promise<GuideAnswer> => guide.content(),
  );
  app.get(
    '/api/guide/lines',
    {
      schema: {
        summary: 'Per procedure: people ahead of a ticket taken now and the estimated wait; counter states',
      },
    },
    async (): Promise<GuideLinesAnswer> => guide.lines(),
  );
  app.get<{ Params: { id: string } }>(
    '/api/guide/procedures/:id/qr.svg',
    {
      schema: {
        summary: "QR code (SVG) of the procedure's page on the national public-service portal",
        params: procedureParams,
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const svg = await guide.qrSvg(request.params.id);
      if (!svg) {
        const refusal = refuseGuide('no_online_url', { procedureId: request.params.id });
        return reply.code(404).send(errorBody(refusal.code, refusal.message));
      }
      const etag = `"${createHash('sha1').update(svg).digest('base64url').slice(0, 16)}"`;
      reply
        .header('etag', etag)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        // An SVG opened on its own is a document: no scripts, nothing from elsewhere.
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type('image/svg+xml').send(svg);
    },
  );

  // ------------------------------------------------------------ administration

  const options = (summary: string, schema: Record<string, unknown> = {}) =>
    adminRouteOptions(requireAdmin, summary, schema, [400, 401, 403, 404]);
  const refusedInput = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const error = request.validationError;
    if (!error) return false;
    reply
      .code(400)
      .send(errorBody('bad_request', validationMessage(error.validation ?? [], error.validationContext)));
    return true;
  };
  const answer = (reply: FastifyReply, result: GuideSaved, action: string, user: string) => {
    if (!result.ok) return reply.code(statusOf(result.code)).send(errorBody(result.code, result.message));
    deps.log.info('administration', { user, action, procedure: result.guide.procedureId });
    return result.guide;
  };

  app.get('/api/admin/guide', options('Every procedure with its guide card'), async () => guide.adminList());

  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/admin/guide/:id',
    options("Write a procedure's guide card (plain text parts; the office's own from then on)", {
      params: procedureParams,
      body: guideBody,
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const user = request.account!.username;
      return answer(reply, guide.save(request.params.id, request.body, user), 'guide-edit', user);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/admin/guide/:id',
    options("Remove a procedure's guide card", { params: procedureParams }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const user = request.account!.username;
      return answer(reply, guide.remove(request.params.id, user), 'guide-remove', user);
    },
  );
}
