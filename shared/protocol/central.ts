// Between office hubs and the province centre (central/), over the central
// MQTT broker (Mosquitto). Each office publishes batches of its outbox under
// its own prefix, which the broker's ACL enforces (the office id is its MQTT
// username); the central service stores them and answers on the office's ack
// topic with the highest sequence number it has stored WITHOUT A GAP, so the
// hub can drop everything up to it and resend everything after it.

import { z } from 'zod';

export const CENTRAL_PROTOCOL_VERSION = 1;
export const CENTRAL_ROOT = 'qms-central';

/** Office ids are MQTT usernames and topic levels: plain, no wildcards or slashes. */
export const OFFICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Largest batch payload a hub sends and the centre accepts. */
export const MAX_BATCH_BYTES = 256 * 1024;

export const centralTopics = {
  events: (officeId: string) => `${CENTRAL_ROOT}/${officeId}/events`,
  ack: (officeId: string) => `${CENTRAL_ROOT}/${officeId}/ack`,
  /** What the central service subscribes to: every office's events, shared among its instances. */
  allEvents: `${CENTRAL_ROOT}/+/events`,
  shared: (group: string) => `$share/${group}/${CENTRAL_ROOT}/+/events`,
} as const;

/** The office id of an events topic, or null. */
export function officeOfTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== CENTRAL_ROOT || parts[2] !== 'events') return null;
  return OFFICE_ID_PATTERN.test(parts[1]!) ? parts[1]! : null;
}

const epochMs = z.number().int().min(946_684_800_000).max(4_102_444_800_000); // 2000..2100
const text = (max: number) => z.string().max(max);
const optionalText = (max: number) => z.string().max(max).nullable();

/** A ticket as the centre needs it (no personal data: the number, the procedure, the times). */
export const centralTicket = z.object({
  id: text(64),
  serviceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  display: text(20),
  fieldId: text(64),
  procedureId: text(64),
  procedureName: text(200),
  priority: optionalText(64),
  status: z.enum(['waiting', 'called', 'serving', 'done', 'no_show', 'cancelled']),
  counterId: z.number().int().nullable(),
  officer: optionalText(64),
  issuedAt: epochMs,
  queuedAt: epochMs,
  firstCalledAt: epochMs.nullable(),
  serviceStartedAt: epochMs.nullable(),
  finishedAt: epochMs.nullable(),
});
export type CentralTicket = z.infer<typeof centralTicket>;

export const TICKET_ACTIONS = [
  'issued',
  'called',
  'recalled',
  'started',
  'finished',
  'no_show',
  'transferred',
  'cancelled',
  'carried_over',
] as const;

/** One domain change of an office, as its hub recorded it in the same transaction as the change. */
export const centralEventData = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ticket'),
    action: z.enum(TICKET_ACTIONS),
    counterId: z.number().int().nullable(),
    counterName: optionalText(100),
    officer: optionalText(64),
    ticket: centralTicket,
  }),
  z.object({
    type: z.literal('counter'),
    counterId: z.number().int(),
    name: text(100),
    state: z.enum(['open', 'paused', 'closed', 'removed']),
    officer: optionalText(64),
  }),
  z.object({
    type: z.literal('rating'),
    ticketId: text(64),
    serviceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    counterId: z.number().int(),
    officer: optionalText(64),
    level: text(40),
    score: z.number().int().min(0).max(10),
    correction: z.boolean(),
  }),
  z.object({
    type: z.literal('device'),
    deviceId: text(40),
    role: text(20),
    state: z.enum(['online', 'offline']),
    printer: optionalText(20),
    fault: optionalText(200),
  }),
  z.object({ type: z.literal('day'), serviceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
]);
export type CentralEventData = z.infer<typeof centralEventData>;
export type CentralEventType = CentralEventData['type'];

export const centralEvent = z.object({
  seq: z.number().int().min(1),
  /** Unique id of the event (a resend under another number is still the same event). */
  id: text(64),
  /** When it happened, on the office hub's trusted clock. */
  at: epochMs,
  data: centralEventData,
});
export type CentralEvent = z.infer<typeof centralEvent>;

/**
 * What a hub publishes on its events topic: events in sequence order. `lost`
 * reports numbers the hub had to drop from a full outbox (never sent): the
 * centre counts them as lost instead of waiting for them for ever.
 */
export const centralBatch = z.object({
  v: z.literal(CENTRAL_PROTOCOL_VERSION),
  office: z.string().regex(OFFICE_ID_PATTERN),
  /** Office name for the dashboard. */
  name: text(200).optional(),
  timeZone: text(64).optional(),
  events: z.array(centralEvent).max(5000),
  /**
   * The office's events up to this number were acknowledged by the centre
   * before. A centre that holds fewer (its store was restored or replaced)
   * counts the missing ones as lost rather than wait for them for ever.
   */
  acked: z.number().int().min(0).optional(),
  lost: z
    .object({ from: z.number().int().min(1), to: z.number().int().min(1) })
    .refine((l) => l.to >= l.from, 'to < from')
    .optional(),
});
export type CentralBatch = z.infer<typeof centralBatch>;

/** The centre's answer: every event up to `seq` is stored (or reported lost); none is missing below it. */
export const centralAck = z.object({
  v: z.literal(CENTRAL_PROTOCOL_VERSION),
  seq: z.number().int().min(0),
  /**
   * The central service (re)connected: what it had been sent and had not
   * stored may be gone (a restart, a broker without persistence), so the
   * office sends everything after `seq` again now rather than at its resend timer.
   */
  resend: z.boolean().optional(),
});
export type CentralAck = z.infer<typeof centralAck>;
