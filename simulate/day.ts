// One office day through the real queue domain (hub/queue), on a virtual
// clock: citizens arrive and take tickets (issueTicket, with the estimate the
// ticket would print), officers take their counters at the start of their
// shifts, call (callNext), wait for the citizen to walk up, recall, start,
// finish or mark absent, and leave; every call goes to a simulated speaker
// paced by the speaker's own rules (edge/speaker/pacing.ts). Pure and seeded:
// the same profile and seed give the same day, in a fraction of a second.

import { chooseForm, type Form, foldTarget, type Paced } from '../edge/speaker/pacing.js';
import { defaultCatalogue, defaultQueueSettings } from '../hub/defaults/catalogue.js';
import { applyChanges } from '../hub/queue/apply.js';
import {
  callNext,
  finishService,
  issueTicket,
  markNoShow,
  recall,
  startService,
} from '../hub/queue/commands.js';
import { leaveCounter, takeCounter } from '../hub/queue/counters.js';
import { DayTickets } from '../hub/queue/day-tickets.js';
import type { Catalogue, Context, Counter, Decision, QueueState } from '../hub/queue/types.js';
import { oldEstimateSeconds } from './old-estimate.js';
import { minutesOf, type OfficeProfile, ProfileError, type Spread } from './profile.js';
import { Random } from './random.js';

const MINUTE = 60_000;
/** The speaker's lag limit (edge/speaker: hardware.maxLagSeconds' default). */
export const SPEAKER_MAX_LAG_MS = 12_000;

export interface DayOptions {
  profile: OfficeProfile;
  seed: number | string;
  /** What if: these fields get this many counters of their own (taken from the others' lists). */
  counters?: Record<string, number>;
  /** Service date simulated (only names it). */
  date?: string;
  /** Also compute the former estimate at each issue (a little slower). */
  compareOldEstimate?: boolean;
  /** Start→finish samples the former estimate averaged (the hub kept 20). */
  oldSamples?: number;
}

export interface TicketRecord {
  id: string;
  display: string;
  fieldId: string;
  procedureId: string;
  priority: boolean;
  /** Seconds since the office's midnight. */
  issuedAt: number;
  /** What the ticket printed (seconds); null: no counter could call it then. */
  estimate: { seconds: number; low: number; high: number } | null;
  /** What the former estimate would have printed. */
  oldEstimate: number | null;
  /** First call (seconds since midnight); null if never called. */
  calledAt: number | null;
  /** Issue → first call, seconds. */
  waitSeconds: number | null;
  outcome: 'done' | 'no_show' | 'unserved';
  counterId: number | null;
}

export interface CallRecord {
  /** Seconds since midnight. */
  at: number;
  ticketId: string;
  counterId: number;
  recall: boolean;
  /** When the simulated speaker started saying it (seconds since midnight), and how. */
  spokenAt: number;
  form: Form | 'folded';
}

export interface CounterRecord {
  id: number;
  fields: string[];
  /** Seconds per hour of the day (index = hour) the counter was staffed / busy with a citizen. */
  staffed: number[];
  busy: number[];
}

export interface DayResult {
  date: string;
  seed: string;
  profile: string;
  targetWaitMinutes: number;
  counters: CounterRecord[];
  tickets: TicketRecord[];
  calls: CallRecord[];
  /** Every 5 minutes: waiting tickets, and counters ready to call. */
  series: { at: number; waiting: number; ready: number }[];
}

// ---------------------------------------------------------------- set-up

/** The fields of the profile with their procedures: the default catalogue's, or the profile's own ids. */
function buildCatalogue(profile: OfficeProfile): Catalogue {
  const defaults = defaultCatalogue();
  const fieldIds = [
    ...new Set([...Object.keys(profile.arrivals), ...profile.counters.flatMap((c) => c.fields)]),
  ];
  const catalogue: Catalogue = {
    fields: [],
    procedures: [],
    priorityCategories: defaults.priorityCategories,
  };
  fieldIds.forEach((fieldId, i) => {
    const known = defaults.fields.find((f) => f.id === fieldId);
    catalogue.fields.push(
      known ?? {
        id: fieldId,
        name: fieldId,
        numbering: { prefix: '', start: 1, end: 9999, wrap: true },
        position: 100 + i,
        active: true,
      },
    );
    const mixed = Object.keys(profile.procedureMix[fieldId] ?? {});
    const ids = mixed.length
      ? mixed
      : defaults.procedures.filter((p) => p.fieldId === fieldId).map((p) => p.id);
    (ids.length ? ids : [fieldId]).forEach((id, j) => {
      catalogue.procedures.push(
        defaults.procedures.find((p) => p.id === id && p.fieldId === fieldId) ?? {
          id,
          fieldId,
          name: id,
          position: j + 1,
          active: true,
        },
      );
    });
  });
  return catalogue;
}

