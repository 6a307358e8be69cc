// The hub's HTTP front door against hostile or broken clients, on a real hub
// process and real sockets:
// - 2,000 event streams that never read, from 250 addresses, while the board
//   changes: the hub's memory stays bounded (< 64 MiB growth), streams over
//   the caps are refused with a JSON error, a board that was already open
//   keeps getting every change, and everything comes back when they go;
// - per-address caps on streams and on connections;
// - slowloris headers, a body that never ends, a connection that sends
//   nothing: each cut after its time-out while others are served, and an
//   event stream outlives the request time-out;
// - state-changing requests that are not JSON: 415, nothing changed.

import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFingerprint } from '../fuzz/store-fingerprint.js';
import {
  freePort,
  type HubProcess,
  mqttKiosk,
  spawnHub,
  startTestHub,
  type TestHub,
  tempDir,
} from '../helpers/hub.js';
import { followEvents, loopbackAddresses, openStalledStreams, rssMb } from '../helpers/stalled-streams.js';
import { until } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wait for an async condition (never a fixed time). */
async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface HttpStats {
  connections: { open: number; droppedTotalCap: number; refusedAddressCap: number; silentClosed: number };
  eventStreams: { open: number; refusedTotalCap: number; refusedAddressCap: number; replaced: number };
}

/** A spawned hub, signed in as its first administrator. */
async function hubProcess(limits?: Record<string, number>) {
  const dir = tempDir('qms-http-limits-');
  const env: Record<string, string> = {};
  if (limits) {
    const path = join(dir.path, 'hub.json');
    writeFileSync(path, JSON.stringify({ http: { limits } }));
    env.QMS_CONFIG = path;
  }
  const httpPort = await freePort();
  const hub: HubProcess = await spawnHub(join(dir.path, 'data'), await freePort(), httpPort, { env });
  const base = `http://127.0.0.1:${httpPort}`;
  // The one-time administrator banner follows the "ready" line.
  await until('the administrator password banner', () =>
    /Password \(shown only now\): \S+\n/.test(hub.output()),
  );
  const password = /Password \(shown only now\): (\S+)/.exec(hub.output())![1];
  const signIn = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  expect(signIn.status).toBe(200);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const api = async (method: string, path: string, body: unknown = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  /** An officer of its own takes the counter (a counter is open only with an officer at it). */
  const staff = async (counterId: number) => {
    const username = `canbo${counterId}`;
    const password = `mat-khau-${counterId}-dai-du`;
    await api('POST', '/api/admin/accounts', {
      username,
      displayName: `Cán bộ ${counterId}`,
      role: 'officer',
      password,
    });
    const session = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!session.ok) throw new Error(`sign-in of ${username}: ${session.status} ${await session.text()}`);
    const officerCookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
    const taken = await fetch(`${base}/api/counters/${counterId}/take`, {
      method: 'POST',
      headers: { cookie: officerCookie, origin: base, 'content-type': 'application/json' },
      body: '{}',
    });
    if (!taken.ok) throw new Error(`take of counter ${counterId}: ${taken.status} ${await taken.text()}`);
  };
  return {
    hub,
    httpPort,
    base,
    api,
    staff,
    pid: hub.child.pid!,
    stats: async () => ((await (await fetch(`${base}/api/health`)).json()) as { http: HttpStats }).http,
    async stop() {
      await hub.kill('SIGTERM');
      dir.remove();
    },
  };
}

/** The soft limit of open files of this process (each stalled stream is one here and one in the hub). */
function openFilesLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  return line === 'unlimited' || line === undefined ? Number.POSITIVE_INFINITY : Number(line);
}

