// `npm start`: the hub on its embedded defaults plus simulated devices, so the
// whole flow can be watched without any hardware. Simulated devices connect
// over MQTT with their own credentials like real ones; an officer is
// simulated through the HTTP API like the counter console does.

import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildClipPack, missingClipTools } from '../edge/speaker/build-clips.js';
import { MANIFEST_FILE } from '../edge/speaker/clip-pack.js';
import { startSpeaker } from '../edge/speaker/main.js';
import { startHub } from '../hub/app.js';
import { generatePassword, hashPassword } from '../hub/auth/passwords.js';
import { ConfigError, loadHubConfig } from '../hub/config.js';
import { parseDeviceConfig } from '../shared/config/device-config.js';
import { DeviceConnection } from '../shared/device/connection.js';
import { createLogger } from '../shared/log/logger.js';
import {
  type CatalogueMessage,
  catalogueMessage,
  decodePayload,
  type IssuedTicket,
} from '../shared/protocol/messages.js';
import type { Role } from '../shared/protocol/topics.js';
import { topics } from '../shared/protocol/topics.js';
import { appVersion } from '../shared/version.js';

const log = createLogger('demo');
const DEMO_DEVICES: { id: string; role: Role; counterId: number | null }[] = [
  { id: 'kiosk-demo', role: 'kiosk', counterId: null },
  { id: 'speaker-demo', role: 'speaker', counterId: null },
  { id: 'rating-demo-1', role: 'rating', counterId: 1 },
];

/**
 * The speaker program in simulate mode, with the default clip pack in
 * <dataDir>/clips (built with espeak-ng the first time). Without espeak-ng the
 * speaker only logs each sentence.
 */
async function startDemoSpeaker(dataDir: string, mqttUrl: string, httpUrl: string, password: string) {
  const speakerLog = createLogger('speaker-demo');
  const clipsDir = resolve(dataDir, 'clips');
  let textOnly = false;
  if (!existsSync(join(clipsDir, MANIFEST_FILE))) {
    const missing = await missingClipTools();
    if (missing) {
      textOnly = true;
      speakerLog.warn(
        `no clip pack in ${clipsDir}, and ${missing}; then restart the demo. Until then the speaker only logs the sentences.`,
      );
    } else {
      speakerLog.info('building the Vietnamese clip pack with espeak-ng (once)', { dir: clipsDir });
      try {
        const built = await buildClipPack({ outDir: clipsDir });
        speakerLog.info('clip pack built', { clips: built.clips });
      } catch (error) {
        textOnly = true;
        speakerLog.warn('clip pack not built; the speaker only logs the sentences', { error });
      }
    }
  }
  const config = parseDeviceConfig(
    JSON.stringify({
      role: 'speaker',
      deviceId: 'speaker-demo',
      site: { name: 'Demo' },
      hub: { mqttUrl, httpUrl },
      credentials: { password },
      dataDir,
      simulate: true,
      hardware: { audio: { clipsDir } },
    }),
    'demo speaker',
  );
  if (config.role !== 'speaker') throw new Error('demo speaker config is not a speaker config');
  const speaker = await startSpeaker(config, { log: speakerLog, textOnly });
  return {
    ...speaker,
    announcementsDir: textOnly ? '(none: no clip pack)' : resolve(dataDir, 'announcements'),
  };
}

