// Administration decisions on the queue's configuration (hub/queue/catalogue.ts):
// what an accepted edit changes, that the live queue uses it at once, and that
// every refusal carries its filled-in Vietnamese message and touches nothing.

import { describe, expect, it } from 'vitest';
import {
  addCounter,
  addField,
  addProcedure,
  removeCounter,
  setPriorityRules,
  updateCounter,
  updateField,
  updateProcedure,
} from '../../../hub/queue/catalogue.js';
import {
  applyChanges,
  callNext,
  type Decision,
  issueTicket,
  markNoShow,
  type QueueState,
} from '../../../hub/queue/index.js';
import { type AdminRefusalCode, adminRefusalText } from '../../../shared/text/vi/admin.js';
import { accept, counterOf, issue, next, numbering, office, snapshot } from './fixture.js';

function templatePattern(template: string): RegExp {
  const parts = template.split(/\{\w+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+')}$`, 'u');
}

/** A refusal with this code, its Vietnamese template filled in, no changes, the state untouched. */
function expectAdminRefusal(
  state: QueueState,
  code: AdminRefusalCode,
  run: (s: QueueState) => Decision<unknown>,
) {
  const before = snapshot(state);
  const decision = run(state);
  if (decision.ok) throw new Error(`expected ${code}, got acceptance`);
  expect(decision.code).toBe(code);
  expect(decision).not.toHaveProperty('changes');
  expect(decision.message).not.toMatch(/\{\w+\}/);
  expect(decision.message).toMatch(templatePattern(adminRefusalText[code]));
  expect(state).toEqual(before);
  return decision;
}

const n = numbering;

describe('fields', () => {
  it('adds a field after the others and publishes the whole new catalogue as one change', () => {
    const { state, ctx } = office();
    const d = addField(state, { id: 'lltp', name: '  Lý lịch tư pháp ', numbering: n('P', 1, 500) }, ctx);
    if (!d.ok) throw new Error(d.message);
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0]!.kind).toBe('catalogue');
    applyChanges(state, d.changes);
    const field = state.catalogue.fields.at(-1)!;
    expect(field).toEqual({
      id: 'lltp',
      name: 'Lý lịch tư pháp',
      numbering: n('P', 1, 500),
      position: 4,
      active: true,
    });
  });

  it('stores names in NFC so one name typed two ways is the same', () => {
    const { state, ctx } = office();
    const decomposed = 'Giấy phép lái xe'.normalize('NFD');
    const field = accept(
      state,
      addField(state, { id: 'gplx', name: decomposed, numbering: n('G', 1, 9) }, ctx),
    );
    expect(field.name).toBe('Giấy phép lái xe'.normalize('NFC'));
  });

  it('allows the same range under another prefix', () => {
    const { state, ctx } = office();
    accept(state, addField(state, { id: 'a', name: 'A', numbering: n('A', 1001, 1999) }, ctx));
    expect(state.catalogue.fields.map((f) => f.id)).toContain('a');
  });

  it('refuses a bad id, a taken id, an empty name, a bad prefix and bad ranges', () => {
    const { state, ctx } = office();
    const good = { id: 'new', name: 'Mới', numbering: n('N', 1, 10) };
    expectAdminRefusal(state, 'bad_id', (s) => addField(s, { ...good, id: 'Căn-cước' }, ctx));
    expectAdminRefusal(state, 'bad_id', (s) => addField(s, { ...good, id: '-x' }, ctx));
    expectAdminRefusal(state, 'field_exists', (s) => addField(s, { ...good, id: 'cc' }, ctx));
    expectAdminRefusal(state, 'bad_name', (s) => addField(s, { ...good, name: '   ' }, ctx));
    expectAdminRefusal(state, 'bad_prefix', (s) => addField(s, { ...good, numbering: n('a', 1, 10) }, ctx));
    expectAdminRefusal(state, 'bad_prefix', (s) =>
      addField(s, { ...good, numbering: n('ABCD', 1, 10) }, ctx),
    );
    expectAdminRefusal(state, 'bad_range', (s) => addField(s, { ...good, numbering: n('N', 10, 9) }, ctx));
    expectAdminRefusal(state, 'bad_range', (s) => addField(s, { ...good, numbering: n('N', 0, 9) }, ctx));
    expectAdminRefusal(state, 'bad_range', (s) => addField(s, { ...good, numbering: n('N', 1, 10000) }, ctx));
    expectAdminRefusal(state, 'bad_range', (s) => addField(s, { ...good, numbering: n('N', 1.5, 9) }, ctx));
  });

  it('refuses a range that overlaps another series with the same prefix, inactive ones included', () => {
    const { state, ctx } = office();
    const d = expectAdminRefusal(state, 'range_overlap', (s) =>
      addField(s, { id: 'x', name: 'X', numbering: n('', 1500, 2500) }, ctx),
    );
    expect(d.message).toContain('1001–1999');
    expect(d.message).toContain('Căn cước');
    // a procedure's own series (L1–L99)
    expectAdminRefusal(state, 'range_overlap', (s) =>
      addField(s, { id: 'x', name: 'X', numbering: n('L', 99, 120) }, ctx),
    );
    // the inactive field xnc (X3001–X3999) may come back
    expectAdminRefusal(state, 'range_overlap', (s) =>
      addField(s, { id: 'x', name: 'X', numbering: n('X', 3999, 4000) }, ctx),
    );
    // touching ranges do not overlap
    accept(state, addField(state, { id: 'x', name: 'X', numbering: n('', 2000, 2000) }, ctx));
  });

  it('edits a field: a new range is used by the next ticket, its own old range is no overlap', () => {
    const { state, ctx } = office();
    accept(state, updateField(state, { id: 'cc', numbering: n('A', 1500, 1600, true) }, ctx));
    expect(issue(state, ctx, 'cc-cap').display).toBe('A1500');
    accept(state, updateField(state, { id: 'cc', numbering: n('A', 1400, 1700, true) }, ctx));
    expect(state.catalogue.fields.find((f) => f.id === 'cc')!.numbering).toEqual(n('A', 1400, 1700, true));
  });

  it('deactivating a field stops its tickets at once; reactivating brings them back', () => {
    const { state, ctx } = office();
    accept(state, updateField(state, { id: 'cc', active: false }, ctx));
    const refused = issueTicket(state, { procedureId: 'cc-cap' }, ctx);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.code).toBe('procedure_inactive');
    accept(state, updateField(state, { id: 'cc', active: true }, ctx));
    expect(issue(state, ctx, 'cc-cap').display).toBe('1001');
  });

  it('keeps the catalogue in the store order (position, then id) after a move', () => {
    const { state, ctx } = office();
    accept(state, updateField(state, { id: 'cc', position: 9 }, ctx));
    expect(state.catalogue.fields.map((f) => f.id)).toEqual(['ct', 'xnc', 'cc']);
  });

  it('refuses edits of an unknown field, an empty name and an overlapping range', () => {
    const { state, ctx } = office();
    expectAdminRefusal(state, 'unknown_field', (s) => updateField(s, { id: 'nope', name: 'X' }, ctx));
    expectAdminRefusal(state, 'bad_name', (s) => updateField(s, { id: 'cc', name: '' }, ctx));
    expectAdminRefusal(state, 'range_overlap', (s) =>
      updateField(s, { id: 'ct', numbering: n('', 1, 1001) }, ctx),
    );
    expectAdminRefusal(state, 'bad_range', (s) => updateField(s, { id: 'ct', numbering: n('C', 5, 4) }, ctx));
  });
});

