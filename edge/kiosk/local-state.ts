// The kiosk's own small state in <dataDir>, in durable JSON state files
// (shared/storage/json-state-file.ts: atomic fsynced writes, one at a time,
// checked against a schema at start, salvaged when damaged):
// - kiosk-state.json: the number lease and the outbox of tickets printed
//   from it. One file, so taking a number from the lease and putting the
//   ticket in the outbox is one atomic write: a power cut leaves either both
//   or neither, and the write is on disk before the ticket is printed.
// - kiosk-cache.json: the last catalogue from the hub, so a kiosk that
//   starts while the hub is down still knows its buttons and their names.
//
// A damaged kiosk-state.json is salvaged: every whole outbox ticket (and
// refused ticket, and the numbers used today) is kept and synced as usual;
// the lease is NOT kept (it cannot be trusted: the next lease request says
// the kiosk holds nothing, so the hub never hands out again a number this
// kiosk may have printed), and a file written by another kiosk is not used
// at all. `damage` says what happened, for the device status.

import { join } from 'node:path';
import { z } from 'zod';
import { timeOrderedId } from '../../shared/ids/time-ordered-id.js';
import type { Logger } from '../../shared/log/logger.js';
import {
  type CatalogueMessage,
  catalogueMessage,
  type LeasedTicket,
  leasedTicket,
  MAX_HELD_NUMBERS,
  MAX_HELD_SERIES,
} from '../../shared/protocol/messages.js';
import {
  countKey,
  JsonStateFile,
  pickEntries,
  type StateFileDamage,
} from '../../shared/storage/json-state-file.js';

export const STATE_FILE = 'kiosk-state.json';
export const CACHE_FILE = 'kiosk-cache.json';

const serviceDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const counterRef = z.object({ id: z.number().int(), name: z.string() });

const leaseBookSchema = z.object({
  serviceDate,
  validUntil: z.number(),
  grantedAt: z.number(),
  series: z.record(z.string(), z.object({ prefix: z.string(), numbers: z.array(z.number().int()) })),
  procedures: z.record(
    z.string(),
    z.object({ fieldId: z.string(), seriesKey: z.string(), counters: z.array(counterRef) }),
  ),
});

/** Strict, so a refused ticket (which has more fields) is never taken for one waiting to be sent. */
const outboxEntrySchema = z.strictObject({ ...leasedTicket.shape, display: z.string() });
const refusedEntrySchema = z.strictObject({
  ...outboxEntrySchema.shape,
  code: z.string(),
  message: z.string(),
  at: z.number(),
});
const usedSchema = z.strictObject({
  serviceDate,
  numbers: z.record(z.string(), z.array(z.number().int())),
});

const kioskDataSchema = z.object({
  version: z.literal(1),
  /** The kiosk that wrote the file (absent in files of older versions). */
  deviceId: z.string().optional(),
  lease: leaseBookSchema.nullable(),
  /**
   * Numbers taken from the lease on its service date. A lease reply can list
   * a number printed a moment after the request was sent: these are never
   * taken again.
   */
  used: usedSchema.nullable(),
  outbox: z.array(outboxEntrySchema),
  /** Tickets the hub refused for good (kept for a person to look at, newest last, bounded). */
  refused: z.array(refusedEntrySchema),
});

const kioskCacheSchema = z.object({ catalogue: catalogueMessage.nullable() });

export type LeaseBook = z.infer<typeof leaseBookSchema>;
/** A ticket printed from the lease, waiting for the hub. */
export type OutboxEntry = LeasedTicket & { display: string };
export type KioskData = z.infer<typeof kioskDataSchema>;
export interface KioskCache {
  catalogue: CatalogueMessage | null;
}

/** What the kiosk tells the hub it still holds when it asks for a lease (docs/protocol.md). */
export interface HeldNumbers {
  serviceDate: string;
  series: { seriesKey: string; numbers: number[] }[];
}

const MAX_REFUSED = 200;

export interface TakenNumber {
  entry: OutboxEntry;
  /** Numbers of the series still in hand after this one. */
  left: number;
}

