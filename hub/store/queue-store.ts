import { DayTickets } from '../queue/day-tickets.js';
import type {
  CallEvent,
  Catalogue,
  Change,
  Counter,
  Lease,
  Numbering,
  QueueSettings,
  QueueState,
  Ticket,
} from '../queue/types.js';
import type { Db } from './db.js';

interface TicketRow {
  id: string;
  service_date: string;
  series_key: string;
  number: number;
  display: string;
  field_id: string;
  procedure_id: string;
  priority: string | null;
  status: Ticket['status'];
  assigned_counter_id: number | null;
  counter_id: number | null;
  officer: string | null;
  issued_at: number;
  seq: number;
  queued_at: number;
  clock_untrusted: number;
  first_called_at: number | null;
  called_at: number | null;
  counter_called_at: number | null;
  service_started_at: number | null;
  finished_at: number | null;
  call_count: number;
  transfer_count: number;
  source_device: string | null;
  source_request: string | null;
  /** JSON of what only the moment of issue knew (migration 10); set by saveIssueReply. */
  issue_reply?: string | null;
}

export function ticketFromRow(r: TicketRow): Ticket {
  return {
    id: r.id,
    serviceDate: r.service_date,
    seriesKey: r.series_key,
    number: r.number,
    display: r.display,
    fieldId: r.field_id,
    procedureId: r.procedure_id,
    priority: r.priority,
    status: r.status,
    assignedCounterId: r.assigned_counter_id,
    counterId: r.counter_id,
    officer: r.officer,
    issuedAt: r.issued_at,
    seq: r.seq,
    queuedAt: r.queued_at,
    clockUntrusted: r.clock_untrusted === 1,
    firstCalledAt: r.first_called_at,
    calledAt: r.called_at,
    counterCalledAt: r.counter_called_at,
    serviceStartedAt: r.service_started_at,
    finishedAt: r.finished_at,
    callCount: r.call_count,
    transferCount: r.transfer_count,
    source:
      r.source_device && r.source_request ? { deviceId: r.source_device, requestId: r.source_request } : null,
  };
}

function ticketParams(t: Ticket) {
  return {
    id: t.id,
    service_date: t.serviceDate,
    series_key: t.seriesKey,
    number: t.number,
    display: t.display,
    field_id: t.fieldId,
    procedure_id: t.procedureId,
    priority: t.priority,
    status: t.status,
    assigned_counter_id: t.assignedCounterId,
    counter_id: t.counterId,
    officer: t.officer,
    issued_at: t.issuedAt,
    seq: t.seq,
    queued_at: t.queuedAt,
    clock_untrusted: t.clockUntrusted ? 1 : 0,
    first_called_at: t.firstCalledAt,
    called_at: t.calledAt,
    counter_called_at: t.counterCalledAt,
    service_started_at: t.serviceStartedAt,
    finished_at: t.finishedAt,
    call_count: t.callCount,
    transfer_count: t.transferCount,
    source_device: t.source?.deviceId ?? null,
    source_request: t.source?.requestId ?? null,
  };
}

interface CounterRow {
  id: number;
  name: string;
  state: Counter['state'];
  officer: string | null;
  serves: string;
  current_ticket_id: string | null;
  consecutive_priority: number;
  free_since: number | null;
}

function counterFromRow(r: CounterRow): Counter {
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    officer: r.officer,
    serves: JSON.parse(r.serves),
    currentTicketId: r.current_ticket_id,
    consecutivePriority: r.consecutive_priority,
    freeSince: r.free_since,
  };
}

/** A device request already answered: the stored reply is sent again. */
export interface StoredReply {
  action: string;
  reply: unknown;
}

/**
 * The queue's persistence: loads the live state at start and writes each
 * decided set of changes in one transaction (synchronous=FULL).
 */
export class QueueStore {
  private readonly upsertTicket;
  private readonly updateTicket;
  private readonly upsertCounter;
  private readonly upsertSequence;
  private readonly insertEvent;
  private readonly insertCall;
  private readonly setSetting;
  private readonly selectSetting;
  private readonly getRequest;
  private readonly insertRequest;
  private readonly clearSequences;
  private readonly upsertLease;
  private readonly selectBySource;
  private readonly setIssueReply;

