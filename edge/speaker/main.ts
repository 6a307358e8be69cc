// The speaker program: `npm run speaker -- --config speaker.json` from source,
// `node dist/edge/speaker/main.js --config /etc/qms/speaker.json` on a Pi.
// It loads the device config and the clip pack, connects to the hub with the
// device's credential, and plays each call from qms/hub/announce through the
// announcement queue, reporting every call back with `announcement-played`.
// The wording (repeat, "Nhắc lại", linh/lẻ, tư/bốn, nghìn/ngàn) follows the
// hub's retained qms/hub/announcement-settings once it arrives; until then the
// device config's.
// With `simulate: true` each announcement is written to
// <dataDir>/announcements/ instead of being played.

import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpeakerConfig } from '../../shared/config/device-config.js';
import { DeviceConnection, RequestTimeout } from '../../shared/device/connection.js';
import { mainIfEntry } from '../../shared/device/program.js';
import { createLogger, type Logger } from '../../shared/log/logger.js';
import {
  type Announcement,
  type AnnouncementSettingsMessage,
  announcement,
  announcementSettingsMessage,
  decodePayload,
} from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { appVersion } from '../../shared/version.js';
import { AnnouncementQueue, type PlaybackReport } from './announcement-queue.js';
import { checkAplay, createAplayPlayer, type Player, type PlayResult } from './aplay.js';
import { type ClipPack, clipLabel, loadClipPack } from './clip-pack.js';
import {
  type AnnouncementSettings,
  announcementSentence,
  composeWav,
  MissingClipError,
  missingClips,
  planAnnouncement,
  planDurationMs,
} from './composer.js';
import { createFilePlayer } from './file-player.js';
import { FORMS, type Form } from './pacing.js';

/** A call arriving this long after (re)connecting is live, not the broker's backlog. */
const BACKLOG_WINDOW_MS = 3000;
const REPORT_TIMEOUT_MS = 5000;
/** Reports waiting for the hub; beyond this the oldest are dropped (the hub only logs them). */
const MAX_WAITING_REPORTS = 500;

export function announcementSettings(config: SpeakerConfig): AnnouncementSettings {
  return { ...config.hardware.announcement, repeat: config.hardware.repeat };
}

/**
 * The config's settings with the hub's wording over them (repeat, "Nhắc lại",
 * linh/lẻ, tư/bốn, nghìn/ngàn); chime and pauses stay the device's own.
 */
export function withHubWording(
  base: AnnouncementSettings,
  hub: AnnouncementSettingsMessage,
): AnnouncementSettings {
  const { repeat, recallPrefix, zeroTens, four, thousand } = hub;
  return { ...base, repeat, recallPrefix, zeroTens, four, thousand };
}

export interface SpeakerOptions {
  log?: Logger;
  /** Replaces the player chosen from the config (the benchmark uses this). */
  player?: Player;
  /** No clips and no audio: each call's sentence is only logged (the demo without espeak-ng). */
  textOnly?: boolean;
  /** Environment for aplay (tests give it their own .asoundrc). */
  aplayEnv?: NodeJS.ProcessEnv;
  aplayCommand?: string;
  /** Called with each WAV written in simulate mode. */
  onFile?: (path: string) => void;
}

export interface Speaker {
  connection: DeviceConnection;
  queue: AnnouncementQueue;
  pack: ClipPack | null;
  /** What is wrong with the clip pack or the audio at start, one line each (empty: ready). */
  problems: string[];
  /** Resolves when every report so far has been answered by the hub (or given up). */
  reportsSent(): Promise<void>;
  stop(): Promise<void>;
}