const emptyData = (deviceId?: string): KioskData => ({
  version: 1,
  ...(deviceId ? { deviceId } : {}),
  lease: null,
  used: null,
  outbox: [],
  refused: [],
});

/** Rebuild a damaged state file from its whole entries; the lease is left out (see above). */
export function salvageKioskData(
  input: { text: string; objects: readonly unknown[] },
  deviceId?: string,
): { data: KioskData; recovered: number; lost: number } {
  const refused = pickEntries(input.objects, refusedEntrySchema, (e) => e.ticketId);
  const settled = new Set(refused.map((e) => e.ticketId));
  const outbox = pickEntries(input.objects, outboxEntrySchema, (e) => e.ticketId)
    .filter((e) => !settled.has(e.ticketId))
    .sort((a, b) => a.issuedAt - b.issuedAt);
  // The numbers used today: what the file still says, and every ticket found.
  const usedFound = pickEntries(input.objects, usedSchema, (u) => u.serviceDate).at(-1);
  const used: KioskData['used'] = usedFound ?? null;
  const latest = [...outbox, ...refused]
    .map((e) => e.serviceDate)
    .sort()
    .at(-1);
  let usedData = used;
  if (latest && usedData?.serviceDate !== latest) usedData = { serviceDate: latest, numbers: {} };
  if (usedData) {
    for (const e of [...outbox, ...refused]) {
      if (e.serviceDate !== usedData.serviceDate) continue;
      const list = usedData.numbers[e.seriesKey] ?? [];
      if (!list.includes(e.number)) list.push(e.number);
      usedData.numbers[e.seriesKey] = list;
    }
  }
  const recovered = outbox.length + refused.length;
  return {
    data: { ...emptyData(deviceId), used: usedData, outbox, refused: refused.slice(-MAX_REFUSED) },
    recovered,
    lost: Math.max(0, countKey(input.text, 'ticketId') - recovered),
  };
}

/** The kiosk state file, with the few operations the issuer needs; each one is one durable write. */
export class LocalState {
  private constructor(
    private readonly file: JsonStateFile<KioskData>,
    readonly cache: JsonStateFile<KioskCache>,
  ) {}

  static async open(dataDir: string, options: { deviceId?: string; log?: Logger } = {}): Promise<LocalState> {
    const { deviceId, log } = options;
    const file = await JsonStateFile.open<KioskData>({
      path: join(dataDir, STATE_FILE),
      schema: kioskDataSchema,
      empty: () => emptyData(deviceId),
      salvage: (input) => salvageKioskData(input, deviceId),
      foreignOwner: (data) =>
        deviceId && data.deviceId !== undefined && data.deviceId !== deviceId ? data.deviceId : null,
      count: (data) => data.outbox.length,
      log,
    });
    // A cache: a damaged one is kept aside and the hub's retained catalogue fills it again.
    const cache = await JsonStateFile.open<KioskCache>({
      path: join(dataDir, CACHE_FILE),
      schema: kioskCacheSchema,
      empty: () => ({ catalogue: null }),
      log,
    });
    const state = new LocalState(file, cache);
    if (deviceId && file.data.deviceId === undefined && file.damage === null) {
      // A file of an older version: it is this kiosk's from now on (written with the next change if not now).
      await file
        .update((d) => {
          d.deviceId = deviceId;
        })
        .catch((error: unknown) => log?.warn('state file not written', { error }));
    }
    return state;
  }

  /** What was wrong with the state file at start (null: nothing). */
  get damage(): StateFileDamage | null {
    return this.file.damage;
  }

  get data(): Readonly<KioskData> {
    return this.file.data;
  }

  get outbox(): readonly OutboxEntry[] {
    return this.file.data.outbox;
  }

  /** Numbers in hand per series (valid lease only). */
  held(now: number): Record<string, number> {
    const lease = this.file.data.lease;
    if (!lease || now >= lease.validUntil) return {};
    return Object.fromEntries(Object.entries(lease.series).map(([k, s]) => [k, s.numbers.length]));
  }