interface DeskPlan {
  id: number;
  fields: string[];
  shifts: { from: number; to: number }[];
}

/** The profile's counters, or for a what-if the given fields on counters of their own. */
export function deskPlan(profile: OfficeProfile, override?: Record<string, number>): DeskPlan[] {
  const shiftsOf = (s: { from: string; to: string }[]) =>
    s.map((p) => ({ from: minutesOf(p.from), to: minutesOf(p.to) }));
  if (!override)
    return profile.counters.map((c) => ({ id: c.id, fields: c.fields, shifts: shiftsOf(c.shifts) }));
  const planned = new Set(Object.keys(override));
  const desks: DeskPlan[] = [];
  for (const c of profile.counters) {
    const fields = c.fields.filter((f) => !planned.has(f));
    if (fields.length) desks.push({ id: c.id, fields, shifts: shiftsOf(c.shifts) });
  }
  let id = Math.max(0, ...desks.map((d) => d.id));
  for (const [field, n] of Object.entries(override)) {
    // Officers there keep the hours of the counters that served the field, or the opening hours.
    const like = profile.counters.find((c) => c.fields.includes(field));
    const shifts = shiftsOf(like ? like.shifts : profile.open);
    for (let i = 0; i < n; i++) desks.push({ id: ++id, fields: [field], shifts });
  }
  return desks;
}

function serviceSpread(profile: OfficeProfile, procedureId: string, fieldId: string): Spread {
  const s = profile.service[procedureId] ?? profile.service[fieldId];
  if (!s)
    throw new ProfileError(
      `profile: no service time for procedure ${procedureId} (nor for its field ${fieldId})`,
    );
  return s;
}

// ---------------------------------------------------------------- events

type Event =
  | { kind: 'arrive'; fieldId: string }
  | { kind: 'shiftStart'; desk: Desk; shift: number }
  | { kind: 'shiftEnd'; desk: Desk }
  | { kind: 'call'; desk: Desk }
  | { kind: 'walkUp'; desk: Desk; ticketId: string }
  | { kind: 'recall'; desk: Desk; ticketId: string }
  | { kind: 'giveUp'; desk: Desk; ticketId: string }
  | { kind: 'finish'; desk: Desk; ticketId: string }
  | { kind: 'sample' };

interface Desk {
  plan: DeskPlan;
  officer: string;
  phase: 'off' | 'idle' | 'gap' | 'called' | 'serving';
  /** Set at the end of a shift: the officer leaves once the line is empty or this time passes. */
  leaveBy: number | null;
  busySince: number | null;
  staffedSince: number | null;
}

/** A binary heap of events by time, then by insertion (same time: first scheduled first). */
class Agenda {
  private readonly heap: { at: number; seq: number; event: Event }[] = [];
  private seq = 0;

  push(at: number, event: Event): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, event });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): { at: number; event: Event } | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
const before = (a: { at: number; seq: number }, b: { at: number; seq: number }) =>
  a.at < b.at || (a.at === b.at && a.seq < b.seq);

// ---------------------------------------------------------------- the day

/** Midnight of the office's day (Asia/Ho_Chi_Minh, UTC+7) as epoch ms. */
function midnight(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) - 7 * 3600_000;
}

