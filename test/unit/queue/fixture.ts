// A small office for the queue-domain tests: two fields sharing nothing, a
// procedure with its own series, an inactive procedure and an inactive field,
// four counters (three open, one closed) and a clock the test moves by hand.

import { expect } from 'vitest';
import {
  applyChanges,
  type Change,
  type Context,
  type Counter,
  type CounterService,
  callNext,
  type Decision,
  issueTicket,
  type Numbering,
  type QueueSettings,
  type QueueState,
  type Refusal,
  type Ticket,
} from '../../../hub/queue/index.js';
import { fillText, refusalText } from '../../../shared/text/vi.js';

/** 2025-10-01 08:00 in Hà Nội (UTC+7). */
export const T0 = Date.UTC(2025, 9, 1, 1, 0, 0);
export const DAY = '2025-10-01';
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** A Context whose clock only moves when the test says so and whose ids count up. */
export class TestCtx implements Context {
  now: number;
  clockTrusted = true;
  private seq = 0;
  readonly issuedIds: string[] = [];

  constructor(now = T0) {
    this.now = now;
  }

  newId = (): string => {
    this.seq += 1;
    const id = `id-${this.seq}`;
    this.issuedIds.push(id);
    return id;
  };

  advance(ms: number): this {
    this.now += ms;
    return this;
  }
}

export const numbering = (prefix: string, start: number, end: number, wrap = false): Numbering => ({
  prefix,
  start,
  end,
  wrap,
});

export function counter(id: number, state: Counter['state'], serves: (string | CounterService)[]): Counter {
  return {
    id,
    name: `Quầy ${id}`,
    state,
    officer: state === 'closed' ? null : `officer-${id}`,
    serves: serves.map((s) => (typeof s === 'string' ? { procedureId: s, weight: 1 } : s)),
    currentTicketId: null,
    consecutivePriority: 0,
    freeSince: null,
  };
}

export interface StateOptions {
  settings?: Partial<QueueSettings>;
  /** Replace the default counters. */
  counters?: Counter[];
  /** Numbering of the "Căn cước" field (default 1001–1999, no prefix, no wrap). */
  ccNumbering?: Numbering;
  /** Own numbering of the "Thông báo lưu trú" procedure (default L1–L99). */
  ltNumbering?: Numbering;
}

/**
 * Catalogue:
 * - field `cc` "Căn cước" (1001–1999): procedures `cc-cap`, `cc-doi` (shared series),
 *   `cc-lai` (inactive);
 * - field `ct` "Cư trú" (prefix C, 2001–2999): `ct-tt`, `ct-tamtru`, and `ct-lt` with its
 *   own series (prefix L, 1–99);
 * - field `xnc` "Quản lý xuất nhập cảnh" (inactive) with the active procedure `xnc-hc`.
 * Counters: 1 (cc-cap, cc-doi), 2 (cc-cap, ct-tt), 3 (ct-tt, ct-tamtru, ct-lt) open;
 * 4 (cc-cap) closed.
 */
export function makeState(opts: StateOptions = {}): QueueState {
  const counters = opts.counters ?? [
    counter(1, 'open', ['cc-cap', 'cc-doi']),
    counter(2, 'open', ['cc-cap', 'ct-tt']),
    counter(3, 'open', ['ct-tt', 'ct-tamtru', 'ct-lt']),
    counter(4, 'closed', ['cc-cap']),
  ];
  return {
    serviceDate: DAY,
    settings: { priorityCap: 2, defaultServiceSeconds: 300, recentServiceSamples: 5, ...opts.settings },
    catalogue: {
      fields: [
        {
          id: 'cc',
          name: 'Căn cước',
          numbering: opts.ccNumbering ?? numbering('', 1001, 1999),
          position: 1,
          active: true,
        },
        { id: 'ct', name: 'Cư trú', numbering: numbering('C', 2001, 2999), position: 2, active: true },
        {
          id: 'xnc',
          name: 'Quản lý xuất nhập cảnh',
          numbering: numbering('X', 3001, 3999),
          position: 3,
          active: false,
        },
      ],
      procedures: [
        { id: 'cc-cap', fieldId: 'cc', name: 'Cấp thẻ căn cước', position: 1, active: true },
        { id: 'cc-doi', fieldId: 'cc', name: 'Cấp đổi thẻ căn cước', position: 2, active: true },
        { id: 'cc-lai', fieldId: 'cc', name: 'Cấp lại thẻ căn cước', position: 3, active: false },
        { id: 'ct-tt', fieldId: 'ct', name: 'Đăng ký thường trú', position: 1, active: true },
        { id: 'ct-tamtru', fieldId: 'ct', name: 'Đăng ký tạm trú', position: 2, active: true },
        {
          id: 'ct-lt',
          fieldId: 'ct',
          name: 'Thông báo lưu trú',
          numbering: opts.ltNumbering ?? numbering('L', 1, 99),
          position: 3,
          active: true,
        },
        {
          id: 'xnc-hc',
          fieldId: 'xnc',
          name: 'Cấp hộ chiếu phổ thông ở trong nước',
          position: 1,
          active: true,
        },
      ],
      priorityCategories: [
        { id: 'elderly', name: 'Người cao tuổi' },
        { id: 'pregnant', name: 'Phụ nữ mang thai' },
        { id: 'disability', name: 'Người khuyết tật' },
      ],
    },
    counters: new Map(counters.map((c) => [c.id, c])),
    tickets: new Map(),
    sequences: new Map(),
    recentServiceMs: new Map(),
    leases: new Map(),
    lastSeq: 0,
  };
}

