import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Issuer } from '../../../edge/kiosk/issuer.js';
import { type LeaseBook, LocalState } from '../../../edge/kiosk/local-state.js';
import { RequestTimeout } from '../../../shared/device/connection.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import type { IssuedTicket, LeaseGrant, Reply } from '../../../shared/protocol/messages.js';
import { tempDir } from '../../helpers/hub.js';

const DAY = '2025-11-28';
const NOW = Date.UTC(2025, 10, 28, 2, 0);

const lease = (numbers: number[], over: Partial<LeaseBook> = {}): LeaseBook => ({
  serviceDate: DAY,
  validUntil: NOW + 3600_000,
  grantedAt: NOW,
  series: { 'field:cc': { prefix: 'A', numbers } },
  procedures: { 'cc-01': { fieldId: 'cc', seriesKey: 'field:cc', counters: [{ id: 1, name: 'Quầy 1' }] } },
  ...over,
});

const ticket = (display: string): IssuedTicket => ({
  ticketId: `t-${display}`,
  display,
  number: Number(display),
  serviceDate: DAY,
  fieldId: 'cc',
  fieldName: 'Căn cước',
  procedureId: 'cc-01',
  procedureName: 'Cấp thẻ',
  priority: null,
  priorityName: null,
  issuedAt: NOW,
  ahead: 0,
  estimatedWaitSeconds: 300,
  counters: [],
  lookupPath: `/t/t-${display}`,
});

type Handler = (body: Record<string, unknown>, requestId: string) => Reply | 'timeout';

/** A connection whose hub is a function per action. */
class FakeConnection {
  connected = true;
  readonly sent: { action: string; body: Record<string, unknown>; requestId: string }[] = [];
  constructor(public handlers: Record<string, Handler>) {}
  async request(
    action: string,
    body: Record<string, unknown>,
    _timeout: number,
    requestId = `r${this.sent.length}`,
  ) {
    this.sent.push({ action, body, requestId });
    const answer = this.handlers[action]?.(body, requestId) ?? 'timeout';
    if (answer === 'timeout') throw new RequestTimeout('no reply');
    return answer;
  }
}

const ok = (action: string, requestId: string, data: unknown): Reply => ({
  v: 1,
  requestId,
  action,
  ok: true,
  data,
});
const fail = (action: string, requestId: string, code: string): Reply => ({
  v: 1,
  requestId,
  action,
  ok: false,
  error: { code, message: `${code}!` },
});

