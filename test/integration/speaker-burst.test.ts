// The speaker program against a real hub when calls come faster than it can
// say them: eight officers call within five seconds. The real aplay (Debian
// alsa-utils) plays into an ALSA file plugin, through a wrapper that then
// waits out the rest of the audio's length, as a loudspeaker takes it (the
// null PCM behind the file plugin takes no time). Every call must be said,
// in order, never two at once, the last one starting within 30 s of its call;
// a recall of a ticket whose call is still waiting is said with it.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCompleteClipPack } from '../../edge/speaker/clip-pack.js';
import { composeSamples, planAnnouncement } from '../../edge/speaker/composer.js';
import { announcementSettings, type Speaker, startSpeaker } from '../../edge/speaker/main.js';
import { loadDeviceConfig, type SpeakerConfig } from '../../shared/config/device-config.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { type Announcement, announcement } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { buildRealPack, captureHome } from '../helpers/clips.js';
import { connectDevice, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

async function until<T>(what: string, check: () => T | undefined | null | false, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface PlaybackRow {
  call_id: string;
  started_at: number;
  ended_at: number;
  skipped: string | null;
}

describe('speaker behind: every call said, shortened, in order', () => {
  const clips = tempDir('qms-clips-');
  let t: TestHub;
  let dir: ReturnType<typeof tempDir>;
  let speaker: Speaker | undefined;
  let kiosk: MqttClient | undefined;
  let officer: (path: string, init?: { method?: string }) => Promise<Response>;
  const logs = memorySink();

  beforeAll(async () => {
    await buildRealPack(clips.path);
  }, 120_000);
  afterAll(() => clips.remove());

  beforeEach(async () => {
    logs.lines.length = 0;
    t = await startTestHub(); // counters 1–8 staffed
    dir = tempDir('qms-burst-');
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

  /** Real aplay into the capture PCM, then the rest of the audio's length, logging each run. */
  function realTimeAplay(): { command: string; env: NodeJS.ProcessEnv; log: string; raw: string } {
    const home = captureHome(dir.path);
    const log = join(dir.path, 'aplay.log');
    const command = join(dir.path, 'aplay');
    writeFileSync(
      command,
      `#!/bin/sh
case "$1" in --version) exec aplay --version ;; esac
wav=$(mktemp)
cat > "$wav"
start=$(date +%s.%N)
echo "start $start" >> "${log}"
aplay "$@" < "$wav"; rc=$?
rest=$(awk -v d="$(soxi -D "$wav")" -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { r = d - (n - s); if (r < 0) r = 0; printf "%.3f", r }')
sleep "$rest"
echo "end $(date +%s.%N)" >> "${log}"
rm -f "$wav"
exit $rc
`,
    );
    chmodSync(command, 0o755);
    return { command, env: home.env, log, raw: home.raw };
  }

  async function startRealSpeaker(aplay: ReturnType<typeof realTimeAplay>): Promise<SpeakerConfig> {
    const file = join(dir.path, 'speaker.json');
    writeFileSync(
      file,
      JSON.stringify({
        role: 'speaker',
        deviceId: 'speaker-1',
        site: { name: 'Test office' },
        hub: { mqttUrl: t.mqttUrl, httpUrl: t.httpUrl },
        credentials: { password: t.addDevice('speaker-1', 'speaker') },
        dataDir: join(dir.path, 'data'),
        simulate: false,
        hardware: { audio: { device: 'capture', clipsDir: clips.path } },
      }),
    );
    const cfg = await loadDeviceConfig(file);
    if (cfg.role !== 'speaker') throw new Error('not a speaker config');
    speaker = await startSpeaker(cfg, {
      log: createLogger('speaker', { sink: logs, level: 'debug', timestamps: false }),
      aplayCommand: aplay.command,
      aplayEnv: aplay.env,
    });
    expect(speaker.problems).toEqual([]);
    await until('speaker online', () => t.hub.devices.get('speaker-1')?.status?.state === 'online', 15_000);
    return cfg;
  }

  async function issue(procedureId: string): Promise<void> {
    const requestId = `r-${Math.random().toString(36).slice(2)}`;
    await kiosk!.publishAsync(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId, procedureId }),
      { qos: 1 },
    );
    await until(
      'ticket issued',
      () => [...t.hub.service.state.tickets.values()].some((x) => x.source?.requestId === requestId),
      15_000,
    );
  }

  const playbacks = () =>
    t.hub.db.prepare('SELECT * FROM call_playbacks ORDER BY started_at, rowid').all() as PlaybackRow[];
  const calls = () =>
    (t.hub.db.prepare('SELECT payload FROM calls ORDER BY at, rowid').all() as { payload: string }[]).map(
      (r) => announcement.parse({ v: 1, ...JSON.parse(r.payload) }) as Announcement,
    );

  it('eight calls within five seconds are all said, in order, the last starting within 30 s of its call', async () => {
    const aplay = realTimeAplay();
    const cfg = await startRealSpeaker(aplay);
    // One waiting citizen for each of the eight counters.
    for (const p of [
      'can-cuoc-01',
      'can-cuoc-01',
      'cu-tru-01',
      'xuat-nhap-canh-01',
      'xuat-nhap-canh-01',
      'dang-ky-xe-01',
      'giay-phep-lai-xe-01',
      'pccc-01',
    ])
      await issue(p);

    // The clicks go at fixed moments from the first (every 500 ms: 3.5 s in
    // all), not a sleep after each answer, so a slow answer on a busy machine
    // does not stretch the burst past five seconds.
    const started = Date.now();
    for (let counter = 1; counter <= 8; counter++) {
      const due = started + (counter - 1) * 500;
      if (Date.now() < due) await sleep(due - Date.now());
      expect((await officer(`/api/counters/${counter}/call-next`, { method: 'POST' })).status).toBe(200);
    }
    const made = calls();
    expect(made).toHaveLength(8);
    const spanMs = made[7]!.at - made[0]!.at;
    expect(spanMs, 'the eight calls (hub timestamps) within five seconds').toBeLessThan(5000);

    await until('eight calls reported', () => playbacks().length === 8);
    await speaker!.reportsSent();
    const rows = playbacks();
    // Every call said, none skipped, in the order they were made.
    expect(rows.map((r) => r.skipped)).toEqual(new Array(8).fill(null));
    expect(rows.map((r) => r.call_id)).toEqual(made.map((c) => c.callId));
    // aplay ran eight times, each after the previous ended: never two at once.
    const runs = readFileSync(aplay.log, 'utf8').trim().split('\n');
    expect(runs.map((l) => l.split(' ')[0])).toEqual(new Array(8).fill(['start', 'end']).flat());
    const times = runs.map((l) => Number(l.split(' ')[1]));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);

    const lags = rows.map((r, i) => (r.started_at - made[i]!.at) / 1000);
    const lastLag = lags[7]!;
    const fromFirst = (rows[7]!.started_at - made[0]!.at) / 1000;
    const forms = logs.lines
      .filter((l) => l.includes('INFO speaker: announced'))
      .map((l) => /form=(\w+)/.exec(l)?.[1]);
    console.log(
      `speaker burst: 8 calls in ${(spanMs / 1000).toFixed(1)} s; forms ${forms.join(', ')}; lag per call ${lags
        .map((x) => x.toFixed(1))
        .join(
          ', ',
        )} s; last call started ${lastLag.toFixed(1)} s after it was made (${fromFirst.toFixed(1)} s after the first); all done ${((rows[7]!.ended_at - started) / 1000).toFixed(1)} s after the first click`,
    );
    expect(lastLag).toBeLessThanOrEqual(30);
    // The first was alone: in full; behind, the others were said shorter.
    expect(forms[0]).toBe('full');
    expect(forms.slice(1)).toContain('short');

    // What ALSA got last is exactly the last call, in the form it was said in.
    const settings = announcementSettings(cfg);
    const pack = await loadCompleteClipPack(clips.path, settings);
    const lastForm = forms[7] as 'full' | 'brief' | 'short';
    const expected = composeSamples(planAnnouncement(made[7]!, settings, lastForm), pack);
    expect(readFileSync(aplay.raw).subarray(0, expected.length).equals(expected)).toBe(true);
    // The short form as the log has it: "Mời số …, quầy …".
    expect(
      logs.lines.some((l) => /INFO speaker: Mời số một nghìn .*, quầy (hai|bốn|năm|sáu|bảy)/.test(l)),
    ).toBe(true);
  }, 150_000);

  it('a recall of a ticket whose call is still waiting is said once with it; both are reported played', async () => {
    const aplay = realTimeAplay();
    await startRealSpeaker(aplay);
    await issue('can-cuoc-01');
    await issue('can-cuoc-01');
    expect((await officer('/api/counters/1/call-next', { method: 'POST' })).status).toBe(200);
    await until(
      'first call playing',
      () => logs.lines.some((l) => l.includes('INFO speaker: Xin mời')),
      15_000,
    );
    // While counter 1's call plays, counter 2 calls and at once recalls.
    expect((await officer('/api/counters/2/call-next', { method: 'POST' })).status).toBe(200);
    expect((await officer('/api/counters/2/recall', { method: 'POST' })).status).toBe(200);
    await until('three reports', () => playbacks().length === 3, 60_000);
    const [first, second, again] = calls();
    const rows = new Map(playbacks().map((r) => [r.call_id, r]));
    expect(rows.get(second!.callId)!.skipped).toBeNull();
    expect(rows.get(again!.callId)).toMatchObject({
      skipped: null,
      started_at: rows.get(second!.callId)!.started_at,
    });
    expect(rows.get(first!.callId)!.skipped).toBeNull();
    // aplay ran twice: the recall did not queue a third announcement.
    expect(
      readFileSync(aplay.log, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('start')),
    ).toHaveLength(2);
    const console2 = (await (await officer('/api/counters/2')).json()) as {
      current: { announcement: { state: string } };
    };
    expect(console2.current.announcement.state).toBe('played');
  }, 90_000);
});
