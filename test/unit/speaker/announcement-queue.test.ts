import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AnnouncementQueue, type PlaybackReport } from '../../../edge/speaker/announcement-queue.js';
import { AudioError, type Player } from '../../../edge/speaker/aplay.js';
import { CLIP_CATALOGUE } from '../../../edge/speaker/clip-pack.js';
import {
  type ClipSource,
  composeWav,
  DEFAULT_ANNOUNCEMENT_SETTINGS,
  MissingClipError,
  planAnnouncement,
  planDurationMs,
} from '../../../edge/speaker/composer.js';
import { parseWav, wavDurationSeconds } from '../../../edge/speaker/wav.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import type { Announcement } from '../../../shared/protocol/messages.js';
import { syntheticSamples } from '../../helpers/clips.js';
import { until } from '../../helpers/wait.js';

const RATE = 8000;
const clipSamples = new Map(CLIP_CATALOGUE.map((c, i) => [c.id, syntheticSamples(i, RATE)]));
const pack = (without: string[] = []): ClipSource => ({
  sampleRate: RATE,
  samples: (id) => (without.includes(id) ? undefined : clipSamples.get(id)),
});

/** A loudspeaker at the player interface: records when each WAV played, taking 1/10 of its length. */
function fakePlayer(fail?: (name: string) => string | null) {
  const played: { name: string; start: number; end: number; seconds: number }[] = [];
  let playing = 0;
  let overlaps = 0;
  const player: Player = {
    async play(wav, name) {
      if (playing++) overlaps++;
      try {
        const start = Date.now();
        const problem = fail?.(name);
        if (problem) throw new AudioError(problem);
        const seconds = wavDurationSeconds(parseWav(wav));
        await sleep((seconds * 1000) / 10);
        const end = Date.now();
        played.push({ name, start, end, seconds });
        return { startedAt: start, endedAt: end };
      } finally {
        playing--;
      }
    },
  };
  return { player, played, overlaps: () => overlaps, playing: () => playing > 0 };
}

/** The first call is playing (its WAV is at the loudspeaker): a condition, not a few milliseconds. */
const playingNow = (fake: { playing: () => boolean }) => until('a call playing', () => fake.playing());

function setup(
  options: {
    zone?: number[];
    maxAgeMs?: number;
    without?: string[];
    fail?: (name: string) => string | null;
    now?: () => number;
  } = {},
) {
  const fake = fakePlayer(options.fail);
  const reports: PlaybackReport[] = [];
  const faults: (string | null)[] = [];
  const logs = memorySink();
  const settings = DEFAULT_ANNOUNCEMENT_SETTINGS;
  const source = pack(options.without);
  const queue = new AnnouncementQueue({
    // What the program does: compose, then play.
    announce: (a) =>
      fake.player.play(composeWav(planAnnouncement(a, settings), source), `${a.display}-q${a.counterId}`),
    report: (r) => reports.push(r),
    zone: options.zone ?? [],
    maxAgeMs: options.maxAgeMs ?? 120_000,
    log: createLogger('speaker', { sink: logs, timestamps: false, level: 'debug' }),
    onFault: (f) => faults.push(f),
    memory: 5,
    ...(options.now ? { now: options.now } : {}),
  });
  return { queue, reports, faults, logs, ...fake };
}

let n = 0;
function call(number: number, counterId: number, extra: Partial<Announcement> = {}): Announcement {
  n++;
  return {
    v: 1,
    callId: `call-${n}`,
    ticketId: `t-${number}`,
    display: String(number),
    number,
    prefix: '',
    counterId,
    counterName: `Quầy ${counterId}`,
    recall: false,
    at: Date.now(),
    ...extra,
  };
}

