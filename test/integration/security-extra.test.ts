// Security checks beyond broker-security, auth, counter-api and admin-api:
// - the complete ACL matrix: each device role publishing and subscribing on
//   every topic of the protocol (its own, another device's, the hub's,
//   wildcards; the topic list is derived from shared/protocol/topics.ts so a
//   new topic joins the matrix), against a table written from
//   docs/protocol.md §3;
// - every administration and report route of the OpenAPI document refused to
//   an officer, and every state-changing route refused from another site;
// - sign-in rate limit per address (many usernames, one address);
// - no path traversal in the static files and pages: raw request paths with
//   `..`, %-encoded, double-encoded, backslashes, NUL, overlong UTF-8;
// - no secret in the hub's log across a full flow: passwords, device tokens,
//   session cookies and the stored hashes never appear in what a real hub
//   process writes at debug level (the first administrator password only in
//   its one-time banner).

import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../shared/protocol/messages.js';
import { ALL_ACTIONS, topics } from '../../shared/protocol/topics.js';
import { connectDevice, freePort, nextMessage, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

const clients: MqttClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.end(true);
});

// ---------------------------------------------------------------- ACL matrix

describe('ACL matrix: every role on every topic', () => {
  let t: TestHub;
  const passwords: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestHub();
    passwords['kiosk-01'] = t.addDevice('kiosk-01', 'kiosk');
    passwords['kiosk-02'] = t.addDevice('kiosk-02', 'kiosk');
    passwords['rating-01'] = t.addDevice('rating-01', 'rating', 1);
    passwords['speaker-01'] = t.addDevice('speaker-01', 'speaker');
  });
  afterAll(async () => t.stop());

  const DEVICES = { kiosk: 'kiosk-01', rating: 'rating-01', speaker: 'speaker-01' } as const;
  type RoleName = keyof typeof DEVICES;

  /**
   * Sample topics for each topic of the protocol that takes arguments. The
   * type lists every such entry of `topics`: a new one does not compile
   * until it is added here, so the matrix cannot fall behind the protocol.
   */
  type TopicMakers = {
    [K in keyof typeof topics as (typeof topics)[K] extends string ? never : K]: (id: string) => string[];
  };
  const MAKERS: TopicMakers = {
    deviceStatus: (id) => [topics.deviceStatus(id)],
    deviceRequest: (id) => ALL_ACTIONS.map((action) => topics.deviceRequest(id, action)),
    deviceReply: (id) => [topics.deviceReply(id)],
    counterState: () => [topics.counterState(1), topics.counterState(2)],
  };
  /** Every topic of shared/protocol/topics.ts, as device `id` would meet it. */
  const protocolTopics = (id: string) => [
    ...Object.values(MAKERS).flatMap((make) => make(id)),
    ...Object.values(topics).filter(
      (topic): topic is Extract<typeof topic, string> => typeof topic === 'string',
    ),
  ];

  it('covers every topic of the protocol', () => {
    for (const [name, topic] of Object.entries(topics)) {
      if (typeof topic !== 'string') expect(Object.keys(MAKERS), `topics.${name}`).toContain(name);
    }
    expect(protocolTopics('kiosk-01')).toContain('qms/hub/announcement-settings');
  });

  /** Topics a device might publish on: every protocol topic as its own and another device's, and some nonsense. */
  const publishTopics = (id: string) => [
    ...new Set([
      ...protocolTopics(id),
      ...protocolTopics('kiosk-02'),
      `qms/device/${id}/request/no-such-action`,
      'qms',
      'qms/device',
      'other/topic',
    ]),
  ];
  // docs/protocol.md §3, with the request actions of shared/protocol/topics.ts.
  const MAY_PUBLISH: Record<RoleName, (id: string) => string[]> = {
    kiosk: (id) => [
      `qms/device/${id}/status`,
      `qms/device/${id}/request/issue-ticket`,
      `qms/device/${id}/request/request-lease`,
      `qms/device/${id}/request/sync-tickets`,
    ],
    rating: (id) => [`qms/device/${id}/status`, `qms/device/${id}/request/submit-rating`],
    speaker: (id) => [`qms/device/${id}/status`, `qms/device/${id}/request/announcement-played`],
  };

  const subscribeFilters = (id: string) => [
    ...new Set([
      ...protocolTopics(id),
      ...protocolTopics('kiosk-02'),
      'qms/device/+/reply',
      'qms/device/+/status',
      'qms/hub/+',
      'qms/hub/#',
      'qms/#',
      '#',
      '+/+/+/reply',
      '$SYS/#',
    ]),
  ];
  // The speaker may also follow single counters (a speaker for one zone of
  // the hall; hub/broker/acl.ts). docs/protocol.md §3 still lists
  // `qms/hub/counter/3` as refused to a speaker: the code is the authority.
  const MAY_SUBSCRIBE: Record<RoleName, (id: string) => string[]> = {
    kiosk: (id) => [`qms/device/${id}/reply`, 'qms/hub/status', 'qms/hub/catalogue', 'qms/hub/queue'],
    rating: (id) => [`qms/device/${id}/reply`, 'qms/hub/status', 'qms/hub/counter/1'],
    speaker: (id) => [
      `qms/device/${id}/reply`,
      'qms/hub/status',
      'qms/hub/counter/1',
      'qms/hub/counter/2',
      'qms/hub/counter/+',
      'qms/hub/announce',
      'qms/hub/announcement-settings',
    ],
  };

  const payloadFor = (role: RoleName, id: string, topic: string) =>
    topic.endsWith('/status')
      ? JSON.stringify({ v: 1, deviceId: id, role, state: 'online', at: Date.now() })
      : JSON.stringify({ v: 1, requestId: `acl-${Math.random().toString(36).slice(2)}` });

  /** Publish at QoS 1: 'acked' if the broker took it, 'closed' if it cut the device off. */
  async function tryPublish(id: string, topic: string, payload: string): Promise<'acked' | 'closed'> {
    const client = await connectDevice(t.mqttUrl, id, passwords[id]!);
    clients.push(client);
    const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')));
    const acked = client.publishAsync(topic, payload, { qos: 1 }).then(
      () => 'acked' as const,
      () => 'closed' as const,
    );
    const first = await Promise.race([acked, closed]);
    if (first === 'acked') {
      // Still connected after a round trip behind it (the broker handles a
      // connection's packets in order): it did not close it after the PUBACK.
      const after = await Promise.race([
        client.subscribeAsync(topics.deviceReply(id), { qos: 1 }).then(
          () => 'acked' as const,
          () => 'closed' as const,
        ),
        closed,
      ]);
      return after === 'acked' && client.connected ? 'acked' : 'closed';
    }
    return first;
  }

  for (const role of Object.keys(DEVICES) as RoleName[]) {
    const id = DEVICES[role];
    it(`${role}: publishes only on its own topics; anything else cuts it off`, async () => {
      const allowed = new Set(MAY_PUBLISH[role](id));
      const result: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const topic of publishTopics(id)) {
        result[topic] = await tryPublish(id, topic, payloadFor(role, id, topic));
        expected[topic] = allowed.has(topic) ? 'acked' : 'closed';
      }
      expect(result).toEqual(expected);
    });

    it(`${role}: subscribes only to its own filters (negative SUBACK for the rest)`, async () => {
      const client = await connectDevice(t.mqttUrl, id, passwords[id]!);
      clients.push(client);
      const filters = subscribeFilters(id);
      const granted = await new Promise<number[]>((resolve) => {
        client.subscribe(filters, { qos: 1 }, (error, grants, packet) => {
          const suback = (error as (Error & { packet?: { granted?: number[] } }) | null)?.packet ?? packet;
          resolve([
            ...((suback as { granted?: number[] } | undefined)?.granted ?? grants?.map((g) => g.qos) ?? []),
          ]);
        });
      });
      const allowed = new Set(MAY_SUBSCRIBE[role](id));
      expect(Object.fromEntries(filters.map((f, i) => [f, granted[i]]))).toEqual(
        Object.fromEntries(filters.map((f) => [f, allowed.has(f) ? 1 : 128])),
      );
      expect(client.connected).toBe(true);
    });
  }
});

