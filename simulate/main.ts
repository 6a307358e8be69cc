// `npm run simulate -- [options]`: whole office days through the real queue
// domain on a virtual clock, in seconds. Prints the figures, writes them as
// JSON and the first day as a chart (PNG).
//
//   --profile <file>        office profile (default: simulate/profiles/default.json)
//   --seed <text>           randomness; the same seed gives the same days (default 1)
//   --days <n>              days to simulate (default 5); figures over all, chart of the first
//   --counters f=N,g=M      what if these fields had N, M counters of their own
//   --plan                  how many counters each field needs to keep 90 % of waits under the target
//   --target <minutes>      the wait target (default: the profile's)
//   --out <dir>             where simulation.json and simulation.png go (default data/simulate)

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { drawDayChart } from './chart.js';
import { simulateDay } from './day.js';
import { type DayFigures, dayFigures, type EstimateFigures } from './metrics.js';
import { loadProfile, type OfficeProfile, ProfileError } from './profile.js';
import { PLAN_LEVEL, planStaffing, type StaffingPlan } from './staffing.js';

class UsageError extends Error {}

/** "can-cuoc=3,cu-tru=2" → { "can-cuoc": 3, "cu-tru": 2 }; every field must be in the profile. */
export function parseCounters(text: string, profile: OfficeProfile): Record<string, number> {
  const out: Record<string, number> = {};
  const known = new Set([...Object.keys(profile.arrivals), ...profile.counters.flatMap((c) => c.fields)]);
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9][a-z0-9-]*)=(\d{1,2})$/.exec(part);
    if (!m) throw new UsageError(`--counters: "${part}" is not field=N (N from 1 to 99)`);
    const [, field, n] = m;
    if (!known.has(field!))
      throw new UsageError(
        `--counters: the profile has no field "${field}" (it has ${[...known].join(', ')})`,
      );
    if (Number(n) < 1) throw new UsageError(`--counters: ${field} needs at least one counter`);
    out[field!] = Number(n);
  }
  if (Object.keys(out).length === 0) throw new UsageError('--counters: give at least one field=N');
  return out;
}

const min = (s: number | null) => (s === null ? '—' : `${(s / 60).toFixed(1)} min`);
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);

function estimateLine(name: string, e: EstimateFigures, target: boolean): string {
  return (
    `  ${name.padEnd(16)} median |error| ${min(e.medianAbsErrorSeconds).padStart(9)}` +
    `  median relative ${pct(e.medianRelativeError).padStart(7)}` +
    `  within max(20 %, 2 min) ${pct(e.withinTolerance).padStart(7)}` +
    `  median error/tolerance ${e.medianErrorOverTolerance?.toFixed(2) ?? '—'}` +
    (target
      ? e.medianErrorOverTolerance !== null && e.medianErrorOverTolerance <= 1
        ? '  (target met)'
        : '  (target missed)'
      : '')
  );
}

export function report(f: DayFigures, profile: OfficeProfile, label: string): string {
  const lines: string[] = [];
  lines.push(`${profile.name} — ${label}, ${f.days} day(s)`);
  const w = f.waits;
  lines.push(
    `Citizens ${w.tickets} (no-shows ${w.noShows}, unserved at closing ${w.unserved}); wait median ${min(w.medianWaitSeconds)}, 90th percentile ${min(w.p90WaitSeconds)}, longest ${min(w.maxWaitSeconds)}`,
  );
  lines.push(`Service level: ${pct(w.serviceLevel)} of citizens called within ${f.targetWaitMinutes} min`);
  lines.push('');
  lines.push('field                 citizens  wait p50   wait p90  ≤ target   own counters  busy');
  for (const [field, x] of Object.entries(f.perField)) {
    lines.push(
      `${field.padEnd(20)} ${String(x.tickets).padStart(9)} ${min(x.medianWaitSeconds).padStart(9)} ${min(x.p90WaitSeconds).padStart(10)} ${pct(x.serviceLevel).padStart(9)} ${String(x.counters).padStart(13)}  ${pct(x.busyShare)}`,
    );
  }
  lines.push('');
  lines.push('counter  fields                                             staffed/day  busy');
  for (const c of f.counters) {
    lines.push(
      `${String(c.id).padStart(7)}  ${c.fields.join(', ').padEnd(50)} ${`${c.staffedHours} h`.padStart(11)}  ${pct(c.busyShare)}`,
    );
  }
  lines.push('');
  lines.push(
    `Wait estimate printed on the ticket vs the real wait (${f.estimate.new.tickets} tickets; target: median error within 20 % of the wait or 2 min):`,
  );
  lines.push(estimateLine('new estimate', f.estimate.new, true));
  if (f.estimate.old) lines.push(estimateLine('former estimate', f.estimate.old, true));
  lines.push(`  the printed range ("khoảng 15–20 phút") held for ${pct(f.estimate.rangeHeld)} of tickets`);
  const a = f.announcements;
  lines.push('');
  lines.push(
    `Announcements: ${a.calls} calls, every one spoken (${a.folded} recalls joined a call still waiting, ${a.shortened} said in a shorter form); lag after the call median ${a.medianLagSeconds ?? '—'} s, 90th percentile ${a.p90LagSeconds ?? '—'} s, longest ${a.maxLagSeconds ?? '—'} s`,
  );
  return lines.join('\n');
}

