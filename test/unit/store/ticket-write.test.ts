// The store writes a ticket as one row whatever changed: a new ticket is
// inserted, a later step updates it, and its indexed columns (service date,
// source) are rewritten only when they changed, yet always end as decided.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalogue, defaultCounters, defaultQueueSettings } from '../../../hub/defaults/catalogue.js';
import { issueTicket } from '../../../hub/queue/index.js';
import type { Ticket } from '../../../hub/queue/types.js';
import { type Db, openDb } from '../../../hub/store/db.js';
import { QueueStore } from '../../../hub/store/queue-store.js';
import { tempDir } from '../../helpers/hub.js';

describe('ticket rows', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let store: QueueStore;
  beforeEach(() => {
    dir = tempDir('qms-ticket-write-');
    db = openDb(dir.path);
    store = new QueueStore(db);
    const catalogue = defaultCatalogue();
    store.saveCatalogue(catalogue);
    for (const c of defaultCounters(catalogue)) store.saveCounter(c);
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  it('inserts, updates, and moves the indexed columns only when they change', () => {
    const state = store.loadState(defaultQueueSettings, '2025-10-01');
    const d = issueTicket(
      state,
      { procedureId: 'can-cuoc-01', source: { deviceId: 'kiosk-01', requestId: 'r1' } },
      { now: 1, newId: () => 't-1', clockTrusted: true },
    );
    if (!d.ok) throw new Error(d.message);
    const ticket = d.changes.find((c) => c.kind === 'ticket')!.ticket as Ticket;
    store.persist([{ kind: 'ticket', ticket }]);
    expect(store.ticketById('t-1')).toEqual(ticket);

    const called: Ticket = { ...ticket, status: 'called', counterId: 1, calledAt: 5, callCount: 1 };
    store.persist([{ kind: 'ticket', ticket: called }]);
    expect(store.ticketById('t-1')).toEqual(called);
    expect(store.ticketsBySource('kiosk-01', 'r1')).toEqual([called]);

    // Carried over to the next service date (a daily reset keeping a live ticket).
    const carried: Ticket = { ...called, serviceDate: '2025-10-02', source: null };
    store.persist([{ kind: 'ticket', ticket: carried }]);
    expect(store.ticketById('t-1')).toEqual(carried);
    expect(store.ticketsBySource('kiosk-01', 'r1')).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM tickets WHERE service_date = ?').get('2025-10-02')).toEqual({
      n: 1,
    });
    expect(db.prepare('SELECT count(*) AS n FROM tickets').get()).toEqual({ n: 1 });
  });
});
