// Property-based tests of every device request action against a real hub
// (aedes broker, handlers, SQLite store), each sent by a device of the role
// that may send it: arbitrary bytes, arbitrary JSON, and near-valid requests
// (a valid one with a field deleted or replaced). Every payload gets exactly
// one reply; a refusal has a code and a message and leaves the store as it
// was (row counts and a hash of every table); the device is not cut off; no
// handler ever fails (no hub_error, no crash counted).

import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseGrant, type Reply, reply, syncTicketsResult } from '../../shared/protocol/messages.js';
import {
  ALL_ACTIONS,
  REQUEST_ACTIONS,
  type RequestAction,
  type Role,
  topics,
} from '../../shared/protocol/topics.js';
import { RATING_LEVELS } from '../../shared/ratings.js';
import { connectDevice, startTestHub, type TestHub } from '../helpers/hub.js';
import { until } from '../helpers/wait.js';
import { storeFingerprint } from './store-fingerprint.js';

const RUNS = 80;
let t: TestHub;
/**
 * Each device's connection, every reply it has received, and how many
 * requests it sent under each requestId (null: a payload with no usable id).
 */
interface Channel {
  id: string;
  client: MqttClient;
  replies: Reply[];
  sent: Map<string | null, number>;
}
const clients = new Map<Role, Channel>();
let callId = '';
/** Numbers leased to the kiosk: a valid sync prints from one of them. */
const leased: { seriesKey: string; number: number }[] = [];
let sequence = 0;

const DEVICE: Record<Role, { id: string; counterId: number | null }> = {
  kiosk: { id: 'kiosk-1', counterId: null },
  rating: { id: 'rating-1', counterId: 1 },
  speaker: { id: 'speaker-1', counterId: null },
};

beforeAll(async () => {
  t = await startTestHub();
  for (const role of Object.keys(DEVICE) as Role[]) {
    const { id, counterId } = DEVICE[role];
    const client = await connectDevice(t.mqttUrl, id, t.addDevice(id, role, counterId));
    const channel: Channel = { id, client, replies: [], sent: new Map() };
    client.on('message', (topic, payload) => {
      if (topic === topics.deviceReply(id)) channel.replies.push(reply.parse(JSON.parse(payload.toString())));
    });
    await client.subscribeAsync(topics.deviceReply(id), { qos: 1 });
    clients.set(role, channel);
  }
  // Something to act on: waiting tickets, and a ticket served at counter 1
  // (a valid rating would count) with its call (a valid playback report too).
  for (let i = 0; i < 3; i++) await send('kiosk', 'issue-ticket', JSON.stringify(valid['issue-ticket']()));
  const lease = await send(
    'kiosk',
    'request-lease',
    JSON.stringify({ ...valid['request-lease'](), count: 50 }),
  );
  if (!lease.ok) throw new Error(`lease refused: ${lease.error.message}`);
  for (const { seriesKey, numbers } of leaseGrant.parse(lease.data).series)
    for (const number of numbers) leased.push({ seriesKey, number });
  const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
  for (const action of ['take', 'call-next', 'start', 'finish']) {
    const res = await officer(`/api/counters/1/${action}`, { method: 'POST' });
    expect(res.status).toBe(200);
    if (action === 'call-next') callId = ((await res.json()) as { call: { callId: string } }).call.callId;
  }
});
afterAll(async () => {
  for (const { client } of clients.values()) client.end(true);
  await t.stop();
});

const fresh = () => `fz-${++sequence}`;
const now = () => Date.now();

