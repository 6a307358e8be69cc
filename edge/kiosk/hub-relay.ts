// The touch screen's window on the hub, through the kiosk program
// (docs/kiosk.md, "Touch screen"). The screen's browser opens the guide
// page from this program on the loopback address, so the page, its data and
// its "Lấy số" endpoint share one origin: no cross-origin requests, nothing
// to allow from elsewhere. The relay fetches only a fixed list of the hub's
// paths, GET only, with time-outs and a size bound, and forwards no header
// of the browser's. What the screen needs to open (the page, its scripts and
// styles, the guide's content, QR codes) is kept in memory and on disk
// (<dataDir>/guide-cache.json), so after a power cut with the hub still away
// the screen opens from the copy, and a ticket is still printed from the
// number lease. The latest guide content also gives the documents printed
// under a ticket.

import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Logger } from '../../shared/log/logger.js';
import { type GuideContent, guideContent } from '../../shared/protocol/guide.js';
import { JsonStateFile } from '../../shared/storage/json-state-file.js';
import type { TicketDocument } from './ticket-render.js';

export const GUIDE_CACHE_FILE = 'guide-cache.json';

/** How a path of the hub is relayed: kept for the next outage, passed on, or streamed. */
export type RelayKind = 'kept' | 'live' | 'stream';

const ASSET = /^\/assets\/[A-Za-z0-9_-]{1,64}\.(js|css|svg|png|ico)$/;
const QR = /^\/api\/guide\/procedures\/[a-z0-9][a-z0-9-]{0,63}\/qr\.svg$/;

/** The hub paths the screen may ask for; anything else is not relayed at all. */
export function relayKind(pathname: string): RelayKind | null {
  if (pathname === '/guide' || pathname === '/api/guide' || ASSET.test(pathname) || QR.test(pathname))
    return 'kept';
  if (pathname === '/api/guide/lines') return 'live';
  if (pathname === '/api/events') return 'stream';
  return null;
}

/** Headers of the hub's answer that reach the browser (nothing else does). */
const PASSED_HEADERS = [
  'content-type',
  'etag',
  'cache-control',
  'content-security-policy',
  'x-frame-options',
  'x-content-type-options',
  'retry-after',
] as const;

/** A larger answer from the hub is refused (the largest page asset is tens of KiB). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_KEPT = 200;
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
const SAVE_AFTER_MS = 2000;

const entrySchema = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  /** base64 */
  body: z.string(),
  savedAt: z.number(),
});
type Entry = z.infer<typeof entrySchema>;
const cacheSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), entrySchema) });
type CacheData = z.infer<typeof cacheSchema>;

export interface RelayAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Served from the copy because the hub did not answer. */
  fromCopy: boolean;
}

export interface RelayOptions {
  /** The hub's base URL (config hub.httpUrl). */
  hubUrl: string;
  dataDir: string;
  log: Logger;
  /** Time for one answer from the hub (default 3 s). */
  timeoutMs?: number;
  now?: () => number;
}

export class HubRelay {
  private readonly kept = new Map<string, Entry>();
  private guide: GuideContent | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly timeoutMs: number;

