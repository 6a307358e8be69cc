// Message schemas, checked at runtime on every side. Every payload is a JSON
// object carrying `v`, the protocol version, so a hub can refuse a device
// that speaks another version with a clear reply instead of guessing.

import { z } from 'zod';
import { RATING_LEVELS } from '../ratings.js';
import { ROLES } from './topics.js';

export const PROTOCOL_VERSION = 1;
/** Larger payloads are refused before parsing: no message of ours comes close. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

const version = z.literal(PROTOCOL_VERSION);
const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits or _ . : -');
/** The latest time a JavaScript Date can hold: a later "time" cannot be a clock reading (and breaks date formatting). */
const MAX_EPOCH_MS = 8_640_000_000_000_000;
const epochMs = z
  .number()
  .int()
  .nonnegative()
  .max(MAX_EPOCH_MS, `must be milliseconds since 1970 up to ${MAX_EPOCH_MS}`);

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
  /** Current faults in words, for staff. */
  fault: z.string().max(200).nullable().optional(),
  /**
   * The device's state file was damaged at start and salvaged (it runs on);
   * set until the program restarts. Older hubs ignore it (`fault` says it
   * in words too).
   */
  stateFault: z
    .object({
      file: z.string().max(100),
      problem: z.enum(['empty', 'not_json', 'wrong_shape', 'foreign', 'unreadable']),
      /** Entries recovered into the new file. */
      recovered: z.number().int().nonnegative(),
      /** Entries seen but not recovered (an estimate where the file was cut). */
      lost: z.number().int().nonnegative(),
      /** Where the damaged file was kept, next to the state file. */
      keptAs: z.string().max(200).nullable(),
      at: epochMs,
    })
    .nullable()
    .optional(),
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

const serviceDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
/** `field:<id>` or `procedure:<id>`: the series a number belongs to. */
const seriesKey = z.string().min(1).max(100);

/** How much of its lease a kiosk may list as still held: series, and numbers in each. */
export const MAX_HELD_SERIES = 100;
export const MAX_HELD_NUMBERS = 50;

/**
 * A kiosk asks for numbers in advance, to print from when the hub does not
 * answer. The hub tops the kiosk's unused numbers up to `count` per series
 * and answers with all of them (`leaseGrant`), so a repeat changes nothing.
 */
export const requestLeaseRequest = z.object({
  v: version,
  requestId: id,
  /** Procedures the kiosk's buttons lead to. */
  procedureIds: z.array(id).max(200).default([]),
  /** Fields: each stands for all its active procedures. */
  fieldIds: z.array(id).max(100).default([]),
  /** Unused numbers to hold per series. */
  count: z.number().int().min(1).max(50),
  /**
   * The unused numbers the kiosk still holds from its lease (null: none, e.g.
   * after losing its state file). The hub keeps these for it, counts every
   * other number it leased to the kiosk that day as spent (never leased or
   * issued again that day; a ticket printed with it may still be synced), and
   * tops up with fresh numbers. Absent (older kiosks): the hub answers with
   * every number it leased to the kiosk and has not seen used.
   */
  held: z
    .object({
      serviceDate,
      series: z
        .array(
          z.object({ seriesKey, numbers: z.array(z.number().int().nonnegative()).max(MAX_HELD_NUMBERS) }),
        )
        .max(MAX_HELD_SERIES),
    })
    .nullable()
    .optional(),
});
export type RequestLeaseRequest = z.infer<typeof requestLeaseRequest>;

/** A ticket a kiosk printed from its lease while the hub did not answer. */
export const leasedTicket = z.object({
  /** Chosen by the kiosk (a UUID) and printed in the QR code; the hub keeps it. */
  ticketId: id,
  /** The press's id: also the requestId of the issue-ticket request that timed out, if one was sent. */
  requestId: id,
  serviceDate,
  seriesKey,
  number: z.number().int().nonnegative(),
  procedureId: id,
  priority: id.nullable().optional(),
  /** When it was printed, on the kiosk's clock; it decides the place in the line. */
  issuedAt: epochMs,
});
export type LeasedTicket = z.infer<typeof leasedTicket>;

/** The kiosk's outbox of leased tickets, oldest first. Each is accepted once (by kiosk and requestId). */
export const syncTicketsRequest = z.object({
  v: version,
  requestId: id,
  tickets: z.array(leasedTicket).min(1).max(40),
});
export type SyncTicketsRequest = z.infer<typeof syncTicketsRequest>;

export const announcementPlayed = z.object({
  v: version,
  requestId: id,
  callId: id,
  startedAt: epochMs,
  endedAt: epochMs,
  /** Why a call was not played (too old, outside the zone, audio fault). */
  skipped: z.string().max(200).optional(),
  /** Said together with this other call of the same ticket (a recall joining a call still waiting). */
  foldedInto: id.optional(),
  /** Said in a shorter form because the speaker was behind. */
  form: z.enum(['brief', 'short']).optional(),
});
export type AnnouncementPlayed = z.infer<typeof announcementPlayed>;

/**
 * A citizen pressed a rating key. `requestId` is the rating event's id, made
 * once at the press and kept across resends from the device's outbox: the
 * hub counts each id once. The hub picks the ticket (the one served last at
 * the device's registered counter) and checks the rating window.
 */
