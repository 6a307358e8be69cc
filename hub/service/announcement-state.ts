// Was a counter's current call heard? From the speakers' reports of the
// ticket's last call there: played (by any speaker, or said together with
// another call of the ticket), not said (too old after an outage, an audio
// fault, the speaker stopping; a counter outside a speaker's zone is that
// speaker's business, not a failure), no report yet, or no speaker connected
// at all. The officer's console shows the last three with a recall button.

import type { QueueStore } from '../store/queue-store.js';

export type AnnouncementProblem = 'late' | 'audio' | 'stopped' | 'other';

export interface AnnouncementState {
  callId: string;
  /** When the call was made (hub time). */
  at: number;
  state: 'played' | 'pending' | 'not_said' | 'no_speaker';
  /** Why it was not said. */
  problem?: AnnouncementProblem;
  /** The speaker's own words (English, for a technician). */
  detail?: string;
}

const OUTSIDE_ZONE = /^counter \d+ is outside this speaker's zone/;

export function problemOf(skipped: string): AnnouncementProblem {
  if (skipped.startsWith('too old')) return 'late';
  if (skipped.startsWith('audio fault')) return 'audio';
  if (skipped.startsWith('the speaker program stopped')) return 'stopped';
  return 'other';
}

export function announcementState(
  store: QueueStore,
  ticketId: string,
  counterId: number,
  speakersOnline: number,
): AnnouncementState | null {
  const call = store.lastCall(ticketId, counterId);
  if (!call) return null;
  const base = { callId: call.callId, at: call.at };
  if (call.playbacks.some((p) => p.skipped === null)) return { ...base, state: 'played' };
  const failed = call.playbacks.find((p) => p.skipped !== null && !OUTSIDE_ZONE.test(p.skipped));
  if (failed?.skipped) {
    return { ...base, state: 'not_said', problem: problemOf(failed.skipped), detail: failed.skipped };
  }
  return { ...base, state: speakersOnline > 0 ? 'pending' : 'no_speaker' };
}
