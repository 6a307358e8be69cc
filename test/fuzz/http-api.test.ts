// Property-based tests of every endpoint of the hub's HTTP API, taken from
// its own OpenAPI document (GET /api/openapi.json), against a real hub:
// arbitrary path and query parameters and bodies — arbitrary JSON, broken
// JSON, bodies shaped by the route's own JSON schema (so they reach the
// handlers' checks), and those with one field deleted or replaced — sent by
// the role the route is for. Never a 500; every refusal is JSON
// `{error: {code, message}}` and leaves the store as it was (row counts and
// a hash of every table); a read never changes the store.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, nextMessage, startTestHub, type TestHub } from '../helpers/hub.js';
import { storeFingerprint } from './store-fingerprint.js';

// Random cases per route, besides the well-formed one every route gets
// first. Each case hashes the whole store twice, so this sets the cost of the
// suite (~70 routes): 40 took over 120 s beside other suites on two busy
// cores. Every route must still have a case reach its handler (asserted).
const RUNS = 12;

interface JsonSchema {
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}
interface Operation {
  parameters?: { in: 'path' | 'query'; name: string; schema: JsonSchema; required?: boolean }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
}
interface Endpoint {
  method: string;
  path: string;
  op: Operation;
}

let t: TestHub;
let endpoints: Endpoint[] = [];
const cookies: Record<'admin' | 'officer', string> = { admin: '', officer: '' };
/** Accounts the fuzz must not touch: its own sessions would end. */
const OWN_ACCOUNTS = ['admin', 'canbo'];
let known: Record<string, string[]> = {};