  constructor(readonly db: Db) {
    const cols = Object.keys(ticketParams({ source: null } as Ticket));
    this.upsertTicket = db.prepare(
      `INSERT INTO tickets (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})
       ON CONFLICT(id) DO UPDATE SET ${cols
         .filter((c) => c !== 'id')
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    );
    // A ticket changes at every step of its life, its indexed columns almost
    // never: SQLite rewrites an index's page for every indexed column an
    // UPDATE sets, changed or not, so the common update sets the others
    // only, and matches only while the indexed ones are as decided; a new
    // ticket, or one whose indexed columns changed, takes the upsert.
    const indexed = ['id', 'service_date', 'source_device', 'source_request'];
    this.updateTicket = db.prepare(
      `UPDATE tickets SET ${cols
        .filter((c) => !indexed.includes(c))
        .map((c) => `${c} = @${c}`)
        .join(', ')}
       WHERE id = @id AND service_date IS @service_date AND source_device IS @source_device
         AND source_request IS @source_request`,
    );
    this.upsertCounter = db.prepare(
      `INSERT INTO counters (id, name, state, officer, serves, current_ticket_id, consecutive_priority, free_since)
       VALUES (@id, @name, @state, @officer, @serves, @current_ticket_id, @consecutive_priority, @free_since)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, state = excluded.state, officer = excluded.officer,
         serves = excluded.serves, current_ticket_id = excluded.current_ticket_id,
         consecutive_priority = excluded.consecutive_priority, free_since = excluded.free_since`,
    );
    this.upsertSequence = db.prepare(
      'INSERT INTO sequences (series_key, last) VALUES (?, ?) ON CONFLICT(series_key) DO UPDATE SET last = excluded.last',
    );
    this.clearSequences = db.prepare('DELETE FROM sequences');
    this.upsertLease = db.prepare(
      `INSERT INTO leases (service_date, series_key, number, display, device_id, leased_at, ticket_id, spent_at)
       VALUES (@serviceDate, @seriesKey, @number, @display, @deviceId, @leasedAt, @ticketId, @spentAt)
       ON CONFLICT(service_date, series_key, number) DO UPDATE SET display = excluded.display,
         device_id = excluded.device_id, leased_at = excluded.leased_at, ticket_id = excluded.ticket_id,
         spent_at = excluded.spent_at`,
    );
    this.insertEvent = db.prepare(
      `INSERT INTO ticket_events (ticket_id, seq, type, at, counter_id, officer, detail)
       VALUES (@ticketId, (SELECT coalesce(max(seq), 0) + 1 FROM ticket_events WHERE ticket_id = @ticketId),
               @type, @at, @counterId, @officer, @detail)`,
    );
    this.insertCall = db.prepare(
      'INSERT INTO calls (id, ticket_id, counter_id, recall, at, payload) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // Read at every rating (its rules) and more: prepared once.
    this.selectSetting = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.setSetting = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.getRequest = db.prepare('SELECT action, reply FROM requests WHERE device_id = ? AND request_id = ?');
    this.selectBySource = db.prepare(
      'SELECT * FROM tickets WHERE source_device = ? AND source_request = ? ORDER BY seq',
    );
    this.setIssueReply = db.prepare('UPDATE tickets SET issue_reply = ? WHERE id = ?');
    this.insertRequest = db.prepare(
      'INSERT INTO requests (device_id, request_id, action, at, reply) VALUES (?, ?, ?, ?, ?)',
    );
  }

  // ------------------------------------------------------------ settings

  getSetting<T>(key: string): T | undefined {
    const row = this.selectSetting.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  putSetting(key: string, value: unknown): void {
    this.setSetting.run(key, JSON.stringify(value));
  }

  // ------------------------------------------------------------ catalogue and counters

  isEmpty(): boolean {
    return (this.db.prepare('SELECT count(*) AS n FROM fields').get() as { n: number }).n === 0;
  }

  loadCatalogue(): Catalogue {
    const fields = this.db.prepare('SELECT * FROM fields ORDER BY position, id').all() as {
      id: string;
      name: string;
      numbering: string;
      position: number;
      active: number;
    }[];
    const procedures = this.db.prepare('SELECT * FROM procedures ORDER BY position, id').all() as {
      id: string;
      field_id: string;
      name: string;
      numbering: string | null;
      position: number;
      active: number;
    }[];
    const categories = this.db
      .prepare('SELECT id, name FROM priority_categories ORDER BY position, id')
      .all() as {
      id: string;
      name: string;
    }[];
    return {
      fields: fields.map((f) => ({
        id: f.id,
        name: f.name,
        numbering: JSON.parse(f.numbering) as Numbering,
        position: f.position,
        active: f.active === 1,
      })),
      procedures: procedures.map((p) => ({
        id: p.id,
        fieldId: p.field_id,
        name: p.name,
        ...(p.numbering ? { numbering: JSON.parse(p.numbering) as Numbering } : {}),
        position: p.position,
        active: p.active === 1,
      })),
      priorityCategories: categories,
    };
  }

  /** Replace the whole catalogue (first start, or an administrator's edit). */
  saveCatalogue(catalogue: Catalogue): void {
    this.db.transaction(() => this.writeCatalogue(catalogue))();
  }

  /** The statements of saveCatalogue, for use inside an open transaction (persist). */
  private writeCatalogue(catalogue: Catalogue): void {
    this.db.prepare('DELETE FROM procedures').run();
    this.db.prepare('DELETE FROM fields').run();
    this.db.prepare('DELETE FROM priority_categories').run();
    const insertField = this.db.prepare(
      'INSERT INTO fields (id, name, numbering, position, active) VALUES (?, ?, ?, ?, ?)',
    );
    const insertProcedure = this.db.prepare(
      'INSERT INTO procedures (id, field_id, name, numbering, position, active) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertCategory = this.db.prepare(
      'INSERT INTO priority_categories (id, name, position) VALUES (?, ?, ?)',
    );
    for (const f of catalogue.fields) {
      insertField.run(f.id, f.name, JSON.stringify(f.numbering), f.position, f.active ? 1 : 0);
    }
    for (const p of catalogue.procedures) {
      insertProcedure.run(
        p.id,
        p.fieldId,
        p.name,
        p.numbering ? JSON.stringify(p.numbering) : null,
        p.position,
        p.active ? 1 : 0,
      );
    }
    catalogue.priorityCategories.forEach((c, i) => {
      insertCategory.run(c.id, c.name, i);
    });
  }

  saveCounter(counter: Counter): void {
    this.upsertCounter.run(counterRow(counter));
  }

  loadCounters(): Map<number, Counter> {
    const rows = this.db.prepare('SELECT * FROM counters ORDER BY id').all() as CounterRow[];
    return new Map(rows.map((r) => [r.id, counterFromRow(r)]));
  }

  // ------------------------------------------------------------ live state

  loadState(settings: QueueSettings, fallbackServiceDate: string): QueueState {
    const serviceDate = this.getSetting<string>('serviceDate') ?? fallbackServiceDate;
    const tickets = this.db
      .prepare('SELECT * FROM tickets WHERE service_date = ? ORDER BY seq, number')
      .all(serviceDate) as TicketRow[];
    const { last } = this.db.prepare('SELECT max(seq) AS last FROM tickets').get() as { last: number | null };
    const sequences = this.db.prepare('SELECT series_key, last FROM sequences').all() as {
      series_key: string;
      last: number;
    }[];
    const recent = this.db
      .prepare(
        // The counter's time per ticket (finishService, markNoShow): from its call
        // there to its end, served or absent. Rows from before counter_called_at
        // was kept count from their last call.
        `SELECT procedure_id, ms FROM (
           SELECT procedure_id, finished_at - COALESCE(counter_called_at, called_at) AS ms, finished_at,
             ROW_NUMBER() OVER (PARTITION BY procedure_id ORDER BY finished_at DESC) AS rn
           FROM tickets WHERE status IN ('done', 'no_show')
             AND COALESCE(counter_called_at, called_at) IS NOT NULL AND finished_at IS NOT NULL)
         WHERE rn <= ? AND ms >= 0 ORDER BY finished_at`,
      )
      .all(settings.recentServiceSamples) as { procedure_id: string; ms: number }[];
    const recentServiceMs = new Map<string, number[]>();
    for (const r of recent) {
      const list = recentServiceMs.get(r.procedure_id) ?? [];
      list.push(r.ms);
      recentServiceMs.set(r.procedure_id, list);
    }
    if (this.getSetting('serviceDate') === undefined) this.putSetting('serviceDate', serviceDate);
    const leases = new Map<string, Map<number, Lease>>();
    for (const lease of this.leasesOf(serviceDate)) {
      const series = leases.get(lease.seriesKey) ?? new Map<number, Lease>();
      series.set(lease.number, lease);
      leases.set(lease.seriesKey, series);
    }
    return {
      serviceDate,
      settings,
      catalogue: this.loadCatalogue(),
      counters: this.loadCounters(),
      tickets: new DayTickets(tickets.map((r) => [r.id, ticketFromRow(r)])),
      sequences: new Map(sequences.map((s) => [s.series_key, s.last])),
      recentServiceMs,
      leases,
      lastSeq: Math.max(0, Math.floor(last ?? 0)),
    };
  }

  /** Every lease of a service date (used and unused). */
  leasesOf(serviceDate: string): Lease[] {
    const rows = this.db
      .prepare(
        `SELECT service_date, series_key, number, display, device_id, leased_at, ticket_id, spent_at
         FROM leases WHERE service_date = ? ORDER BY leased_at, number`,
      )
      .all(serviceDate) as {
      service_date: string;
      series_key: string;
      number: number;
      display: string;
      device_id: string;
      leased_at: number;
      ticket_id: string | null;
      spent_at: number | null;
    }[];
    return rows.map((r) => ({
      serviceDate: r.service_date,
      seriesKey: r.series_key,
      number: r.number,
      display: r.display,
      deviceId: r.device_id,
      leasedAt: r.leased_at,
      ticketId: r.ticket_id,
      spentAt: r.spent_at,
    }));
  }

  /** Told after each committed persist (a passing store fault is over then). */
  onCommitted: (() => void) | undefined;

  /** Write decided changes; `extra` runs in the same transaction (e.g. storing the reply). */
  persist(changes: readonly Change[], extra?: () => void): void {
    this.db.transaction(() => {
      for (const change of changes) this.write(change);
      extra?.();
    })();
    this.onCommitted?.();
  }

  /**
   * Several commands' changes in one transaction (a group commit), each
   * command's rows followed by its `extra`, in order: all or none.
   */
  persistMany(commands: readonly { changes: readonly Change[]; extra?: (() => void) | undefined }[]): void {
    this.db.transaction(() => {
      for (const { changes, extra } of commands) {
        for (const change of changes) this.write(change);
        extra?.();
      }
    })();
    this.onCommitted?.();
  }

  private write(change: Change): void {
    switch (change.kind) {
      case 'ticket': {
        const params = ticketParams(change.ticket);
        if (this.updateTicket.run(params).changes === 0) this.upsertTicket.run(params);
        break;
      }
      case 'counter':
        this.upsertCounter.run(counterRow(change.counter));
        break;
      case 'sequence':
        this.upsertSequence.run(change.seriesKey, change.last);
        break;
      case 'lease':
        this.upsertLease.run(change.lease);
        break;
      case 'event': {
        const e = change.event;
        this.insertEvent.run({
          ticketId: e.ticketId,
          type: e.type,
          at: e.at,
          counterId: e.counterId,
          officer: e.officer,
          detail: e.detail ? JSON.stringify(e.detail) : null,
        });
        break;
      }
      case 'call':
        this.saveCall(change.call);
        break;
      case 'serviceDate':
        this.putSetting('serviceDate', change.serviceDate);
        this.clearSequences.run();
        break;
      case 'serviceTime':
        break; // derived from the finished ticket when the hub starts
      case 'catalogue':
        this.writeCatalogue(change.catalogue);
        break;
      case 'settings':
        this.putSetting('queue', change.settings);
        break;
      case 'counterRemoved':
        this.db.prepare('DELETE FROM counters WHERE id = ?').run(change.counterId);
        break;
      case 'timesShifted': {
        const shiftEvents = this.db.prepare('UPDATE ticket_events SET at = at + ? WHERE ticket_id = ?');
        const shiftCalls = this.db.prepare(
          `UPDATE calls SET at = at + ?, payload = json_set(payload, '$.at', json_extract(payload, '$.at') + ?)
           WHERE ticket_id = ?`,
        );
        for (const id of change.ticketIds) {
          shiftEvents.run(change.byMs, id);
          shiftCalls.run(change.byMs, change.byMs, id);
        }
        break;
      }
    }
  }

  private saveCall(call: CallEvent): void {
    this.insertCall.run(
      call.callId,
      call.ticketId,
      call.counterId,
      call.recall ? 1 : 0,
      call.at,
      JSON.stringify(call),
    );
  }

  // ------------------------------------------------------------ idempotent requests

  findReply(deviceId: string, requestId: string): StoredReply | undefined {
    const row = this.getRequest.get(deviceId, requestId) as { action: string; reply: string } | undefined;
    return row ? { action: row.action, reply: JSON.parse(row.reply) } : undefined;
  }

  saveReply(deviceId: string, requestId: string, action: string, at: number, reply: unknown): void {
    this.insertRequest.run(deviceId, requestId, action, at, JSON.stringify(reply));
  }

  /**
   * Keep, with a ticket just issued for a device's request, what its reply
   * said that the ticket row cannot say later (place in the line, wait
   * estimate): a repeat of the request is answered from the ticket and this,
   * with no reply row of its own (one b-tree fewer per ticket). Called in the
   * ticket's own transaction, on the row it has just written.
   */
  saveIssueReply(ticketId: string, figures: unknown): void {
    this.setIssueReply.run(JSON.stringify(figures), ticketId);
  }

  // ------------------------------------------------------------ lookups

  /** Tickets a device's request (or press) produced, on any day, oldest first. */
  ticketsBySource(deviceId: string, requestId: string): Ticket[] {
    return this.issuedBySource(deviceId, requestId).map((r) => r.ticket);
  }

  /**
   * Tickets a device's request (or press) produced, oldest first, each with
   * the figures saveIssueReply kept (null for a ticket synced from a number
   * lease, or issued before they were kept).
   */
  issuedBySource(deviceId: string, requestId: string): { ticket: Ticket; issueReply: unknown }[] {
    // Asked before every ticket: prepared once (preparing costs more than the lookup).
    const rows = this.selectBySource.all(deviceId, requestId) as TicketRow[];
    return rows.map((r) => ({
      ticket: ticketFromRow(r),
      issueReply: r.issue_reply ? (JSON.parse(r.issue_reply) as unknown) : null,
    }));
  }

  ticketById(id: string): Ticket | undefined {
    const row = this.db.prepare('SELECT * FROM tickets WHERE id = ?').get(id) as TicketRow | undefined;
    return row ? ticketFromRow(row) : undefined;
  }

  recordPlayback(
    callId: string,
    deviceId: string,
    startedAt: number,
    endedAt: number,
    skipped: string | null,
  ): void {
    this.db
      .prepare(
        `INSERT INTO call_playbacks (call_id, device_id, started_at, ended_at, skipped) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(call_id, device_id) DO NOTHING`,
      )
      .run(callId, deviceId, startedAt, endedAt, skipped);
  }

  /** The last calls of a service date, newest first (for the board after a restart). */
  recentCalls(serviceDate: string, limit: number) {
    const rows = this.db
      .prepare(
        `SELECT c.payload FROM calls c JOIN tickets t ON t.id = c.ticket_id
         WHERE t.service_date = ? ORDER BY c.at DESC LIMIT ?`,
      )
      .all(serviceDate, limit) as { payload: string }[];
    return rows.map((r) => {
      const { callId, display, counterId, counterName, recall, at } = JSON.parse(r.payload) as CallEvent;
      return { callId, display, counterId, counterName, recall, at };
    });
  }

  /** The last call of a ticket at a counter, and what each speaker reported of it. */
  lastCall(
    ticketId: string,
    counterId: number,
  ): { callId: string; at: number; playbacks: { deviceId: string; skipped: string | null }[] } | null {
    const call = this.db
      .prepare(
        'SELECT id, at FROM calls WHERE ticket_id = ? AND counter_id = ? ORDER BY at DESC, rowid DESC LIMIT 1',
      )
      .get(ticketId, counterId) as { id: string; at: number } | undefined;
    if (!call) return null;
    const playbacks = this.db
      .prepare(
        'SELECT device_id AS deviceId, skipped FROM call_playbacks WHERE call_id = ? ORDER BY started_at',
      )
      .all(call.id) as { deviceId: string; skipped: string | null }[];
    return { callId: call.id, at: call.at, playbacks };
  }

  callExists(callId: string): boolean {
    return this.db.prepare('SELECT 1 FROM calls WHERE id = ?').get(callId) !== undefined;
  }
}

function counterRow(c: Counter) {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    officer: c.officer,
    serves: JSON.stringify(c.serves),
    current_ticket_id: c.currentTicketId,
    consecutive_priority: c.consecutivePriority,
    free_since: c.freeSince,
  };
}