describe('event streams that never read (real hub process, default limits)', () => {
  let h: Awaited<ReturnType<typeof hubProcess>>;
  beforeAll(async () => {
    h = await hubProcess();
    // A large office's board: 40 more counters, so each snapshot is ~8 KB.
    const catalogue = (await (await fetch(`${h.base}/api/catalogue`)).json()) as {
      fields: { procedures: { id: string }[] }[];
    };
    const procedures = catalogue.fields.flatMap((f) => f.procedures);
    await h.staff(1); // the counter whose state the tests switch
    // Four at a time: each officer costs two password hashes (account, sign-in),
    // which the hub's thread pool works on side by side.
    const ids = Array.from({ length: 40 }, (_, i) => 100 + i);
    for (let i = 0; i < ids.length; i += 4) {
      await Promise.all(
        ids.slice(i, i + 4).map(async (id, j) => {
          await h.api('POST', '/api/admin/counters', {
            id,
            name: `Quầy tiếp nhận hồ sơ số ${id} (tầng 1, dãy A)`,
            serves: [{ procedureId: procedures[(i + j) % procedures.length]!.id, weight: 1 }],
          });
          await h.staff(id);
        }),
      );
    }
    // A deadline for a hang, not a pace: 80 password hashes on a loaded two-core machine.
  }, 600_000);
  afterAll(async () => h?.stop());

  let open = false;
  const change = () => {
    open = !open;
    // Open ↔ paused: the officer stays at the counter (closing would send them away).
    return h.api('POST', '/api/counters/1/state', { state: open ? 'open' : 'paused' });
  };

  it('refuses a burst of streams from one address over its cap with 429, JSON and a Vietnamese message', async () => {
    const burst = await openStalledStreams(h.httpPort, 12, ['127.0.3.1'], 1);
    try {
      expect(burst.count(200)).toBe(10);
      expect(burst.count(429)).toBe(2);
      const refusal = burst.refusals[0]!;
      expect(refusal).toMatch(/^content-type: application\/json/im);
      expect(refusal).toMatch(/^retry-after: 30/im);
      const body = JSON.parse(refusal.slice(refusal.indexOf('\r\n\r\n') + 4)) as {
        error: { code: string; message: string };
      };
      expect(body.error.code).toBe('too_many_streams_from_address');
      expect(body.error.message).toMatch(/quá nhiều trang theo dõi/);
    } finally {
      burst.close();
    }
    await eventually('the burst streams gone', async () => (await h.stats()).eventStreams.open === 0);
  });

  it('closes connections from one address over its cap (64) at once', async () => {
    const sockets: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 70; i++) {
      const s = connect({ host: '127.0.0.1', port: h.httpPort, localAddress: '127.0.4.1' });
      s.on('error', () => {});
      s.once('close', () => closed++);
      sockets.push(s);
    }
    try {
      await eventually('six connections refused', async () => closed >= 6, 10_000);
      const { connections } = await h.stats();
      expect(connections.refusedAddressCap).toBe(6);
      // The other 64 were taken (open until the header time-out closes them: they send nothing).
      expect(connections.open + connections.silentClosed).toBeGreaterThanOrEqual(64);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await eventually('those connections gone', async () => (await h.stats()).connections.open <= 2);
  });

  it('holds 2,000 stalled streams under the board changing: < 64 MiB, caps kept, a board keeps up', async () => {
    const needed = 2 * 2000 + 500;
    expect(openFilesLimit(), `ulimit -n must be at least ${needed}`).toBeGreaterThanOrEqual(needed);
    // A board already showing when the stalled clients arrive.
    const board = followEvents(h.httpPort);
    await eventually('the board following', async () => board.events() > 0);
    for (let i = 0; i < 20; i++) await change();
    await sleep(1000); // let the warm-up settle before the baseline (not a wait for a condition)
    const before = rssMb(h.pid);

    const stalled = await openStalledStreams(h.httpPort, 2000, loopbackAddresses(250));
    let peak = rssMb(h.pid);
    try {
      // 999 take the slots the board leaves; every other one is refused with 503 and a JSON error.
      expect(stalled.count(200)).toBe(999);
      expect(stalled.count(503)).toBe(1001);
      const refusal = stalled.refusals[0]!;
      const body = JSON.parse(refusal.slice(refusal.indexOf('\r\n\r\n') + 4)) as {
        error: { code: string; message: string };
      };
      expect(body.error.code).toBe('too_many_streams');
      expect(body.error.message).toMatch(/quá nhiều màn hình/);

      // 300 board changes, each a ~8 KB snapshot to every stream (2.4 MB each
      // if nothing were cut or dropped: 2.4 GB in all).
      // The board already open reads each one before the next change.
      for (let i = 0; i < 300; i++) {
        const seen = board.events();
        await change();
        await eventually(`the board has change ${i + 1}`, async () => board.events() > seen, 10_000);
        if (i % 10 === 0) peak = Math.max(peak, rssMb(h.pid));
      }
      const { revision } = (await (await fetch(`${h.base}/api/board`)).json()) as { revision: number };
      await eventually('the board has the last change', async () => board.revision() === revision);
      peak = Math.max(peak, rssMb(h.pid));
      const stats = await h.stats();
      expect(stats.eventStreams.open).toBeLessThanOrEqual(1000);
      console.log(
        `2,000 stalled streams, 300 changes: hub VmRSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} MiB ` +
          `(growth ${(peak - before).toFixed(1)} MiB); board got ${board.events()} events; ` +
          `${JSON.stringify(stats.eventStreams)}`,
      );
      expect(peak - before).toBeLessThan(64);
    } finally {
      stalled.close();
    }

    // They go: the streams and connections come back to the board's alone, and memory does not grow.
    await eventually('stalled streams gone', async () => {
      const { eventStreams, connections } = await h.stats();
      return eventStreams.open === 1 && connections.open <= 3;
    });
    expect(board.open()).toBe(true);
    const after = rssMb(h.pid);
    console.log(`after the stalled clients went: hub VmRSS ${after.toFixed(1)} MiB`);
    expect(after - before).toBeLessThan(64);
    // A new page gets a stream again, and the board still follows changes.
    const late = followEvents(h.httpPort, '127.0.5.1');
    await eventually('a new stream', async () => late.events() > 0);
    expect(late.status()).toBe(200);
    await change();
    const { revision } = (await (await fetch(`${h.base}/api/board`)).json()) as { revision: number };
    await eventually(
      'both follow',
      async () => board.revision() === revision && late.revision() === revision,
    );
    late.close();
    board.close();
  }, 180_000);
});