export const submitRating = z.object({
  v: version,
  requestId: id,
  level: z.enum(RATING_LEVELS),
  /** When the key was pressed, on the device's clock. */
  pressedAt: epochMs,
  /**
   * When this copy was sent, on the device's clock. `sentAt − pressedAt` is
   * how long the event waited in the outbox, whatever the clock's offset.
   */
  sentAt: epochMs.optional(),
  /** The counter in the device's config: refused if the device is registered to another. */
  counterId: z.number().int().positive().optional(),
});
export type SubmitRating = z.infer<typeof submitRating>;

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
  /**
   * The likely wait as printed, whole minutes ("khoảng 15–20 phút"; from 0:
   * "dưới 5 phút"); null when the ticket is next or nearly so, or when no
   * counter can call it (then `estimatedWaitSeconds` is null too). Absent
   * from older hubs: the kiosk prints the single figure.
   */
  estimatedWait: z
    .object({ fromMinutes: z.number().int().nonnegative(), toMinutes: z.number().int().positive() })
    .nullable()
    .optional(),
  counters: z.array(z.object({ id: z.number().int(), name: z.string() })),
  /** Path of the hub's ticket lookup page, for the QR code. */
  lookupPath: z.string(),
});
export type IssuedTicket = z.infer<typeof issuedTicket>;

/** Reply data of `submit-rating`: the rating that counts for the ticket now. */
export const ratingResult = z.object({
  ticketId: z.string(),
  display: z.string(),
  counterId: z.number().int(),
  level: z.enum(RATING_LEVELS),
  score: z.number().int(),
  /** recorded: first rating of the ticket; corrected: replaced it; kept: the ticket keeps its rating. */
  outcome: z.enum(['recorded', 'corrected', 'kept']),
});
export type RatingResult = z.infer<typeof ratingResult>;

/** Reply data of `request-lease`: every unused number the kiosk now holds. */
export const leaseGrant = z.object({
  serviceDate,
  /** The lease ends here (the office's next daily reset): no printing from it afterwards. */
  validUntil: epochMs,
  series: z.array(z.object({ seriesKey, prefix: z.string(), numbers: z.array(z.number().int()) })),
  procedures: z.array(
    z.object({
      procedureId: z.string(),
      fieldId: z.string(),
      seriesKey,
      counters: z.array(z.object({ id: z.number().int(), name: z.string() })),
    }),
  ),
  /** Requested ids the hub does not know or that are paused: no numbers for them. */
  skipped: z.array(z.string()),
});
export type LeaseGrant = z.infer<typeof leaseGrant>;

/** Reply data of `sync-tickets`: one result per ticket, in the request's order. */
export const syncTicketsResult = z.object({
  results: z.array(
    z.object({
      ticketId: z.string(),
      requestId: z.string(),
      /** `duplicate`: already accepted before; `refused`: will never be (see `error`). */
      status: z.enum(['accepted', 'duplicate', 'refused']),
      display: z.string().optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});
export type SyncTicketsResult = z.infer<typeof syncTicketsResult>;

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
  /**
   * The ticket a rating key press would go to now (the one served last
   * here, during its service and within the rating window after it), or
   * null. Only in the MQTT message; the rating device's invite LED follows it.
   */
  rating: z
    .object({
      ticketId: z.string(),
      display: z.string(),
      status: z.enum(['serving', 'done']),
      rated: z.boolean(),
      /** Hub time the window closes; null while the service goes on. */
      closesAt: epochMs.nullable(),
    })
    .nullable()
    .optional(),
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

/** How speakers word calls (hub admin settings); a speaker uses it over its own config. */
export const announcementSettingsMessage = z.object({
  v: version,
  /** How many times each call is played. */
  repeat: z.number().int().min(1).max(3),
  /** A recall starts with "Nhắc lại". */
  recallPrefix: z.boolean(),
  zeroTens: z.enum(['linh', 'lẻ']),
  four: z.enum(['tư', 'bốn']),
  thousand: z.enum(['nghìn', 'ngàn']),
  at: epochMs,
});
export type AnnouncementSettingsMessage = z.infer<typeof announcementSettingsMessage>;

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

/** A year either way is more than any clock can be off: more is garbage. */
const MAX_OFFSET_MS = 366 * 24 * 3600_000;

/**
 * The hub's clock (hub/clock). Devices take their time from the hub's system
 * clock (NTP from the hub); the hub's trusted time is that plus `offsetMs`
 * (not 0 when a person confirmed the time, or an RTC disagrees with the
 * system clock). While `trusted` is false the time may be wrong: a kiosk
 * prints no time on its tickets then.
 */
export const hubClock = z.object({
  source: z.enum(['ntp', 'rtc', 'confirmed', 'system']),
  trusted: z.boolean(),
  offsetMs: z.number().int().min(-MAX_OFFSET_MS).max(MAX_OFFSET_MS),
});
export type HubClock = z.infer<typeof hubClock>;

export const hubStatus = z.object({
  v: version,
  state: z.literal('online'),
  version: z.string(),
  startedAt: epochMs,
  /** Absent from hubs before the trusted clock; republished whenever it changes. */
  clock: hubClock.optional(),
  /** Hub time of this message. */
  at: epochMs.optional(),
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