/** Start the speaker: clips, audio check, connection, queue. */
export async function startSpeaker(config: SpeakerConfig, options: SpeakerOptions = {}): Promise<Speaker> {
  const log = options.log ?? createLogger('speaker');
  const configured = announcementSettings(config);
  // The config's wording until the hub's retained settings arrive.
  let settings = configured;
  const { hardware } = config;
  const problems: string[] = [];
  const packProblems: string[] = [];

  let pack: ClipPack | null = null;
  if (!options.textOnly) {
    const loaded = await loadClipPack(resolve(hardware.audio.clipsDir), configured);
    pack = loaded.pack;
    for (const w of loaded.warnings) log.warn('clip pack', { problem: w });
    if (loaded.problems.length) {
      log.error('clip pack is incomplete: calls that need these clips will be reported as not played', {
        dir: loaded.pack.dir,
        problems: loaded.problems.length,
      });
      for (const p of loaded.problems) log.error('clip pack', { problem: p });
      packProblems.push(...loaded.problems);
      problems.push(...loaded.problems);
    } else {
      log.info('clip pack ready', {
        dir: pack.dir,
        clips: pack.ids.length,
        rate: pack.sampleRate,
        voice: pack.voice,
      });
    }
  }

  let player: Player;
  if (options.player) player = options.player;
  else if (config.simulate) {
    const dir = resolve(config.dataDir, 'announcements');
    player = createFilePlayer({ dir, keep: hardware.audio.keepFiles, onFile: options.onFile });
    log.info('simulate mode: announcements are written as WAV files', { dir });
  } else {
    const aplayProblem = await checkAplay(options.aplayCommand, options.aplayEnv);
    if (aplayProblem) {
      log.error('audio output unavailable', { problem: aplayProblem });
      problems.push(aplayProblem);
    }
    player = createAplayPlayer({
      device: hardware.audio.device,
      volume: hardware.audio.volume,
      ...(options.aplayCommand ? { command: options.aplayCommand } : {}),
      ...(options.aplayEnv ? { env: options.aplayEnv } : {}),
    });
  }

  const connection = new DeviceConnection({
    url: config.hub.mqttUrl,
    deviceId: config.deviceId,
    role: 'speaker',
    password: config.credentials.password,
    version: appVersion(),
    log: log.child('mqtt'),
    subscriptions: [topics.announce, topics.announcementSettings],
  });
  // Shown on the hub's device list. An audio fault clears once a call plays;
  // a clip pack fault stays until the pack is fixed and the speaker restarted.
  const asFault = (lines: string[]) => (lines.length ? lines.join('; ').slice(0, 200) : null);
  const packFault = asFault(packProblems);
  connection.setStatus({ fault: asFault(problems) });

  const reporter = createReporter(connection, log);

  const announce = async (call: Announcement, form: Form): Promise<PlayResult> => {
    const sentence = announcementSentence(call, settings, form);
    if (options.textOnly || !pack) {
      log.info(`(text only) ${sentence}`, { callId: call.callId });
      const now = Date.now();
      return { startedAt: now, endedAt: now };
    }
    let wav: Buffer;
    try {
      wav = composeWav(planAnnouncement(call, settings, form), pack);
    } catch (error) {
      if (error instanceof MissingClipError) {
        throw new Error(`missing clip ${error.clips.map(clipLabel).join(', ')} in ${pack.dir}`);
      }
      throw error;
    }
    log.info(sentence, { callId: call.callId });
    return player.play(wav, `${call.display}-q${call.counterId}`);
  };

  /** How long each form of a call sounds; a form whose clips the pack lacks is left out. */
  const durations = (call: Announcement): Partial<Record<Form, number>> => {
    if (options.textOnly || !pack) return { full: 0 };
    const out: Partial<Record<Form, number>> = {};
    for (const form of FORMS) {
      try {
        const plan = planAnnouncement(call, settings, form);
        if (missingClips(plan, pack).length === 0) out[form] = planDurationMs(plan, pack);
      } catch {
        // A number it cannot read: announce() reports it.
      }
    }
    return Object.keys(out).length ? out : { full: 0 };
  };

  const queue = new AnnouncementQueue({
    announce,
    durations,
    maxLagMs: hardware.maxLagSeconds * 1000,
    report: (r) => reporter.send(r),
    zone: hardware.zone,
    maxAgeMs: hardware.maxCallAgeSeconds * 1000,
    log,
    onFault: (fault) => connection.setStatus({ fault: fault ? fault.slice(0, 200) : packFault }),
  });

  let connectedAt = 0;
  connection.on('connected', () => {
    connectedAt = Date.now();
  });
  connection.on('message', (topic, payload) => {
    if (topic === topics.announcementSettings) {
      const decoded = decodePayload(payload, announcementSettingsMessage);
      if (!decoded.ok) {
        log.warn('bad announcement settings ignored', { code: decoded.code, reason: decoded.message });
        return;
      }
      settings = withHubWording(configured, decoded.value);
      const { repeat, recallPrefix, zeroTens, four, thousand } = settings;
      log.info('announcement settings from the hub', { repeat, recallPrefix, zeroTens, four, thousand });
      return;
    }
    if (topic !== topics.announce) return;
    const decoded = decodePayload(payload, announcement);
    if (!decoded.ok) {
      log.warn('bad announcement ignored', { code: decoded.code, reason: decoded.message });
      return;
    }
    const live = connectedAt > 0 && Date.now() - connectedAt > BACKLOG_WINDOW_MS;
    queue.push(decoded.value, live);
  });

  return {
    connection,
    queue,
    pack,
    problems,
    reportsSent: () => reporter.idle(),
    async stop() {
      await queue.stop();
      await reporter.stop();
      await connection.close();
    },
  };
}

