// Administration of the queue's configuration: fields, procedures, priority
// rules and counters. Pure like commands.ts: state in, decision out. Each
// accepted decision carries the whole new catalogue (or the changed counter),
// so the store writes it in the same transaction as anything else and the
// live queue uses it from the next request on.

import { type AdminRefusalCode, adminRefusalText } from '../../shared/text/vi/admin.js';
import { counterStateText, fillText } from '../../shared/text/vi.js';
import { isRefusal } from './refusals.js';
import type {
  Catalogue,
  Change,
  Context,
  Counter,
  CounterService,
  Decision,
  Field,
  Numbering,
  PriorityCategory,
  Procedure,
  QueueSettings,
  QueueState,
  Refusal,
} from './types.js';

/** Ids of fields, procedures and priority categories: they appear in topics, configs and reports. */
export const CATALOGUE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** A ticket prefix is read aloud letter by letter: plain capitals only. */
export const PREFIX_PATTERN = /^[A-Z]{0,3}$/;
export const NUMBER_MIN = 1;
export const NUMBER_MAX = 9999;
export const NAME_MAX = 200;
export const COUNTER_ID_MAX = 999;
export const WEIGHT_MIN = 0.1;
export const WEIGHT_MAX = 10;
export const PRIORITY_CAP_MIN = 1;
export const PRIORITY_CAP_MAX = 10;

export function refuseAdmin(code: AdminRefusalCode, params: Record<string, string | number> = {}): Refusal {
  return { ok: false, code, message: fillText(adminRefusalText[code], params) };
}

// ---------------------------------------------------------------- checks

function checkId(id: string): Refusal | null {
  return CATALOGUE_ID_PATTERN.test(id) ? null : refuseAdmin('bad_id', { id });
}

/** Names are stored trimmed and in NFC, so "Căn cước" typed two ways is one name. */
function cleanName(name: string): string | Refusal {
  const clean = name.normalize('NFC').trim();
  if (clean.length === 0 || clean.length > NAME_MAX) return refuseAdmin('bad_name', { max: NAME_MAX });
  return clean;
}

function checkNumbering(n: Numbering): Refusal | null {
  if (!PREFIX_PATTERN.test(n.prefix)) return refuseAdmin('bad_prefix', { prefix: n.prefix });
  const inRange = (x: number) => Number.isInteger(x) && x >= NUMBER_MIN && x <= NUMBER_MAX;
  if (!inRange(n.start) || !inRange(n.end) || n.start > n.end) {
    return refuseAdmin('bad_range', { start: n.start, end: n.end, min: NUMBER_MIN, max: NUMBER_MAX });
  }
  return null;
}

const rangeText = (n: Numbering) => `${n.prefix}${n.start}–${n.prefix}${n.end}`;

interface Series {
  key: string;
  name: string;
  numbering: Numbering;
}

/** Every numbering series of a catalogue: each field's, and each procedure's own. */
function seriesOf(catalogue: Catalogue): Series[] {
  return [
    ...catalogue.fields.map((f) => ({
      key: `field:${f.id}`,
      name: `lĩnh vực "${f.name}"`,
      numbering: f.numbering,
    })),
    ...catalogue.procedures
      .filter((p): p is Procedure & { numbering: Numbering } => p.numbering !== undefined)
      .map((p) => ({ key: `procedure:${p.id}`, name: `thủ tục "${p.name}"`, numbering: p.numbering })),
  ];
}

/**
 * Two series with the same prefix and overlapping ranges would hand out the
 * same number twice on one day: calls and announcements would be ambiguous.
 * Inactive fields and procedures count too, since they may be switched on again.
 */
function checkOverlap(catalogue: Catalogue, changedKey: string): Refusal | null {
  const all = seriesOf(catalogue);
  const mine = all.find((s) => s.key === changedKey);
  if (!mine) return null;
  for (const other of all) {
    if (other.key === mine.key || other.numbering.prefix !== mine.numbering.prefix) continue;
    if (mine.numbering.start <= other.numbering.end && other.numbering.start <= mine.numbering.end) {
      return refuseAdmin('range_overlap', {
        range: rangeText(mine.numbering),
        otherRange: rangeText(other.numbering),
        otherName: other.name,
      });
    }
  }
  return null;
}