/** A valid request of each action (fresh requestId each time). */
const valid: Record<RequestAction, () => Record<string, unknown>> = {
  'issue-ticket': () => ({
    v: 1,
    requestId: fresh(),
    procedureId: 'can-cuoc-01',
    priority: null,
    pressedAt: now(),
  }),
  'request-lease': () => ({
    v: 1,
    requestId: fresh(),
    procedureIds: ['can-cuoc-01'],
    fieldIds: ['cu-tru'],
    count: 3,
  }),
  'sync-tickets': () => ({
    v: 1,
    requestId: fresh(),
    tickets: [
      {
        ticketId: `t-${sequence}`,
        requestId: `press-${sequence}`,
        serviceDate: t.hub.service.state.serviceDate,
        // A leased number while any is left, then one never leased.
        ...(leased.shift() ?? { seriesKey: 'field:can-cuoc', number: 1500 + sequence }),
        procedureId: 'can-cuoc-01',
        priority: null,
        issuedAt: now() - 1000,
      },
    ],
  }),
  'submit-rating': () => ({
    v: 1,
    requestId: fresh(),
    level: 'satisfied',
    pressedAt: now(),
    sentAt: now(),
    counterId: 1,
  }),
  'announcement-played': () => ({ v: 1, requestId: fresh(), callId, startedAt: now() - 5, endedAt: now() }),
};

/**
 * The requestId a reply must carry: the payload's own when it is JSON with a
 * usable top-level string id, otherwise none (docs/protocol.md).
 */
function expectedRequestId(payload: string | Buffer): string | null {
  try {
    const id = (JSON.parse(payload.toString()) as { requestId?: unknown } | null)?.requestId;
    return typeof id === 'string' && id.length <= 64 ? id : null;
  } catch {
    return null;
  }
}

const countBy = (replies: Reply[]) => {
  const counts = new Map<string | null, number>();
  for (const r of replies) counts.set(r.requestId, (counts.get(r.requestId) ?? 0) + 1);
  return counts;
};

/**
 * Publish as the role's device and return its reply: the one carrying the
 * payload's requestId (the n-th reply under an id answers its n-th request).
 */
async function send(role: Role, action: RequestAction, payload: string | Buffer) {
  const channel = clients.get(role)!;
  const key = expectedRequestId(payload);
  const n = (channel.sent.get(key) ?? 0) + 1;
  channel.sent.set(key, n);
  channel.client.publish(topics.deviceRequest(channel.id, action), payload, { qos: 1 });
  return until(
    `reply ${n} to requestId ${key} (${action} from ${role})`,
    () => channel.replies.filter((r) => r.requestId === key)[n - 1],
    10_000,
  );
}

/**
 * Every request got exactly one reply: once a last valid request (sent after
 * all the others) has been answered, the replies under each requestId number
 * exactly the requests sent under it.
 */
async function expectOneReplyEach(role: Role) {
  const channel = clients.get(role)!;
  const fence = valid[REQUEST_ACTIONS[role][0]!]();
  await send(role, REQUEST_ACTIONS[role][0]!, JSON.stringify(fence));
  expect(Object.fromEntries(countBy(channel.replies))).toEqual(Object.fromEntries(channel.sent));
  expect(channel.replies.length).toBe([...channel.sent.values()].reduce((a, b) => a + b, 0));
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

/** Ids as the schema allows them: mostly unknown to the hub, sometimes known ones. */
const anyId = (known: string[]) =>
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/),
    ...(known.length ? [fc.constantFrom(...known)] : []),
  );