// ---------------------------------------------------------------- HTTP roles and origins

describe('HTTP: officers and other sites, on every route of the OpenAPI document', () => {
  let t: TestHub;
  let officerCookie: string;
  let adminCookie: string;
  let routes: { method: string; path: string }[] = [];
  beforeAll(async () => {
    t = await startTestHub();
    officerCookie = await t.signIn('canbo', await t.addAccount('canbo', 'officer'));
    adminCookie = await t.signIn('admin', t.hub.initialAdminPassword!);
    const doc = (await (await fetch(`${t.httpUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: path.replace(/\{\w+\}/g, '1') })),
    );
  });
  afterAll(async () => t.stop());

  const dump = () =>
    JSON.stringify(
      (
        t.hub.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
          name: string;
        }[]
      ).map(({ name }) => t.hub.db.prepare(`SELECT * FROM "${name}"`).all()),
    );
  const send = (method: string, path: string, headers: Record<string, string>) =>
    fetch(`${t.httpUrl}${path}`, {
      method,
      headers: { ...headers, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });

  it('refuses every administration and report route to an officer: 403 forbidden, nothing changed', async () => {
    const admin = routes.filter((r) => r.path.startsWith('/api/admin') || r.path.startsWith('/api/reports'));
    expect(admin.length).toBeGreaterThan(20);
    for (const { method, path } of admin) {
      const before = dump();
      const res = await send(method, path, { cookie: officerCookie, origin: t.httpUrl });
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({
        route: `${method} ${path}`,
        status: 403,
      });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      expect(dump()).toEqual(before);
    }
  });

  it('refuses every state-changing route from another site, even with an administrator session', async () => {
    const unsafe = routes.filter((r) => r.method !== 'GET');
    expect(unsafe.length).toBeGreaterThan(25);
    const foreign: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' }, // a sandboxed frame or a file: page
      { origin: t.httpUrl.replace('127.0.0.1', 'localhost') }, // same machine, another origin
      { referer: 'http://evil.example/page' }, // no Origin, a foreign Referer
    ];
    for (const { method, path } of unsafe) {
      for (const headers of foreign) {
        const before = dump();
        const res = await send(method, path, { cookie: adminCookie, ...headers });
        const what = `${method} ${path} ${JSON.stringify(headers)}`;
        expect({ what, status: res.status }).toEqual({ what, status: 403 });
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cross_site');
        expect(dump()).toEqual(before);
      }
    }
    // The sessions used are still good (nothing was signed out).
    expect((await send('GET', '/api/session', { cookie: adminCookie })).status).toBe(200);
  });
});

describe('sign-in rate limit per address', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => t.stop());

  it('locks an address out after five failures, whatever usernames it tries', async () => {
    const password = await t.addAccount('canbo', 'officer');
    const signIn = (username: string, pw: string) =>
      fetch(`${t.httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: pw }),
      });
    for (let i = 0; i < 5; i++) expect((await signIn(`guess-${i}`, 'wrong-password')).status).toBe(401);
    // A sixth name, never tried before, and even the right password of a real account: wait.
    const locked = await signIn('canbo', password);
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('too_many_attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(t.hub.db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
  });
});

// ---------------------------------------------------------------- static files

/** A raw GET: the path goes out exactly as written (fetch would normalise `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('no path traversal in static files and pages', () => {
  let t: TestHub;
  const legit = new Set<string>();
  beforeAll(async () => {
    t = await startTestHub();
    // Everything the hub may legitimately serve as a file: its pages and assets.
    for (const page of ['/login', '/console', '/board', '/admin', '/reports', '/t/x']) {
      legit.add((await rawGet(t.hub.httpPort, page)).body.toString('base64'));
    }
    const { readdirSync, readFileSync } = await import('node:fs');
    for (const name of readdirSync('hub/web/assets')) {
      legit.add(readFileSync(`hub/web/assets/${name}`).toString('base64'));
    }
  });
  afterAll(async () => t.stop());

  const targets = ['package.json', 'hub/app.ts', 'etc/passwd', 'qms.sqlite'];
  const dots = ['..', '%2e%2e', '%2E%2E', '.%2e', '%252e%252e', '%c0%ae%c0%ae', '..%00', '....'];
  const slashes = ['/', '%2f', '%2F', '%252f', '\\', '%5c', '%255c'];
  const paths: string[] = [];
  for (const prefix of ['/assets/', '/t/', '/', '/console/', '/api/']) {
    for (const dot of dots) {
      for (const slash of slashes) {
        for (const target of targets) {
          paths.push(`${prefix}${dot}${slash}${dot}${slash}${dot}${slash}${target}`);
          paths.push(`${prefix}${dot}${slash}${target}`);
        }
      }
    }
  }
  paths.push(
    '/assets/',
    '/assets/%00',
    '/assets/common.js%00.html',
    '/assets/common.js/..%2f..%2fpackage.json',
    '/assets//etc/passwd',
    '/assets/..',
    '/assets/.',
    '//etc/passwd',
    '/qms.sqlite',
    '/data/qms.sqlite',
    '/hub/web/pages/admin.html',
    '/package.json',
    '/node_modules/aedes/package.json',
    '/%2e%2e/%2e%2e/package.json',
  );

  it(`serves only its own pages and assets (${paths.length} raw paths)`, async () => {
    const served: string[] = [];
    for (const path of paths) {
      const res = await rawGet(t.hub.httpPort, path);
      const text = res.body.toString('latin1');
      // Nothing from outside the fixed table of pages and assets.
      expect(text, path).not.toMatch(
        /"name": "qms-one-stop"|root:x:0:0|SQLite format 3|startHub|import .* from/,
      );
      if (res.status === 200) {
        expect(
          legit.has(res.body.toString('base64')),
          `${path} served something that is not a page or asset`,
        ).toBe(true);
        served.push(path);
      } else {
        expect([301, 302, 400, 404, 405, 414], path).toContain(res.status);
        if (res.status >= 400) {
          expect(res.type, path).toMatch(/^application\/json/);
          expect((JSON.parse(res.body.toString()) as { error: { code: string } }).error.code).toMatch(
            /^[a-z_]+$/,
          );
        }
      }
    }
    // Only the ticket page answers 200 for odd paths (it serves every /t/<id>).
    expect(served.every((p) => p.startsWith('/t/'))).toBe(true);
  });
});

// ---------------------------------------------------------------- secrets and the log

describe('no secret in the log', () => {
  const dir = tempDir('qms-secrets-');
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child!.once('exit', () => resolve());
        child!.kill('SIGKILL');
      });
    }
    dir.remove();
  });

  it('never writes a password, token, session cookie or stored hash across a full flow (debug level)', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'hub/main.ts'], {
      env: {
        ...process.env,
        QMS_DATA_DIR: dir.path,
        QMS_MQTT_PORT: String(mqttPort),
        QMS_HTTP_PORT: String(httpPort),
        QMS_LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hub not ready:\n${output}`)), 15_000);
      child!.stdout!.on('data', () => {
        // Ready, and (a first start) the administrator password shown.
        if (/ ready /.test(output) && /Password \(shown only now\): \S+\n/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once('exit', (code) => reject(new Error(`hub exited with ${code}:\n${output}`)));
    });

    const secrets = new Map<string, string>(); // value → what it is
    const adminPassword = /Password \(shown only now\): (\S+)/.exec(output)?.[1];
    expect(adminPassword).toBeDefined();
    secrets.set(adminPassword!, 'first administrator password');

    const httpUrl = `http://127.0.0.1:${httpPort}`;
    const call = async (method: string, path: string, body?: unknown, cookie?: string, origin = httpUrl) => {
      const res = await fetch(`${httpUrl}${path}`, {
        method,
        headers: {
          origin,
          ...(cookie ? { cookie } : {}),
          ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
        },
        ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
      });
      const text = await res.text();
      const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      // Every password or token a reply carries is a secret from now on.
      for (const [key, value] of Object.entries(json)) {
        if (/password|token/i.test(key) && typeof value === 'string') secrets.set(value, `${path} ${key}`);
      }
      const cookieHeader = res.headers.get('set-cookie');
      const session = cookieHeader ? /qms_session=([^;]+)/.exec(cookieHeader)?.[1] : undefined;
      if (session) secrets.set(session, 'session cookie');
      return { status: res.status, json, cookie: session ? `qms_session=${session}` : undefined };
    };

    // Administrator: a wrong password first, then the right one.
    const wrong = 'not-the-admin-password-42';
    secrets.set(wrong, 'a wrong password');
    expect((await call('POST', '/api/session', { username: 'admin', password: wrong })).status).toBe(401);
    const admin = (await call('POST', '/api/session', { username: 'admin', password: adminPassword }))
      .cookie!;
    // Accounts: one with a chosen password, one generated, then a reset.
    const officerPassword = 'mat-khau-rat-bi-mat-7';
    secrets.set(officerPassword, 'officer password');
    expect(
      (
        await call(
          'POST',
          '/api/admin/accounts',
          { username: 'canbo1', displayName: 'Cán bộ 1', role: 'officer', password: officerPassword },
          admin,
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await call(
          'POST',
          '/api/admin/accounts',
          { username: 'canbo2', displayName: 'Cán bộ 2', role: 'officer' },
          admin,
        )
      ).status,
    ).toBe(201);
    expect((await call('POST', '/api/admin/accounts/canbo2/password', {}, admin)).status).toBe(200);
    // Devices: registered, one given a new credential, one revoked at the end.
    const token = async (id: string, role: string, counterId?: number, replace?: boolean) => {
      const r = await call(
        'POST',
        '/api/admin/devices',
        { id, role, ...(counterId ? { counterId } : {}), ...(replace ? { replace } : {}) },
        admin,
      );
      expect(r.status).toBe(201);
      return r.json.token as string;
    };
    const kioskToken = await token('kiosk-1', 'kiosk');
    const ratingToken = await token('rating-1', 'rating', 1);
    await token('speaker-1', 'speaker');
    const speakerToken = await token('speaker-1', 'speaker', undefined, true);

    // Devices at work: a wrong token, then a ticket, a call, a playback report, a rating.
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    await expect(connectDevice(mqttUrl, 'kiosk-1', `${kioskToken}x`)).rejects.toMatchObject({ code: 4 });
    secrets.set(`${kioskToken}x`, 'a wrong device token');
    const kiosk = await connectDevice(mqttUrl, 'kiosk-1', kioskToken);
    const speaker = await connectDevice(mqttUrl, 'speaker-1', speakerToken);
    const rating = await connectDevice(mqttUrl, 'rating-1', ratingToken);
    clients.push(kiosk, speaker, rating);
    const ask = async (client: MqttClient, id: string, action: string, body: object) => {
      await client.subscribeAsync(topics.deviceReply(id), { qos: 1 });
      const answer = nextMessage(client, topics.deviceReply(id), 5_000);
      client.publish(
        `qms/device/${id}/request/${action}`,
        JSON.stringify({ v: 1, requestId: `${action}-1`, ...body }),
        { qos: 1 },
      );
      return reply.parse(JSON.parse((await answer).toString()));
    };
    expect((await ask(kiosk, 'kiosk-1', 'issue-ticket', { procedureId: 'can-cuoc-01' })).ok).toBe(true);
    const officer = (await call('POST', '/api/session', { username: 'canbo1', password: officerPassword }))
      .cookie!;
    await speaker.subscribeAsync(topics.announce, { qos: 1 });
    const announced = nextMessage(speaker, topics.announce, 5_000);
    for (const action of ['take', 'call-next', 'start', 'finish']) {
      expect((await call('POST', `/api/counters/1/${action}`, undefined, officer)).status).toBe(200);
    }
    const callId = (JSON.parse((await announced).toString()) as { callId: string }).callId;
    expect(
      (
        await ask(speaker, 'speaker-1', 'announcement-played', {
          callId,
          startedAt: Date.now() - 10,
          endedAt: Date.now(),
        })
      ).ok,
    ).toBe(true);
    expect(
      (
        await ask(rating, 'rating-1', 'submit-rating', {
          level: 'very_satisfied',
          pressedAt: Date.now(),
          counterId: 1,
        })
      ).ok,
    ).toBe(true);
    // Refusals that log: a cross-site request with a live cookie, an officer at the administration.
    expect(
      (await call('POST', '/api/counters/1/call-next', undefined, officer, 'http://evil.example')).status,
    ).toBe(403);
    expect((await call('GET', '/api/admin/accounts', undefined, officer)).status).toBe(403);
    expect((await call('POST', '/api/admin/devices/kiosk-1/revoke', undefined, admin)).status).toBe(200);
    expect((await call('DELETE', '/api/session', undefined, officer)).status).toBe(200);
    for (const c of clients.splice(0)) c.end(true);

    // The hashes the store keeps are secrets too.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${dir.path}/qms.sqlite`, { readonly: true });
    for (const [table, column] of [
      ['accounts', 'password_hash'],
      ['devices', 'token_hash'],
      ['sessions', 'token_hash'],
    ] as const) {
      for (const row of db.prepare(`SELECT ${column} AS v FROM ${table}`).all() as { v: string }[]) {
        secrets.set(row.v, `${table}.${column}`);
      }
    }
    db.close();

    // Let the last log lines out, then stop the hub as systemd would.
    await new Promise<void>((resolve) => {
      child!.once('exit', () => resolve());
      child!.kill('SIGTERM');
    });
    expect(output).toMatch(/ready /);
    expect(output).toMatch(/DEBUG|INFO/); // the log was really written
    expect(secrets.size).toBeGreaterThanOrEqual(12);
    for (const [secret, what] of secrets) {
      const lines = output.split('\n').filter((line) => line.includes(secret));
      if (what === 'first administrator password') {
        // Once, in the first-start banner on the console, and nowhere in the log.
        expect(lines, what).toEqual([`  Password (shown only now): ${secret}`]);
      } else {
        expect(lines, what).toEqual([]);
      }
    }
  }, 60_000);
});
