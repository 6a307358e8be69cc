// The store's disk full. Two ways to get there:
// - a real full filesystem: the hub's data folder on a 16 MiB tmpfs, filled
//   to the last byte by another file, so SQLite's writes fail with ENOSPC.
//   Mounting needs root (CAP_SYS_ADMIN); where the test cannot mount, it is
//   skipped and says why.
// - SQLite's own limit: `PRAGMA max_page_count` set on the hub's connection
//   to the pages the file has now. SQLite then fails a write that needs a new
//   page with SQLITE_FULL ("database or disk is full"), the very error (and
//   rollback path) a full disk gives. It needs no privileges, so it always runs.
//
// Either way: each request gets a clear error (device: hub_error, HTTP: 500
// hub_error) and changes nothing, /api/health reports the full store (503,
// store.fault) until a change commits again, the hub keeps running and serving reads,
// memory and store agree, `PRAGMA integrity_check` is ok, and once there is
// room again the same requests (same requestId) succeed and a restart finds
// exactly what was answered.

import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { connectDevice, nextMessage, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { skipping } from '../helpers/skip.js';
import { allTickets } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Mount a tmpfs of `size` at a new folder, or say why it cannot be done here. */
function mountTmpfs(size: string): { path: string } | { reason: string } {
  if (process.platform !== 'linux') return { reason: 'tmpfs needs Linux' };
  const path = mkdtempSync(join(tmpdir(), 'qms-enospc-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'qms-enospc', path], {
      stdio: 'pipe',
    });
    return { path };
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { reason: `cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): ${stderr || error}` };
  }
}
const probe = mountTmpfs('64k');
if ('path' in probe) {
  execFileSync('umount', [probe.path]);
  rmSync(probe.path, { recursive: true, force: true });
}
const cannotMount = 'reason' in probe ? probe.reason : null;

