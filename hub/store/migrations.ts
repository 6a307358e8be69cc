// Versioned schema. A migration is never edited once released: add a new one.
// Each runs in its own transaction together with the bump of user_version.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    description: 'queue, catalogue, devices, idempotent requests',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL -- JSON
      ) STRICT;

      CREATE TABLE fields (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        numbering TEXT NOT NULL, -- JSON {prefix,start,end,wrap}
        position INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
      ) STRICT;

      CREATE TABLE procedures (
        id TEXT PRIMARY KEY,
        field_id TEXT NOT NULL REFERENCES fields(id),
        name TEXT NOT NULL,
        numbering TEXT, -- JSON, NULL = field's series
        position INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
      ) STRICT;

      CREATE TABLE priority_categories (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        position INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE counters (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open','paused','closed')),
        officer TEXT,
        serves TEXT NOT NULL, -- JSON [{procedureId, weight}]
        current_ticket_id TEXT,
        consecutive_priority INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        service_date TEXT NOT NULL,
        series_key TEXT NOT NULL,
        number INTEGER NOT NULL,
        display TEXT NOT NULL,
        field_id TEXT NOT NULL,
        procedure_id TEXT NOT NULL,
        priority TEXT,
        status TEXT NOT NULL,
        assigned_counter_id INTEGER,
        counter_id INTEGER,
        officer TEXT,
        issued_at INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        first_called_at INTEGER,
        called_at INTEGER,
        service_started_at INTEGER,
        finished_at INTEGER,
        call_count INTEGER NOT NULL DEFAULT 0,
        transfer_count INTEGER NOT NULL DEFAULT 0,
        source_device TEXT,
        source_request TEXT
      ) STRICT;
      CREATE INDEX tickets_by_date ON tickets(service_date, status);

      CREATE TABLE ticket_events (
        id INTEGER PRIMARY KEY,
        ticket_id TEXT NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        counter_id INTEGER,
        officer TEXT,
        detail TEXT -- JSON
      ) STRICT;
      CREATE INDEX ticket_events_by_time ON ticket_events(at);
      CREATE INDEX ticket_events_by_ticket ON ticket_events(ticket_id);

      CREATE TABLE calls (
        id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL,
        counter_id INTEGER NOT NULL,
        recall INTEGER NOT NULL,
        at INTEGER NOT NULL,
        payload TEXT NOT NULL -- JSON announcement, republished as is
      ) STRICT;

      CREATE TABLE call_playbacks (
        call_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        skipped TEXT,
        PRIMARY KEY (call_id, device_id)
      ) STRICT;

      CREATE TABLE sequences (
        series_key TEXT PRIMARY KEY,
        last INTEGER NOT NULL
      ) STRICT;

      -- Every state-changing device request, with the reply it got: a repeat
      -- of the same id gets the same reply and changes nothing.
      CREATE TABLE requests (
        device_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        action TEXT NOT NULL,
        at INTEGER NOT NULL,
        reply TEXT NOT NULL, -- JSON
        PRIMARY KEY (device_id, request_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        counter_id INTEGER,
        token_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_seen INTEGER,
        status TEXT -- JSON, last retained status message
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'accounts, sessions, audit log, ratings',
    sql: `
      CREATE TABLE accounts (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('officer','admin')),
        password_hash TEXT NOT NULL, -- scrypt$N$r$p$salt$hash
        created_at INTEGER NOT NULL,
        disabled_at INTEGER
      ) STRICT;

      -- Only a hash of the session token is stored, as for device tokens.
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES accounts(username),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        counter_id INTEGER,
        ticket_id TEXT,
        detail TEXT -- JSON
      ) STRICT;
      CREATE INDEX audit_log_by_time ON audit_log(at);

      CREATE TABLE ratings (
        id TEXT PRIMARY KEY, -- the device's event id (idempotent)
        ticket_id TEXT NOT NULL UNIQUE,
        counter_id INTEGER NOT NULL,
        officer TEXT,
        level TEXT NOT NULL,
        score INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        pressed_at INTEGER NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX ratings_by_time ON ratings(at);
    `,
  },
  {
    version: 3,
    description: 'number leases for kiosks printing while the hub is unreachable',
    sql: `
      -- A number of a series held by a kiosk for one service date. ticket_id is
      -- set when the kiosk syncs the ticket it printed with it. With
      -- wrap-around a number can be leased again later the same day (the row
      -- is then replaced: the ticket keeps its own source).
      CREATE TABLE leases (
        service_date TEXT NOT NULL,
        series_key TEXT NOT NULL,
        number INTEGER NOT NULL,
        display TEXT NOT NULL,
        device_id TEXT NOT NULL,
        leased_at INTEGER NOT NULL,
        ticket_id TEXT,
        PRIMARY KEY (service_date, series_key, number)
      ) STRICT;
      CREATE INDEX leases_by_device ON leases(device_id, service_date);
      -- A synced ticket is found by the kiosk's press id (idempotent sync).
      CREATE INDEX tickets_by_source ON tickets(source_device, source_request);
    `,
  },
  {
    version: 4,
    description: 'fewer index pages written per ticket change',
    sql: `
      -- The status changes at every step of a ticket's life; keeping it in
      -- the index rewrote an index page at each step for no query's benefit.
      DROP INDEX tickets_by_date;
      CREATE INDEX tickets_by_service_date ON tickets(service_date);
      -- No query reads events by time (reports join them by ticket).
      DROP INDEX ticket_events_by_time;
    `,
  },
  {
    version: 5,
    description: 'leased numbers a kiosk no longer holds are spent for the day',
    sql: `
      -- Set when a kiosk's lease request no longer lists the number among
      -- those it holds: never leased or issued again that day (a ticket
      -- printed with it may still be synced).
      ALTER TABLE leases ADD COLUMN spent_at INTEGER;
    `,
  },
  {
    version: 6,
    description: 'place in the line independent of the clock; tickets issued on an untrusted clock',
    sql: `
      -- The line is ordered by seq (a number that only grows), no longer by
      -- queued_at (a clock reading). Existing tickets get their place in the
      -- order they had: queued_at, then number.
      ALTER TABLE tickets ADD COLUMN seq REAL NOT NULL DEFAULT 0;
      UPDATE tickets SET seq = ranked.n
        FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY queued_at, number, rowid) AS n FROM tickets) AS ranked
        WHERE tickets.id = ranked.id;
      -- 1: issued while the hub's clock was not trusted (the next daily reset keeps it).
      ALTER TABLE tickets ADD COLUMN clock_untrusted INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 7,
    description: 'procedure guide cards for the touch-screen guide',
    sql: `
      -- One card per procedure (hub/guide/card.ts): plain text parts as JSON,
      -- shown as text only. sample = 1: shipped with the hub, not yet edited
      -- by the office. checked_on: the office's date someone last checked it.
      -- No foreign key: procedures are never deleted, only switched off.
      CREATE TABLE procedure_guides (
        procedure_id TEXT PRIMARY KEY,
        card TEXT NOT NULL, -- JSON
        sample INTEGER NOT NULL DEFAULT 0,
        checked_on TEXT,
        updated_at INTEGER NOT NULL,
        updated_by TEXT
      ) STRICT;
    `,
  },
  {
    version: 8,
    description: 'outbox of domain events for the province centre',
    sql: `
      -- Every domain change, written in the same transaction as the change
      -- while the centre is enabled (hub config \`central\`), numbered 1, 2, 3…
      -- without gaps (central_state.last_seq). A row leaves when the central
      -- service has acknowledged its number (hub/central/forwarder.ts).
      CREATE TABLE central_outbox (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        at INTEGER NOT NULL,
        data TEXT NOT NULL -- JSON, shared/protocol/central.ts centralEventData
      ) STRICT;
      CREATE TABLE central_state (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        last_seq INTEGER NOT NULL, -- last number given
        acked_seq INTEGER NOT NULL, -- the centre holds every number up to this one
        dropped_through INTEGER NOT NULL, -- numbers up to this one left a full outbox unsent
        acked_at INTEGER
      ) STRICT;
      INSERT INTO central_state (one, last_seq, acked_seq, dropped_through) VALUES (1, 0, 0, 0);
    `,
  },
  {
    version: 9,
    description: 'counters are ready only with an officer; the counter time of a ticket',
    sql: `
      -- When the counter that calls or serves a ticket first called it on this
      -- visit: the wait estimate counts a counter's time per ticket from here.
      ALTER TABLE tickets ADD COLUMN counter_called_at INTEGER;
      -- Since when a counter with an officer has been free (hub/queue/types.ts Counter.freeSince).
      ALTER TABLE counters ADD COLUMN free_since INTEGER;
      -- The console shows whether the speaker said a ticket's last call.
      CREATE INDEX calls_by_ticket ON calls(ticket_id);
      -- A counter is open or paused only with an officer at it: one nobody
      -- took (the default counters used to start open) is closed, unless a
      -- citizen is still called or served there.
      UPDATE counters SET state = 'closed'
        WHERE officer IS NULL AND state <> 'closed'
          AND (current_ticket_id IS NULL OR current_ticket_id NOT IN
            (SELECT id FROM tickets WHERE status IN ('called', 'serving')));
    `,
  },
  {
    version: 10,
    description: 'fewer pages written per ticket life: replies rebuilt from their rows, no unread index',
    sql: `
      -- A kiosk's ticket request keeps no reply row of its own any more: a
      -- repeat finds its ticket by (source_device, source_request) and the
      -- reply is rebuilt from it, with what only the moment of issue knew
      -- (place in the line, wait estimate, counters) kept here as JSON
      -- (hub/flows/requests/issue-ticket.ts). NULL for a ticket synced from a
      -- number lease and for those issued before this version (their replies
      -- stay in requests).
      ALTER TABLE tickets ADD COLUMN issue_reply TEXT;
      -- The audit log is read newest first by id; nothing reads it by time,
      -- and the index cost a page at every officer action.
      DROP INDEX audit_log_by_time;
    `,
  },
  {
    version: 11,
    description: 'fewer pages written per rating: ratings clustered by their ticket',
    sql: `
      -- A ticket has at most one rating (corrections replace it), and every
      -- read finds it by ticket (the rating rules, the reports' join) or by
      -- the device's event id (a repeated press). Keyed by ticket WITHOUT
      -- ROWID, a rating writes two b-trees instead of four: no rowid table
      -- beside the ticket index, and no index by time, which no query read.
      CREATE TABLE ratings_by_ticket (
        id TEXT NOT NULL UNIQUE, -- the device's event id (idempotent)
        ticket_id TEXT NOT NULL PRIMARY KEY,
        counter_id INTEGER NOT NULL,
        officer TEXT,
        level TEXT NOT NULL,
        score INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        pressed_at INTEGER NOT NULL,
        at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO ratings_by_ticket (id, ticket_id, counter_id, officer, level, score, device_id, pressed_at, at)
        SELECT id, ticket_id, counter_id, officer, level, score, device_id, pressed_at, at FROM ratings;
      DROP TABLE ratings;
      ALTER TABLE ratings_by_ticket RENAME TO ratings;
    `,
  },
  {
    version: 12,
    description: 'fewer pages written per ticket step: ticket events clustered by their ticket',
    sql: `
      -- Every read of ticket events goes by ticket (the reports' join, the
      -- profile export, a time shift); the rowid table and its index by
      -- ticket cost two b-trees at each step of a ticket life. Keyed by
      -- (ticket, seq) WITHOUT ROWID, an event lands beside the ticket's
      -- earlier ones: one b-tree. seq numbers a ticket's events from 1 in the
      -- order they were stored (the old rowid order).
      CREATE TABLE ticket_events_clustered (
        ticket_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        counter_id INTEGER,
        officer TEXT,
        detail TEXT, -- JSON
        PRIMARY KEY (ticket_id, seq)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO ticket_events_clustered (ticket_id, seq, type, at, counter_id, officer, detail)
        SELECT ticket_id, ROW_NUMBER() OVER (PARTITION BY ticket_id ORDER BY id), type, at, counter_id, officer, detail
        FROM ticket_events;
      DROP TABLE ticket_events;
      ALTER TABLE ticket_events_clustered RENAME TO ticket_events;
    `,
  },
];
