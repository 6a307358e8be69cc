// What later schema versions changed, undone by hand: tests that take a
// store made by this hub back to an older version (as an older hub left it)
// and check that it upgrades in place.

import { migrations } from '../../hub/store/migrations.js';

/** A statement of an older migration, as it was written there. */
function statementOf(version: number, starts: string): string {
  const sql = migrations.find((m) => m.version === version)?.sql ?? '';
  const at = sql.indexOf(starts);
  if (at < 0) throw new Error(`migration ${version} has no statement "${starts}"`);
  return sql.slice(at, sql.indexOf(';', at) + 1);
}

/** Schema 12 keyed ticket events by ticket; before it they were a rowid table with an index by ticket. */
export const UNDO_SCHEMA_12 = [
  'DROP TABLE ticket_events;',
  statementOf(1, 'CREATE TABLE ticket_events ('),
  statementOf(1, 'CREATE INDEX ticket_events_by_ticket'),
].join('\n');