export function simulateDay(options: DayOptions): DayResult {
  const { profile } = options;
  const date = options.date ?? '2025-10-01';
  const seed = String(options.seed);
  const root = new Random(seed);
  const arrivalsRng = root.fork('arrivals');
  const citizenRng = root.fork('citizens');
  const serviceRng = root.fork('services');
  const officerRng = root.fork('officers');
  const day0 = midnight(date);
  const at = (minutes: number) => day0 + minutes * MINUTE;
  const secondsOfDay = (ms: number) => Math.round((ms - day0) / 1000);

  const catalogue = buildCatalogue(profile);
  const plans = deskPlan(profile, options.counters);
  const counters = new Map<number, Counter>(
    plans.map((p) => [
      p.id,
      {
        id: p.id,
        name: `Quầy ${p.id}`,
        state: 'closed',
        officer: null,
        serves: catalogue.procedures
          .filter((proc) => p.fields.includes(proc.fieldId))
          .map((proc) => ({ procedureId: proc.id, weight: 1 })),
        currentTicketId: null,
        consecutivePriority: 0,
        freeSince: null,
      },
    ]),
  );
  const state: QueueState = {
    serviceDate: date,
    settings: { ...defaultQueueSettings },
    catalogue,
    counters,
    tickets: new DayTickets(),
    sequences: new Map(),
    recentServiceMs: new Map(),
    leases: new Map(),
    lastSeq: 0,
  };
  let now = at(0);
  let idSeq = 0;
  const ctx = (): Context => ({ now, newId: () => `s${++idSeq}`, clockTrusted: true });
  const run = <R>(decide: (s: QueueState, c: Context) => Decision<R>): R | null => {
    const d = decide(state, ctx());
    if (!d.ok) return null;
    applyChanges(state, d.changes);
    return d.result;
  };

  const agenda = new Agenda();
  const desks: Desk[] = plans.map((plan) => ({
    plan,
    officer: `canbo-${plan.id}`,
    phase: 'off',
    leaveBy: null,
    busySince: null,
    staffedSince: null,
  }));
  const records: CounterRecord[] = plans.map((p) => ({
    id: p.id,
    fields: p.fields,
    staffed: new Array<number>(24).fill(0),
    busy: new Array<number>(24).fill(0),
  }));
  const recordOf = new Map(records.map((r) => [r.id, r]));
  /** Adds [from, to) to per-hour seconds. */
  const addHours = (hours: number[], from: number, to: number) => {
    for (let t = from; t < to; ) {
      const hour = Math.floor((t - day0) / 3600_000);
      const end = Math.min(to, day0 + (hour + 1) * 3600_000);
      if (hour >= 0 && hour < 24) hours[hour]! += (end - t) / 1000;
      t = end;
    }
  };

  // Arrivals: a Poisson stream per field and hour, spread over the open minutes of that hour.
  const openSpans = profile.open.map((p) => [minutesOf(p.from), minutesOf(p.to)] as const);
  for (const [fieldId, perHour] of Object.entries(profile.arrivals)) {
    for (const [hourText, count] of Object.entries(perHour)) {
      const hour = Number(hourText);
      const spans = openSpans
        .map(([a, b]) => [Math.max(a, hour * 60), Math.min(b, hour * 60 + 60)] as const)
        .filter(([a, b]) => b > a);
      const openMinutes = spans.reduce((s, [a, b]) => s + b - a, 0);
      if (openMinutes === 0 || count <= 0) continue;
      const mean = openMinutes / count; // minutes between arrivals
      let offset = arrivalsRng.exponential(mean);
      while (offset < openMinutes) {
        let rest = offset;
        for (const [a, b] of spans) {
          if (rest < b - a) {
            agenda.push(at(a + rest), { kind: 'arrive', fieldId });
            break;
          }
          rest -= b - a;
        }
        offset += arrivalsRng.exponential(mean);
      }
    }
  }
  for (const desk of desks) {
    desk.plan.shifts.forEach((s, i) => {
      agenda.push(at(s.from), { kind: 'shiftStart', desk, shift: i });
      agenda.push(at(s.to), { kind: 'shiftEnd', desk });
    });
  }
  const lastClose = Math.max(
    ...openSpans.map(([, b]) => b),
    ...plans.flatMap((p) => p.shifts.map((s) => s.to)),
  );
  const firstOpen = Math.min(
    ...openSpans.map(([a]) => a),
    ...plans.flatMap((p) => p.shifts.map((s) => s.from)),
  );
  for (let m = Math.floor(firstOpen / 5) * 5; m <= lastClose + profile.overtimeMinutes + 5; m += 5) {
    agenda.push(at(m), { kind: 'sample' });
  }

  const tickets = new Map<string, TicketRecord>();
  const noShows = new Set<string>();
  const calls: { at: number; ticketId: string; counterId: number; recall: boolean; number: number }[] = [];
  const series: DayResult['series'] = [];
  const startFinish = new Map<string, number[]>();
  const oldSamples = options.oldSamples ?? defaultQueueSettings.recentServiceSamples;

  const gap = () => officerRng.duration(profile.officerGap) * 1000;

  const leave = (desk: Desk) => {
    run((s, c) => leaveCounter(s, { counterId: desk.plan.id, officer: desk.officer }, c));
    if (desk.staffedSince !== null) addHours(recordOf.get(desk.plan.id)!.staffed, desk.staffedSince, now);
    desk.staffedSince = null;
    desk.phase = 'off';
    desk.leaveBy = null;
  };
  const endBusy = (desk: Desk) => {
    if (desk.busySince !== null) addHours(recordOf.get(desk.plan.id)!.busy, desk.busySince, now);
    desk.busySince = null;
  };
  const nextCallSoon = (desk: Desk) => {
    desk.phase = 'gap';
    agenda.push(now + gap(), { kind: 'call', desk });
  };

  const handle = (event: Event) => {
    switch (event.kind) {
      case 'arrive': {
        const { fieldId } = event;
        const mix = profile.procedureMix[fieldId];
        const procedures = catalogue.procedures.filter((p) => p.fieldId === fieldId).map((p) => p.id);
        const procedureId =
          mix && Object.keys(mix).length
            ? citizenRng.pick(mix)
            : procedures[Math.floor(citizenRng.next() * procedures.length)]!;
        const priority = citizenRng.chance(profile.priorityShare)
          ? catalogue.priorityCategories[Math.floor(citizenRng.next() * catalogue.priorityCategories.length)]!
              .id
          : null;
        const absent = citizenRng.chance(profile.noShow.share);
        const d = issueTicket(state, { procedureId, priority }, ctx());
        if (!d.ok) throw new Error(`simulated kiosk refused: ${d.message}`);
        const { ticket, estimate } = d.result;
        const old = options.compareOldEstimate ? oldEstimateSeconds(state, ticket, startFinish) : null;
        applyChanges(state, d.changes);
        if (absent) noShows.add(ticket.id);
        tickets.set(ticket.id, {
          id: ticket.id,
          display: ticket.display,
          fieldId,
          procedureId,
          priority: priority !== null,
          issuedAt: secondsOfDay(now),
          estimate:
            estimate.waitSeconds === null
              ? null
              : { seconds: estimate.waitSeconds, low: estimate.lowSeconds!, high: estimate.highSeconds! },
          oldEstimate: old,
          calledAt: null,
          waitSeconds: null,
          outcome: 'unserved',
          counterId: null,
        });
        // Officers with nobody at their desk notice the new ticket after a moment.
        for (const desk of desks) {
          if (desk.phase !== 'idle') continue;
          const counter = state.counters.get(desk.plan.id)!;
          if (counter.serves.some((s) => s.procedureId === procedureId)) nextCallSoon(desk);
        }
        break;
      }
      case 'shiftStart': {
        const { desk } = event;
        run((s, c) => takeCounter(s, { counterId: desk.plan.id, officer: desk.officer }, c));
        desk.staffedSince ??= now;
        desk.leaveBy = null;
        if (desk.phase === 'off') {
          desk.phase = 'idle';
          agenda.push(now, { kind: 'call', desk });
        }
        break;
      }
      case 'shiftEnd': {
        const { desk } = event;
        desk.leaveBy = now + profile.overtimeMinutes * MINUTE;
        if (desk.phase === 'idle') leave(desk);
        break;
      }
      case 'call': {
        const { desk } = event;
        if (desk.phase !== 'idle' && desk.phase !== 'gap') break;
        desk.phase = 'idle';
        if (desk.leaveBy !== null && now >= desk.leaveBy) {
          leave(desk);
          break;
        }
        const called = run((s, c) => callNext(s, { counterId: desk.plan.id }, c));
        if (!called) {
          if (desk.leaveBy !== null) leave(desk); // nobody left for this counter: the day (or morning) is over here
          break; // idle until a ticket it serves arrives
        }
        const { ticket, call } = called;
        calls.push({
          at: now,
          ticketId: ticket.id,
          counterId: desk.plan.id,
          recall: false,
          number: call.number,
        });
        const record = tickets.get(ticket.id)!;
        if (record.calledAt === null) {
          record.calledAt = secondsOfDay(now);
          record.waitSeconds = record.calledAt - record.issuedAt;
        }
        record.counterId = desk.plan.id;
        desk.phase = 'called';
        desk.busySince = now;
        const recallAt = now + profile.noShow.recallAfterSeconds * 1000;
        if (noShows.has(ticket.id)) {
          agenda.push(recallAt, { kind: 'recall', desk, ticketId: ticket.id });
          agenda.push(now + profile.noShow.giveUpAfterSeconds * 1000, {
            kind: 'giveUp',
            desk,
            ticketId: ticket.id,
          });
        } else {
          const walk = citizenRng.duration(profile.walkUp) * 1000;
          if (walk > profile.noShow.recallAfterSeconds * 1000) {
            agenda.push(recallAt, { kind: 'recall', desk, ticketId: ticket.id });
          }
          agenda.push(now + walk, { kind: 'walkUp', desk, ticketId: ticket.id });
        }
        break;
      }
      case 'recall': {
        const t = state.tickets.get(event.ticketId);
        if (t?.status !== 'called' || t.counterId !== event.desk.plan.id) break;
        const r = run((s, c) => recall(s, { counterId: event.desk.plan.id }, c));
        if (r)
          calls.push({ at: now, ticketId: t.id, counterId: t.counterId, recall: true, number: t.number });
        break;
      }
      case 'walkUp': {
        const { desk } = event;
        const t = state.tickets.get(event.ticketId);
        if (t?.status !== 'called' || t.counterId !== desk.plan.id) break;
        const started = run((s, c) => startService(s, { counterId: desk.plan.id }, c));
        if (!started) break;
        desk.phase = 'serving';
        const seconds = serviceRng.duration(serviceSpread(profile, t.procedureId, t.fieldId));
        agenda.push(now + seconds * 1000, { kind: 'finish', desk, ticketId: t.id });
        break;
      }
      case 'giveUp': {
        const { desk } = event;
        const t = state.tickets.get(event.ticketId);
        if (t?.status !== 'called' || t.counterId !== desk.plan.id) break;
        if (!run((s, c) => markNoShow(s, { counterId: desk.plan.id }, c))) break;
        tickets.get(t.id)!.outcome = 'no_show';
        endBusy(desk);
        nextCallSoon(desk);
        break;
      }
      case 'finish': {
        const { desk } = event;
        const t = state.tickets.get(event.ticketId);
        if (t?.status !== 'serving') break;
        const done = run((s, c) => finishService(s, { counterId: desk.plan.id }, c));
        if (!done) break;
        tickets.get(t.id)!.outcome = 'done';
        const list = startFinish.get(t.procedureId) ?? [];
        list.push(now - (t.serviceStartedAt ?? now));
        while (list.length > oldSamples) list.shift();
        startFinish.set(t.procedureId, list);
        endBusy(desk);
        nextCallSoon(desk);
        break;
      }
      case 'sample': {
        let waiting = 0;
        for (const t of state.tickets.values()) if (t.status === 'waiting') waiting++;
        let ready = 0;
        for (const c of state.counters.values()) if (c.state === 'open' && c.officer !== null) ready++;
        series.push({ at: secondsOfDay(now), waiting, ready });
        break;
      }
    }
  };

  for (let next = agenda.pop(); next; next = agenda.pop()) {
    now = next.at;
    handle(next.event);
  }
  for (const desk of desks) if (desk.phase !== 'off') leave(desk);

  return {
    date,
    seed,
    profile: profile.name,
    targetWaitMinutes: profile.targetWaitMinutes,
    counters: records,
    tickets: [...tickets.values()],
    calls: speak(calls, profile, day0),
    series,
  };
}