  /** The unused numbers of the lease, for the next lease request; null when there is no lease. */
  heldForLease(): HeldNumbers | null {
    const lease = this.file.data.lease;
    if (!lease) return null;
    // Within what the protocol accepts; numbers left out are spent by the hub and dropped with the new lease.
    return {
      serviceDate: lease.serviceDate,
      series: Object.entries(lease.series)
        .slice(0, MAX_HELD_SERIES)
        .map(([seriesKey, s]) => ({ seriesKey, numbers: s.numbers.slice(0, MAX_HELD_NUMBERS) })),
    };
  }

  /** Replace the lease with the hub's answer, leaving out the numbers already printed. */
  setLease(lease: LeaseBook): Promise<void> {
    return this.file.update((data) => {
      if (data.used?.serviceDate !== lease.serviceDate)
        data.used = { serviceDate: lease.serviceDate, numbers: {} };
      const used = data.used.numbers;
      const book = structuredClone(lease);
      for (const [key, s] of Object.entries(book.series)) {
        const taken = new Set(used[key] ?? []);
        s.numbers = s.numbers.filter((n) => !taken.has(n));
      }
      data.lease = book;
    });
  }

  /**
   * Take the next number for a procedure from a valid lease and put the
   * ticket in the outbox, in one durable write; null when there is none. A
   * failed write changes nothing (the number stays in the lease, nothing is
   * printed).
   */
  async takeNumber(
    input: { procedureId: string; priority: string | null; requestId: string },
    now: number,
  ): Promise<TakenNumber | null> {
    // After a lease being written at this moment, and without a write when there is no number.
    if (!(await this.file.afterUpdates((data) => this.numberFor(data, input.procedureId, now)))) return null;
    return this.file.update((data) => {
      const found = this.numberFor(data, input.procedureId, now);
      if (!found) return null;
      const { lease, procedure, series, number } = found;
      series.numbers.shift();
      if (data.used?.serviceDate !== lease.serviceDate)
        data.used = { serviceDate: lease.serviceDate, numbers: {} };
      const used = data.used.numbers[procedure.seriesKey] ?? [];
      used.push(number);
      data.used.numbers[procedure.seriesKey] = used;
      const entry: OutboxEntry = {
        ticketId: timeOrderedId(), // 74 random bits: unguessable, as its lookup page needs
        requestId: input.requestId,
        serviceDate: lease.serviceDate,
        seriesKey: procedure.seriesKey,
        number,
        procedureId: input.procedureId,
        priority: input.priority,
        issuedAt: now,
        display: `${series.prefix}${number}`,
      };
      data.outbox.push(entry);
      return { entry, left: series.numbers.length };
    });
  }

  private numberFor(data: KioskData, procedureId: string, now: number) {
    const lease = data.lease;
    if (!lease || now >= lease.validUntil) return null;
    const procedure = lease.procedures[procedureId];
    const series = procedure && lease.series[procedure.seriesKey];
    const number = series?.numbers[0];
    if (!procedure || !series || number === undefined) return null;
    return { lease, procedure, series, number };
  }

  /** Remove synced (or refused) tickets from the outbox. */
  settle(
    done: { ticketId: string; refused?: { code: string; message: string } }[],
    now: number,
  ): Promise<void> {
    return this.file.update((data) => {
      const byId = new Map(done.map((d) => [d.ticketId, d]));
      const keep: OutboxEntry[] = [];
      for (const entry of data.outbox) {
        const d = byId.get(entry.ticketId);
        if (!d) keep.push(entry);
        else if (d.refused) data.refused.push({ ...entry, ...d.refused, at: now });
      }
      data.outbox = keep;
      if (data.refused.length > MAX_REFUSED) data.refused.splice(0, data.refused.length - MAX_REFUSED);
    });
  }

  setCatalogue(catalogue: CatalogueMessage): Promise<void> {
    return this.cache.update((data) => {
      data.catalogue = catalogue;
    });
  }
}