async function main() {
  const config = await loadHubConfig();
  const hub = await startHub(config, createLogger('hub'));
  const mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;
  const httpUrl = `http://127.0.0.1:${hub.httpPort}`;

  // Fresh demo credentials each start; only their hashes go into the store.
  const credentials: Record<string, { role: Role; password: string }> = {};
  for (const d of DEMO_DEVICES) {
    credentials[d.id] = {
      role: d.role,
      password: hub.devices.register(d.id, d.role, d.counterId, Date.now()),
    };
  }
  // Demo accounts: an administrator and four officers, new passwords each start.
  const accounts: Record<string, { role: 'admin' | 'officer'; password: string }> = {};
  const people: [string, 'admin' | 'officer'][] = [
    ['demo-admin', 'admin'],
    ['canbo1', 'officer'],
    ['canbo2', 'officer'],
    ['canbo3', 'officer'],
    ['canbo4', 'officer'],
  ];
  for (const [username, role] of people) {
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    if (hub.accounts.get(username)) hub.accounts.setPassword(username, passwordHash);
    else hub.accounts.create({ username, displayName: username, role, passwordHash }, Date.now());
    accounts[username] = { role, password };
  }
  const credentialsFile = resolve(join(config.dataDir, 'demo-credentials.json'));
  const credentialsJson = JSON.stringify({ mqttUrl, httpUrl, devices: credentials, accounts }, null, 2);
  writeFileSync(credentialsFile, `${credentialsJson}\n`, { mode: 0o600 });
  chmodSync(credentialsFile, 0o600);

  const connect = (id: string, subscriptions: string[]) =>
    new DeviceConnection({
      url: mqttUrl,
      deviceId: id,
      role: credentials[id]!.role,
      password: credentials[id]!.password,
      version: appVersion(),
      log: createLogger(id),
      subscriptions,
    });

  // -- simulated kiosk: a citizen presses a button every few seconds
  const kiosk = connect('kiosk-demo', [topics.catalogue]);
  let catalogue: CatalogueMessage | null = null;
  kiosk.on('message', (topic, payload) => {
    if (topic !== topics.catalogue) return;
    const decoded = decodePayload(payload, catalogueMessage);
    if (decoded.ok) catalogue = decoded.value;
  });
  const kioskLog = createLogger('kiosk-demo');
  const press = async () => {
    if (!catalogue || !kiosk.connected) return;
    const field = catalogue.fields[Math.floor(Math.random() * 3)]!; // the three busiest fields
    const procedure = field.procedures[Math.floor(Math.random() * field.procedures.length)]!;
    const priority = Math.random() < 0.2 ? (catalogue.priorityCategories[0]?.id ?? null) : null;
    try {
      const reply = await kiosk.request('issue-ticket', { procedureId: procedure.id, priority }, 1500);
      if (!reply.ok) return kioskLog.warn('no ticket', { reason: reply.error.message });
      const t = reply.data as IssuedTicket;
      kioskLog.info(`button pressed → ticket printed: số ${t.display}`, {
        field: t.fieldName,
        procedure: t.procedureName,
        priority: t.priorityName ?? undefined,
        ahead: t.ahead,
        waitMin: t.estimatedWaitSeconds === null ? undefined : Math.round(t.estimatedWaitSeconds / 60),
        counters: t.counters.map((c) => c.id).join(','),
      });
    } catch (error) {
      kioskLog.warn('hub did not answer', { error: (error as Error).message });
    }
  };

  // -- the speaker: the real speaker program (edge/speaker) in simulate mode,
  // writing each announcement as a WAV file instead of playing it.
  const speaker = await startDemoSpeaker(
    config.dataDir,
    mqttUrl,
    httpUrl,
    credentials['speaker-demo']!.password,
  );

  // -- simulated rating device at counter 1: shows what its counter serves
  const rating = connect('rating-demo-1', [topics.counterState(1)]);
  rating.on('message', (topic, payload) => {
    if (topic === topics.counterState(1)) {
      const current = (JSON.parse(payload.toString()) as { current: { display: string } | null }).current;
      createLogger('rating-demo-1').debug('counter 1 display', { showing: current?.display ?? '----' });
    }
  });

  // -- simulated officers canbo1..4 at counters 1..4: they sign in, take their
  // counter, then call, start and finish through the HTTP API like the console.
  const officerLog = createLogger('officer-demo');
  const sessions = new Map<number, string>();
  const post = (counterId: number, action: string) =>
    fetch(`${httpUrl}/api/counters/${counterId}/${action}`, {
      method: 'POST',
      headers: { cookie: sessions.get(counterId) ?? '', origin: httpUrl },
    });
  for (let counterId = 1; counterId <= 4; counterId++) {
    const username = `canbo${counterId}`;
    const res = await fetch(`${httpUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: httpUrl },
      body: JSON.stringify({ username, password: accounts[username]!.password }),
    });
    sessions.set(counterId, (res.headers.get('set-cookie') ?? '').split(';')[0]!);
    await post(counterId, 'take');
  }
  const act = async () => {
    const counterId = 1 + Math.floor(Math.random() * 4);
    const state = (await (await fetch(`${httpUrl}/api/counters/${counterId}`)).json()) as {
      current: { status: string } | null;
    };
    const action = !state.current ? 'call-next' : state.current.status === 'called' ? 'start' : 'finish';
    const res = await post(counterId, action);
    const body = (await res.json()) as {
      error?: { message: string };
      display?: string;
      ticket?: { display: string };
    };
    if (res.ok)
      officerLog.info(`quầy ${counterId}: ${action}`, { ticket: body.ticket?.display ?? body.display });
    else if (action !== 'call-next')
      officerLog.warn(`quầy ${counterId}: ${action} refused`, { reason: body.error?.message });
  };

  const timers = [
    setInterval(() => void press(), 3000),
    setInterval(() => act().catch((error: unknown) => officerLog.warn('action failed', { error })), 2000),
  ];

  console.log(`
Hub is running (embedded MQTT broker and SQLite store in ${resolve(config.dataDir)}).
  Officer console:     ${httpUrl}/console  (canbo1..canbo4 are the simulated officers)
  Display board:       ${httpUrl}/board
  Administration:      ${httpUrl}/admin    Reports: ${httpUrl}/reports
  Queue (JSON):        ${httpUrl}/api/queue
  Counters:            ${httpUrl}/api/counters
  OpenAPI document:    ${httpUrl}/api/openapi.json
  Health:              ${httpUrl}/api/health
  MQTT broker:         ${mqttUrl}  (MQTT 3.1.1, device credentials only)
  Demo credentials (accounts demo-admin and canbo1..4, devices): ${credentialsFile}
    e.g. watch the calls as the demo speaker would:
    mosquitto_sub -V mqttv311 -h 127.0.0.1 -p ${hub.mqttPort} -i speaker-demo:watch -u speaker-demo \\
      -P "$(node -p "require('${credentialsFile}').devices['speaker-demo'].password")" -t ${topics.announce} -v
  Announcements (WAV, the last 50): ${speaker.announcementsDir}
Simulated kiosk, speaker, rating device and officers are running. Ctrl+C stops everything.
`);

  const stop = async () => {
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([kiosk.close(), speaker.stop(), rating.close()]);
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) log.error(error.message);
  else
    log.error('demo failed to start', {
      error: error instanceof Error ? (error.stack ?? error.message) : error,
    });
  process.exit(1);
});