describe('procedures', () => {
  it('adds a procedure that a kiosk can ask for at once, served by the chosen counters', () => {
    const { state, ctx } = office();
    const result = accept(
      state,
      addProcedure(
        state,
        { id: 'cc-xac-nhan', fieldId: 'cc', name: 'Cấp xác nhận số CMND', counterIds: [1, 4] },
        ctx,
      ),
    );
    expect(result.procedure).toEqual({
      id: 'cc-xac-nhan',
      fieldId: 'cc',
      name: 'Cấp xác nhận số CMND',
      position: 4,
      active: true,
    });
    expect(counterOf(state, 1).serves.at(-1)).toEqual({ procedureId: 'cc-xac-nhan', weight: 1 });
    expect(counterOf(state, 4).serves.map((s) => s.procedureId)).toContain('cc-xac-nhan');
    expect(counterOf(state, 2).serves.map((s) => s.procedureId)).not.toContain('cc-xac-nhan');
    const ticket = issue(state, ctx, 'cc-xac-nhan');
    expect(ticket.display).toBe('1001'); // the field's shared series
    expect(next(state, ctx, 1)).toBe('1001');
  });

  it('gives a procedure its own series and takes it back to the field series', () => {
    const { state, ctx } = office();
    accept(
      state,
      addProcedure(
        state,
        { id: 'ct-kv', fieldId: 'ct', name: 'Khai báo tạm vắng', numbering: n('K', 1, 50) },
        ctx,
      ),
    );
    expect(issue(state, ctx, 'ct-kv').display).toBe('K1');
    accept(state, updateProcedure(state, { id: 'ct-kv', numbering: null }, ctx));
    expect(state.catalogue.procedures.find((p) => p.id === 'ct-kv')).not.toHaveProperty('numbering');
    expect(issue(state, ctx, 'ct-kv').display).toBe('C2001');
  });

  it('renames, moves to another field and deactivates a procedure', () => {
    const { state, ctx } = office();
    accept(state, updateProcedure(state, { id: 'cc-doi', name: 'Đổi thẻ', fieldId: 'ct' }, ctx));
    const p = state.catalogue.procedures.find((x) => x.id === 'cc-doi')!;
    expect(p).toMatchObject({ name: 'Đổi thẻ', fieldId: 'ct' });
    expect(issue(state, ctx, 'cc-doi')).toMatchObject({ display: 'C2001', fieldId: 'ct' });
    accept(state, updateProcedure(state, { id: 'cc-doi', active: false }, ctx));
    expect(issueTicket(state, { procedureId: 'cc-doi' }, ctx)).toMatchObject({
      ok: false,
      code: 'procedure_inactive',
    });
  });

  it('refuses bad ids, taken ids, unknown fields and counters, and overlapping own series', () => {
    const { state, ctx } = office();
    const good = { id: 'cc-moi', fieldId: 'cc', name: 'Mới' };
    expectAdminRefusal(state, 'bad_id', (s) => addProcedure(s, { ...good, id: 'CC-MOI' }, ctx));
    expectAdminRefusal(state, 'bad_id', (s) => addProcedure(s, { ...good, id: `a${'b'.repeat(64)}` }, ctx));
    expectAdminRefusal(state, 'bad_id', (s) => addProcedure(s, { ...good, id: 'cc moi' }, ctx));
    expectAdminRefusal(state, 'procedure_exists', (s) => addProcedure(s, { ...good, id: 'cc-cap' }, ctx));
    expectAdminRefusal(state, 'unknown_field', (s) => addProcedure(s, { ...good, fieldId: 'nope' }, ctx));
    expectAdminRefusal(state, 'bad_name', (s) => addProcedure(s, { ...good, name: ' ' }, ctx));
    expectAdminRefusal(state, 'unknown_counter', (s) =>
      addProcedure(s, { ...good, counterIds: [1, 42] }, ctx),
    );
    expectAdminRefusal(state, 'counter_listed_twice', (s) =>
      addProcedure(s, { ...good, counterIds: [1, 1] }, ctx),
    );
    expectAdminRefusal(state, 'range_overlap', (s) =>
      addProcedure(s, { ...good, numbering: n('C', 2999, 3100) }, ctx),
    );
    expectAdminRefusal(state, 'bad_prefix', (s) =>
      addProcedure(s, { ...good, numbering: n('đ', 1, 9) }, ctx),
    );
    expectAdminRefusal(state, 'unknown_procedure', (s) => updateProcedure(s, { id: 'nope', name: 'X' }, ctx));
    expectAdminRefusal(state, 'unknown_field', (s) =>
      updateProcedure(s, { id: 'cc-cap', fieldId: 'nope' }, ctx),
    );
    expectAdminRefusal(state, 'range_overlap', (s) =>
      updateProcedure(s, { id: 'cc-cap', numbering: n('L', 50, 60) }, ctx),
    );
  });

  it('keeps waiting tickets and their numbers when their procedure changes', () => {
    const { state, ctx } = office();
    const t = issue(state, ctx, 'cc-cap');
    accept(state, updateProcedure(state, { id: 'cc-cap', numbering: n('Z', 1, 9) }, ctx));
    expect(state.tickets.get(t.id)).toMatchObject({ display: '1001', status: 'waiting' });
    expect(next(state, ctx, 1)).toBe('1001');
    expect(issue(state, ctx, 'cc-cap').display).toBe('Z1');
  });
});