/** Asserts an accepted decision, applies its changes and returns its result. */
export function accept<R>(state: QueueState, decision: Decision<R>): R {
  if (!decision.ok) throw new Error(`expected acceptance, got ${decision.code}: ${decision.message}`);
  applyChanges(state, decision.changes);
  return decision.result;
}

/** Like `accept` but also returns the changes. */
export function acceptWithChanges<R>(
  state: QueueState,
  decision: Decision<R>,
): { result: R; changes: Change[] } {
  if (!decision.ok) throw new Error(`expected acceptance, got ${decision.code}: ${decision.message}`);
  applyChanges(state, decision.changes);
  return { result: decision.result, changes: decision.changes };
}

/** A deep copy to compare the state with after a refusal (Maps included). */
export function snapshot(state: QueueState): QueueState {
  return structuredClone(state);
}

/** The template as a pattern: its fixed text verbatim, each placeholder any text (a prefix may be empty). */
function templatePattern(template: string): RegExp {
  const parts = template.split(/\{\w+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 'u');
}

/** The message a refusal should carry: the current Vietnamese template, filled in. */
export function text(code: keyof typeof refusalText, params: Record<string, string | number> = {}): string {
  return fillText(refusalText[code], params);
}

const VIETNAMESE_LETTER = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;

/**
 * Runs a command that must be refused: checks the code, that the message is the
 * Vietnamese template with every placeholder filled, that no changes come back
 * and that the state is untouched. Returns the refusal for further checks.
 */
export function expectRefusal(
  state: QueueState,
  code: keyof typeof refusalText,
  run: (state: QueueState) => Decision<unknown>,
): Refusal {
  const before = snapshot(state);
  const decision = run(state);
  expect(decision.ok).toBe(false);
  if (decision.ok) throw new Error('unreachable');
  expect(decision.code).toBe(code);
  expect(decision).not.toHaveProperty('changes');
  expect(decision.message.trim().length).toBeGreaterThan(10);
  expect(decision.message).not.toMatch(/\{\w+\}/);
  expect(decision.message).toMatch(VIETNAMESE_LETTER);
  // The message is the template of this very code, every placeholder filled with something.
  expect(decision.message).toMatch(templatePattern(refusalText[code]));
  expect(state).toEqual(before);
  return decision;
}

/** A shorthand used by most tests: a fresh office and clock. */
export function office(opts: StateOptions = {}): { state: QueueState; ctx: TestCtx } {
  return { state: makeState(opts), ctx: new TestCtx() };
}

export function ticketByDisplay(state: QueueState, display: string): Ticket {
  const found = [...state.tickets.values()].filter((t) => t.display === display);
  if (found.length !== 1) throw new Error(`expected one ticket ${display}, found ${found.length}`);
  return found[0]!;
}

export function counterOf(state: QueueState, id: number): Counter {
  const c = state.counters.get(id);
  if (!c) throw new Error(`no counter ${id}`);
  return c;
}

/** Issues a ticket (accepted), then moves the clock one second on so issue times differ. */
export function issue(
  state: QueueState,
  ctx: TestCtx,
  procedureId: string,
  priority: string | null = null,
): Ticket {
  const ticket = accept(state, issueTicket(state, { procedureId, priority }, ctx)).ticket;
  ctx.advance(SECOND);
  return ticket;
}

/** Calls next at a counter (accepted) and returns the called ticket's display. */
export function next(state: QueueState, ctx: TestCtx, counterId: number): string {
  return accept(state, callNext(state, { counterId }, ctx)).ticket.display;
}