describe('Issuer', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());
  const logs = memorySink();
  const log = createLogger('issuer', { sink: logs, level: 'debug', timestamps: false });

  async function setup(handlers: Record<string, Handler>, leaseSize = 3) {
    const state = await LocalState.open(dir.path);
    const connection = new FakeConnection(handlers);
    const issuer = new Issuer({
      connection: connection as never,
      state,
      log,
      requestTimeoutMs: 50,
      leaseSize,
      scope: { fieldIds: ['cc'], procedureIds: [] },
      now: () => NOW,
    });
    return { state, connection, issuer };
  }

  it('prints what the hub answers', async () => {
    const { issuer, connection } = await setup({
      'issue-ticket': (_b, id) => ok('issue-ticket', id, ticket('1001')),
    });
    const issued = await issuer.issue({ procedureId: 'cc-01', priority: 'elderly' });
    expect(issued).toMatchObject({ kind: 'online', ticket: { display: '1001' } });
    expect(connection.sent[0]).toMatchObject({
      action: 'issue-ticket',
      body: { procedureId: 'cc-01', priority: 'elderly', pressedAt: NOW },
    });
  });

  it('falls back to the lease on a time-out or a hub error, with the press id, durably', async () => {
    const { issuer, state, connection } = await setup({ 'issue-ticket': () => 'timeout' });
    await state.setLease(lease([7, 8]));
    const first = await issuer.issue({ procedureId: 'cc-01', priority: null });
    expect(first).toMatchObject({
      kind: 'leased',
      left: 1,
      entry: { display: 'A7', number: 7, issuedAt: NOW },
    });
    if (first.kind !== 'leased') throw new Error('unreachable');
    // Same id as the request that timed out: the hub can tell the two apart.
    expect(first.entry.requestId).toBe(connection.sent[0]!.requestId);
    connection.handlers['issue-ticket'] = (_b, id) => fail('issue-ticket', id, 'hub_error');
    expect(await issuer.issue({ procedureId: 'cc-01', priority: null })).toMatchObject({
      kind: 'leased',
      entry: { number: 8 },
    });
    // On disk before printing: a restarted kiosk has the same outbox and lease.
    const onDisk = JSON.parse(readFileSync(join(dir.path, 'kiosk-state.json'), 'utf8'));
    expect(onDisk.outbox.map((e: { number: number }) => e.number)).toEqual([7, 8]);
    expect(onDisk.lease.series['field:cc'].numbers).toEqual([]);
    const reopened = await LocalState.open(dir.path);
    expect(reopened.outbox).toHaveLength(2);
    // No number left and no hub: nothing to print.
    expect(await issuer.issue({ procedureId: 'cc-01', priority: null })).toMatchObject({
      kind: 'unavailable',
    });
  });

  it('does not wait when the link is known to be down', async () => {
    const { issuer, state, connection } = await setup({});
    connection.connected = false;
    await state.setLease(lease([7]));
    expect(await issuer.issue({ procedureId: 'cc-01', priority: null })).toMatchObject({ kind: 'leased' });
    expect(connection.sent).toHaveLength(0);
  });

  it('prints nothing when the hub refuses, and never from an expired lease or another procedure', async () => {
    const { issuer, state, connection } = await setup({
      'issue-ticket': (_b, id) => fail('issue-ticket', id, 'procedure_inactive'),
    });
    await state.setLease(lease([7]));
    expect(await issuer.issue({ procedureId: 'cc-01', priority: null })).toEqual({
      kind: 'refused',
      code: 'procedure_inactive',
      message: 'procedure_inactive!',
    });
    connection.connected = false;
    expect(await issuer.issue({ procedureId: 'other', priority: null })).toMatchObject({
      kind: 'unavailable',
    });
    await state.setLease(lease([7], { validUntil: NOW }));
    expect(await issuer.issue({ procedureId: 'cc-01', priority: null })).toMatchObject({
      kind: 'unavailable',
    });
  });

  it('never takes again a number printed while a lease answer was on its way', async () => {
    const { issuer, state } = await setup({ 'issue-ticket': () => 'timeout' });
    await state.setLease(lease([7, 8]));
    await issuer.issue({ procedureId: 'cc-01', priority: null }); // 7
    // The hub has not seen 7 yet and lists it again.
    await state.setLease(lease([7, 8, 9]));
    expect(state.data.lease!.series['field:cc']!.numbers).toEqual([8, 9]);
  });

  it('asks for the lease of its buttons and keeps the answer', async () => {
    const grant: LeaseGrant = {
      serviceDate: DAY,
      validUntil: NOW + 1000,
      series: [{ seriesKey: 'field:cc', prefix: '', numbers: [1001, 1002, 1003] }],
      procedures: [{ procedureId: 'cc-01', fieldId: 'cc', seriesKey: 'field:cc', counters: [] }],
      skipped: [],
    };
    const { issuer, state, connection } = await setup({
      'request-lease': (_b, id) => ok('request-lease', id, grant),
    });
    expect(issuer.leaseLow()).toBe(true);
    await issuer.refreshLease();
    // No lease yet: it holds nothing (the hub spends whatever it had leased to it).
    expect(connection.sent[0]).toMatchObject({
      action: 'request-lease',
      body: { fieldIds: ['cc'], procedureIds: [], count: 3, held: null },
    });
    expect(state.data.lease).toMatchObject({
      serviceDate: DAY,
      series: { 'field:cc': { numbers: [1001, 1002, 1003] } },
    });
    expect(issuer.leaseLow()).toBe(false);
    expect(issuer.leaseLow('2025-11-29')).toBe(true);
  });

  it('tells the hub which leased numbers it still holds', async () => {
    const grant: LeaseGrant = {
      serviceDate: DAY,
      validUntil: NOW + 3600_000,
      series: [{ seriesKey: 'field:cc', prefix: 'A', numbers: [8, 9, 6] }],
      procedures: [{ procedureId: 'cc-01', fieldId: 'cc', seriesKey: 'field:cc', counters: [] }],
      skipped: [],
    };
    const { issuer, state, connection } = await setup({
      'issue-ticket': () => 'timeout',
      'request-lease': (_b, id) => ok('request-lease', id, grant),
    });
    await state.setLease(lease([7, 8, 9]));
    await issuer.issue({ procedureId: 'cc-01', priority: null }); // prints A7
    await issuer.refreshLease(true);
    const sent = connection.sent.find((s) => s.action === 'request-lease')!;
    expect(sent.body.held).toEqual({
      serviceDate: DAY,
      series: [{ seriesKey: 'field:cc', numbers: [8, 9] }],
    });
    expect(state.data.lease!.series['field:cc']!.numbers).toEqual([8, 9, 6]);
  });

  it('sends the outbox oldest first in batches and keeps what the hub has not settled', async () => {
    const numbers = Array.from({ length: 25 }, (_, i) => i + 1);
    const batches: number[][] = [];
    let answer = true;
    const { issuer, state } = await setup(
      {
        'issue-ticket': () => 'timeout',
        'sync-tickets': (body, id) => {
          const tickets = body.tickets as { ticketId: string; requestId: string; number: number }[];
          batches.push(tickets.map((t) => t.number));
          if (!answer) return 'timeout';
          return ok('sync-tickets', id, {
            results: tickets.map((t) =>
              t.number === 3
                ? { ...t, status: 'refused', error: { code: 'not_leased', message: 'no' } }
                : { ...t, status: t.number === 2 ? 'duplicate' : 'accepted', display: String(t.number) },
            ),
          });
        },
      },
      25,
    );
    await state.setLease(lease(numbers));
    for (const _ of numbers) await issuer.issue({ procedureId: 'cc-01', priority: null });
    answer = false;
    await issuer.sync();
    expect(state.outbox).toHaveLength(25);
    answer = true;
    batches.length = 0;
    await issuer.sync();
    expect(batches).toEqual([numbers.slice(0, 20), numbers.slice(20)]);
    expect(state.outbox).toHaveLength(0);
    expect(state.data.refused.map((r) => [r.number, r.code])).toEqual([[3, 'not_leased']]);
  });

  it('logs a sync or lease request that goes wrong and changes nothing; asks again later', async () => {
    const wrong: Array<[what: string, answer: (action: string, id: string) => Reply | 'timeout']> = [
      ['refused', (action, id) => fail(action, id, 'hub_error')],
      ['unreadable', (action, id) => ok(action, id, { nonsense: true })],
      ['no answer', () => 'timeout'],
      [
        'failed',
        () => {
          throw new Error('link lost while sending');
        },
      ],
    ];
    let answer = wrong[0]![1];
    const { issuer, state } = await setup({
      'issue-ticket': () => 'timeout',
      'sync-tickets': (_b, id) => answer('sync-tickets', id),
      'request-lease': (_b, id) => answer('request-lease', id),
    });
    await state.setLease(lease([7, 8, 9]));
    await issuer.issue({ procedureId: 'cc-01', priority: null }); // prints 7 into the outbox
    for (const [what, a] of wrong) {
      answer = a;
      logs.lines.length = 0;
      await issuer.sync();
      await issuer.refreshLease(true);
      expect(
        state.outbox.map((t) => t.number),
        what,
      ).toEqual([7]);
      expect(state.data.lease!.series['field:cc']!.numbers, what).toEqual([8, 9]);
      const said = logs.lines.join('\n');
      const expected = {
        refused: ['outbox sync refused', 'lease request refused'],
        unreadable: ['unreadable outbox sync answer', 'unreadable lease request answer'],
        'no answer': ['outbox sync: no answer; will try again', 'lease request: no answer; will try again'],
        failed: ['outbox sync failed', 'lease request failed'],
      }[what]!;
      for (const line of expected) expect(said, what).toContain(line);
    }
  });

  it('logs a lease its state file could not keep, without a rejected promise', async () => {
    const grant: LeaseGrant = {
      serviceDate: DAY,
      validUntil: NOW + 1000,
      series: [{ seriesKey: 'field:cc', prefix: '', numbers: [1001] }],
      procedures: [{ procedureId: 'cc-01', fieldId: 'cc', seriesKey: 'field:cc', counters: [] }],
      skipped: [],
    };
    const { issuer, state } = await setup({ 'request-lease': (_b, id) => ok('request-lease', id, grant) });
    state.setLease = async () => {
      throw new Error('no space left on device');
    };
    logs.lines.length = 0;
    await expect(issuer.refreshLease(true)).resolves.toBeUndefined();
    expect(logs.lines.join('\n')).toContain('lease not kept');
  });
});