/**
 * Reports go to the hub one at a time, in order. A report the hub did not
 * answer is sent again with the same requestId (the hub keeps the first);
 * one it refused is logged and dropped.
 */
function createReporter(connection: DeviceConnection, log: Logger) {
  type Waiting = { report: PlaybackReport; requestId: ReturnType<typeof randomUUID> };
  const waiting: Waiting[] = [];
  let running: Promise<void> | null = null;
  const stopping = new AbortController();

  const done = (item: Waiting) => {
    const i = waiting.indexOf(item);
    if (i >= 0) waiting.splice(i, 1);
  };
  const sendAll = async () => {
    let backoff = 1000;
    while (!stopping.signal.aborted && waiting.length) {
      const item = waiting[0]!;
      try {
        const reply = await connection.request(
          'announcement-played',
          { ...item.report },
          REPORT_TIMEOUT_MS,
          item.requestId,
        );
        if (!reply.ok && reply.error.code === 'hub_error') throw new Error(reply.error.message);
        if (!reply.ok) {
          log.warn('hub refused a playback report', { callId: item.report.callId, code: reply.error.code });
        }
        done(item);
        backoff = 1000;
      } catch (error) {
        if (!(error instanceof RequestTimeout)) log.warn('playback report failed', { error });
        // Sent again with the same requestId: the hub keeps the first.
        await sleep(backoff, undefined, { signal: stopping.signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  };
  const idle = async () => {
    while (running) await running;
  };
  return {
    send(report: PlaybackReport) {
      waiting.push({ report, requestId: randomUUID() });
      if (waiting.length > MAX_WAITING_REPORTS) {
        const dropped = waiting.splice(0, waiting.length - MAX_WAITING_REPORTS);
        log.warn('hub unreachable: oldest playback reports dropped', { count: dropped.length });
      }
      running ??= sendAll().finally(() => {
        running = null;
      });
    },
    idle,
    /** Give the waiting reports (the calls a stop left unsaid among them) a few seconds, then let go. */
    async stop() {
      if (running) await Promise.race([idle(), sleep(3000)]);
      stopping.abort();
      if (running) await Promise.race([running, sleep(1000)]);
      if (waiting.length) log.warn('playback reports not sent', { count: waiting.length });
    },
  };
}

// ---------------------------------------------------------------- the program

mainIfEntry(import.meta.url, {
  role: 'speaker',
  name: 'speaker',
  folder: 'speaker',
  start: (config, log) => startSpeaker(config, { log }),
});
