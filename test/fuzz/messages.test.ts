// Property-based tests of every message schema in shared/protocol/messages.ts
// through decodePayload, the one entry point for MQTT payloads on the hub and
// on the devices: arbitrary bytes, arbitrary JSON, and near-valid messages
// (a valid example with one field deleted or replaced). Nothing throws; an
// accepted payload decodes to a value that survives a round trip; a refused
// one has a known code and a message that names the bad field.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as messages from '../../shared/protocol/messages.js';
import { decodePayload, describeIssues, encode, MAX_PAYLOAD_BYTES } from '../../shared/protocol/messages.js';
import { parseTopic } from '../../shared/protocol/topics.js';

const RUNS = { numRuns: 300 };
const CODES = ['too_large', 'bad_json', 'bad_message', 'unsupported_version'];

// One valid example of each schema. A schema added to messages.ts without an
// example here fails the first test below, so every message stays covered.
const ticketData = {
  ticketId: '9d2f6a1e-3b4c-4d5e-8f70-1a2b3c4d5e6f',
  display: 'A1023',
  number: 1023,
  serviceDate: '2025-11-28',
  fieldId: 'can-cuoc',
  fieldName: 'Căn cước',
  procedureId: 'can-cuoc-01',
  procedureName: 'Cấp thẻ căn cước',
  priority: 'nguoi-cao-tuoi',
  priorityName: 'Người cao tuổi',
  issuedAt: 1764300000150,
  ahead: 4,
  estimatedWaitSeconds: 720,
  counters: [{ id: 3, name: 'Quầy 3' }],
  lookupPath: '/t/9d2f6a1e',
};
const leased = {
  ticketId: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff',
  requestId: 'press-0001',
  serviceDate: '2025-11-28',
  seriesKey: 'field:can-cuoc',
  number: 1042,
  procedureId: 'can-cuoc-01',
  priority: null,
  issuedAt: 1764300000000,
};
const EXAMPLES: Record<string, unknown> = {
  deviceStatus: {
    v: 1,
    deviceId: 'kiosk-01',
    role: 'kiosk',
    state: 'online',
    version: '0.1.0',
    at: 1764299400000,
    printer: 'paper_near_end',
    fault: null,
  },
  issueTicketRequest: {
    v: 1,
    requestId: '5b0e3a7c-2f1d-4c55-9a0e-6d1f2b7c8e90',
    procedureId: 'can-cuoc-01',
    priority: 'nguoi-cao-tuoi',
    pressedAt: 1764300000000,
  },
  requestLeaseRequest: {
    v: 1,
    requestId: 'lease-1',
    procedureIds: ['can-cuoc-01'],
    fieldIds: ['cu-tru'],
    count: 20,
  },
  leasedTicket: leased,
  syncTicketsRequest: { v: 1, requestId: 'sync-1', tickets: [leased, { ...leased, number: 1043 }] },
  announcementPlayed: {
    v: 1,
    requestId: 'speaker-01-000123',
    callId: '0f6c2d4e-8a1b-4e3f-9c7d-2b5a6e8f1c3d',
    startedAt: 1764300002100,
    endedAt: 1764300006400,
    skipped: 'too old',
  },
  submitRating: {
    v: 1,
    requestId: 'rate-0001',
    level: 'satisfied',
    pressedAt: 1764300000000,
    sentAt: 1764300000100,
    counterId: 3,
  },
  issuedTicket: ticketData,
  ratingResult: {
    ticketId: 't-1',
    display: '1023',
    counterId: 3,
    level: 'very_satisfied',
    score: 2,
    outcome: 'recorded',
  },
  leaseGrant: {
    serviceDate: '2025-11-28',
    validUntil: 1764349200000,
    series: [{ seriesKey: 'field:can-cuoc', prefix: '', numbers: [1042, 1043] }],
    procedures: [
      {
        procedureId: 'can-cuoc-01',
        fieldId: 'can-cuoc',
        seriesKey: 'field:can-cuoc',
        counters: [{ id: 1, name: 'Quầy 1' }],
      },
    ],
    skipped: ['khong-co'],
  },
  syncTicketsResult: {
    results: [
      { ticketId: 't-1', requestId: 'p-1', status: 'accepted', display: '1042' },
      {
        ticketId: 't-2',
        requestId: 'p-2',
        status: 'refused',
        error: { code: 'lease_expired', message: 'x' },
      },
    ],
  },
  replyError: { code: 'hub_error', message: 'the hub could not save the request; try again' },
  reply: { v: 1, requestId: 'r-1', action: 'issue-ticket', ok: true, data: ticketData },
  counterStateMessage: {
    v: 1,
    counterId: 3,
    name: 'Quầy 3',
    state: 'open',
    officer: 'canbo3',
    current: { ticketId: 't-1', display: '1023', status: 'called', calledAt: 1764300720000 },
    rating: { ticketId: 't-0', display: '1022', status: 'done', rated: false, closesAt: 1764300800000 },
    at: 1764300720000,
  },
  announcement: {
    v: 1,
    callId: '0f6c2d4e',
    ticketId: '9d2f6a1e',
    display: '1023',
    number: 1023,
    prefix: '',
    counterId: 3,
    counterName: 'Quầy 3',
    recall: false,
    at: 1764300720000,
  },
  announcementSettingsMessage: {
    v: 1,
    repeat: 2,
    recallPrefix: true,
    zeroTens: 'lẻ',
    four: 'bốn',
    thousand: 'ngàn',
    at: 1764300720000,
  },
  catalogueMessage: {
    v: 1,
    at: 1764300720000,
    fields: [{ id: 'can-cuoc', name: 'Căn cước', procedures: [{ id: 'can-cuoc-01', name: 'Cấp thẻ' }] }],
    priorityCategories: [{ id: 'nguoi-cao-tuoi', name: 'Người cao tuổi' }],
  },
  queueSummary: {
    v: 1,
    at: 1764300720000,
    serviceDate: '2025-11-28',
    fields: [{ fieldId: 'can-cuoc', name: 'Căn cước', waiting: 7 }],
  },
  hubStatus: {
    v: 1,
    state: 'online',
    version: '0.1.0',
    startedAt: 1764291600000,
    clock: { source: 'confirmed', trusted: true, offsetMs: 48_600_000 },
    at: 1764291660000,
  },
  hubClock: { source: 'ntp', trusted: true, offsetMs: 0 },
  printerState: 'paper_out',
};