describe('announcement queue', () => {
  it('three calls arriving together play in the hub order, one at a time, each reported', async () => {
    const t = setup();
    const now = Date.now();
    const a = call(1001, 1, { at: now - 30 });
    const b = call(1002, 2, { at: now - 20 });
    const c = call(2001, 3, { at: now - 10 });
    // Delivered out of order (a resend after a reconnect): the hub's time decides.
    for (const x of [b, c, a]) expect(t.queue.push(x)).toBe('queued');
    await t.queue.idle();
    expect(t.played.map((p) => p.name)).toEqual(['1001-q1', '1002-q2', '2001-q3']);
    expect(t.overlaps()).toBe(0);
    for (let i = 1; i < t.played.length; i++)
      expect(t.played[i]!.start).toBeGreaterThanOrEqual(t.played[i - 1]!.end);
    // Each announcement is several seconds of audio (chime, phrase, number, counter).
    for (const p of t.played) expect(p.seconds).toBeGreaterThan(1);
    expect(t.reports.map((r) => r.callId)).toEqual([a.callId, b.callId, c.callId]);
    t.reports.forEach((r, i) => {
      expect(r.skipped).toBeUndefined();
      expect(r.startedAt).toBe(t.played[i]!.start);
      expect(r.endedAt).toBe(t.played[i]!.end);
    });
  });

  it('equal hub times keep their arrival order; a later-arriving earlier call goes before waiting ones', async () => {
    const t = setup();
    const at = Date.now();
    const first = call(1, 1, { at });
    const second = call(2, 1, { at });
    const third = call(3, 1, { at: at + 5 });
    t.queue.push(first);
    await playingNow(t);
    t.queue.push(third);
    t.queue.push(second);
    await t.queue.idle();
    expect(t.played.map((p) => p.name)).toEqual(['1-q1', '2-q1', '3-q1']);
  });

  it('a repeated call id plays once; the memory of ids is bounded', async () => {
    const t = setup();
    const a = call(7, 2);
    expect(t.queue.push(a)).toBe('queued');
    expect(t.queue.push({ ...a })).toBe('repeat'); // QoS 1 redelivery while waiting
    await playingNow(t);
    expect(t.queue.push({ ...a })).toBe('repeat'); // while playing
    await t.queue.idle();
    expect(t.queue.push({ ...a })).toBe('repeat'); // after
    await t.queue.idle();
    expect(t.played).toHaveLength(1);
    expect(t.reports).toHaveLength(1);
    // Memory 5: five newer ids push the first one out.
    for (let i = 0; i < 5; i++) t.queue.push(call(100 + i, 2));
    await t.queue.idle();
    expect(t.queue.push({ ...a })).toBe('queued');
    await t.queue.idle();
  });

  it('calls for counters outside the zone are reported as skipped, not played', async () => {
    const t = setup({ zone: [1, 2] });
    expect(t.queue.push(call(5, 3))).toBe('outside zone');
    t.queue.push(call(6, 2));
    await t.queue.idle();
    expect(t.played.map((p) => p.name)).toEqual(['6-q2']);
    expect(t.reports[0]).toMatchObject({ skipped: "counter 3 is outside this speaker's zone (1, 2)" });
    expect(t.reports[1]!.skipped).toBeUndefined();
  });

  it('calls older than the limit are reported as skipped', async () => {
    const t = setup({ maxAgeMs: 60_000 });
    t.queue.push(call(1, 1, { at: Date.now() - 90_000 }));
    t.queue.push(call(2, 1, { at: Date.now() - 30_000 }));
    await t.queue.idle();
    expect(t.played.map((p) => p.name)).toEqual(['2-q1']);
    expect(t.reports[0]!.skipped).toBe('too old: 90 s after the call (limit 60 s)');
  });

  it('a speaker clock that is off is noticed from live calls and does not make every call "too old"', async () => {
    const skew = 10 * 60_000; // the speaker's clock is 10 minutes ahead of the hub's
    const t = setup({ maxAgeMs: 60_000, now: () => Date.now() + skew });
    const live = call(1, 1);
    const old = call(2, 1, { at: Date.now() - 90_000 }); // a really old one, from the backlog
    t.queue.push(live, true);
    t.queue.push(old);
    await t.queue.idle();
    expect(t.played.map((p) => p.name)).toEqual(['1-q1']);
    expect(t.reports.find((r) => r.callId === old.callId)!.skipped).toMatch(/^too old: 90 s/);
    expect(t.reports.find((r) => r.callId === live.callId)!.skipped).toBeUndefined();
    expect(t.logs.lines.join('\n')).toMatch(/clock differs from the hub's.*aheadMs=6\d{5}/);
  });

  it('a missing clip or a broken player is reported with its message, and later calls are still served', async () => {
    const t = setup({
      without: ['chin'],
      fail: (name) =>
        name === '3-q1' ? 'aplay failed (exit code 1): audio open error: Device or resource busy' : null,
    });
    t.queue.push(call(9, 1)); // needs "chín"
    t.queue.push(call(3, 1)); // aplay fails
    t.queue.push(call(4, 1)); // fine
    await t.queue.idle();
    expect(t.played.map((p) => p.name)).toEqual(['4-q1']);
    expect(t.reports.map((r) => r.skipped)).toEqual([
      `audio fault: ${new MissingClipError(['chin']).message}`,
      'audio fault: aplay failed (exit code 1): audio open error: Device or resource busy',
      undefined,
    ]);
    expect(t.faults).toEqual([
      'missing clip "chin" in the clip pack',
      'aplay failed (exit code 1): audio open error: Device or resource busy',
      null,
    ]);
    expect(t.logs.lines.filter((l) => l.startsWith('ERROR'))).toHaveLength(2);
  });

  it('stop lets the call being played finish, starts no other, and reports the waiting ones as not said', async () => {
    const t = setup();
    const second = call(2, 1);
    t.queue.push(call(1, 1));
    t.queue.push(second);
    await playingNow(t);
    await t.queue.stop();
    expect(t.played.map((p) => p.name)).toEqual(['1-q1']);
    expect(t.reports).toHaveLength(2);
    expect(t.reports[1]).toMatchObject({
      callId: second.callId,
      skipped: 'the speaker program stopped before saying it',
    });
  });

  it('a recall of a ticket whose call is still waiting is said once, at the call’s place, and both are reported', async () => {
    const t = setup();
    const first = call(1, 1);
    const waiting = call(2, 2);
    const other = call(3, 3);
    t.queue.push(first);
    await playingNow(t);
    t.queue.push(waiting);
    t.queue.push(other);
    const again = { ...call(2, 2), ticketId: waiting.ticketId, recall: true };
    expect(t.queue.push(again)).toBe('folded');
    await t.queue.idle();
    // Said once, as the first call (no "Nhắc lại": the citizen never heard it), before 3.
    expect(t.played.map((p) => p.name)).toEqual(['1-q1', '2-q2', '3-q3']);
    const said = t.reports.find((r) => r.callId === waiting.callId)!;
    expect(said.skipped).toBeUndefined();
    expect(t.reports.find((r) => r.callId === again.callId)).toEqual({
      callId: again.callId,
      startedAt: said.startedAt,
      endedAt: said.endedAt,
      foldedInto: waiting.callId,
    });
    expect(t.reports).toHaveLength(4);
    expect(t.logs.lines.some((l) => l.includes('call joined the waiting call of its ticket'))).toBe(true);
  });

  it('a ticket called again at another counter before its call was said is said once, with the new counter', async () => {
    const t = setup();
    t.queue.push(call(1, 1));
    await playingNow(t);
    const there = call(2, 2);
    const here = { ...call(2, 5), ticketId: there.ticketId };
    t.queue.push(there);
    t.queue.push(here);
    await t.queue.idle();
    expect(t.played.map((p) => p.name)).toEqual(['1-q1', '2-q5']);
    expect(t.reports.find((r) => r.callId === there.callId)).toMatchObject({ foldedInto: here.callId });
  });

  it('calls coming faster than they can be said: later ones are shortened, every one is said, in order', async () => {
    const source = pack();
    const settings = DEFAULT_ANNOUNCEMENT_SETTINGS;
    // The fake loudspeaker plays at ten times the speed: so do the durations it is paced by.
    const durations = (a: Announcement) => ({
      full: planDurationMs(planAnnouncement(a, settings, 'full'), source) / 10,
      brief: planDurationMs(planAnnouncement(a, settings, 'brief'), source) / 10,
      short: planDurationMs(planAnnouncement(a, settings, 'short'), source) / 10,
    });
    const fake = fakePlayer();
    const reports: PlaybackReport[] = [];
    const forms: string[] = [];
    const queue = new AnnouncementQueue({
      announce: (a, form) => {
        forms.push(form);
        return fake.player.play(
          composeWav(planAnnouncement(a, settings, form), source),
          `${a.display}-q${a.counterId}`,
        );
      },
      durations,
      maxLagMs: 250,
      report: (r) => reports.push(r),
      zone: [],
      maxAgeMs: 120_000,
      log: createLogger('speaker', { sink: memorySink(), timestamps: false }),
    });
    const burst = Array.from({ length: 8 }, (_, i) => call(1001 + i, 1 + i));
    queue.push(burst[0]!);
    await playingNow(fake); // the first one starts alone: in full
    for (const c of burst.slice(1)) queue.push(c);
    await queue.idle();
    expect(fake.played.map((p) => p.name)).toEqual(burst.map((c) => `${c.display}-q${c.counterId}`));
    expect(fake.overlaps()).toBe(0);
    expect(forms[0]).toBe('full');
    expect(forms.slice(1).every((f) => f !== 'full')).toBe(true);
    expect(forms).toContain('short');
    expect(reports.map((r) => r.callId)).toEqual(burst.map((c) => c.callId));
    expect(reports.every((r) => r.skipped === undefined)).toBe(true);
    expect(reports.filter((r) => r.form === 'short').length).toBe(forms.filter((f) => f === 'short').length);
  });
});