describe('priority rules', () => {
  it('replaces the categories and the cap; the next call follows the new cap', () => {
    const { state, ctx } = office();
    const d = setPriorityRules(
      state,
      {
        categories: [
          { id: 'elderly', name: 'Người cao tuổi' },
          { id: 'veteran', name: 'Người có công' },
        ],
        cap: 1,
      },
      ctx,
    );
    if (!d.ok) throw new Error(d.message);
    expect(d.changes.map((c) => c.kind)).toEqual(['catalogue', 'settings']);
    applyChanges(state, d.changes);
    expect(state.settings.priorityCap).toBe(1);
    expect(state.catalogue.priorityCategories.map((c) => c.id)).toEqual(['elderly', 'veteran']);
    issue(state, ctx, 'cc-cap', 'veteran');
    issue(state, ctx, 'cc-cap', 'elderly');
    const normal = issue(state, ctx, 'cc-cap');
    const first = accept(state, callNext(state, { counterId: 1 }, ctx)).ticket;
    expect(first.priority).toBe('veteran');
    // cap 1: after one priority call the normal ticket gets its turn
    accept(state, markNoShow(state, { counterId: 1 }, ctx));
    expect(accept(state, callNext(state, { counterId: 1 }, ctx)).ticket.id).toBe(normal.id);
  });

  it('refuses a cap out of 1..10, a repeated category and a bad category id', () => {
    const { state, ctx } = office();
    const cats = state.catalogue.priorityCategories;
    expectAdminRefusal(state, 'bad_priority_cap', (s) =>
      setPriorityRules(s, { categories: cats, cap: 0 }, ctx),
    );
    expectAdminRefusal(state, 'bad_priority_cap', (s) =>
      setPriorityRules(s, { categories: cats, cap: 11 }, ctx),
    );
    expectAdminRefusal(state, 'bad_priority_cap', (s) =>
      setPriorityRules(s, { categories: cats, cap: 1.5 }, ctx),
    );
    expectAdminRefusal(state, 'priority_listed_twice', (s) =>
      setPriorityRules(s, { categories: [...cats, { id: 'elderly', name: 'Lặp' }], cap: 2 }, ctx),
    );
    expectAdminRefusal(state, 'bad_id', (s) =>
      setPriorityRules(s, { categories: [{ id: 'Người già', name: 'x' }], cap: 2 }, ctx),
    );
    expectAdminRefusal(state, 'bad_name', (s) =>
      setPriorityRules(s, { categories: [{ id: 'a', name: '' }], cap: 2 }, ctx),
    );
  });
});