beforeAll(async () => {
  t = await startTestHub();
  cookies.admin = await t.signIn('admin', t.hub.initialAdminPassword!);
  cookies.officer = await t.signIn('canbo', await t.addAccount('canbo', 'officer'));
  await t.addAccount('fuzz-victim', 'officer');
  t.addDevice('fuzz-kiosk', 'rating', 2);
  // A few tickets, one of them called, for the routes that act on tickets.
  const kiosk = await connectDevice(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
  await kiosk.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
  for (let i = 0; i < 6; i++) {
    const answer = nextMessage(kiosk, topics.deviceReply('kiosk-1'));
    kiosk.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId: `seed-${i}`, procedureId: i % 2 ? 'cu-tru-01' : 'can-cuoc-01' }),
      { qos: 1 },
    );
    expect(reply.parse(JSON.parse((await answer).toString())).ok).toBe(true);
  }
  kiosk.end(true);
  const officer = t.as(cookies.officer);
  expect((await officer('/api/counters/1/take', { method: 'POST' })).status).toBe(200);
  expect((await officer('/api/counters/1/call-next', { method: 'POST' })).status).toBe(200);

  const doc = (await (await fetch(`${t.httpUrl}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  endpoints = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
  const { state } = t.hub.service;
  known = {
    counter: [...state.counters.keys()].map(String),
    field: state.catalogue.fields.map((f) => f.id),
    procedure: state.catalogue.procedures.map((p) => p.id),
    ticket: [...state.tickets.keys()],
    username: ['fuzz-victim'],
    device: ['fuzz-kiosk', 'kiosk-1'],
  };
});
afterAll(async () => t.stop());

// ---------------------------------------------------------------- generators

/** Values that satisfy a JSON schema (as far as a generator reasonably can). */
function fromSchema(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const nullable = schema.nullable || types.includes('null');
  const type = types.find((x) => x !== 'null');
  let arb: fc.Arbitrary<unknown>;
  switch (type) {
    case 'object': {
      const props = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, s]) => [k, fromSchema(s, depth + 1)]),
      );
      arb = fc
        .record(props, { requiredKeys: schema.required ?? [] })
        .filter((o) => Object.keys(o).length >= (schema.minProperties ?? 0));
      break;
    }
    case 'array':
      arb = fc.array(schema.items ? fromSchema(schema.items, depth + 1) : fc.jsonValue(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, depth > 1 ? 2 : 4),
      });
      break;
    case 'string':
      arb = schema.pattern
        ? fc
            .stringMatching(new RegExp(schema.pattern))
            .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 1e9))
        : fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 300) });
      break;
    case 'integer':
      arb = fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e9 });
      break;
    case 'number':
      arb = fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e9, noNaN: true });
      break;
    case 'boolean':
      arb = fc.boolean();
      break;
    default:
      arb = fc.jsonValue();
  }
  return nullable ? fc.option(arb, { nil: null }) : arb;
}

type Path = (string | number)[];
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}
function mutate(value: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  if (replacement === undefined) delete node[path.at(-1)!];
  else node[path.at(-1)!] = replacement;
  return copy;
}
const nasty = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue(),
  fc.constantFrom(
    null,
    '',
    'x'.repeat(5000),
    -1,
    0,
    1.5,
    1e308,
    2 ** 53,
    true,
    [],
    {},
    '../../etc/passwd',
    '<script>',
  ),
);

/** A body with one field of a schema-shaped body deleted or replaced. */
const nearValid = (schema: JsonSchema) =>
  fromSchema(schema).chain((body) => {
    const paths = pathsOf(body);
    if (paths.length === 0) return fc.constant(body);
    return fc.tuple(fc.constantFrom(...paths), nasty).map(([p, r]) => mutate(body, p, r));
  });

interface Body {
  text?: string;
  type?: string;
}
function bodies(op: Operation): fc.Arbitrary<Body> {
  const schema = op.requestBody?.content['application/json'].schema;
  const json = (a: fc.Arbitrary<unknown>) =>
    a.map((v): Body => ({ text: JSON.stringify(v), type: 'application/json' }));
  return fc.oneof(
    ...(schema
      ? [
          { arbitrary: json(fromSchema(schema)), weight: 3 },
          { arbitrary: json(nearValid(schema)), weight: 3 },
        ]
      : []),
    { arbitrary: json(fc.jsonValue()), weight: 1 },
    { arbitrary: fc.constant<Body>({}), weight: 1 },
    {
      arbitrary: fc.record({
        text: fc.oneof(
          fc.string(),
          fc.constantFrom('', '{', '{"a":', 'null', '[]', '\u0000', '{"__proto__":{"x":1}}'),
        ),
        type: fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
        ),
      }),
      weight: 1,
    },
  );
}

/** Known ids for a parameter, by what the route is about. */
function knownFor(path: string, name: string): string[] {
  if (name === 'username') return known.username!;
  if (path.startsWith('/api/admin/fields')) return known.field!;
  if (path.startsWith('/api/admin/procedures')) return known.procedure!;
  if (path.startsWith('/api/admin/devices')) return known.device!;
  if (path.startsWith('/api/tickets')) return known.ticket!;
  if (name === 'id') return known.counter!;
  return [];
}

const weirdText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    '..',
    '.',
    '%',
    '%00',
    '0',
    '-1',
    '1e3',
    '0x10',
    ' 1',
    '1 ',
    'null',
    'admin',
    'x'.repeat(2000),
  ),
);

/** Marks a path parameter put into the URL as it is, not %-encoded (malformed escapes and the like). */
const RAW = 'raw:';

function parameter(path: string, p: { name: string; schema: JsonSchema }): fc.Arbitrary<string> {
  const ids = knownFor(path, p.name);
  return fc
    .oneof(
      ...(ids.length ? [fc.constantFrom(...ids)] : []),
      fromSchema(p.schema).map((v) => String(v)),
      weirdText,
      fc.integer().map(String),
      fc
        .constantFrom('%', '%zz', '%c0%ae', '%2e%2e', '..%2f', '%00', '%ff', '%E2%82', 'a%2Fb')
        .map((v) => RAW + v),
    )
    .filter((v) => !(p.name === 'username' && OWN_ACCOUNTS.includes(v)));
}

function requests(e: Endpoint) {
  const params = e.op.parameters ?? [];
  const pathParams = Object.fromEntries(
    params.filter((p) => p.in === 'path').map((p) => [p.name, parameter(e.path, p)]),
  );
  const query = fc.dictionary(
    fc.oneof(
      ...params.filter((p) => p.in === 'query').map((p) => fc.constant(p.name)),
      fc.constantFrom('x', '__proto__', 'from'),
    ),
    fc.oneof(
      fc.constantFrom(
        '2025-01-01',
        '2025-12-31',
        '1900-01-01',
        '2025-02-30',
        'procedure',
        'counter',
        'officer',
        '15',
        '0',
      ),
      weirdText,
      fc.integer().map(String),
    ),
    { maxKeys: 4 },
  );
  return fc.record({
    params: fc.record(pathParams),
    query,
    body: e.method === 'GET' ? fc.constant<Body>({}) : bodies(e.op),
  });
}

/**
 * One well-formed request of the route (known ids, a JSON body shaped by its
 * schema), run first so every route has a case past the schema.
 */
function wellFormedRequest(e: Endpoint) {
  const params = e.op.parameters ?? [];
  const schema = e.op.requestBody?.content['application/json'].schema;
  return {
    params: Object.fromEntries(
      params
        .filter((p) => p.in === 'path')
        .map((p) => [p.name, knownFor(e.path, p.name)[0] ?? String(fc.sample(fromSchema(p.schema), 1)[0])]),
    ),
    query: {},
    body:
      e.method === 'GET'
        ? {}
        : {
            text: JSON.stringify(schema ? fc.sample(fromSchema(schema), 1)[0] : {}),
            type: 'application/json',
          },
  };
}

// ---------------------------------------------------------------- the property

/** Who the route is for: administration and reports an administrator, counter actions an officer. */
function roleOf(e: Endpoint): 'admin' | 'officer' | null {
  if (e.path.startsWith('/api/admin') || e.path.startsWith('/api/reports')) return 'admin';
  if (e.method !== 'GET') return 'officer';
  return null;
}

/** Routes not fuzzed here, and why. */
const SEPARATE: Record<string, string> = {
  'GET /api/events': 'an endless event stream',
  'POST /api/session': 'sign-in: fuzzed below, last (failures lock the address out)',
  'DELETE /api/session': 'sign-out: fuzzed below, last (it would end the sessions used here)',
};

interface Sent {
  status: number;
  type: string;
  text: string;
}

async function send(
  e: Endpoint,
  r: { params: Record<string, string>; query: Record<string, string>; body: Body },
  role: 'admin' | 'officer' | null,
): Promise<Sent> {
  const path = e.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = r.params[name] ?? '';
    return value.startsWith(RAW) ? value.slice(RAW.length) : encodeURIComponent(value);
  });
  const search = new URLSearchParams(r.query).toString();
  const res = await fetch(`${t.httpUrl}${path}${search ? `?${search}` : ''}`, {
    method: e.method,
    headers: {
      origin: t.httpUrl,
      ...(role ? { cookie: cookies[role] } : {}),
      ...(r.body.type ? { 'content-type': r.body.type } : {}),
    },
    ...(r.body.text !== undefined ? { body: r.body.text } : {}),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/**
 * Whether the request got past the route's schema and Fastify's own checks
 * to the handler: answered, or refused with a code of the handler's own.
 */
function reachedHandler(sent: Sent, role: 'admin' | 'officer' | null): boolean {
  if (sent.status < 400) return true;
  // Refused before routing or by Node (too long, too large, too slow).
  if ([408, 413, 414, 415, 431].includes(sent.status)) return false;
  const body = JSON.parse(sent.text) as { error: { code: string; message: string } };
  const { code, message } = body.error;
  // A route open to all has no session check in front: a session refusal there is its handler's.
  if (role === null && (code === 'not_signed_in' || code === 'forbidden')) return true;
  if (FRONT_DOOR_CODES.has(code) || code.startsWith('fst_')) return false;
  return !(code === 'not_found' && message.startsWith('no route'));
}

/** Refusals from the schema, the JSON-only rule and the session checks in front of every handler. */
const FRONT_DOOR_CODES = new Set([
  'bad_request',
  'empty_body',
  'json_required',
  'cross_site',
  'not_signed_in',
  'forbidden',
]);

function checkRefusal(sent: Sent, what: string) {
  expect(sent.type, what).toMatch(/^application\/json/);
  const body = JSON.parse(sent.text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, `${what}: ${sent.text}`).toBe('string');
  expect(body.error!.code as string).toMatch(/^[a-z0-9_]+$/);
  expect(typeof body.error?.message, `${what}: ${sent.text}`).toBe('string');
  expect((body.error!.message as string).length, `${what}: ${sent.text}`).toBeGreaterThan(3);
}

describe('HTTP API under arbitrary input (every route of the OpenAPI document)', () => {
  it('finds the routes in the OpenAPI document', () => {
    expect(endpoints.length).toBeGreaterThan(40);
    for (const route of Object.keys(SEPARATE)) {
      expect(endpoints.map((e) => `${e.method} ${e.path}`)).toContain(route);
    }
  });

  it('never answers 500; every refusal is a JSON error and changes nothing; reads change nothing', async () => {
    const statuses = new Map<string, Map<number, number>>();
    const reached = new Map<string, number>();
    for (const e of endpoints) {
      const route = `${e.method} ${e.path}`;
      if (SEPARATE[route]) continue;
      const role = roleOf(e);
      const seen = new Map<number, number>();
      statuses.set(route, seen);
      await fc.assert(
        fc.asyncProperty(requests(e), async (r) => {
          const before = storeFingerprint(t.hub.db);
          const sent = await send(e, r, role);
          seen.set(sent.status, (seen.get(sent.status) ?? 0) + 1);
          const what = `${route} ${JSON.stringify(r).slice(0, 300)} → ${sent.status}`;
          expect(sent.status, `${what}: ${sent.text.slice(0, 300)}`).toBeLessThan(500);
          if (reachedHandler(sent, role)) reached.set(route, (reached.get(route) ?? 0) + 1);
          if (sent.status >= 400) {
            checkRefusal(sent, what);
            expect(storeFingerprint(t.hub.db), what).toEqual(before);
          } else if (e.method === 'GET') {
            expect(storeFingerprint(t.hub.db), what).toEqual(before);
          }
        }),
        { numRuns: RUNS, examples: [[wellFormedRequest(e)]] },
      );
      // Our own sessions are still good: the fuzz did not lock itself out.
      for (const role of ['admin', 'officer'] as const) {
        const res = await fetch(`${t.httpUrl}/api/session`, { headers: { cookie: cookies[role] } });
        expect(res.status, `${role} session after ${route}`).toBe(200);
      }
    }
    expect(t.logs.lines.filter((l) => /^ERROR hub\/http: request failed/.test(l))).toEqual([]);
    const summary = [...statuses].map(
      ([route, s]) =>
        `${route} ${JSON.stringify(Object.fromEntries(s))}, ${reached.get(route) ?? 0} reached the handler`,
    );
    console.log(`statuses per route:\n${summary.join('\n')}`);
    // The property is about handlers, not only the schema in front of them:
    // every route had cases get through to its handler.
    expect([...statuses.keys()].filter((route) => !reached.get(route))).toEqual([]);
  }, 300_000); // ~35 s alone; far longer beside other suites on two busy cores

  it('sign-in and sign-out (anonymous): never 500, refusals are JSON errors, nothing stored', async () => {
    const signIn = endpoints.find((e) => e.method === 'POST' && e.path === '/api/session')!;
    await fc.assert(
      fc.asyncProperty(requests(signIn), async (r) => {
        const before = storeFingerprint(t.hub.db);
        const sent = await send(signIn, r, null);
        expect(sent.status).toBeLessThan(500);
        expect(sent.status).toBeGreaterThanOrEqual(400); // no random sign-in succeeds
        checkRefusal(sent, `POST /api/session ${JSON.stringify(r)}`);
        expect(storeFingerprint(t.hub.db)).toEqual(before);
      }),
      { numRuns: 60 },
    );
    const signOut = endpoints.find((e) => e.method === 'DELETE' && e.path === '/api/session')!;
    await fc.assert(
      fc.asyncProperty(requests(signOut), async (r) => {
        const before = storeFingerprint(t.hub.db);
        const sent = await send(signOut, r, null);
        expect(sent.status).toBeLessThan(500);
        if (sent.status >= 400) checkRefusal(sent, 'DELETE /api/session');
        expect(storeFingerprint(t.hub.db)).toEqual(before);
      }),
      { numRuns: 20 },
    );
  }, 120_000);
});
