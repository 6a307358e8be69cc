// How the speaker keeps up when calls come faster than it can say them. Every
// call is spoken, in order; when the line of calls would make a citizen wait
// too long for theirs, the next one is said in a shorter form:
//   full  — chime, "Xin mời công dân có số thứ tự 1023 đến quầy số 3", repeated as set;
//   brief — the same sentence once, no chime;
//   short — "Mời số 1023, quầy 3".
// The richest form is chosen that still lets every waiting call start within
// the lag limit, supposing the ones after it are said short. A recall (or
// any new call) for a ticket whose call is still waiting joins that call
// instead of queueing a second one. Pure, so the day simulator paces its
// simulated speaker with the very same rules.

export type Form = 'full' | 'brief' | 'short';
/** Longest first. */
export const FORMS: readonly Form[] = ['full', 'brief', 'short'];

export interface Paced {
  /** When the hub made the call (ms, on the speaker's clock). */
  at: number;
  /** How long each form takes (ms); a form the clip pack cannot say is left out. */
  durations: Partial<Record<Form, number>>;
}

/** The shortest form a call can be said in, and how long it takes. */
function shortest(call: Paced): number {
  let best = Number.POSITIVE_INFINITY;
  for (const f of FORMS) {
    const d = call.durations[f];
    if (d !== undefined && d < best) best = d;
  }
  return Number.isFinite(best) ? best : 0;
}

/**
 * The form to say `pending[0]` in, starting `now`: the longest one that
 * keeps every later waiting call's start within `maxLagMs` of its call, with
 * those said in their shortest form (and not the full one when it is late
 * itself). When none can, the shortest.
 */
export function chooseForm(pending: readonly Paced[], now: number, maxLagMs: number): Form {
  const next = pending[0];
  if (!next) return 'full';
  const available = FORMS.filter((f) => next.durations[f] !== undefined);
  if (available.length === 0) return 'full';
  // A call that is itself late shows the speaker is behind: no chime, no repeat.
  const late = now - next.at > maxLagMs;
  for (const form of available) {
    if (late && form === 'full' && available.length > 1) continue;
    let start = now + next.durations[form]!;
    let fits = true;
    for (let i = 1; i < pending.length; i++) {
      const call = pending[i]!;
      if (start - call.at > maxLagMs) {
        fits = false;
        break;
      }
      start += shortest(call);
    }
    if (fits) return form;
  }
  return available[available.length - 1]!;
}

/** The index of a waiting call this new call joins (same ticket), or -1. */
export function foldTarget<T extends { ticketId: string }>(
  pending: readonly T[],
  call: { ticketId: string },
): number {
  return pending.findIndex((p) => p.ticketId === call.ticketId);
}
