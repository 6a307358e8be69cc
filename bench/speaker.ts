// `npx tsx bench/speaker.ts [calls, default 100]`: how long from an officer's "call next"
// to aplay starting on the speaker, and how long a typical announcement is.
// A real hub (in this process), the real speaker program with the default
// espeak-ng clip pack, and real aplay into an ALSA file plugin (no sound card
// needed). Needs espeak-ng, sox and alsa-utils.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCompleteClipPack } from '../edge/speaker/clip-pack.js';
import { composeWav, DEFAULT_ANNOUNCEMENT_SETTINGS, planAnnouncement } from '../edge/speaker/composer.js';
import { startSpeaker } from '../edge/speaker/main.js';
import { parseDeviceConfig } from '../shared/config/device-config.js';
import { createLogger, memorySink } from '../shared/log/logger.js';
import { topics } from '../shared/protocol/topics.js';
import { buildRealPack, captureHome } from '../test/helpers/clips.js';
import { connectDevice, startTestHub, tempDir } from '../test/helpers/hub.js';
import { percentile, until } from './helpers.js';

const CALLS = Number(process.argv[2] ?? 100);

async function main(): Promise<void> {
  const dir = tempDir('qms-bench-speaker-');
  const t = await startTestHub();
  try {
    const clipsDir = await buildRealPack(join(dir.path, 'clips'));
    const home = captureHome(dir.path);
    const config = parseDeviceConfig(
      JSON.stringify({
        role: 'speaker',
        deviceId: 'speaker-bench',
        site: { name: 'Bench' },
        hub: { mqttUrl: t.mqttUrl, httpUrl: t.httpUrl },
        credentials: { password: t.addDevice('speaker-bench', 'speaker') },
        dataDir: join(dir.path, 'data'),
        hardware: { audio: { device: 'capture', clipsDir } },
      }),
      'bench speaker',
    );
    if (config.role !== 'speaker') throw new Error('not a speaker config');
    const speaker = await startSpeaker(config, {
      log: createLogger('speaker', { sink: memorySink(), timestamps: false }),
      aplayEnv: home.env,
    });
    await until(() => t.hub.devices.get('speaker-bench')?.status?.state === 'online');

    const kiosk = await connectDevice(t.mqttUrl, 'kiosk-bench', t.addDevice('kiosk-bench', 'kiosk'));
    for (let i = 0; i < CALLS; i++) {
      await kiosk.publishAsync(
        topics.deviceRequest('kiosk-bench', 'issue-ticket'),
        JSON.stringify({ v: 1, requestId: `bench-${i}`, procedureId: 'can-cuoc-01' }),
        { qos: 1 },
      );
    }
    await until(() => t.hub.service.state.tickets.size === CALLS);
    const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));

    const played = t.hub.db.prepare('SELECT started_at, skipped FROM call_playbacks WHERE call_id = ?');
    const fromClick: number[] = [];
    const fromHub: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const clicked = Date.now();
      const res = await officer('/api/counters/1/call-next', { method: 'POST' });
      if (!res.ok) throw new Error(`call-next: ${res.status} ${await res.text()}`);
      const call = t.hub.db
        .prepare('SELECT id, at FROM calls ORDER BY at DESC, rowid DESC LIMIT 1')
        .get() as {
        id: string;
        at: number;
      };
      const row = await until(
        () => played.get(call.id) as { started_at: number; skipped: string | null } | undefined,
      );
      if (row.skipped) throw new Error(`call not played: ${row.skipped}`);
      fromClick.push(row.started_at - clicked);
      fromHub.push(row.started_at - call.at);
      await officer('/api/counters/1/start', { method: 'POST' });
      await officer('/api/counters/1/finish', { method: 'POST' });
    }
    await speaker.stop();
    await kiosk.endAsync();

    // A typical announcement with the default settings: chime, the sentence once.
    const pack = await loadCompleteClipPack(clipsDir, DEFAULT_ANNOUNCEMENT_SETTINGS);
    const durations: [string, number][] = [];
    for (const [label, settings, call] of [
      ['1023 → counter 3 (chime, once)', DEFAULT_ANNOUNCEMENT_SETTINGS, { number: 1023, counterId: 3 }],
      ['1005 → counter 12 (chime, once)', DEFAULT_ANNOUNCEMENT_SETTINGS, { number: 1005, counterId: 12 }],
      [
        '1023 → counter 3, said twice',
        { ...DEFAULT_ANNOUNCEMENT_SETTINGS, repeat: 2 },
        { number: 1023, counterId: 3 },
      ],
    ] as const) {
      const file = join(dir.path, 'typical.wav');
      writeFileSync(
        file,
        composeWav(planAnnouncement({ prefix: '', recall: false, ...call }, settings), pack),
      );
      durations.push([label, Number(execFileSync('soxi', ['-D', file]).toString())]);
    }
    const composeMs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      composeWav(
        planAnnouncement(
          { prefix: '', number: 1000 + i, counterId: 3, recall: false },
          DEFAULT_ANNOUNCEMENT_SETTINGS,
        ),
        pack,
      );
      composeMs.push(performance.now() - start);
    }

    const row = (name: string, values: number[], unit: string) => {
      const s = [...values].sort((a, b) => a - b);
      return `| ${name} | ${s.length} | ${percentile(s, 50).toFixed(1)} ${unit} | ${percentile(s, 99).toFixed(1)} ${unit} | ${s.at(-1)!.toFixed(1)} ${unit} |`;
    };
    console.log(
      `\nSpeaker latency (${CALLS} calls, one at a time, speaker idle; aplay into an ALSA file plugin)\n`,
    );
    console.log('| from → to | n | median | p99 | max |');
    console.log('|---|---|---|---|---|');
    console.log(row('officer POST call-next → aplay started', fromClick, 'ms'));
    console.log(row("hub's call time → aplay started", fromHub, 'ms'));
    console.log(row('compose one WAV in JS (part of the above)', composeMs, 'ms'));
    console.log('\nAnnouncement length (default espeak-ng pack, soxi -D)\n');
    console.log('| announcement | seconds |');
    console.log('|---|---|');
    for (const [label, seconds] of durations) console.log(`| ${label} | ${seconds.toFixed(2)} |`);
  } finally {
    await t.stop();
    dir.remove();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