function positionOrder<T extends { position: number; id: string }>(a: T, b: T): number {
  return a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The catalogue in the order the store loads it, so memory and disk agree. */
function sorted(catalogue: Catalogue): Catalogue {
  return {
    fields: [...catalogue.fields].sort(positionOrder),
    procedures: [...catalogue.procedures].sort(positionOrder),
    priorityCategories: catalogue.priorityCategories,
  };
}

function catalogueChange(catalogue: Catalogue): Change {
  return { kind: 'catalogue', catalogue };
}

/** The new catalogue, in load order, unless the series of the changed field or procedure overlaps another. */
function withCatalogue<R>(
  catalogue: Catalogue,
  changedKey: string,
  result: R,
  more: Change[] = [],
): Decision<R> {
  const next = sorted(catalogue);
  const overlap = checkOverlap(next, changedKey);
  if (overlap) return overlap;
  return { ok: true, changes: [catalogueChange(next), ...more], result };
}

/** What an edit may change on a field or a procedure alike (null numbering: back to the field's series). */
interface ItemEdit {
  name?: string;
  numbering?: Numbering | null;
  active?: boolean;
  position?: number;
}

/** A field or procedure with an edit applied: the name cleaned, the numbering checked. */
function edited<T extends Field | Procedure>(current: T, input: ItemEdit): T | Refusal {
  let item: T = { ...current };
  if (input.name !== undefined) {
    const name = cleanName(input.name);
    if (isRefusal(name)) return name;
    item = { ...item, name };
  }
  if (input.numbering === null) {
    const { numbering: _dropped, ...rest } = item as Procedure;
    item = rest as T;
  } else if (input.numbering !== undefined) {
    const bad = checkNumbering(input.numbering);
    if (bad) return bad;
    item = { ...item, numbering: { ...input.numbering } };
  }
  if (input.active !== undefined) item = { ...item, active: input.active };
  if (input.position !== undefined) item = { ...item, position: input.position };
  return item;
}

// ---------------------------------------------------------------- fields

export interface FieldInput {
  id: string;
  name: string;
  numbering: Numbering;
  active?: boolean;
  position?: number;
}

export function addField(state: QueueState, input: FieldInput, _ctx: Context): Decision<Field> {
  const bad = checkId(input.id);
  if (bad) return bad;
  if (state.catalogue.fields.some((f) => f.id === input.id))
    return refuseAdmin('field_exists', { id: input.id });
  const name = cleanName(input.name);
  if (isRefusal(name)) return name;
  const badNumbering = checkNumbering(input.numbering);
  if (badNumbering) return badNumbering;
  const field: Field = {
    id: input.id,
    name,
    numbering: { ...input.numbering },
    position: input.position ?? Math.max(0, ...state.catalogue.fields.map((f) => f.position)) + 1,
    active: input.active ?? true,
  };
  return withCatalogue(
    { ...state.catalogue, fields: [...state.catalogue.fields, field] },
    `field:${field.id}`,
    field,
  );
}

export interface FieldEdit {
  id: string;
  name?: string;
  numbering?: Numbering;
  active?: boolean;
  position?: number;
}

export function updateField(state: QueueState, input: FieldEdit, _ctx: Context): Decision<Field> {
  const current = state.catalogue.fields.find((f) => f.id === input.id);
  if (!current) return refuseAdmin('unknown_field', { fieldId: input.id });
  const field = edited(current, input);
  if (isRefusal(field)) return field;
  const fields = state.catalogue.fields.map((f) => (f.id === field.id ? field : f));
  return withCatalogue({ ...state.catalogue, fields }, `field:${field.id}`, field);
}

// ---------------------------------------------------------------- procedures

export interface ProcedureInput {
  id: string;
  fieldId: string;
  name: string;
  /** Own series; absent or null: the field's series. */
  numbering?: Numbering | null;
  active?: boolean;
  position?: number;
  /** Counters that start serving it at once (weight 1), so no ticket waits for nobody. */
  counterIds?: number[];
}

export interface ProcedureResult {
  procedure: Procedure;
  counters: Counter[];
}

export function addProcedure(
  state: QueueState,
  input: ProcedureInput,
  _ctx: Context,
): Decision<ProcedureResult> {
  const bad = checkId(input.id);
  if (bad) return bad;
  if (state.catalogue.procedures.some((p) => p.id === input.id)) {
    return refuseAdmin('procedure_exists', { id: input.id });
  }
  if (!state.catalogue.fields.some((f) => f.id === input.fieldId)) {
    return refuseAdmin('unknown_field', { fieldId: input.fieldId });
  }
  const name = cleanName(input.name);
  if (isRefusal(name)) return name;
  if (input.numbering) {
    const badNumbering = checkNumbering(input.numbering);
    if (badNumbering) return badNumbering;
  }
  const counterIds = input.counterIds ?? [];
  if (new Set(counterIds).size !== counterIds.length) return refuseAdmin('counter_listed_twice');
  const counters: Counter[] = [];
  for (const id of counterIds) {
    const counter = state.counters.get(id);
    if (!counter) return refuseAdmin('unknown_counter', { counterId: id });
    counters.push({ ...counter, serves: [...counter.serves, { procedureId: input.id, weight: 1 }] });
  }
  const siblings = state.catalogue.procedures.filter((p) => p.fieldId === input.fieldId);
  const procedure: Procedure = {
    id: input.id,
    fieldId: input.fieldId,
    name,
    ...(input.numbering ? { numbering: { ...input.numbering } } : {}),
    position: input.position ?? Math.max(0, ...siblings.map((p) => p.position)) + 1,
    active: input.active ?? true,
  };
  return withCatalogue(
    { ...state.catalogue, procedures: [...state.catalogue.procedures, procedure] },
    `procedure:${procedure.id}`,
    { procedure, counters },
    counters.map((counter): Change => ({ kind: 'counter', counter })),
  );
}

export interface ProcedureEdit {
  id: string;
  fieldId?: string;
  name?: string;
  /** null: back to the field's series. */
  numbering?: Numbering | null;
  active?: boolean;
  position?: number;
}

/**
 * The id never changes: tickets, counters and kiosk buttons refer to it.
 * Waiting tickets keep their number and place when the procedure changes.
 */
export function updateProcedure(state: QueueState, input: ProcedureEdit, _ctx: Context): Decision<Procedure> {
  const current = state.catalogue.procedures.find((p) => p.id === input.id);
  if (!current) return refuseAdmin('unknown_procedure', { procedureId: input.id });
  if (input.fieldId !== undefined && !state.catalogue.fields.some((f) => f.id === input.fieldId)) {
    return refuseAdmin('unknown_field', { fieldId: input.fieldId });
  }
  const procedure = edited({ ...current, fieldId: input.fieldId ?? current.fieldId }, input);
  if (isRefusal(procedure)) return procedure;
  const procedures = state.catalogue.procedures.map((p) => (p.id === procedure.id ? procedure : p));
  return withCatalogue({ ...state.catalogue, procedures }, `procedure:${procedure.id}`, procedure);
}

// ---------------------------------------------------------------- priority

export interface PriorityRules {
  categories: PriorityCategory[];
  /** Priority tickets called in a row at one counter before a normal one. */
  cap: number;
}

/**
 * Replace the priority categories and the cap. A category that is removed
 * stays on the tickets that already have it (they keep their place).
 */
export function setPriorityRules(
  state: QueueState,
  input: PriorityRules,
  _ctx: Context,
): Decision<{ categories: PriorityCategory[]; settings: QueueSettings }> {
  if (!Number.isInteger(input.cap) || input.cap < PRIORITY_CAP_MIN || input.cap > PRIORITY_CAP_MAX) {
    return refuseAdmin('bad_priority_cap', { min: PRIORITY_CAP_MIN, max: PRIORITY_CAP_MAX });
  }
  const categories: PriorityCategory[] = [];
  const seen = new Set<string>();
  for (const c of input.categories) {
    const bad = checkId(c.id);
    if (bad) return bad;
    if (seen.has(c.id)) return refuseAdmin('priority_listed_twice', { id: c.id });
    seen.add(c.id);
    const name = cleanName(c.name);
    if (isRefusal(name)) return name;
    categories.push({ id: c.id, name });
  }
  const settings: QueueSettings = { ...state.settings, priorityCap: input.cap };
  return {
    ok: true,
    changes: [
      catalogueChange({ ...state.catalogue, priorityCategories: categories }),
      { kind: 'settings', settings },
    ],
    result: { categories, settings },
  };
}

// ---------------------------------------------------------------- counters

function checkServes(state: QueueState, serves: CounterService[]): CounterService[] | Refusal {
  const seen = new Set<string>();
  const out: CounterService[] = [];
  for (const s of serves) {
    if (!state.catalogue.procedures.some((p) => p.id === s.procedureId)) {
      return refuseAdmin('unknown_procedure', { procedureId: s.procedureId });
    }
    if (seen.has(s.procedureId)) return refuseAdmin('procedure_listed_twice', { procedureId: s.procedureId });
    seen.add(s.procedureId);
    if (!Number.isFinite(s.weight) || s.weight < WEIGHT_MIN || s.weight > WEIGHT_MAX) {
      return refuseAdmin('bad_weight', { procedureId: s.procedureId, min: WEIGHT_MIN, max: WEIGHT_MAX });
    }
    out.push({ procedureId: s.procedureId, weight: s.weight });
  }
  return out;
}

export interface CounterInput {
  id: number;
  name: string;
  serves: CounterService[];
}

/** A new counter starts closed: an officer opens it when taking it. */
export function addCounter(state: QueueState, input: CounterInput, _ctx: Context): Decision<Counter> {
  if (!Number.isInteger(input.id) || input.id < 1 || input.id > COUNTER_ID_MAX) {
    return refuseAdmin('bad_counter_id', { max: COUNTER_ID_MAX });
  }
  if (state.counters.has(input.id)) return refuseAdmin('counter_exists', { counterId: input.id });
  const name = cleanName(input.name);
  if (isRefusal(name)) return name;
  const serves = checkServes(state, input.serves);
  if (isRefusal(serves)) return serves;
  const counter: Counter = {
    id: input.id,
    name,
    state: 'closed',
    officer: null,
    serves,
    currentTicketId: null,
    consecutivePriority: 0,
    freeSince: null,
  };
  return { ok: true, changes: [{ kind: 'counter', counter }], result: counter };
}

export interface CounterEdit {
  id: number;
  name?: string;
  serves?: CounterService[];
}

/** Name and served procedures; state, officer and current ticket stay as they are. */
export function updateCounter(state: QueueState, input: CounterEdit, _ctx: Context): Decision<Counter> {
  const current = state.counters.get(input.id);
  if (!current) return refuseAdmin('unknown_counter', { counterId: input.id });
  const counter: Counter = { ...current };
  if (input.name !== undefined) {
    const name = cleanName(input.name);
    if (isRefusal(name)) return name;
    counter.name = name;
  }
  if (input.serves !== undefined) {
    const serves = checkServes(state, input.serves);
    if (isRefusal(serves)) return serves;
    counter.serves = serves;
  }
  return { ok: true, changes: [{ kind: 'counter', counter }], result: counter };
}

/** Only a closed counter with no live ticket of today goes. */
export function removeCounter(state: QueueState, input: { id: number }, _ctx: Context): Decision<Counter> {
  const counter = state.counters.get(input.id);
  if (!counter) return refuseAdmin('unknown_counter', { counterId: input.id });
  if (counter.state !== 'closed') {
    return refuseAdmin('counter_not_closed', {
      counterName: counter.name,
      state: counterStateText[counter.state],
    });
  }
  for (const t of state.tickets.values()) {
    const live = t.status === 'waiting' || t.status === 'called' || t.status === 'serving';
    const here =
      t.assignedCounterId === counter.id ||
      (t.counterId === counter.id && t.status !== 'waiting') ||
      counter.currentTicketId === t.id;
    if (live && here)
      return refuseAdmin('counter_has_ticket', { counterName: counter.name, display: t.display });
  }
  return { ok: true, changes: [{ kind: 'counterRemoved', counterId: counter.id }], result: counter };
}