const schemas = Object.entries(messages as Record<string, unknown>).filter(
  (entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType,
);
/** Payload schemas carry the protocol version `v`; the others are parts of a payload. */
const isPayload = (example: unknown) =>
  typeof example === 'object' && example !== null && !Array.isArray(example) && 'v' in example;

type Path = (string | number)[];
const DELETE = Symbol('delete');

/** Every path to a node inside a JSON value (the root excluded). */
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
  const last = path.at(-1)!;
  if (replacement === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

/** Values that break the usual assumptions of a field. */
const nasty = fc.oneof(
  fc.constant(DELETE),
  fc.jsonValue(),
  fc.constantFrom(
    null,
    '',
    ' ',
    'x'.repeat(300),
    '../../etc/passwd',
    'a b/c#+',
    '\u0000',
    'ｖ',
    -1,
    0,
    1.5,
    2 ** 53,
    -(2 ** 31),
    1e308,
    true,
    [],
    {},
    [null],
    { __proto__: null },
  ),
);

/** What each decode of untrusted input must look like. */
function checkDecoded(schema: z.ZodType, text: string | Buffer, decoded: messages.Parsed<unknown>) {
  if (decoded.ok) {
    // An accepted payload survives a round trip unchanged.
    const again = decodePayload(encode(decoded.value as object), schema);
    expect(again).toEqual({ ok: true, value: decoded.value });
    return;
  }
  expect(CODES).toContain(decoded.code);
  expect(typeof decoded.message).toBe('string');
  expect(decoded.message.length).toBeGreaterThan(5);
  if (decoded.code === 'bad_message' && decoded.message !== 'payload must be a JSON object') {
    // "path: text; path: text" — every clause names where the problem is.
    for (const clause of decoded.message.split('; ')) expect(clause).toMatch(/^[^\s:]+: \S/);
  }
  if (decoded.code === 'too_large') expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_PAYLOAD_BYTES);
}

describe('message schemas under arbitrary input', () => {
  it('has a valid example for every schema of messages.ts', () => {
    expect(schemas.map(([name]) => name).sort()).toEqual(Object.keys(EXAMPLES).sort());
    for (const [name, schema] of schemas) {
      const parsed = schema.safeParse(EXAMPLES[name]);
      expect(parsed.success, `${name}: ${parsed.error ? describeIssues(parsed.error) : ''}`).toBe(true);
    }
  });

  for (const [name, schema] of schemas) {
    const example = EXAMPLES[name];
    if (!isPayload(example)) {
      // A part of a payload: checked with the schema itself.
      it(`${name}: arbitrary values and near-valid mutations never throw; refusals name the field`, () => {
        fc.assert(
          fc.property(fc.jsonValue(), (value) => {
            const r = schema.safeParse(value);
            if (!r.success) expect(describeIssues(r.error).length).toBeGreaterThan(5);
          }),
          RUNS,
        );
        const paths = pathsOf(example);
        if (paths.length === 0) return;
        fc.assert(
          fc.property(fc.constantFrom(...paths), nasty, (path, replacement) => {
            const r = schema.safeParse(mutate(example, path, replacement));
            if (!r.success) expect(describeIssues(r.error)).toContain(String(path[0]));
          }),
          RUNS,
        );
      });
      continue;
    }

    describe(name, () => {
      it('arbitrary bytes: never throws, refused with a known code', () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
            const payload = Buffer.from(bytes);
            checkDecoded(schema, payload, decodePayload(payload, schema));
          }),
          RUNS,
        );
      });

      it('arbitrary JSON, and objects with v: 1 and arbitrary fields', () => {
        fc.assert(
          fc.property(
            fc.oneof(
              fc.jsonValue(),
              fc.dictionary(fc.string(), fc.jsonValue()).map((o) => ({ ...o, v: 1 })),
              fc.dictionary(fc.constantFrom(...Object.keys(example as object)), fc.jsonValue()),
            ),
            (value) => {
              const text = JSON.stringify(value) ?? 'null';
              checkDecoded(schema, text, decodePayload(text, schema));
            },
          ),
          RUNS,
        );
      });

      it('near-valid: one field deleted or replaced; a refusal names that field', () => {
        fc.assert(
          fc.property(fc.constantFrom(...pathsOf(example)), nasty, (path, replacement) => {
            const text = JSON.stringify(mutate(example, path, replacement));
            const decoded = decodePayload(text, schema);
            checkDecoded(schema, text, decoded);
            if (decoded.ok) return;
            if (path.length === 1 && path[0] === 'v') {
              expect(decoded.code).toBe('unsupported_version');
              expect(decoded.message).toMatch(/^protocol version .* is not supported; this hub speaks v1$/);
              return;
            }
            expect(decoded.code).toBe('bad_message');
            // A reply's `ok` picks the shape: flipped, the other shape's fields are what is missing.
            if (name === 'reply' && path[0] === 'ok') return;
            // Named at the field, inside the value put there, or at the object
            // or array holding it (e.g. a list now too short).
            const at = path.join('.');
            const named = decoded.message.split('; ').map((clause) => clause.slice(0, clause.indexOf(': ')));
            expect(
              named.some((n) => n === at || n.startsWith(`${at}.`) || at.startsWith(`${n}.`)),
              `${decoded.message} should name ${at}`,
            ).toBe(true);
          }),
          RUNS,
        );
      });

      it('too large: refused before parsing', () => {
        fc.assert(
          fc.property(fc.integer({ min: MAX_PAYLOAD_BYTES + 1, max: 4 * MAX_PAYLOAD_BYTES }), (size) => {
            const padded = JSON.stringify({ ...(example as object), pad: 'x'.repeat(size) });
            const decoded = decodePayload(padded, schema);
            expect(decoded).toMatchObject({ ok: false, code: 'too_large' });
          }),
          { numRuns: 20 },
        );
      });
    });
  }
});

describe('topic parser under arbitrary topics', () => {
  it('never throws, and finds a device request only on its exact shape', () => {
    const level = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('qms', 'device', 'request', 'kiosk-01', '+', '#', ''),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(level, { maxLength: 7 }).map((l) => l.join('/')),
        ),
        (topic) => {
          const parsed = parseTopic(topic);
          if (parsed.kind === 'deviceRequest') {
            expect(topic).toBe(`qms/device/${parsed.deviceId}/request/${parsed.action}`);
            expect(parsed.deviceId).toMatch(/^[a-z0-9][a-z0-9-]{0,39}$/);
            expect(parsed.action).not.toBe('');
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