/** Fill a filesystem to the last byte with one file; returns its path. */
function fillUp(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

interface Scenario {
  dataDir: string;
  /** Make the store full; `strict`: from now on every write fails (a real full disk). */
  makeFull(t: TestHub): void;
  makeRoom(t: TestHub): void;
  strict: boolean;
}

async function runScenario(s: Scenario) {
  let t = await startTestHub({ dataDir: s.dataDir });
  const clients: MqttClient[] = [];
  cleanups.push(async () => {
    for (const c of clients) c.end(true);
    await t.hub.stop().catch(() => undefined);
  });
  const password2 = t.addDevice('kiosk-2', 'kiosk');
  const kiosk = await connectDevice(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
  clients.push(kiosk);
  await kiosk.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
  const issue = async (requestId: string) => {
    const answer = nextMessage(kiosk, topics.deviceReply('kiosk-1'), 5_000);
    kiosk.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId, procedureId: 'can-cuoc-01' }),
      { qos: 1 },
    );
    return reply.parse(JSON.parse((await answer).toString()));
  };
  const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
  const act = (action: string) => officer(`/api/counters/1/${action}`, { method: 'POST' });

  for (let i = 0; i < 6; i++) expect((await issue(`before-${i}`)).ok).toBe(true);
  expect((await act('take')).status).toBe(200);
  expect((await act('call-next')).status).toBe(200);
  expect((await act('start')).status).toBe(200);

  const db = t.hub.db;
  const storeView = () => ({
    tickets: db.prepare('SELECT id, status, counter_id FROM tickets ORDER BY id').all(),
    counters: db.prepare('SELECT id, state, current_ticket_id FROM counters ORDER BY id').all(),
    calls: db.prepare('SELECT count(*) AS n FROM calls').get(),
    requests: db.prepare('SELECT count(*) AS n FROM requests').get(),
  });
  const memoryView = () => ({
    tickets: [...t.hub.service.state.tickets.values()]
      .map((x) => ({ id: x.id, status: x.status, counter_id: x.counterId }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    counters: [...t.hub.service.state.counters.values()]
      .map((c) => ({ id: c.id, state: c.state, current_ticket_id: c.currentTicketId }))
      .sort((a, b) => a.id - b.id),
  });
  const agree = () => {
    const store = storeView();
    expect(memoryView()).toEqual({ tickets: store.tickets, counters: store.counters });
  };
  agree();

  s.makeFull(t);

  // Devices: each request is answered; a failed one says hub_error and leaves no trace.
  const failed: string[] = [];
  const answered: string[] = [];
  for (let i = 0; i < 40; i++) {
    const requestId = `full-${i}`;
    const before = storeView();
    const r = await issue(requestId);
    if (r.ok) {
      answered.push(requestId);
    } else {
      expect(r.error).toEqual({
        code: 'hub_error',
        message: 'the hub could not save the request; try again',
      });
      expect(storeView()).toEqual(before);
      failed.push(requestId);
    }
    agree();
  }
  expect(failed.length).toBeGreaterThan(0);
  if (s.strict) expect(answered).toEqual([]);

  // Officers: 200 or a refusal as usual, or 500 hub_error with nothing changed.
  const statuses: number[] = [];
  for (const action of ['finish', 'call-next', 'start', 'finish', 'call-next', 'recall']) {
    const before = storeView();
    const res = await act(action);
    statuses.push(res.status);
    const body = (await res.json()) as { error?: { code: string; message: string } };
    if (res.status === 500) {
      expect(body.error).toEqual({
        code: 'hub_error',
        message: 'the hub could not complete the request; try again',
      });
      expect(storeView()).toEqual(before);
    } else {
      expect([200, 409]).toContain(res.status);
    }
    agree();
  }
  if (s.strict) expect(statuses[0]).toBe(500);

  // The hub keeps running: a device can still connect, reads still work.
  const other = await connectDevice(t.mqttUrl, 'kiosk-2', password2);
  clients.push(other);
  // /api/health says what is wrong (503 for monitors). With SQLite's page limit
  // a change that needs no new page still commits, which clears the fault.
  const health = await fetch(`${t.httpUrl}/api/health`);
  const fault = ((await health.json()) as { store: { fault: { kind: string; code: string } | null } }).store
    .fault;
  if (s.strict || fault) {
    expect(health.status).toBe(503);
    expect(fault).toMatchObject({ kind: 'full', code: 'SQLITE_FULL' });
  }
  expect(t.logs.lines.some((l) => /store fault: writes fail.*SQLITE_FULL/.test(l))).toBe(true);
  expect((await fetch(`${t.httpUrl}/api/queue`)).status).toBe(200);
  expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(t.logs.lines.some((l) => /request failed .*database or disk is full/.test(l))).toBe(true);
  if (s.strict) expect(t.logs.lines.some((l) => /^ERROR hub\/http: request failed/.test(l))).toBe(true);

  // Room again: the same requests succeed, each once.
  s.makeRoom(t);
  for (const requestId of failed) {
    const r = await issue(requestId);
    expect(r.ok, `${requestId}: ${JSON.stringify(r)}`).toBe(true);
  }
  // The counter's next step, whatever the officer managed while the disk was full.
  const current = t.hub.service.state.counters.get(1)?.currentTicketId;
  const status = current ? t.hub.service.state.tickets.get(current)?.status : null;
  const next = status === 'called' ? 'start' : status === 'serving' ? 'finish' : 'call-next';
  expect((await act(next)).status).toBe(200);
  agree();
  expect((await fetch(`${t.httpUrl}/api/health`)).status).toBe(200);
  expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  const rows = allTickets(db);
  for (const requestId of [...failed, ...answered]) {
    expect(
      rows.filter((r) => r.source_request === requestId),
      requestId,
    ).toHaveLength(1);
  }

  // A restart on the same store finds exactly what was answered.
  const before = storeView();
  for (const c of clients.splice(0)) c.end(true);
  await t.hub.stop();
  t = await startTestHub({ dataDir: s.dataDir });
  const reopened = t.hub.db;
  expect(reopened.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(reopened.prepare('SELECT id, status, counter_id FROM tickets ORDER BY id').all()).toEqual(
    before.tickets,
  );
  expect(t.hub.service.state.tickets.size).toBe(before.tickets.length);
}

describe('store disk full', () => {
  it.skipIf(skipping('real ENOSPC on a full tmpfs', cannotMount))(
    `real ENOSPC: data folder on a full 16 MiB tmpfs${cannotMount ? ` (skipped: ${cannotMount})` : ''}`,
    async () => {
      const mounted = mountTmpfs('16m');
      if (!('path' in mounted)) throw new Error(mounted.reason);
      cleanups.push(() => {
        execFileSync('umount', ['-l', mounted.path]);
        rmSync(mounted.path, { recursive: true, force: true });
      });
      let filler = '';
      await runScenario({
        dataDir: mounted.path,
        strict: true,
        makeFull: () => {
          filler = fillUp(mounted.path);
        },
        makeRoom: () => rmSync(filler),
      });
    },
    30_000,
  );

  it('SQLITE_FULL: the store limited to its current size (PRAGMA max_page_count)', async () => {
    const dir = tempDir('qms-full-');
    cleanups.push(() => dir.remove());
    await runScenario({
      dataDir: dir.path,
      strict: false,
      makeFull: (t) => {
        const pages = t.hub.db.pragma('page_count', { simple: true }) as number;
        t.hub.db.pragma(`max_page_count = ${pages}`);
      },
      makeRoom: (t) => {
        t.hub.db.pragma('max_page_count = 1073741823');
      },
    });
  }, 30_000);
});
