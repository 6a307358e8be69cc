import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from '../../shared/log/logger.js';
import { type ApiDeps, registerApiRoutes } from './api-routes.js';

export interface HttpOptions extends ApiDeps {
  host: string;
  port: number;
  log: Logger;
  version: string;
}

/** Every error leaves as `{ error: { code, message } }` with a message a person can act on. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export async function startHttp(options: HttpOptions): Promise<{ app: FastifyInstance; port: number }> {
  const { log } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // The hub sits on a LAN; requests should be short.
    requestTimeout: 15_000,
  });
  // Path parameters arrive as text and are coerced ("3" → 3); bodies are
  // taken as sent, so `{"display": 1023}` is refused rather than guessed at.
  const lenient = new Ajv({ coerceTypes: true, allErrors: true, removeAdditional: false });
  const strict = new Ajv({ coerceTypes: false, allErrors: true, removeAdditional: false });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : lenient).compile(schema),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hub API: hệ thống xếp hàng tự động',
        description:
          'Counter actions, queue state and catalogue of the one-stop office hub. Errors are JSON `{ error: { code, message } }`.',
        version: options.version,
      },
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const details = error.validation
        .map(
          (v) =>
            `${error.validationContext ?? 'request'}${v.instancePath || ''}: ${v.message ?? 'is invalid'}`,
        )
        .join('; ');
      return reply.code(400).send(errorBody('bad_request', details));
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      log.error('request failed', { method: request.method, url: request.url, error });
      return reply
        .code(500)
        .send(errorBody('hub_error', 'the hub could not complete the request; try again'));
    }
    // Fastify's own client errors (bad JSON, body too large, wrong content type).
    return reply.code(status).send(errorBody(error.code?.toLowerCase() ?? 'bad_request', error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url}`)),
  );

  registerApiRoutes(app, options);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { app, port };
}
