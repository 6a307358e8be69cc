// The kiosk program's loopback HTTP server for a touch screen on its Pi
// (docs/kiosk.md, "Touch screen"). Chromium in kiosk mode opens
// http://127.0.0.1:<port>/guide: the hub's guide page, relayed (hub-relay.ts),
// and on the same origin the screen's two own routes:
//   GET  /api/kiosk           this kiosk's state (can it print now?)
//   POST /api/kiosk/tickets   {pressId, procedureId, documents?}: issue and print
// The ticket goes through the kiosk exactly like a button press (a durable
// number from the hub or the lease, the outbox, one print at a time), so the
// page never holds the device's credential.
//
// Who may ask: the server listens on 127.0.0.1 only. A request must name
// this server in its Host header (a page of another site whose name resolves
// to 127.0.0.1, "DNS rebinding", is refused), and a POST must come from this
// origin (Origin header, and Sec-Fetch-Site when the browser sends it) as
// application/json: a page of another origin, local or not, cannot send
// that without a CORS preflight, and this server answers no preflight and
// sends no CORS header at all. A flood of presses is bounded: one ticket
// printed at a time, a few waiting, `ticketsPerMinute` in any 60 s, and a
// repeated press id gets the first press's answer instead of a second ticket.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Logger } from '../../shared/log/logger.js';
import { kioskFaultText, touchText } from '../../shared/text/vi/kiosk.js';
import { fillText } from '../../shared/text/vi.js';
import type { HubRelay } from './hub-relay.js';
import { relayKind } from './hub-relay.js';
import type { NotPrinted, TicketOutcome } from './kiosk.js';
import type { PrinterState } from './printer-state.js';
import type { TicketDocument } from './ticket-render.js';

const MAX_BODY_BYTES = 4096;
/** Press ids remembered, with their answers (a repeat gets the same answer). */
const REMEMBERED_PRESSES = 200;
const WINDOW_MS = 60_000;
/** Streams of live events at once (one screen; a reload may briefly hold two). */
const MAX_STREAMS = 4;

const takeRequest = z.strictObject({
  /** Made by the page for each press; a repeat (a retried request) is the same press. */
  pressId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  procedureId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
  /** Print the procedure's documents to bring under the ticket. */
  documents: z.boolean().optional(),
});

export interface ScreenStatus {
  deviceId: string;
  /** Could a ticket be printed now? */
  canPrint: boolean;
  /** Why not: the printer, or no number (hub away and no leased number left). */
  reason: 'printer' | 'no_number' | null;
  printer: PrinterState | null;
  hubConnected: boolean;
  /** Numbers held in advance for printing while the hub is away. */
  leasedNumbers: number;
}

/** What the server needs of the kiosk. */
export interface TouchKiosk {
  takeTicket(choice: { procedureId: string; documents?: TicketDocument[] | null }): Promise<TicketOutcome>;
  screenStatus(): ScreenStatus;
}

export interface TouchServerOptions {
  /** Loopback port; 0: any free one (tests). */
  port: number;
  ticketsPerMinute: number;
  /** Print documents under a ticket when asked. */
  documents: boolean;
  kiosk: TouchKiosk;
  relay: HubRelay;
  log: Logger;
  /** Monotonic milliseconds (rate limit). */
  clock?: () => number;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const error = (status: number, code: string, message: string, headers?: Record<string, string>): Answer => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

/** The page's words for an outcome without a ticket. */
export function notPrintedAnswer(why: NotPrinted): Answer {
  switch (why.code) {
    case 'printer': {
      const fault = why.printer ? kioskFaultText[why.printer as keyof typeof kioskFaultText] : undefined;
      return error(503, 'printer', fillText(touchText.printer, { fault: fault ?? kioskFaultText.error }));
    }
    case 'refused':
      return error(409, why.refusal?.code ?? 'refused', why.refusal?.message ?? touchText.error);
    case 'unavailable':
      return error(503, 'no_number', touchText.noNumber);
    case 'print_failed':
      return error(502, 'print_failed', fillText(touchText.printFailed, { display: why.display ?? '' }));
    case 'busy':
      return error(429, 'busy', touchText.busy, { 'retry-after': '5' });
    default:
      return error(500, 'error', touchText.error);
  }
}

export class TouchServer {
  private readonly server: Server;
  private readonly presses = new Map<string, Promise<Answer>>();
  private readonly taken: number[] = [];
  private streams = 0;
  private readonly clock: () => number;
  port = 0;

