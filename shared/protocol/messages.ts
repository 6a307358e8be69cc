// Message schemas, checked at runtime on every side. Every payload is a JSON
// object carrying `v`, the protocol version, so a hub can refuse a device
// that speaks another version with a clear reply instead of guessing.

import { z } from 'zod';
import { ROLES } from './topics.js';

export const PROTOCOL_VERSION = 1;
/** Larger payloads are refused before parsing: no message of ours comes close. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

const version = z.literal(PROTOCOL_VERSION);
const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits or _ . : -');
const epochMs = z.number().int().nonnegative();

// ---------------------------------------------------------------- device → hub

export const printerState = z.enum(['ok', 'paper_near_end', 'paper_out', 'cover_open', 'offline', 'error']);

export const deviceStatus = z.object({
  v: version,
  deviceId: z.string().min(1).max(40),
  role: z.enum(ROLES),
  state: z.enum(['online', 'offline']),
  version: z.string().max(40).optional(),
  at: epochMs,
  printer: printerState.optional(),
  fault: z.string().max(200).nullable().optional(),
});
export type DeviceStatus = z.infer<typeof deviceStatus>;

export const issueTicketRequest = z.object({
  v: version,
  requestId: id,
  procedureId: id,
  priority: id.nullable().optional(),
  /** When the citizen pressed, on the kiosk's clock (logged, not trusted for order). */
  pressedAt: epochMs.optional(),
});
export type IssueTicketRequest = z.infer<typeof issueTicketRequest>;

export const announcementPlayed = z.object({
  v: version,
  requestId: id,
  callId: id,
  startedAt: epochMs,
  endedAt: epochMs,
  /** Why a call was not played (too old, outside the zone, audio fault). */
  skipped: z.string().max(200).optional(),
});
export type AnnouncementPlayed = z.infer<typeof announcementPlayed>;


// ---------------------------------------------------------------- hub → device

export const issuedTicket = z.object({
  ticketId: z.string(),
  display: z.string(),
  number: z.number().int(),
  serviceDate: z.string(),
  fieldId: z.string(),
  fieldName: z.string(),
  procedureId: z.string(),
  procedureName: z.string(),
  priority: z.string().nullable(),
  priorityName: z.string().nullable(),
  issuedAt: epochMs,
  ahead: z.number().int().nonnegative(),
  estimatedWaitSeconds: z.number().int().nonnegative().nullable(),
  counters: z.array(z.object({ id: z.number().int(), name: z.string() })),
  /** Path of the hub's ticket lookup page, for the QR code. */
  lookupPath: z.string(),
});
export type IssuedTicket = z.infer<typeof issuedTicket>;

export const replyError = z.object({ code: z.string(), message: z.string() });

export const reply = z.discriminatedUnion('ok', [
  z.object({ v: version, requestId: z.string(), action: z.string(), ok: z.literal(true), data: z.unknown() }),
  z.object({
    v: version,
    requestId: z.string().nullable(),
    action: z.string(),
    ok: z.literal(false),
    error: replyError,
  }),
]);
export type Reply = z.infer<typeof reply>;

export const counterStateMessage = z.object({
  v: version,
  counterId: z.number().int(),
  name: z.string(),
  state: z.enum(['open', 'paused', 'closed']),
  officer: z.string().nullable(),
  current: z
    .object({
      ticketId: z.string(),
      display: z.string(),
      status: z.enum(['called', 'serving']),
      calledAt: epochMs.nullable(),
    })
    .nullable(),
  at: epochMs,
});
export type CounterStateMessage = z.infer<typeof counterStateMessage>;

export const announcement = z.object({
  v: version,
  callId: z.string(),
  ticketId: z.string(),
  display: z.string(),
  number: z.number().int(),
  prefix: z.string(),
  counterId: z.number().int(),
  counterName: z.string(),
  recall: z.boolean(),
  at: epochMs,
});
export type Announcement = z.infer<typeof announcement>;

export const catalogueMessage = z.object({
  v: version,
  at: epochMs,
  fields: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      procedures: z.array(z.object({ id: z.string(), name: z.string() })),
    }),
  ),
  priorityCategories: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type CatalogueMessage = z.infer<typeof catalogueMessage>;

export const queueSummary = z.object({
  v: version,
  at: epochMs,
  serviceDate: z.string(),
  fields: z.array(
    z.object({ fieldId: z.string(), name: z.string(), waiting: z.number().int().nonnegative() }),
  ),
});
export type QueueSummary = z.infer<typeof queueSummary>;

export const hubStatus = z.object({
  v: version,
  state: z.literal('online'),
  version: z.string(),
  startedAt: epochMs,
});
export type HubStatus = z.infer<typeof hubStatus>;

// ---------------------------------------------------------------- parsing

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

/** One line naming every bad field: `procedureId: expected string, received number`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(message)'}: ${i.message}`)
    .join('; ');
}

/**
 * Decode a payload: size, JSON, protocol version, then the schema. Each
 * failure says which of these it was, for the device's log and the reply.
 */
export function decodePayload<T>(payload: Buffer | string, schema: z.ZodType<T>): Parsed<T> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_PAYLOAD_BYTES) {
    return {
      ok: false,
      code: 'too_large',
      message: `payload is ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES}`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return { ok: false, code: 'bad_json', message: 'payload is not valid JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, code: 'bad_message', message: 'payload must be a JSON object' };
  }
  const v = (json as { v?: unknown }).v;
  if (v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      code: 'unsupported_version',
      message: `protocol version ${JSON.stringify(v ?? null)} is not supported; this hub speaks v${PROTOCOL_VERSION}`,
    };
  }
  const result = schema.safeParse(json);
  if (!result.success) return { ok: false, code: 'bad_message', message: describeIssues(result.error) };
  return { ok: true, value: result.data };
}

export function encode(message: object): string {
  return JSON.stringify(message);
}