const epochMs = fc.oneof(
  fc.nat(),
  fc.integer({ min: Date.now() - 1e8, max: Date.now() + 1e8 }),
  fc.constantFrom(0, Date.now(), Number.MAX_SAFE_INTEGER),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/**
 * Requests that pass the schema but carry whatever values it allows: these
 * reach the handlers' own checks (unknown procedure, a reused requestId, a
 * lease of another day, a rating with no service, an unknown call, ...).
 */
function wellFormed(action: RequestAction): fc.Arbitrary<Record<string, unknown>> {
  const { catalogue, serviceDate } = t.hub.service.state;
  const procedures = catalogue.procedures.map((p) => p.id);
  const fields = catalogue.fields.map((f) => f.id);
  const priorities = catalogue.priorityCategories.map((p) => p.id);
  const tickets = [...t.hub.service.state.tickets.keys()];
  // A few requestIds used over and over: repeats and reuse for another request.
  const requestId = fc.oneof(fc.constant(undefined).map(fresh), fc.constantFrom('fz-same-1', 'fz-same-2'));
  switch (action) {
    case 'issue-ticket':
      return fc.record({
        v: fc.constant(1),
        requestId,
        procedureId: anyId(procedures),
        priority: optional(fc.oneof(fc.constant(null), anyId(priorities))),
        pressedAt: optional(epochMs),
      });
    case 'request-lease':
      return fc.record({
        v: fc.constant(1),
        requestId,
        procedureIds: fc.array(anyId(procedures), { maxLength: 5 }),
        fieldIds: fc.array(anyId(fields), { maxLength: 5 }),
        count: fc.integer({ min: 1, max: 50 }),
      });
    case 'sync-tickets':
      return fc.record({
        v: fc.constant(1),
        requestId,
        tickets: fc.array(
          fc.record({
            ticketId: anyId(tickets),
            requestId: anyId(['press-1', 'fz-same-1']),
            serviceDate: fc.oneof(
              fc.constantFrom(serviceDate, '2000-01-01', '9999-99-99'),
              fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
            ),
            seriesKey: fc.oneof(
              fc.constantFrom('field:can-cuoc', 'field:cu-tru', 'procedure:can-cuoc-01', 'field:'),
              fc.string({ minLength: 1, maxLength: 100 }),
            ),
            number: fc.oneof(fc.nat({ max: 10_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
            procedureId: anyId(procedures),
            priority: optional(fc.oneof(fc.constant(null), anyId(priorities))),
            issuedAt: epochMs,
          }),
          { minLength: 1, maxLength: 4 },
        ),
      });
    case 'submit-rating':
      return fc.record({
        v: fc.constant(1),
        requestId,
        level: fc.constantFrom(...RATING_LEVELS),
        pressedAt: epochMs,
        sentAt: optional(epochMs),
        counterId: optional(fc.integer({ min: 1, max: 1000 })),
      });
    case 'announcement-played':
      return fc.record({
        v: fc.constant(1),
        requestId,
        callId: anyId([callId]),
        startedAt: epochMs,
        endedAt: epochMs,
        skipped: optional(fc.string({ maxLength: 200 })),
      });
  }
}

/** Payloads for one action: bytes, JSON, near-valid mutations of a valid request, and well-formed ones. */
function payloads(action: RequestAction): fc.Arbitrary<string | Buffer> {
  const example = valid[action]();
  return fc.oneof(
    { arbitrary: wellFormed(action).map((r) => JSON.stringify(r)), weight: 3 },
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
    fc.jsonValue().map((j) => JSON.stringify(j) ?? 'null'),
    fc
      .dictionary(fc.constantFrom(...Object.keys(example)), fc.jsonValue())
      .map((o) => JSON.stringify({ ...o, v: 1 })),
    fc
      .tuple(
        fc.constantFrom(...pathsOf(example)),
        fc.oneof(
          fc.constant(undefined),
          fc.jsonValue(),
          fc.constantFrom(
            null,
            '',
            'x'.repeat(100),
            -1,
            1.5,
            2 ** 53,
            1e308,
            true,
            [],
            {},
            '../x',
            'kiosk-2',
          ),
        ),
      )
      .map(([path, replacement]) => {
        const request = valid[action]();
        const mutated = mutate(request, path, replacement) as Record<string, unknown>;
        // Keep a fresh requestId unless the mutation was on it: a repeat would only replay a stored reply.
        if (path[0] !== 'requestId') mutated.requestId = request.requestId;
        return JSON.stringify(mutated);
      }),
  );
}

describe('device requests under arbitrary payloads (real hub)', () => {
  it('has a valid request for every action', () => {
    expect(Object.keys(valid).sort()).toEqual([...ALL_ACTIONS].sort());
  });

  // Found by this fuzz: a time past what a Date can hold (here 2^53 − 1 ms)
  // passed the schema, the request was committed, and then formatting the
  // time for the log threw, so the device was told hub_error ("nothing was
  // saved") for a ticket or rating that was saved. Now the schema refuses it.
  it.each([
    ['kiosk', 'issue-ticket', 'pressedAt'],
    ['rating', 'submit-rating', 'pressedAt'],
    ['kiosk', 'sync-tickets', 'tickets.0.issuedAt'],
    ['speaker', 'announcement-played', 'endedAt'],
  ] as const)('refuses a time no Date can hold: %s %s %s', async (role, action, field) => {
    const request = valid[action]();
    const path = field.split('.');
    let node = request as Record<string, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[path.at(-1)!] = Number.MAX_SAFE_INTEGER;
    const before = storeFingerprint(t.hub.db);
    const r = await send(role, action, JSON.stringify(request));
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_message' } });
    expect(r.ok ? '' : r.error.message).toContain(`${field}: must be milliseconds since 1970`);
    expect(storeFingerprint(t.hub.db)).toEqual(before);
  });

  for (const role of Object.keys(REQUEST_ACTIONS) as Role[]) {
    for (const action of REQUEST_ACTIONS[role]) {
      it(`${action} from a ${role}: one reply each; a refusal changes nothing`, async () => {
        const outcomes = { ok: 0, refused: new Map<string, number>() };
        const failedBefore = t.hub.metrics.get('request_failed');
        const logFrom = t.logs.lines.length;
        const tally = (code: string) => outcomes.refused.set(code, (outcomes.refused.get(code) ?? 0) + 1);
        await fc.assert(
          fc.asyncProperty(payloads(action), async (payload) => {
            const before = storeFingerprint(t.hub.db);
            const r = await send(role, action, payload);
            expect(r.action).toBe(action);
            expect(r.requestId).toBe(expectedRequestId(payload));
            if (r.ok) {
              outcomes.ok++;
              if (action === 'sync-tickets') {
                // Each leased ticket has its own result; refused ones are not stored.
                const { results } = syncTicketsResult.parse(r.data);
                for (const x of results) {
                  tally(`ticket ${x.status}${x.error ? ` ${x.error.code}` : ''}`);
                  if (x.status === 'refused') expect(x.error?.message.length).toBeGreaterThan(5);
                }
                if (results.every((x) => x.status === 'refused'))
                  expect(storeFingerprint(t.hub.db)).toEqual(before);
              }
              return;
            }
            tally(r.error.code);
            expect(r.error.code).toMatch(/^[a-z_]+$/);
            expect(r.error.code).not.toBe('hub_error');
            expect(r.error.message.length).toBeGreaterThan(5);
            expect(storeFingerprint(t.hub.db)).toEqual(before);
          }),
          // A valid request first, so the accepting side is always exercised.
          { numRuns: RUNS, examples: [[JSON.stringify(valid[action]())]] },
        );
        expect(clients.get(role)!.client.connected).toBe(true);
        await expectOneReplyEach(role);
        // No handler failed on any of it (a failure would have been answered hub_error).
        const failures = t.logs.lines
          .slice(logFrom)
          .filter((l) => /^ERROR .*(request failed|handler failed)/.test(l));
        expect(failures).toEqual([]);
        expect(t.hub.metrics.get('request_failed')).toBe(failedBefore);
        expect(t.hub.metrics.get('handler_crash')).toBe(0);
        // Both sides of the property were exercised: some payloads were
        // accepted (a sync may be answered ok with every ticket refused, so
        // only stored tickets count for it), some refused.
        const accepted =
          action === 'sync-tickets' ? (outcomes.refused.get('ticket accepted') ?? 0) : outcomes.ok;
        expect(accepted, 'payloads accepted').toBeGreaterThan(0);
        expect(
          [...outcomes.refused.keys()].filter((k) => !k.startsWith('ticket ')).length,
          'payloads refused',
        ).toBeGreaterThan(0);
        console.log(
          `${action}: ${outcomes.ok} accepted, refused ${JSON.stringify(Object.fromEntries(outcomes.refused))}`,
        );
      }, 30_000);
    }
  }
});
