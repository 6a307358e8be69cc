// An office profile: what a day at the one-stop office looks like, for the
// day simulator (`npm run simulate`) and the demo's pace. Citizens arriving
// per hour per field, how long each procedure keeps a counter, how long a
// called citizen takes to reach the desk, how many never come, the share of
// priority citizens, which counters serve which fields and when officers sit
// at them, and how long the speaker takes per call. The default profile
// (profiles/default.json) is a plausible provincial office of ~600 citizens
// a day; an office exports its own from its history (GET /api/reports/profile).

import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');
const seconds = z
  .number()
  .positive()
  .max(24 * 3600);

/** A duration as people describe one: the usual (median) and a long one (90th percentile). */
export const spread = z
  .strictObject({ medianSeconds: seconds, p90Seconds: seconds })
  .refine((d) => d.p90Seconds >= d.medianSeconds, { error: 'p90Seconds must be at least medianSeconds' });
export type Spread = z.infer<typeof spread>;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a catalogue id');
const hour = z.string().regex(/^([01]\d|2[0-3])$/, 'expected an hour "07".."17"');

export const officeProfileSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1).max(200),
  /** Where the figures come from (the default's assumptions, or the office and dates exported). */
  source: z.string().max(500).optional(),
  /** Opening periods of the day, office time. The kiosk issues only while open. */
  open: z
    .array(z.strictObject({ from: clock, to: clock }))
    .min(1)
    .max(6),
  /** The service level's target: a wait longer than this misses it (the reports' target). */
  targetWaitMinutes: z.number().positive().max(600),
  /** Citizens arriving per hour of the day ("08": 40 = 40 between 08:00 and 09:00), per field. */
  arrivals: z.record(id, z.record(hour, z.number().nonnegative().max(10_000))),
  /** Share of each procedure within its field's arrivals (normalised); absent: all equal. */
  procedureMix: z.record(id, z.record(id, z.number().nonnegative())).default({}),
  /** Time from the service's start to its end, per procedure (or per field as a fallback). */
  service: z.record(id, spread),
  /** From the call to the citizen at the desk. */
  walkUp: spread,
  /** Share of called citizens who never come; the officer recalls, then marks them absent. */
  noShow: z.strictObject({
    share: z.number().min(0).max(0.9),
    recallAfterSeconds: seconds,
    giveUpAfterSeconds: seconds,
  }),
  /** Share of citizens with a priority (the elderly, pregnant women, people with disabilities…). */
  priorityShare: z.number().min(0).max(1),
  /** Between finishing one citizen and calling the next (papers, a word with a colleague). */
  officerGap: spread,
  /**
   * At the end of a shift an officer still calls the citizens waiting for
   * the counter, for at most this long; then leaves (the counter closes).
   */
  overtimeMinutes: z.number().min(0).max(240).default(30),
  /** The counters and when an officer sits at each (office time; outside these, the counter is closed). */
  counters: z
    .array(
      z.strictObject({
        id: z.number().int().min(1).max(999),
        fields: z.array(id).min(1),
        shifts: z.array(z.strictObject({ from: clock, to: clock })).min(1),
      }),
    )
    .min(1),
  /** How long the speaker takes per call: the full sentence, and the short form it uses when behind. */
  announcement: z.strictObject({
    fullSeconds: seconds,
    shortSeconds: seconds,
  }),
});

export type OfficeProfile = z.output<typeof officeProfileSchema>;

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

/** Minutes since midnight of "HH:MM". */
export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Check a parsed profile for what the schema cannot see; throws a ProfileError naming the problem. */
export function checkProfile(profile: OfficeProfile, where = 'profile'): OfficeProfile {
  const problems: string[] = [];
  for (const p of [...profile.open, ...profile.counters.flatMap((c) => c.shifts)]) {
    if (minutesOf(p.from) >= minutesOf(p.to)) problems.push(`${p.from}–${p.to} ends before it starts`);
  }
  const ids = profile.counters.map((c) => c.id);
  if (new Set(ids).size !== ids.length) problems.push('a counter id is listed twice');
  const served = new Set(profile.counters.flatMap((c) => c.fields));
  for (const field of Object.keys(profile.arrivals)) {
    if (!served.has(field)) problems.push(`field ${field} has arrivals but no counter serves it`);
  }
  if (problems.length) throw new ProfileError(`${where}: ${problems.join('; ')}`);
  return profile;
}

/** Parse profile JSON text; a ProfileError names the file and every bad field. */
export function parseProfile(text: string, where = 'profile'): OfficeProfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = officeProfileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(profile)'}: ${i.message}`);
    throw new ProfileError(`${where}: ${issues.join('; ')}`);
  }
  return checkProfile(parsed.data, where);
}

export const DEFAULT_PROFILE_URL = new URL('./profiles/default.json', import.meta.url);

export async function loadProfile(path?: string): Promise<OfficeProfile> {
  const file = path ?? DEFAULT_PROFILE_URL;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ProfileError(
      `cannot read ${String(path ?? 'the default profile')}: ${(error as Error).message}`,
    );
  }
  return parseProfile(text, String(path ?? 'profiles/default.json'));
}