  private constructor(private readonly options: TouchServerOptions) {
    this.clock = options.clock ?? (() => performance.now());
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        options.log.error('touch screen request failed', { error: (e as Error).message });
        if (!res.headersSent) this.send(res, error(500, 'error', touchText.error));
        else res.destroy();
      });
    });
    // Loopback only, one screen: small bounds are plenty.
    this.server.maxConnections = 64;
    this.server.headersTimeout = 5000;
    this.server.requestTimeout = 10_000;
    this.server.keepAliveTimeout = 5000;
  }

  static async start(options: TouchServerOptions): Promise<TouchServer> {
    const touch = new TouchServer(options);
    await new Promise<void>((resolve, reject) => {
      touch.server.once('error', reject);
      touch.server.listen(options.port, '127.0.0.1', () => {
        touch.server.off('error', reject);
        resolve();
      });
    });
    touch.port = (touch.server.address() as AddressInfo).port;
    options.log.info('touch screen page served on the loopback address', {
      url: `http://127.0.0.1:${touch.port}/guide`,
      ticketsPerMinute: options.ticketsPerMinute,
    });
    return touch;
  }

  /** Names this server answers to: the loopback address or "localhost", with its port. */
  private ownHost(host: string | undefined): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private ownOrigin(origin: string | undefined): boolean {
    return origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`;
  }

  private send(res: ServerResponse, answer: Answer): void {
    const body = Buffer.from(JSON.stringify(answer.body));
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...answer.headers,
    });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { log } = this.options;
    if (!this.ownHost(req.headers.host)) {
      log.warn('touch screen: request for another host refused', { host: req.headers.host });
      return this.send(res, error(421, 'wrong_host', touchText.foreign));
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', `http://${req.headers.host}`).pathname;
    } catch {
      return this.send(res, error(400, 'bad_request', touchText.badRequest));
    }
    if (pathname === '/api/kiosk/tickets') {
      if (req.method !== 'POST')
        return this.send(res, error(405, 'method_not_allowed', touchText.badRequest, { allow: 'POST' }));
      return this.send(res, await this.take(req));
    }
    if (req.method !== 'GET') {
      return this.send(res, error(405, 'method_not_allowed', touchText.badRequest, { allow: 'GET' }));
    }
    if (pathname === '/') {
      res.writeHead(302, { location: '/guide', 'content-length': 0 });
      return void res.end();
    }
    if (pathname === '/api/kiosk')
      return this.send(res, { status: 200, body: this.options.kiosk.screenStatus() });
    const kind = relayKind(pathname);
    if (kind === 'stream') return this.stream(pathname, res);
    if (kind === 'kept' || kind === 'live') return this.relay(pathname, req, res);
    return this.send(res, error(404, 'not_found', touchText.notFound));
  }

  private async relay(pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = await this.options.relay.get(pathname);
    if (answer.status === 503 && answer.body.length === 0) {
      if (pathname === '/guide') return this.waitingPage(res);
      return this.send(res, error(503, 'hub_unreachable', touchText.hubAway, { 'retry-after': '5' }));
    }
    const etag = answer.headers.etag;
    const headers: Record<string, string | number> = { ...answer.headers };
    if (answer.fromCopy) headers['x-qms-copy'] = '1';
    if (etag && req.headers['if-none-match'] === etag && answer.status === 200) {
      res.writeHead(304, headers);
      return void res.end();
    }
    headers['content-length'] = answer.body.length;
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  private async stream(pathname: string, res: ServerResponse): Promise<void> {
    if (this.streams >= MAX_STREAMS) {
      return this.send(res, error(429, 'too_many_streams', touchText.busy, { 'retry-after': '10' }));
    }
    this.streams++;
    res.once('close', () => {
      this.streams--;
    });
    if (!(await this.options.relay.stream(pathname, res)))
      this.send(res, error(503, 'hub_unreachable', touchText.hubAway, { 'retry-after': '5' }));
  }

  /** No copy of the page yet and no hub: a page that asks again by itself (no script needed). */
  private waitingPage(res: ServerResponse): void {
    const body = Buffer.from(
      `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">` +
        `<title>${touchText.waitingTitle}</title></head><body style="font:32px sans-serif;margin:10vh 8vw">` +
        `<h1>${touchText.waitingTitle}</h1><p>${touchText.waitingText}</p></body></html>`,
    );
    res.writeHead(503, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
      'retry-after': '10',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    res.end(body);
  }

  // ------------------------------------------------------------ "Lấy số"

  private async take(req: IncomingMessage): Promise<Answer> {
    const { log } = this.options;
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (!this.ownOrigin(origin) || (site !== undefined && site !== 'same-origin')) {
      log.warn('touch screen: ticket request from another origin refused', { origin, site });
      return error(403, 'foreign_origin', touchText.foreign);
    }
    const type = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
    if (type !== 'application/json') return error(415, 'json_required', touchText.badRequest);
    const text = await readBody(req);
    if (text === null) return error(413, 'too_large', touchText.badRequest, { connection: 'close' });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return error(400, 'bad_json', touchText.badRequest);
    }
    const parsed = takeRequest.safeParse(json);
    if (!parsed.success) {
      log.warn('touch screen: bad ticket request', { problem: parsed.error.issues[0]?.message });
      return error(400, 'bad_request', touchText.badRequest);
    }
    const { pressId, procedureId, documents } = parsed.data;
    // The same press again (a retry): the first one's answer, never a second ticket.
    const seen = this.presses.get(pressId);
    if (seen) return seen;
    const now = this.clock();
    while (this.taken.length && now - this.taken[0]! >= WINDOW_MS) this.taken.shift();
    if (this.taken.length >= this.options.ticketsPerMinute) {
      const seconds = Math.max(1, Math.ceil((WINDOW_MS - (now - this.taken[0]!)) / 1000));
      log.warn('touch screen: too many tickets in a minute', { limit: this.options.ticketsPerMinute });
      return error(429, 'too_many_tickets', fillText(touchText.tooMany, { seconds }), {
        'retry-after': String(seconds),
      });
    }
    this.taken.push(now);
    const answer = this.issue(procedureId, documents === true && this.options.documents);
    this.presses.set(pressId, answer);
    if (this.presses.size > REMEMBERED_PRESSES) this.presses.delete(this.presses.keys().next().value!);
    return answer;
  }

  private async issue(procedureId: string, withDocuments: boolean): Promise<Answer> {
    const documents = withDocuments ? await this.options.relay.documentsOf(procedureId) : null;
    const outcome = await this.options.kiosk.takeTicket({ procedureId, documents });
    if (!outcome.ok) return notPrintedAnswer(outcome.why);
    const { view, kind } = outcome.ticket;
    return {
      status: 200,
      body: {
        display: view.display,
        kind,
        procedureName: view.procedureName,
        ahead: view.ahead,
        estimatedWaitSeconds: view.estimatedWaitSeconds,
        documents: Boolean(view.documents?.length),
      },
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The body as text, or null when it is larger than a ticket request can be. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      return resolve(null);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Read no more of it; the answer closes the connection.
        req.pause();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
