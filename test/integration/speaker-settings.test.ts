// Announcement wording set by an administrator on the hub reaches the speaker
// over MQTT (retained qms/hub/announcement-settings) and is used for the next
// call, over the speaker's own config.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCompleteClipPack } from '../../edge/speaker/clip-pack.js';
import { composeWav, planAnnouncement } from '../../edge/speaker/composer.js';
import { announcementSettings, type Speaker, startSpeaker } from '../../edge/speaker/main.js';
import { loadDeviceConfig, type SpeakerConfig } from '../../shared/config/device-config.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { type Announcement, announcement } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { writeSyntheticPack } from '../helpers/clips.js';
import { connectDevice, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

async function until<T>(what: string, check: () => T | undefined | null | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('announcement settings from the hub', () => {
  let t: TestHub;
  let dir: ReturnType<typeof tempDir>;
  let speaker: Speaker | undefined;
  let kiosk: MqttClient | undefined;
  const logs = memorySink();

  beforeEach(async () => {
    logs.lines.length = 0;
    t = await startTestHub();
    dir = tempDir('qms-speaker-settings-');
    kiosk = await connectDevice(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
  });
  afterEach(async () => {
    await speaker?.stop();
    speaker = undefined;
    await kiosk?.endAsync();
    await t.stop();
    dir.remove();
  });

  async function config(clipsDir: string): Promise<SpeakerConfig> {
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
        simulate: true,
        hardware: { audio: { clipsDir } },
      }),
    );
    const loaded = await loadDeviceConfig(file);
    if (loaded.role !== 'speaker') throw new Error('not a speaker config');
    return loaded;
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
    t.hub.db.prepare('SELECT call_id FROM call_playbacks').all() as { call_id: string }[];
  const calls = () =>
    (t.hub.db.prepare('SELECT payload FROM calls ORDER BY at, rowid').all() as { payload: string }[]).map(
      (r) => announcement.parse({ v: 1, ...JSON.parse(r.payload) }) as Announcement,
    );
  const settingsLogs = () => logs.lines.filter((l) => l.includes('announcement settings from the hub'));

  it('after an administrator sets "lẻ" and two repeats, the next call is worded so', async () => {
    const clips = join(dir.path, 'clips');
    writeSyntheticPack(clips);
    const cfg = await config(clips);
    // The hub's defaults and the speaker config's agree.
    expect(cfg.hardware.repeat).toBe(1);
    expect(await (await fetch(`${t.httpUrl}/api/settings/announcements`)).json()).toMatchObject({
      repeat: 1,
      zeroTens: 'linh',
    });

    speaker = await startSpeaker(cfg, {
      log: createLogger('speaker', { sink: logs, level: 'debug', timestamps: false }),
    });
    await until('speaker online', () => t.hub.devices.get('speaker-1')?.status?.state === 'online');
    // The retained settings published at the hub's start arrive on subscribing.
    await until('retained settings', () => settingsLogs().length === 1);

    const admin = t.as(await t.signIn('quantri', await t.addAccount('quantri', 'admin')));
    const res = await admin('/api/admin/settings/announcements', {
      method: 'PUT',
      body: { repeat: 2, recallPrefix: true, zeroTens: 'lẻ', four: 'tư', thousand: 'nghìn' },
    });
    expect(res.status).toBe(200);
    await until('new settings on the speaker', () => settingsLogs().length === 2);
    expect(settingsLogs()[1]).toMatch(/repeat=2/);

    // An invalid settings message is logged and changes nothing.
    await t.hub.broker.publish(topics.announcementSettings, JSON.stringify({ v: 1, repeat: 9 }), { qos: 1 });
    await until('bad settings logged', () =>
      logs.lines.some((l) => l.includes('bad announcement settings ignored')),
    );

    await issue('can-cuoc-01');
    const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
    expect((await officer('/api/counters/2/call-next', { method: 'POST' })).status).toBe(200);
    await until('playback report', () => playbacks().length === 1);

    const [call] = calls();
    expect(call!.number).toBe(1001);
    // "một nghìn không trăm lẻ một", said twice.
    const spoken = logs.lines.filter((l) => l.includes('Xin mời công dân'));
    expect(spoken).toHaveLength(1);
    expect(spoken[0]).toContain('lẻ một');
    expect(spoken[0]).not.toContain('linh');

    const announcementsDir = join(cfg.dataDir, 'announcements');
    const files = readdirSync(announcementsDir);
    expect(files).toHaveLength(1);
    const wav = readFileSync(join(announcementsDir, files[0]!));
    const own = announcementSettings(cfg);
    const hubs = { ...own, repeat: 2, zeroTens: 'lẻ' as const };
    const pack = await loadCompleteClipPack(clips, hubs);
    expect(wav.equals(composeWav(planAnnouncement(call!, hubs), pack))).toBe(true);
    // Longer than the config's single "linh" sentence.
    expect(wav.length).toBeGreaterThan(composeWav(planAnnouncement(call!, own), pack).length * 1.8);
  }, 40_000);
});