// ---------------------------------------------------------------- the speaker

/**
 * The calls as a speaker with the pacing rules would say them: one at a
 * time, in order; a call for a ticket still waiting to be said joins it;
 * each form takes the profile's time (brief: the full one less the chime).
 */
function speak(
  made: { at: number; ticketId: string; counterId: number; recall: boolean; number: number }[],
  profile: OfficeProfile,
  day0: number,
): CallRecord[] {
  const full = profile.announcement.fullSeconds * 1000;
  const short = profile.announcement.shortSeconds * 1000;
  const durations = { full, brief: Math.max(short, full - 1200), short };
  const out: CallRecord[] = [];
  const s = (ms: number) => Math.round((ms - day0) / 1000);
  type Waiting = Paced & { ticketId: string; records: CallRecord[] };
  const pending: Waiting[] = [];
  let free = Number.NEGATIVE_INFINITY;
  let i = 0;
  while (i < made.length || pending.length) {
    // Everything called before the speaker is free again is waiting by then.
    const start = pending.length ? Math.max(free, pending[0]!.at) : Math.max(free, made[i]!.at);
    while (i < made.length && made[i]!.at <= start) {
      const c = made[i++]!;
      const record: CallRecord = {
        at: s(c.at),
        ticketId: c.ticketId,
        counterId: c.counterId,
        recall: c.recall,
        spokenAt: 0,
        form: 'folded',
      };
      out.push(record);
      const k = foldTarget(pending, c);
      if (k >= 0) pending[k]!.records.push(record);
      else pending.push({ at: c.at, durations, ticketId: c.ticketId, records: [record] });
    }
    const next = pending[0];
    if (!next) continue;
    const form = chooseForm(pending, start, SPEAKER_MAX_LAG_MS);
    pending.shift();
    next.records.forEach((r, j) => {
      r.spokenAt = s(start);
      if (j === 0) r.form = form;
    });
    free = start + durations[form];
  }
  return out;
}
