// The kiosk program's touch-screen server (edge/kiosk/touch-server.ts) with a
// real hub, over real loopback HTTP: "Lấy số" issues a ticket the hub stores
// and prints it, with the documents to bring, as ESC/POS to the printer
// transport (a file; a socat pty for a printer out of paper); requests from
// another origin, another host name (DNS rebinding), of the wrong type, too
// large or malformed are refused and print nothing; a repeated press prints
// once; a flood of presses is bounded; with the hub gone the page opens from
// the kept copy and the ticket comes from the number lease.

import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRaster, ticketDots } from '../../edge/kiosk/escpos.js';
import type { PrintedTicket } from '../../edge/kiosk/kiosk.js';
import { startKiosk } from '../../edge/kiosk/main.js';
import { renderTicket } from '../../edge/kiosk/ticket-render.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { expectSameDots, FakeSerialPrinter, ptyPair, waitFor } from '../helpers/pty.js';

const dir = tempDir('qms-kiosk-touch-');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
// Three hubs and their kiosks stop one after the other: more than the default hook time on a busy machine.
afterAll(async () => {
  // Each step has a deadline of its own, so a stop that hangs is named.
  for (const c of cleanup.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.resolve(c()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`clean-up step hung for 30 s: ${String(c)}`)), 30_000);
      }),
    ]).finally(() => clearTimeout(timer));
  }
  dir.remove();
}, 90_000);

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host). */
function raw(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** "Lấy số" as the page sends it. */
function take(port: number, body: unknown, headers: Record<string, string> = {}) {
  return raw(port, {
    method: 'POST',
    path: '/api/kiosk/tickets',
    headers: {
      origin: `http://127.0.0.1:${port}`,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

let pressCount = 0;
const press = (procedureId: string, documents = true) => ({
  pressId: `press-${++pressCount}-${Math.random().toString(36).slice(2, 10)}`,
  procedureId,
  documents,
});

async function touchKiosk(hub: TestHub, name: string, hardware: Record<string, unknown> = {}) {
  const password = hub.addDevice(name, 'kiosk');
  const logs = memorySink();
  const kiosk = await startKiosk(
    kioskConfig({
      deviceId: name,
      mqttUrl: hub.mqttUrl,
      httpUrl: hub.httpUrl,
      password,
      dataDir: join(dir.path, name),
      hardware: {
        buttons: [],
        priorityButton: undefined,
        touch: { port: 0 },
        printer: { transport: { type: 'file', path: join(dir.path, `${name}.escpos`) } },
        ...hardware,
      },
    }),
    { log: createLogger(name, { sink: logs, timestamps: false }) },
  );
  cleanup.push(() => kiosk.stop());
  const tickets: PrintedTicket[] = [];
  kiosk.on('printed', (t) => tickets.push(t));
  await waitFor(() => kiosk.connection.connected && kiosk.catalogue, 5000, 'kiosk connected');
  return { kiosk, logs, tickets, port: kiosk.touch!.port, printed: join(dir.path, `${name}.escpos`) };
}

const ticketsOf = (hub: TestHub, deviceId: string) =>
  [...hub.hub.service.state.tickets.values()].filter((t) => t.source?.deviceId === deviceId);

describe('taking a number on the touch screen', () => {
  let hub: TestHub;
  let tickets: PrintedTicket[];
  let port: number;
  let printed: string;

  beforeAll(async () => {
    hub = await startTestHub();
    cleanup.push(() => hub.stop());
    ({ tickets, port, printed } = await touchKiosk(hub, 'kiosk-touch', {
      touch: { port: 0, ticketsPerMinute: 30 },
    }));
  }, 60_000);

  it('serves the guide page and its data from the hub on its own origin, and says it can print', async () => {
    const page = await raw(port, { path: '/guide' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('/assets/guide.js');
    expect((await raw(port, { path: '/assets/guide.js' })).status).toBe(200);
    expect((await raw(port, { path: '/' })).headers.location).toBe('/guide');
    const status = JSON.parse((await raw(port, { path: '/api/kiosk' })).body);
    expect(status).toMatchObject({
      deviceId: 'kiosk-touch',
      canPrint: true,
      reason: null,
      hubConnected: true,
    });
    // Nothing of the hub but the guide's paths: no administration, no sign-in, no other file.
    for (const path of [
      '/admin',
      '/api/admin/guide',
      '/api/session',
      '/api/queue',
      '/assets/../package.json',
      '/etc/passwd',
    ]) {
      expect((await raw(port, { path })).status, path).toBe(404);
    }
  });

  it('issues the ticket on the hub and prints it with the documents to bring', async () => {
    const before = readBytes(printed);
    const res = await take(port, press('cu-tru-01'));
    expect(res.status, res.body).toBe(200);
    const answer = JSON.parse(res.body);
    expect(answer).toMatchObject({ kind: 'online', documents: true, procedureName: 'Đăng ký thường trú' });
    // Stored on the hub, from this kiosk.
    const stored = ticketsOf(hub, 'kiosk-touch').find((t) => t.display === answer.display);
    expect(stored).toMatchObject({ procedureId: 'cu-tru-01', status: 'waiting' });
    // The bytes that reached the transport are the render of that ticket, documents included.
    const bytes = readBytes(printed).subarray(before.length);
    const images = decodeRaster(bytes);
    expect(images).toHaveLength(1);
    const view = tickets.at(-1)!.view;
    expect(view.display).toBe(answer.display);
    expect(view.documents?.map((d) => d.name)).toEqual([
      'Tờ khai thay đổi thông tin cư trú (mẫu CT01)',
      'Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp',
      'Ý kiến đồng ý của chủ hộ, chủ sở hữu chỗ ở',
    ]);
    expectSameDots(images[0], ticketDots(renderTicket(view, 80)));
    const plain = renderTicket({ ...view, documents: null }, 80);
    expect(images[0]!.height).toBeGreaterThan(plain.height + 200);
  });

  it('prints without the list when not asked, and for a procedure without a card', async () => {
    const a = JSON.parse((await take(port, press('cu-tru-01', false))).body);
    expect(a.documents).toBe(false);
    const b = JSON.parse((await take(port, press('cu-tru-03', true))).body);
    expect(b).toMatchObject({ documents: false, procedureName: 'Khai báo tạm vắng' });
  });

  it('prints a repeated press once, with the first answer', async () => {
    const p = press('can-cuoc-01');
    const before = ticketsOf(hub, 'kiosk-touch').length;
    const [first, second] = await Promise.all([take(port, p), take(port, p)]);
    const third = await take(port, p);
    expect(first.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect(third.body).toBe(first.body);
    expect(ticketsOf(hub, 'kiosk-touch').length).toBe(before + 1);
  });

  it('refuses requests from anywhere but its own page, and bad ones, printing nothing', async () => {
    const before = ticketsOf(hub, 'kiosk-touch').length;
    const printedBefore = readBytes(printed).length;
    const body = JSON.stringify(press('cu-tru-01'));
    const cases: [string, Promise<Raw>, number, string][] = [
      [
        'another site',
        take(port, body, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }),
        403,
        'foreign_origin',
      ],
      [
        'another local port',
        take(port, body, { origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-site' }),
        403,
        'foreign_origin',
      ],
      [
        'no origin (not a browser page)',
        raw(port, {
          method: 'POST',
          path: '/api/kiosk/tickets',
          headers: { 'content-type': 'application/json' },
          body,
        }),
        403,
        'foreign_origin',
      ],
      [
        'a file:// page',
        take(port, body, { origin: 'null', 'sec-fetch-site': 'cross-site' }),
        403,
        'foreign_origin',
      ],
      [
        'DNS rebinding',
        take(port, body, { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` }),
        421,
        'wrong_host',
      ],
      ['a form post', take(port, body, { 'content-type': 'text/plain' }), 415, 'json_required'],
      ['not JSON', take(port, '{"pressId": "abcdefgh", '), 400, 'bad_json'],
      ['a number for an id', take(port, { pressId: 'abcdefgh12', procedureId: 7 }), 400, 'bad_request'],
      [
        'an unknown key',
        take(port, { ...press('cu-tru-01'), priority: 'nguoi-cao-tuoi' }),
        400,
        'bad_request',
      ],
      ['a short press id', take(port, { pressId: 'x', procedureId: 'cu-tru-01' }), 400, 'bad_request'],
      [
        'a huge body',
        take(port, JSON.stringify({ ...press('cu-tru-01'), pad: 'x'.repeat(100_000) })),
        413,
        'too_large',
      ],
      ['GET', raw(port, { path: '/api/kiosk/tickets' }), 405, 'method_not_allowed'],
      [
        'a CORS preflight',
        raw(port, {
          method: 'OPTIONS',
          path: '/api/kiosk/tickets',
          headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
        }),
        405,
        'method_not_allowed',
      ],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      expect([what, res.status], res.body).toEqual([what, status]);
      expect(JSON.parse(res.body).error.code, what).toBe(code);
      expect(JSON.parse(res.body).error.message, what).toMatch(/[ạ-ỹ]/); // in Vietnamese
      expect(
        Object.keys(res.headers).filter((h) => h.startsWith('access-control')),
        what,
      ).toEqual([]);
    }
    // An unknown procedure reaches the hub, which says why in Vietnamese.
    const unknown = await take(port, press('khong-co'));
    expect(unknown.status).toBe(409);
    expect(JSON.parse(unknown.body).error).toEqual({
      code: 'unknown_procedure',
      message: 'Không có thủ tục "khong-co".',
    });
    expect(ticketsOf(hub, 'kiosk-touch').length).toBe(before);
    expect(readBytes(printed).length).toBe(printedBefore);
  });

  it('bounds a flood of presses: some queue, the rest are told to wait; nothing crashes', async () => {
    const { port: floodPort, kiosk: flood } = await touchKiosk(hub, 'kiosk-flood', {
      touch: { port: 0, ticketsPerMinute: 4 },
    });
    const answers = await Promise.all(Array.from({ length: 30 }, () => take(floodPort, press('cu-tru-02'))));
    const ok = answers.filter((a) => a.status === 200);
    const waited = answers.filter((a) => a.status === 429);
    expect(ok.length + waited.length).toBe(30);
    expect(ok.length).toBeLessThanOrEqual(4);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ticketsOf(hub, 'kiosk-flood').length).toBe(ok.length);
    const message = JSON.parse(waited.find((a) => JSON.parse(a.body).error.code === 'too_many_tickets')!.body)
      .error.message;
    expect(message).toMatch(/vui lòng chờ \d+ giây/);
    // Still serving: the page and its state.
    expect((await raw(floodPort, { path: '/api/kiosk' })).status).toBe(200);
    await flood.idle();
  });

  it('says plainly when the printer has no paper, and issues nothing', async () => {
    const pty = await ptyPair(dir.path, 'touch-printer');
    cleanup.push(() => pty.close());
    const printer = await FakeSerialPrinter.open(pty.b);
    cleanup.push(() => printer.close());
    const { port: paperPort } = await touchKiosk(hub, 'kiosk-paper', {
      printer: { transport: { type: 'serial', path: pty.a, baudRate: 115_200 } },
    });
    printer.state = 'paper_out';
    const res = await take(paperPort, press('cu-tru-01'));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toEqual({
      code: 'printer',
      message: 'Máy in hết giấy; vui lòng báo cán bộ hướng dẫn.',
    });
    expect(ticketsOf(hub, 'kiosk-paper')).toHaveLength(0);
    const status = JSON.parse((await raw(paperPort, { path: '/api/kiosk' })).body);
    expect(status).toMatchObject({ canPrint: false, reason: 'printer', printer: 'paper_out' });
  });
});

describe('with the hub gone', () => {
  it('opens the page from the kept copy and prints from the number lease', async () => {
    const hub = await startTestHub();
    let stopped = false;
    cleanup.push(() => (stopped ? undefined : hub.stop()));
    const { kiosk, port } = await touchKiosk(hub, 'kiosk-away');
    // The lease of a touch kiosk covers every field of the catalogue.
    await waitFor(
      () => Object.keys(kiosk.state.data.lease?.series ?? {}).length === 10,
      10_000,
      'lease of 10 series (one per default field)',
    );
    const page = await raw(port, { path: '/guide' });
    const guide = await raw(port, { path: '/api/guide' });
    expect(page.headers['x-qms-copy']).toBeUndefined();
    await waitFor(
      async () => {
        const s = readBytes(join(dir.path, 'kiosk-away', 'guide-cache.json')).toString();
        return s.includes('"/api/guide"') && s.includes('"/guide"');
      },
      10_000,
      'the copy on disk',
    );

    await hub.stop();
    stopped = true;
    await waitFor(() => !kiosk.connection.connected, 10_000, 'kiosk sees the hub gone');
    const copy = await raw(port, { path: '/guide' });
    expect(copy.status).toBe(200);
    expect(copy.headers['x-qms-copy']).toBe('1');
    expect(copy.body).toBe(page.body);
    expect((await raw(port, { path: '/api/guide' })).body).toBe(guide.body);
    const lines = await raw(port, { path: '/api/guide/lines' });
    expect(lines.status).toBe(503);
    expect(JSON.parse(lines.body).error.code).toBe('hub_unreachable');
    expect((await raw(port, { path: '/api/events' })).status).toBe(503);
    expect(JSON.parse((await raw(port, { path: '/api/kiosk' })).body)).toMatchObject({
      canPrint: true,
      hubConnected: false,
    });

    const res = await take(port, press('xuat-nhap-canh-01'));
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'leased', documents: true, display: '3999' });
    expect(kiosk.state.outbox.map((o) => o.display)).toEqual(['3999']);
  });

  it('shows a page that asks again by itself when there is no copy yet', async () => {
    const hub = await startTestHub();
    const { port } = await touchKiosk(hub, 'kiosk-fresh');
    await hub.stop();
    const res = await raw(port, { path: '/guide' });
    expect(res.status).toBe(503);
    expect(res.body).toContain('http-equiv="refresh"');
    expect(res.body).toContain('Đang kết nối máy chủ');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });
});

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}