export function planReport(plan: StaffingPlan): string {
  const lines = [
    `Counters each field needs for ${pct(plan.level)} of waits within ${plan.targetWaitMinutes} min (${plan.days} simulated days, counters of its own):`,
    'field                 counters  (profile)  ≤ target  wait p90   busy',
  ];
  for (const f of plan.fields) {
    lines.push(
      `${f.fieldId.padEnd(20)} ${String(f.counters).padStart(9)} ${`(${f.before})`.padStart(10)} ${pct(f.waits.serviceLevel).padStart(9)} ${min(f.waits.p90WaitSeconds).padStart(9)}  ${pct(f.busyShare)}`,
    );
  }
  lines.push(
    `${plan.fields.reduce((a, f) => a + f.counters, 0)} counters in all; a field busy well under half the day can share a counter with another.`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string' },
      seed: { type: 'string', default: '1' },
      days: { type: 'string', default: '5' },
      counters: { type: 'string' },
      plan: { type: 'boolean', default: false },
      target: { type: 'string' },
      out: { type: 'string', default: 'data/simulate' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run simulate -- [--profile file.json] [--seed 1] [--days 5] [--counters field=N,...] [--plan] [--target minutes] [--out data/simulate]',
    );
    return;
  }
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 365)
    throw new UsageError('--days: a whole number from 1 to 365');
  let profile = await loadProfile(values.profile);
  if (values.target !== undefined) {
    const target = Number(values.target);
    if (!(target > 0 && target <= 600))
      throw new UsageError('--target: minutes, more than 0 and at most 600');
    profile = { ...profile, targetWaitMinutes: target };
  }
  const counters = values.counters ? parseCounters(values.counters, profile) : undefined;
  const out = resolve(values.out);
  await mkdir(out, { recursive: true });
  const started = performance.now();

  if (values.plan) {
    const plan = planStaffing(profile, { days, seed: values.seed });
    console.log(planReport(plan));
    await writeFile(join(out, 'staffing.json'), `${JSON.stringify(plan, null, 2)}\n`);
    console.log(
      `\nWritten: ${join(out, 'staffing.json')} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    return;
  }

  const results = Array.from({ length: days }, (_, i) =>
    simulateDay({
      profile,
      seed: days === 1 ? values.seed : `${values.seed}:${i + 1}`,
      ...(counters ? { counters } : {}),
      compareOldEstimate: true,
    }),
  );
  const figures = dayFigures(results);
  const label = counters
    ? `what if ${Object.entries(counters)
        .map(([f, n]) => `${f} had ${n} counter${n > 1 ? 's' : ''}`)
        .join(', ')}`
    : 'the profile’s counters';
  console.log(report(figures, profile, label));
  const json = join(out, 'simulation.json');
  const png = join(out, 'simulation.png');
  await writeFile(
    json,
    `${JSON.stringify({ profile: profile.name, label, seed: values.seed, counters: counters ?? null, figures, days: results }, null, 1)}\n`,
  );
  await writeFile(png, drawDayChart(results[0]!, figures));
  console.log(`\nWritten: ${json}, ${png} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (figures.waits.serviceLevel !== null && figures.waits.serviceLevel < PLAN_LEVEL) {
    console.log(
      `Fewer than ${PLAN_LEVEL * 100} % within the target: --plan tells how many counters each field needs.`,
    );
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  // Piped into head or less that quit: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  main().catch((error: unknown) => {
    if (error instanceof UsageError || error instanceof ProfileError) console.error(error.message);
    else console.error(error);
    process.exit(1);
  });
}