  private constructor(
    private readonly options: RelayOptions,
    private readonly file: JsonStateFile<CacheData>,
  ) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3000;
    for (const [path, entry] of Object.entries(file.data.entries)) {
      if (relayKind(path) === 'kept') this.kept.set(path, entry);
    }
    this.learnGuide(this.kept.get('/api/guide'));
  }

  static async open(options: RelayOptions): Promise<HubRelay> {
    // A damaged copy is a cache: kept aside and started afresh, never a reason not to start.
    const file = await JsonStateFile.open<CacheData>({
      path: join(options.dataDir, GUIDE_CACHE_FILE),
      schema: cacheSchema,
      empty: () => ({ version: 1, entries: {} }),
      log: options.log,
      ...(options.now ? { now: options.now } : {}),
    });
    return new HubRelay(options, file);
  }

  /** The damage found in the copy at start (for the device status), or null. */
  get damage() {
    return this.file.damage;
  }

  private url(pathname: string): URL {
    return new URL(pathname, this.options.hubUrl);
  }

  /** GET a relayed path (`kept` or `live`) from the hub; the copy when the hub does not answer. */
  async get(pathname: string): Promise<RelayAnswer> {
    const kind = relayKind(pathname);
    if (kind !== 'kept' && kind !== 'live') throw new Error(`not a relayed path: ${pathname}`);
    let answer: RelayAnswer | null = null;
    try {
      const res = await fetch(this.url(pathname), {
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > MAX_BODY_BYTES) throw new Error(`answer of ${length} bytes`);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > MAX_BODY_BYTES) throw new Error(`answer of ${body.length} bytes`);
      const headers: Record<string, string> = {};
      for (const name of PASSED_HEADERS) {
        const value = res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      // A hub that cannot answer right now (restarting, a store fault) is no better than no hub.
      if (res.status < 500) answer = { status: res.status, headers, body, fromCopy: false };
    } catch (error) {
      this.options.log.debug('hub did not answer the screen', {
        path: pathname,
        error: (error as Error).message,
      });
    }
    if (answer && answer.status === 200 && kind === 'kept') this.keep(pathname, answer);
    if (answer) return answer;
    const copy = kind === 'kept' ? this.kept.get(pathname) : undefined;
    if (copy) {
      return {
        status: copy.status,
        headers: copy.headers,
        body: Buffer.from(copy.body, 'base64'),
        fromCopy: true,
      };
    }
    return { status: 503, headers: {}, body: Buffer.alloc(0), fromCopy: false };
  }

  /** Stream the hub's live events to the browser; false (nothing written) when the hub does not answer. */
  async stream(pathname: string, res: ServerResponse): Promise<boolean> {
    if (relayKind(pathname) !== 'stream') throw new Error(`not a streamed path: ${pathname}`);
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on('close', onClose);
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let upstream: Response;
    try {
      upstream = await fetch(this.url(pathname), {
        redirect: 'manual',
        signal: abort.signal,
        headers: { accept: 'text/event-stream' },
      });
    } catch {
      res.off('close', onClose);
      return false;
    } finally {
      clearTimeout(timer);
    }
    if (upstream.status !== 200 || !upstream.body) {
      abort.abort();
      res.off('close', onClose);
      return false;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    const body = Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream);
    body.on('error', () => res.destroy());
    body.pipe(res);
    return true;
  }

  /** The documents to bring for a procedure, from the guide content (fetched when none is known yet). */
  async documentsOf(procedureId: string): Promise<TicketDocument[] | null> {
    if (!this.guide) await this.get('/api/guide');
    for (const field of this.guide?.fields ?? []) {
      const p = field.procedures.find((x) => x.id === procedureId);
      if (p) {
        const docs = p.card?.documents ?? [];
        return docs.length
          ? docs.map((d) => ({ name: d.name, copiesText: d.copiesText, note: d.note }))
          : null;
      }
    }
    return null;
  }

  private learnGuide(entry: Pick<Entry, 'body'> | undefined): void {
    if (!entry) return;
    try {
      const parsed = guideContent.safeParse(JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')));
      if (parsed.success) this.guide = parsed.data;
      else this.options.log.warn('guide content from the hub not understood: no documents printed from it');
    } catch {
      // Not JSON: keep what was known.
    }
  }

  private keep(pathname: string, answer: RelayAnswer): void {
    const body = answer.body.toString('base64');
    const before = this.kept.get(pathname);
    if (pathname === '/api/guide') this.learnGuide({ body });
    if (before && before.body === body && before.headers.etag === answer.headers.etag) return;
    this.kept.set(pathname, { status: 200, headers: answer.headers, body, savedAt: this.now() });
    // Bounded: the oldest copies go first.
    let total = [...this.kept.values()].reduce((n, e) => n + e.body.length, 0);
    const oldest = [...this.kept.entries()].sort((a, b) => a[1].savedAt - b[1].savedAt);
    while ((this.kept.size > MAX_KEPT || total > MAX_KEPT_BYTES) && oldest.length) {
      const [path, entry] = oldest.shift()!;
      this.kept.delete(path);
      total -= entry.body.length;
    }
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, SAVE_AFTER_MS);
    this.saveTimer.unref();
  }

  private save(): Promise<unknown> {
    const entries = Object.fromEntries(this.kept);
    this.saving = this.saving
      .then(() =>
        this.file.update((data) => {
          data.entries = entries;
        }),
      )
      .catch((error: unknown) =>
        this.options.log.warn('guide copy not saved', { error: (error as Error).message }),
      );
    return this.saving;
  }

  /** Write what is pending (at stop). */
  async close(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
      await this.save();
    }
    await this.saving;
  }
}