/** Send `text` one byte at a time, one per `everyMs`, until the socket closes; resolve when it does. */
function trickle(socket: Socket, text: string, everyMs: number): Promise<{ answer: string; ms: number }> {
  const t0 = performance.now();
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    answer += d;
  });
  let i = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(text[i++ % text.length]!);
  }, everyMs);
  return new Promise((resolve) => {
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ answer, ms: performance.now() - t0 });
    });
  });
}

describe('time-outs and connection caps (real hub process, short limits)', () => {
  const limits = {
    headersTimeoutMs: 2000,
    requestTimeoutMs: 3000,
    keepAliveTimeoutMs: 1000,
    idleTimeoutMs: 25_000,
    maxConnections: 50,
    maxConnectionsPerAddress: 20,
    maxEventStreams: 20,
    maxEventStreamsPerAddress: 5,
  };
  let h: Awaited<ReturnType<typeof hubProcess>>;
  beforeAll(async () => {
    h = await hubProcess(limits);
  }, 30_000);
  afterAll(async () => h?.stop());

  it('cuts a slowloris (headers one byte per second) after the header time-out, serving others meanwhile', async () => {
    const socket = connect({ host: '127.0.0.1', port: h.httpPort, localAddress: '127.0.6.1' });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    const cut = trickle(
      socket,
      'GET /api/health HTTP/1.1\r\nHost: hub\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa',
      1000,
    );
    // Others are served while it trickles.
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${h.base}/api/health`)).status).toBe(200);
      await sleep(300);
    }
    const { answer, ms } = await cut;
    console.log(`slowloris cut after ${(ms / 1000).toFixed(1)} s (header time-out 2 s)`);
    expect(ms).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 100);
    expect(ms).toBeLessThan(15_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');
    expect((await fetch(`${h.base}/api/health`)).status).toBe(200);
  });

  it('cuts a connection that sends nothing after the header time-out', async () => {
    const socket = connect({ host: '127.0.0.1', port: h.httpPort, localAddress: '127.0.6.2' });
    socket.on('error', () => {});
    const t0 = performance.now();
    await new Promise((resolve) => socket.once('close', resolve));
    const ms = performance.now() - t0;
    console.log(`silent connection cut after ${(ms / 1000).toFixed(1)} s`);
    expect(ms).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 100);
    expect((await h.stats()).connections.silentClosed).toBeGreaterThanOrEqual(1);
  });

  it('cuts a body that never ends after the request time-out; nothing changes', async () => {
    const before = (await (await fetch(`${h.base}/api/counters/2`)).json()) as { state: string };
    const socket = connect({ host: '127.0.0.1', port: h.httpPort, localAddress: '127.0.6.3' });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = JSON.stringify({ state: before.state === 'open' ? 'paused' : 'open' });
    socket.write(
      `POST /api/counters/2/state HTTP/1.1\r\nHost: 127.0.0.1:${h.httpPort}\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length + 100}\r\n\r\n${body}`,
    );
    const { answer, ms } = await trickle(socket, ' ', 500); // a space every 0.5 s: never the whole body
    console.log(`endless body cut after ${(ms / 1000).toFixed(1)} s (request time-out 3 s)`);
    expect(ms).toBeGreaterThanOrEqual(limits.requestTimeoutMs - 500); // the headers went at once
    expect(ms).toBeLessThan(20_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    const after = (await (await fetch(`${h.base}/api/counters/2`)).json()) as { state: string };
    expect(after.state).toBe(before.state);
  });

  it('keeps an event stream open past the request and keep-alive time-outs', async () => {
    const stream = followEvents(h.httpPort, '127.0.6.4');
    await eventually('first snapshot', async () => stream.events() > 0);
    const t0 = performance.now();
    // Longer than the request time-out plus Node's check interval.
    await eventually(
      'past the request time-out',
      async () => performance.now() - t0 > limits.requestTimeoutMs + 2000,
    );
    expect(stream.open()).toBe(true);
    await h.staff(3);
    await h.api('POST', '/api/counters/3/state', { state: 'paused' });
    const { revision } = (await (await fetch(`${h.base}/api/board`)).json()) as { revision: number };
    await eventually('the change on the stream', async () => stream.revision() === revision);
    stream.close();
  });

  it('keeps a quiet event stream open past the idle time-out: the heartbeat is traffic', async () => {
    const stream = followEvents(h.httpPort, '127.0.6.6');
    await eventually('first snapshot', async () => stream.events() > 0);
    const t0 = performance.now();
    // Nothing changes on the board meanwhile: only heartbeats (every 20 s) flow.
    await eventually(
      'past the idle time-out',
      async () => performance.now() - t0 > limits.idleTimeoutMs + 2000 && stream.pings() > 0,
      60_000,
    );
    expect(stream.open()).toBe(true);
    stream.close();
  }, 90_000);

  it('drops connections over maxConnections at once; the hub serves again when they go', async () => {
    const sockets: Socket[] = [];
    let closed = 0;
    const addresses = loopbackAddresses(4, 60);
    // 4 addresses × 15 (under the per-address cap): 60 against a cap of 50.
    for (let i = 0; i < 60; i++) {
      const s = connect({ host: '127.0.0.1', port: h.httpPort, localAddress: addresses[i % 4] });
      s.on('error', () => {});
      s.once('close', () => closed++);
      sockets.push(s);
    }
    try {
      await eventually('over-cap connections dropped', async () => closed >= 10, 10_000);
    } finally {
      for (const s of sockets) s.destroy();
    }
    // (While the hub is full, this test's own requests would be dropped too.)
    const served = await eventually('served again', async () =>
      fetch(`${h.base}/api/health`).then(
        (res) => res.json() as Promise<{ http: HttpStats }>,
        () => null,
      ),
    );
    expect(served.http.connections.droppedTotalCap).toBeGreaterThanOrEqual(10);
  });

  it('refuses a burst of streams from one address over its cap (replacement: unit test)', async () => {
    const address = '127.0.6.5';
    const streams = Array.from({ length: limits.maxEventStreamsPerAddress }, () =>
      followEvents(h.httpPort, address),
    );
    await eventually('all open', async () => streams.every((s) => s.events() > 0));
    const extra = followEvents(h.httpPort, address);
    await eventually('refused', async () => extra.status() !== 0);
    expect(extra.status()).toBe(429);
    for (const s of [...streams, extra]) s.close();
  });
});

describe('state-changing requests must be JSON', () => {
  let t: TestHub;
  let cookie: string;
  let kiosk: Awaited<ReturnType<typeof mqttKiosk>> | undefined;
  beforeAll(async () => {
    t = await startTestHub();
    cookie = await t.signIn('canbo', await t.addAccount('canbo', 'officer'));
    const officer = t.as(cookie);
    expect((await officer('/api/counters/1/state', { method: 'POST', body: { state: 'open' } })).status).toBe(
      200,
    );
    expect((await officer('/api/counters/1/take', { method: 'POST' })).status).toBe(200);
    // The kiosk stays connected: its going offline would change the store during the checks.
    kiosk = await mqttKiosk(t, 'kiosk-1');
    await kiosk.issue('can-cuoc-01');
  });
  afterAll(async () => {
    kiosk?.client.end(true);
    await t.stop();
  });

  const send = (
    method: string,
    path: string,
    type: string | undefined,
    body: string | undefined,
    c = cookie,
  ) =>
    fetch(`${t.httpUrl}${path}`, {
      method,
      headers: { cookie: c, origin: t.httpUrl, ...(type ? { 'content-type': type } : {}) },
      ...(body === undefined ? {} : { body }),
    });

  const NOT_JSON: [string, string | undefined, string | undefined][] = [
    ['text/plain, empty', 'text/plain', ''],
    ['text/plain with JSON text', 'text/plain;charset=UTF-8', '{}'],
    ['form-urlencoded', 'application/x-www-form-urlencoded', 'state=paused'],
    [
      'multipart form',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
    ],
    ['no content type, no body', undefined, undefined],
    ['no content type, JSON body', undefined, '{}'],
    ['a JSON-like type', 'application/json-patch+json', '{}'],
  ];

  it.each(NOT_JSON)(
    'refuses %s on every state-changing route: 415, nothing changed',
    async (_what, type, body) => {
      const doc = (await (await fetch(`${t.httpUrl}/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops)
          .map((m) => m.toUpperCase())
          .filter((m) => m !== 'GET')
          .map((method) => ({ method, path: path.replace(/\{\w+\}/g, '1') })),
      );
      expect(routes.length).toBeGreaterThan(25);
      for (const { method, path } of routes) {
        const before = storeFingerprint(t.hub.db);
        const state = JSON.stringify([...t.hub.service.state.tickets.values()]);
        const res = await send(method, path, type, body);
        const what = `${method} ${path}`;
        expect({ what, status: res.status }).toEqual({ what, status: 415 });
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe('json_required');
        expect(error.message).toMatch(/JSON/);
        expect(storeFingerprint(t.hub.db), what).toEqual(before);
        expect(JSON.stringify([...t.hub.service.state.tickets.values()]), what).toBe(state);
      }
      // The session is still good (a non-JSON sign-out did not end it).
      expect((await send('GET', '/api/session', undefined, undefined)).status).toBe(200);
    },
  );

  it('refuses a non-JSON sign-in (no session) and takes a JSON one', async () => {
    const password = await t.addAccount('canbo2', 'officer');
    const text = await send(
      'POST',
      '/api/session',
      'text/plain',
      JSON.stringify({ username: 'canbo2', password }),
      '',
    );
    expect(text.status).toBe(415);
    expect(text.headers.get('set-cookie')).toBeNull();
    const json = await send(
      'POST',
      '/api/session',
      'application/json',
      JSON.stringify({ username: 'canbo2', password }),
      '',
    );
    expect(json.status).toBe(200);
  });

  it('takes JSON, with `{}` for an action without data, and says so when the body is empty', async () => {
    const empty = await send('POST', '/api/counters/1/call-next', 'application/json', '');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { code: string } }).error.code).toBe('empty_body');
    const called = await send('POST', '/api/counters/1/call-next', 'application/json; charset=utf-8', '{}');
    expect(called.status).toBe(200);
    expect([...t.hub.service.state.tickets.values()].map((x) => x.status)).toEqual(['called']);
  });

  it('still answers a cross-site request with 403 first, whatever its type', async () => {
    const res = await fetch(`${t.httpUrl}/api/counters/1/recall`, {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: '',
    });
    expect(res.status).toBe(403);
  });
});