describe('counters', () => {
  it('adds a counter closed, with what it serves', () => {
    const { state, ctx } = office();
    const c = accept(
      state,
      addCounter(state, { id: 9, name: 'Quầy 9', serves: [{ procedureId: 'ct-tt', weight: 2 }] }, ctx),
    );
    expect(c).toEqual({
      id: 9,
      name: 'Quầy 9',
      state: 'closed',
      officer: null,
      serves: [{ procedureId: 'ct-tt', weight: 2 }],
      currentTicketId: null,
      consecutivePriority: 0,
      freeSince: null,
    });
    expect(state.counters.get(9)).toEqual(c);
  });

  it('edits name and served procedures, keeping state, officer and current ticket', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const before = counterOf(state, 1);
    const after = accept(
      state,
      updateCounter(
        state,
        { id: 1, name: 'Quầy Căn cước', serves: [{ procedureId: 'ct-tt', weight: 1 }] },
        ctx,
      ),
    );
    expect(after).toEqual({
      ...before,
      name: 'Quầy Căn cước',
      serves: [{ procedureId: 'ct-tt', weight: 1 }],
    });
  });

  it('refuses taken or bad numbers, unknown or repeated procedures and bad weights', () => {
    const { state, ctx } = office();
    const serves = [{ procedureId: 'cc-cap', weight: 1 }];
    expectAdminRefusal(state, 'counter_exists', (s) => addCounter(s, { id: 1, name: 'X', serves }, ctx));
    expectAdminRefusal(state, 'bad_counter_id', (s) => addCounter(s, { id: 0, name: 'X', serves }, ctx));
    expectAdminRefusal(state, 'bad_counter_id', (s) => addCounter(s, { id: 1000, name: 'X', serves }, ctx));
    expectAdminRefusal(state, 'unknown_procedure', (s) =>
      addCounter(s, { id: 9, name: 'X', serves: [{ procedureId: 'nope', weight: 1 }] }, ctx),
    );
    expectAdminRefusal(state, 'procedure_listed_twice', (s) =>
      addCounter(s, { id: 9, name: 'X', serves: [...serves, ...serves] }, ctx),
    );
    expectAdminRefusal(state, 'bad_weight', (s) =>
      updateCounter(s, { id: 1, serves: [{ procedureId: 'cc-cap', weight: 0 }] }, ctx),
    );
    expectAdminRefusal(state, 'bad_weight', (s) =>
      updateCounter(s, { id: 1, serves: [{ procedureId: 'cc-cap', weight: 11 }] }, ctx),
    );
    expectAdminRefusal(state, 'unknown_counter', (s) => updateCounter(s, { id: 42, name: 'X' }, ctx));
    expectAdminRefusal(state, 'bad_name', (s) => updateCounter(s, { id: 1, name: '\t' }, ctx));
  });

  it('removes only a closed counter with no live ticket', () => {
    const { state, ctx } = office();
    expectAdminRefusal(state, 'counter_not_closed', (s) => removeCounter(s, { id: 1 }, ctx));
    expectAdminRefusal(state, 'unknown_counter', (s) => removeCounter(s, { id: 42 }, ctx));
    // a ticket transferred to counter 4 still waits for it
    const t = issue(state, ctx, 'cc-cap');
    state.tickets.set(t.id, { ...t, assignedCounterId: 4 });
    expectAdminRefusal(state, 'counter_has_ticket', (s) => removeCounter(s, { id: 4 }, ctx));
    state.tickets.set(t.id, { ...t, assignedCounterId: null });
    const d = removeCounter(state, { id: 4 }, ctx);
    expect(d).toMatchObject({ ok: true, changes: [{ kind: 'counterRemoved', counterId: 4 }] });
    accept(state, d);
    expect(state.counters.has(4)).toBe(false);
  });

  it('refuses to remove a closed counter whose ticket is still called there', () => {
    const { state, ctx } = office();
    issue(state, ctx, 'cc-cap');
    next(state, ctx, 1);
    const c = counterOf(state, 1);
    state.counters.set(1, { ...c, state: 'closed' });
    expectAdminRefusal(state, 'counter_has_ticket', (s) => removeCounter(s, { id: 1 }, ctx));
  });
});
