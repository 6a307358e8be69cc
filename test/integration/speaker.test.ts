// The speaker program against a real hub: an officer's call through the HTTP
// API reaches the speaker over MQTT, is played (a WAV file in simulate mode,
// real aplay otherwise) and reported back with announcement-played.

import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCompleteClipPack } from '../../edge/speaker/clip-pack.js';
import { composeWav, planAnnouncement } from '../../edge/speaker/composer.js';
import { announcementSettings, type Speaker, startSpeaker } from '../../edge/speaker/main.js';
import {
  type DeviceConfigInput,
  loadDeviceConfig,
  type SpeakerConfig,
} from '../../shared/config/device-config.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { type Announcement, announcement } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { buildRealPack, captureHome, writeSyntheticPack } from '../helpers/clips.js';
import { connectDevice, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

interface PlaybackRow {
  call_id: string;
  device_id: string;
  started_at: number;
  ended_at: number;
  skipped: string | null;
}

async function until<T>(what: string, check: () => T | undefined | null | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('speaker program with a real hub', () => {
  const realClips = tempDir('qms-clips-');
  let t: TestHub;
  let dir: ReturnType<typeof tempDir>;
  let speaker: Speaker | undefined;
  let kiosk: MqttClient | undefined;
  let officer: (path: string, init?: { method?: string }) => Promise<Response>;
  const logs = memorySink();

  beforeAll(async () => {
    await buildRealPack(realClips.path);
  }, 120_000);
  afterAll(() => realClips.remove());

  beforeEach(async () => {
    logs.lines.length = 0;
    t = await startTestHub();
    dir = tempDir('qms-speaker-');
    officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
    kiosk = await connectDevice(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
  });
  afterEach(async () => {
    await speaker?.stop();
    speaker = undefined;
    await kiosk?.endAsync();
    await t.stop();
    dir.remove();
  });

  /** A speaker config file as a technician writes it, loaded the way the program loads it. */
  async function config(hardware: DeviceConfigInput['hardware'], simulate: boolean): Promise<SpeakerConfig> {
    const file = join(dir.path, 'speaker.json');
    const input = {
      role: 'speaker',
      deviceId: 'speaker-1',
      site: { name: 'Test office' },
      hub: { mqttUrl: t.mqttUrl, httpUrl: t.httpUrl },
      credentials: { password: t.addDevice('speaker-1', 'speaker') },
      dataDir: join(dir.path, 'data'),
      simulate,
      hardware,
    };
    writeFileSync(file, JSON.stringify(input));
    const loaded = await loadDeviceConfig(file);
    if (loaded.role !== 'speaker') throw new Error('not a speaker config');
    return loaded;
  }

  async function start(cfg: SpeakerConfig, options: Parameters<typeof startSpeaker>[1] = {}) {
    speaker = await startSpeaker(cfg, {
      log: createLogger('speaker', { sink: logs, level: 'debug', timestamps: false }),
      ...options,
    });
    // Online status is published right after the subscription: once the hub
    // has it, the announce subscription is in place.
    await until('speaker online', () => t.hub.devices.get('speaker-1')?.status?.state === 'online');
    return speaker;
  }

  async function issue(procedureId: string): Promise<void> {
    const requestId = `r-${Math.random().toString(36).slice(2)}`;
    await kiosk!.publishAsync(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId, procedureId }),
      { qos: 1 },
    );
    await until('ticket issued', () =>
      [...t.hub.service.state.tickets.values()].some((x) => x.source?.requestId === requestId),
    );
  }

  const playbacks = () =>
    t.hub.db.prepare('SELECT * FROM call_playbacks ORDER BY started_at').all() as PlaybackRow[];
  const calls = () =>
    (t.hub.db.prepare('SELECT payload FROM calls ORDER BY at, rowid').all() as { payload: string }[]).map(
      (r) => announcement.parse({ v: 1, ...JSON.parse(r.payload) }) as Announcement,
    );

  it('an officer call becomes a WAV file in simulate mode and is reported played; a repeat plays once', async () => {
    const cfg = await config({ audio: { clipsDir: realClips.path } }, true);
    await start(cfg);
    expect(speaker!.problems).toEqual([]);
    await issue('can-cuoc-01');
    await issue('can-cuoc-01');

    const res = await officer('/api/counters/2/call-next', { method: 'POST' });
    expect(res.status).toBe(200);
    const [played] = await until('playback report', () => (playbacks().length ? playbacks() : null));
    const [call] = calls();
    expect(played).toMatchObject({ call_id: call!.callId, device_id: 'speaker-1', skipped: null });

    // The WAV a person can listen to, named by time, ticket and counter.
    const announcementsDir = join(cfg.dataDir, 'announcements');
    const files = readdirSync(announcementsDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}-\d{6}-\d{3}-1001-q2\.wav$/);
    const file = join(announcementsDir, files[0]!);
    const settings = announcementSettings(cfg);
    const pack = await loadCompleteClipPack(realClips.path, settings);
    expect(readFileSync(file).equals(composeWav(planAnnouncement(call!, settings), pack))).toBe(true);
    const seconds = Number(execFileSync('soxi', ['-D', file]).toString());
    // Simulate mode takes as long as the audio: the report says so.
    expect((played!.ended_at - played!.started_at) / 1000).toBeGreaterThanOrEqual(seconds - 0.05);
    // Started after the call was made; how long after is a latency figure
    // (bench/), printed here rather than held on a busy machine.
    expect(played!.started_at).toBeGreaterThanOrEqual(call!.at);
    console.log(`speaker: call to playback start ${played!.started_at - call!.at} ms`);

    // The same announcement delivered again (QoS 1 may) is not played again;
    // the recall that follows is.
    await t.hub.broker.publish(topics.announce, JSON.stringify(call), { qos: 1 });
    expect((await officer('/api/counters/2/recall', { method: 'POST' })).status).toBe(200);
    await until('recall reported', () => playbacks().length === 2);
    expect(readdirSync(announcementsDir)).toHaveLength(2);
    expect(logs.lines.some((l) => l.includes('repeated call ignored') && l.includes(call!.callId))).toBe(
      true,
    );
    expect(logs.lines.filter((l) => /INFO speaker: Nhắc lại: Xin mời công dân/.test(l))).toHaveLength(1);
  }, 40_000);

  it('three calls made together play in order through aplay, never two at once', async () => {
    const home = captureHome(dir.path);
    const log = join(dir.path, 'aplay.log');
    // A wrapper around the real aplay that notes when each run starts and ends
    // and takes a moment, like a loudspeaker does (the null PCM takes none).
    const wrapper = join(dir.path, 'aplay');
    writeFileSync(
      wrapper,
      `#!/bin/sh
case "$1" in --version) exec aplay --version ;; esac
echo "start $(date +%s%N)" >> "${log}"
aplay "$@"; rc=$?
sleep 0.3
echo "end $(date +%s%N)" >> "${log}"
exit $rc
`,
    );
    chmodSync(wrapper, 0o755);
    const cfg = await config({ audio: { device: 'capture', clipsDir: realClips.path } }, false);
    await start(cfg, { aplayCommand: wrapper, aplayEnv: home.env });
    await issue('can-cuoc-01');
    await issue('can-cuoc-02');
    await issue('cu-tru-01');

    const responses = await Promise.all(
      [1, 2, 3].map((c) => officer(`/api/counters/${c}/call-next`, { method: 'POST' })),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await until('three reports', () => playbacks().length === 3);
    await speaker!.reportsSent();

    // Played in the order the hub made the calls.
    const made = calls();
    expect(playbacks().map((p) => p.call_id)).toEqual(made.map((c) => c.callId));
    expect(playbacks().every((p) => p.skipped === null)).toBe(true);
    // aplay ran three times, each after the previous one ended.
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    expect(runs.map((l) => l.split(' ')[0])).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    const times = runs.map((l) => BigInt(l.split(' ')[1]!));
    for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!).toBe(true);
    // The last announcement is what ALSA got last.
    const pack = await loadCompleteClipPack(realClips.path, announcementSettings(cfg));
    const last = composeWav(planAnnouncement(made[2]!, announcementSettings(cfg)), pack).subarray(44);
    expect(readFileSync(home.raw).subarray(0, last.length).equals(last)).toBe(true);
  }, 40_000);

  it('a missing clip and a broken aplay are reported with clear messages; later calls are still served', async () => {
    const clips = join(dir.path, 'clips');
    writeSyntheticPack(clips, { omit: ['ba'] }); // "ba": counter 3 cannot be said
    const broken = join(dir.path, 'broken');
    const wrapper = join(dir.path, 'aplay');
    writeFileSync(
      wrapper,
      `#!/bin/sh
if [ -e "${broken}" ] && [ "$1" != --version ]; then
  echo "aplay: main:831: audio open error: Device or resource busy" >&2
  exit 1
fi
exec aplay "$@"
`,
    );
    chmodSync(wrapper, 0o755);
    const home = captureHome(dir.path);
    const cfg = await config({ audio: { device: 'capture', clipsDir: clips } }, false);
    await start(cfg, { aplayCommand: wrapper, aplayEnv: home.env });
    // Named at start, and shown on the hub's device list.
    expect(speaker!.problems).toEqual(['clip ba ("ba") is not in manifest.json']);
    await until('fault shown on the hub', () =>
      t.hub.devices.get('speaker-1')?.status?.fault?.includes('clip ba'),
    );
    await issue('cu-tru-01');
    await issue('can-cuoc-01');
    await issue('can-cuoc-01');

    // 1. Counter 3: "đến quầy số ba" lacks its clip.
    await officer('/api/counters/3/call-next', { method: 'POST' });
    await until('first report', () => playbacks().length === 1);
    // 2. Counter 1 while the sound card is busy.
    writeFileSync(broken, '');
    await officer('/api/counters/1/call-next', { method: 'POST' });
    await until('second report', () => playbacks().length === 2);
    // 3. Counter 2, sound card back: played.
    rmSync(broken);
    await officer('/api/counters/2/call-next', { method: 'POST' });
    await until('third report', () => playbacks().length === 3);

    const byCall = new Map(playbacks().map((p) => [p.call_id, p.skipped]));
    const [c3, c1, c2] = calls();
    expect(byCall.get(c3!.callId)).toBe(`audio fault: missing clip ba ("ba") in ${clips}`);
    expect(byCall.get(c1!.callId)).toBe(
      'audio fault: aplay failed (exit code 1): aplay: main:831: audio open error: Device or resource busy',
    );
    expect(byCall.get(c2!.callId)).toBeNull();
    expect(existsSync(home.raw)).toBe(true);
    // Each officer's console shows whether the citizen could hear the call, with a recall.
    const announcementAt = async (id: number) =>
      (
        (await (await officer(`/api/counters/${id}`)).json()) as {
          current: { announcement: { state: string; problem?: string; callId: string } | null };
        }
      ).current.announcement;
    expect(await announcementAt(3)).toMatchObject({
      state: 'not_said',
      problem: 'audio',
      callId: c3!.callId,
    });
    expect(await announcementAt(1)).toMatchObject({
      state: 'not_said',
      problem: 'audio',
      callId: c1!.callId,
    });
    expect(await announcementAt(2)).toMatchObject({ state: 'played', callId: c2!.callId });
    // The recall at counter 1 plays now: the console no longer warns.
    expect((await officer('/api/counters/1/recall', { method: 'POST' })).status).toBe(200);
    await until('recall reported', () => playbacks().length === 4);
    expect(await announcementAt(1)).toMatchObject({ state: 'played' });
    const errors = logs.lines.filter((l) => l.startsWith('ERROR speaker: call not announced'));
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(
      /display=1001 reason="aplay failed \(exit code 1\): .*Device or resource busy"/,
    );
  }, 40_000);

  it('a pack with clips in mixed formats is named at start', async () => {
    const clips = join(dir.path, 'clips');
    cpSync(realClips.path, clips, { recursive: true });
    execFileSync('sox', [join(realClips.path, 'tram.wav'), '-r', '44100', join(clips, 'tram.wav')]);
    const cfg = await config({ audio: { clipsDir: clips } }, true);
    await start(cfg);
    expect(speaker!.problems).toEqual(['clip tram ("trăm"): tram.wav is 44100 Hz; the pack is 22050 Hz']);
    expect(logs.lines.some((l) => l.startsWith('ERROR speaker: clip pack') && l.includes('44100 Hz'))).toBe(
      true,
    );
  });
});
