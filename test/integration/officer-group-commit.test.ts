// Officers' actions over HTTP share the group commit (QueueService.runGrouped)
// with each other and with kiosks' tickets: actions that arrive together
// are committed in one transaction with their audit rows, and each answer
// leaves only after its change is on disk (read through a second
// connection, as another process would, when the answer arrives).

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueTicket } from '../../hub/queue/index.js';
import { STORE_FILE } from '../../hub/store/db.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

describe('officers’ actions in the group commit', () => {
  let t: TestHub;
  let reader: Database.Database;
  let batches: number[];

  beforeEach(async () => {
    t = await startTestHub();
    reader = new Database(`${t.dataDir}/${STORE_FILE}`, { readonly: true });
    batches = [];
    const store = t.hub.service.store;
    const persistMany = store.persistMany.bind(store);
    store.persistMany = (commands) => {
      batches.push(commands.length);
      persistMany(commands);
    };
  });
  afterEach(async () => {
    reader.close();
    await t.stop();
  });

  it('calls at several counters arriving together: one commit, each answer after it, audit rows with it', async () => {
    for (let i = 0; i < 8; i++) {
      const d = t.hub.service.run((s, c) => issueTicket(s, { procedureId: 'can-cuoc-01' }, c));
      if (!d.ok) throw new Error(d.message);
    }
    // Counters 1–4 serve Căn cước in the default catalogue, staffed by quay1–quay4.
    const counters = [...t.hub.service.state.counters.values()]
      .filter((c) => c.serves.some((s) => s.procedureId === 'can-cuoc-01'))
      .map((c) => c.id);
    expect(counters.length).toBeGreaterThanOrEqual(2);
    const cookies = await Promise.all(
      counters.map(
        async (id) => `${await t.signIn(`quay${id}`, await t.addAccount(`quay${id}`, 'officer'))}`,
      ),
    );
    const calledInStore = (ticketId: string) =>
      (reader.prepare('SELECT status FROM tickets WHERE id = ?').get(ticketId) as { status: string }).status;

    // Injected in the same turn of the event loop: the hub decides each before the batch commits.
    const answers = await Promise.all(
      counters.map((id, i) =>
        t.hub.http
          .inject({
            method: 'POST',
            url: `/api/counters/${id}/call-next`,
            headers: {
              cookie: cookies[i]!,
              origin: t.httpUrl,
              host: new URL(t.httpUrl).host,
              'content-type': 'application/json',
            },
            payload: '{}',
          })
          .then((res) => {
            const body = res.json() as { ticket: { id: string; display: string } };
            if (!body.ticket) throw new Error(`${res.statusCode} ${res.body}`);
            // On disk when the answer left.
            return {
              status: res.statusCode,
              display: body.ticket.display,
              stored: calledInStore(body.ticket.id),
            };
          }),
      ),
    );
    expect(answers.every((a) => a.status === 200 && a.stored === 'called')).toBe(true);
    expect(new Set(answers.map((a) => a.display)).size).toBe(counters.length);
    console.log(`${counters.length} calls arriving together: commits of ${batches.join(', ')} actions`);
    expect(batches).toEqual([counters.length]);
    const audit = reader.prepare("SELECT username FROM audit_log WHERE action = 'call-next'").all();
    expect(audit).toHaveLength(counters.length);
  });
});
