// The web pages: plain HTML, CSS and ES modules from hub/web, no build step.
// Files are read once at start into a fixed table, so a request path can
// only ever name one of them (no path traversal), and each has an ETag.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { uiTextModules } from '../../shared/text/vi.js';
import { appRoot } from '../../shared/version.js';
import { expandHead } from './page-head.js';
import { expandParts } from './page-parts.js';
import { errorBody } from './route-helpers.js';

export const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

// Pages run only our own scripts and styles: no inline code, no other origin.
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
}

/**
 * A page file, its `<!--#head …-->` line (page-head.ts) and `<!--#part …-->`
 * lines (page-parts.ts, parts from web/parts beside web/pages) written out.
 */
export function loadPage(path: string): Asset {
  const html = expandParts(
    expandHead(readFileSync(path, 'utf8'), path),
    path,
    join(dirname(dirname(path)), 'parts'),
  );
  return asset(Buffer.from(html), TYPES['.html']!);
}

export function loadDir(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const ext = extname(name);
    const type = TYPES[ext];
    if (ext === '.html') out.set(name, loadPage(join(dir, name)));
    else if (type) out.set(name, asset(readFileSync(join(dir, name)), type));
  }
  return out;
}

export function sendAsset(request: FastifyRequest, reply: FastifyReply, a: Asset, cache: string) {
  reply.header('etag', a.etag).header('cache-control', cache).header('x-content-type-options', 'nosniff');
  if (a.type.startsWith('text/html'))
    reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY');
  if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
  return reply.type(a.type).send(a.body);
}

/** Page name → file in hub/web/pages (the ticket lookup page serves every /t/<id>). */
export const PAGES = ['login', 'console', 'board', 'admin', 'reports', 'ticket', 'guide'] as const;

export interface PagesOptions {
  /** The office (hub config `site`): every page shows times in its zone, whatever the browser's. */
  site?: { name: string; timeZone: string };
  webDir?: string;
}

export function registerPages(app: FastifyInstance, options: PagesOptions = {}): void {
  const webDir = options.webDir ?? join(appRoot(), 'hub', 'web');
  const pages = loadDir(join(webDir, 'pages'));
  const assets = loadDir(join(webDir, 'assets'));
  // The texts of shared/text/vi.ts for the browser, as ES modules: text.js for every page, text-<page>.js for one.
  for (const [name, tables] of Object.entries(uiTextModules)) {
    assets.set(
      `${name}.js`,
      asset(Buffer.from(`export default ${JSON.stringify(tables)};\n`), TYPES['.js']!),
    );
  }
  // The office's name and time zone, as an ES module the pages import before drawing anything.
  const site = options.site ?? { name: '', timeZone: 'Asia/Ho_Chi_Minh' };
  assets.set(
    'site.js',
    asset(
      Buffer.from(`export default ${JSON.stringify({ name: site.name, timeZone: site.timeZone })};\n`),
      TYPES['.js']!,
    ),
  );

  const page = (name: string) => {
    const a = pages.get(`${name}.html`);
    if (!a) throw new Error(`missing page hub/web/pages/${name}.html`);
    return a;
  };
  for (const name of PAGES) page(name); // fail at start, not at the first visit

  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console'));
  for (const name of PAGES.filter((p) => p !== 'ticket')) {
    app.get(`/${name}`, { schema: { hide: true } }, async (request, reply) =>
      sendAsset(request, reply, page(name), 'no-cache'),
    );
  }
  app.get('/t/:id', { schema: { hide: true } }, async (request, reply) =>
    sendAsset(request, reply, page('ticket'), 'no-cache'),
  );
  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    { schema: { hide: true } },
    async (request, reply) => {
      const a = assets.get(request.params.name);
      if (!a) return reply.code(404).send(errorBody('not_found', `no asset ${request.params.name}`));
      return sendAsset(request, reply, a, 'no-cache');
    },
  );
}
