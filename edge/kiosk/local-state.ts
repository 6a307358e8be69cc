// The kiosk's own small state in <dataDir>, kept with lowdb (DESIGN §3):
// - kiosk-state.json: the number lease and the outbox of tickets printed
//   from it. One file, so taking a number from the lease and putting the
//   ticket in the outbox is one atomic write: a power cut leaves either both
//   or neither, and the write is on disk before the ticket is printed.
// - kiosk-cache.json: the last catalogue from the hub, so a kiosk that
//   starts while the hub is down still knows its buttons and their names.
// lowdb's own JSONFile writes a temporary file and renames it but never
// fsyncs; DurableJsonFile adds the fsyncs, which is what makes "durable" true
// on an SD card.

import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Adapter, Low } from 'lowdb';
import type { Logger } from '../../shared/log/logger.js';
import type { CatalogueMessage, LeasedTicket } from '../../shared/protocol/messages.js';

/** A lowdb adapter: JSON written to a temporary file, fsynced, renamed over the old one, directory fsynced. */
export class DurableJsonFile<T> implements Adapter<T> {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly log?: Logger,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      // Cannot happen with atomic writes, but a hand edit can: keep the file for a person, start afresh.
      const aside = `${this.path}.corrupt-${Date.now()}`;
      await rename(this.path, aside);
      this.log?.error('local state file was not valid JSON: set aside, starting empty', { path: aside });
      return null;
    }
  }

  write(data: T): Promise<void> {
    const text = `${JSON.stringify(data, null, 1)}\n`;
    const run = this.chain.then(() => this.writeNow(text));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async writeNow(text: string): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${basename(this.path)}.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}

// ---------------------------------------------------------------- the lease and the outbox

export interface LeaseBook {
  serviceDate: string;
  /** No number is printed from the lease from this moment (the office's daily reset). */
  validUntil: number;
  grantedAt: number;
  /** Unused numbers by series key, lowest first to use. */
  series: Record<string, { prefix: string; numbers: number[] }>;
  /** Which series each procedure draws from, and the counters serving it (for the ticket). */
  procedures: Record<
    string,
    { fieldId: string; seriesKey: string; counters: { id: number; name: string }[] }
  >;
}

/** A ticket printed from the lease, waiting for the hub. */
export interface OutboxEntry extends LeasedTicket {
  display: string;
}

export interface KioskData {
  version: 1;
  lease: LeaseBook | null;
  /**
   * Numbers taken from the lease on its service date. A lease reply lists the
   * numbers the hub still sees as unused, which can include one printed a
   * moment ago and not yet synced: these are never taken again.
   */
  used: { serviceDate: string; numbers: Record<string, number[]> } | null;
  outbox: OutboxEntry[];
  /** Tickets the hub refused for good (kept for a person to look at, newest last, bounded). */
  refused: (OutboxEntry & { code: string; message: string; at: number })[];
}

export interface KioskCache {
  catalogue: CatalogueMessage | null;
}

const MAX_REFUSED = 200;

export interface TakenNumber {
  entry: OutboxEntry;
  /** Numbers of the series still in hand after this one. */
  left: number;
}

/** The kiosk state file, with the few operations the issuer needs; each one ends with a durable write. */
export class LocalState {
  private constructor(
    private readonly db: Low<KioskData>,
    readonly cache: Low<KioskCache>,
  ) {}

  static async open(dataDir: string, log?: Logger): Promise<LocalState> {
    const db = new Low<KioskData>(new DurableJsonFile(join(dataDir, 'kiosk-state.json'), log), {
      version: 1,
      lease: null,
      used: null,
      outbox: [],
      refused: [],
    });
    const cache = new Low<KioskCache>(new DurableJsonFile(join(dataDir, 'kiosk-cache.json'), log), {
      catalogue: null,
    });
    await db.read();
    await cache.read();
    return new LocalState(db, cache);
  }

  get data(): Readonly<KioskData> {
    return this.db.data;
  }

  get outbox(): readonly OutboxEntry[] {
    return this.db.data.outbox;
  }

  /** Numbers in hand per series (valid lease only). */
  held(now: number): Record<string, number> {
    const lease = this.db.data.lease;
    if (!lease || now >= lease.validUntil) return {};
    return Object.fromEntries(Object.entries(lease.series).map(([k, s]) => [k, s.numbers.length]));
  }

  /** Replace the lease with the hub's answer, leaving out the numbers already printed. */
  async setLease(lease: LeaseBook): Promise<void> {
    const data = this.db.data;
    if (data.used?.serviceDate !== lease.serviceDate)
      data.used = { serviceDate: lease.serviceDate, numbers: {} };
    const used = data.used.numbers;
    for (const [key, s] of Object.entries(lease.series)) {
      const taken = new Set(used[key] ?? []);
      s.numbers = s.numbers.filter((n) => !taken.has(n));
    }
    data.lease = lease;
    await this.db.write();
  }

  /**
   * Take the next number for a procedure from a valid lease and put the
   * ticket in the outbox, in one durable write; null when there is none.
   */
  async takeNumber(
    input: { procedureId: string; priority: string | null; requestId: string },
    now: number,
  ): Promise<TakenNumber | null> {
    const data = this.db.data;
    const lease = data.lease;
    if (!lease || now >= lease.validUntil) return null;
    const procedure = lease.procedures[input.procedureId];
    const series = procedure && lease.series[procedure.seriesKey];
    const number = series?.numbers[0];
    if (!procedure || !series || number === undefined) return null;
    series.numbers.shift();
    if (data.used?.serviceDate !== lease.serviceDate)
      data.used = { serviceDate: lease.serviceDate, numbers: {} };
    const used = data.used.numbers[procedure.seriesKey] ?? [];
    used.push(number);
    data.used.numbers[procedure.seriesKey] = used;
    const entry: OutboxEntry = {
      ticketId: randomUUID(),
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
    try {
      await this.db.write();
    } catch (error) {
      // Not durable: not printed. Put the number back as if nothing happened.
      data.outbox.pop();
      data.used.numbers[procedure.seriesKey]!.pop();
      series.numbers.unshift(number);
      throw error;
    }
    return { entry, left: series.numbers.length };
  }

  /** Remove synced (or refused) tickets from the outbox. */
  async settle(
    done: { ticketId: string; refused?: { code: string; message: string } }[],
    now: number,
  ): Promise<void> {
    const data = this.db.data;
    const byId = new Map(done.map((d) => [d.ticketId, d]));
    const keep: OutboxEntry[] = [];
    for (const entry of data.outbox) {
      const d = byId.get(entry.ticketId);
      if (!d) keep.push(entry);
      else if (d.refused) data.refused.push({ ...entry, ...d.refused, at: now });
    }
    data.outbox = keep;
    if (data.refused.length > MAX_REFUSED) data.refused.splice(0, data.refused.length - MAX_REFUSED);
    await this.db.write();
  }

  async setCatalogue(catalogue: CatalogueMessage): Promise<void> {
    this.cache.data.catalogue = catalogue;
    await this.cache.write();
  }
}
