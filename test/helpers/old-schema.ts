// What later schema versions changed, undone by hand: tests that take a
// store made by this hub back to an older version (as an older hub left it)
// and check that it upgrades in place.

/** Schema 12 keyed ticket events by ticket; before it they were a rowid table with an index by ticket. */
export const UNDO_SCHEMA_12 = `
  DROP TABLE ticket_events;
  CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    counter_id INTEGER,
    officer TEXT,
    detail TEXT
  ) STRICT;
  CREATE INDEX ticket_events_by_ticket ON ticket_events(ticket_id);
`;
