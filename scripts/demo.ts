// `npm start`: the hub on its embedded defaults plus simulated devices, so the
// whole flow can be watched without any hardware. Simulated devices connect
// over MQTT with their own credentials like real ones; an officer is
// simulated through the HTTP API like the counter console does. Citizens and
// officers keep the pace of the default office profile (scripts/demo-pace.ts),
// QMS_DEMO_SPEED times faster than real time.

import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKiosk } from '../edge/kiosk/main.js';
import { DISPLAY_FILE, startRating } from '../edge/rating-button/main.js';
import { buildClipPack, missingClipTools } from '../edge/speaker/build-clips.js';
import { MANIFEST_FILE } from '../edge/speaker/clip-pack.js';
import { startSpeaker } from '../edge/speaker/main.js';
import { startHub } from '../hub/app.js';
import { generatePassword, hashPassword } from '../hub/auth/passwords.js';
import { ConfigError, loadHubConfig } from '../hub/config.js';
import { DEFAULT_SITE_NAME, type DeviceConfig, parseDeviceConfig } from '../shared/config/device-config.js';
import { failedToStart } from '../shared/device/program.js';
import { createLogger } from '../shared/log/logger.js';
import { counterStateMessage, decodePayload } from '../shared/protocol/messages.js';
import type { Role } from '../shared/protocol/topics.js';
import { topics } from '../shared/protocol/topics.js';
import { loadProfile } from '../simulate/profile.js';
import { Random } from '../simulate/random.js';
import {
  arrivalsDuring,
  DEFAULT_DEMO_SPEED,
  officeTimeAt,
  pickField,
  serviceSpread,
  stepMs,
} from './demo-pace.js';

const log = createLogger('demo');
const DEMO_DEVICES: { id: string; role: Role; counterId: number | null }[] = [
  { id: 'kiosk-demo', role: 'kiosk', counterId: null },
  { id: 'speaker-demo', role: 'speaker', counterId: null },
  { id: 'rating-demo-1', role: 'rating', counterId: 1 },
];

/** The hub as the demo's simulated devices reach it, with one device's password. */
interface DemoLink {
  mqttUrl: string;
  httpUrl: string;
  password: string;
}

/** A simulated device's config, checked by the same schema as a real device's file. */
function demoDeviceConfig<R extends DeviceConfig['role']>(
  role: R,
  deviceId: string,
  siteName: string,
  { mqttUrl, httpUrl, password }: DemoLink,
  dataDir: string,
  hardware: Record<string, unknown>,
): Extract<DeviceConfig, { role: R }> {
  const config = parseDeviceConfig(
    JSON.stringify({
      role,
      deviceId,
      site: { name: siteName },
      hub: { mqttUrl, httpUrl },
      credentials: { password },
      dataDir,
      simulate: true,
      hardware,
    }),
    `demo ${role}`,
  );
  if (config.role !== role) throw new Error(`demo ${role} config is not a ${role} config`);
  return config as Extract<DeviceConfig, { role: R }>;
}

/**
 * The speaker program in simulate mode, with the default clip pack in
 * <dataDir>/clips (built with espeak-ng the first time). Without espeak-ng the
 * speaker only logs each sentence.
 */
async function startDemoSpeaker(dataDir: string, link: DemoLink) {
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
  const config = demoDeviceConfig('speaker', 'speaker-demo', 'Demo', link, dataDir, { audio: { clipsDir } });
  const speaker = await startSpeaker(config, { log: speakerLog, textOnly });
  return {
    ...speaker,
    announcementsDir: textOnly ? '(none: no clip pack)' : resolve(dataDir, 'announcements'),
  };
}

/**
 * The rating program in simulate mode at counter 1 (simulated keys and LEDs,
 * outbox and display file in <dataDir>/rating-demo-1). When the counter's
 * state shows a finished ticket not rated yet, a simulated citizen presses a
 * key a moment later: mostly "Rất hài lòng", sometimes another level.
 */
async function startDemoRating(dataDir: string, link: DemoLink) {
  const ratingLog = createLogger('rating-demo-1');
  const deviceDir = resolve(dataDir, 'rating-demo-1');
  const config = demoDeviceConfig('rating', 'rating-demo-1', 'Demo', link, deviceDir, {
    counterId: 1,
    keys: [
      { gpio: 5, level: 'very_satisfied' },
      { gpio: 6, level: 'satisfied' },
      { gpio: 13, level: 'unsatisfied' },
    ],
    leds: { invite: 17, ok: 27, fault: 22 },
    display: { frame: '{number}\r\n', idle: '----' },
  });
  const device = await startRating(config, { log: ratingLog });
  const rated = new Set<string>();
  device.connection.on('message', (topic, payload) => {
    if (topic !== topics.counterState(1) || payload.length === 0) return;
    const decoded = decodePayload(payload, counterStateMessage);
    const invite = decoded.ok ? decoded.value.rating : null;
    if (invite?.status !== 'done' || invite.rated || rated.has(invite.ticketId)) return;
    rated.add(invite.ticketId);
    const r = Math.random();
    const level = r < 0.6 ? 'very_satisfied' : r < 0.9 ? 'satisfied' : 'unsatisfied';
    setTimeout(() => device.press(level), 500 + Math.random() * 1500).unref();
  });
  return Object.assign(device, { displayFile: join(deviceDir, DISPLAY_FILE) });
}

/** The buttons of the demo kiosk: the three busiest fields, two of their procedures on their own button. */
const DEMO_KIOSK_BUTTONS = [
  { fieldId: 'can-cuoc' },
  { procedureId: 'can-cuoc-02' },
  { fieldId: 'cu-tru' },
  { procedureId: 'cu-tru-02' },
  { fieldId: 'xuat-nhap-canh' },
];

/**
 * The kiosk program in simulate mode: simulated buttons, and every printed
 * ticket kept as PNG + ESC/POS in <dataDir>/kiosk-demo/printed.
 */
async function startDemoKiosk(dataDir: string, link: DemoLink) {
  const config = demoDeviceConfig(
    'kiosk',
    'kiosk-demo',
    DEFAULT_SITE_NAME,
    link,
    resolve(dataDir, 'kiosk-demo'),
    {
      buttons: DEMO_KIOSK_BUTTONS.map((b, i) => ({ gpio: 5 + i, ...b })),
      priorityButton: { gpio: 26, category: 'nguoi-cao-tuoi' },
      led: { gpio: 17 },
      printer: { paperWidthMm: 80 },
    },
  );
  return startKiosk(config, { log: createLogger('kiosk-demo') });
}

/** QMS_DEMO_SPEED: how many times faster than real time the office day runs (1 = real time). */
function demoSpeed(): number {
  const text = process.env.QMS_DEMO_SPEED;
  if (text === undefined || text === '') return DEFAULT_DEMO_SPEED;
  const speed = Number(text);
  if (!(speed >= 1 && speed <= 60))
    throw new ConfigError('QMS_DEMO_SPEED', [`a number from 1 to 60, not "${text}"`]);
  return speed;
}

async function main() {
  const config = await loadHubConfig();
  const speed = demoSpeed();
  const profile = await loadProfile();
  const random = new Random(Date.now());
  // A developer's computer keeps its own time: the demo trusts it rather than
  // greet a newcomer with the "confirm the time" banner that an office hub
  // with no NTP and no RTC shows (docs/deployment.md, Time).
  const hub = await startHub(
    { ...config, clock: { ...config.clock, trustSystemClock: true } },
    createLogger('hub'),
  );
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
  const linkOf = (deviceId: string): DemoLink => ({
    mqttUrl,
    httpUrl,
    password: credentials[deviceId]!.password,
  });

  // -- the kiosk: the real kiosk program (edge/kiosk) in simulate mode;
  // simulated citizens arrive at the profile's rate for the hour of the
  // office day and press a button of their field (the profile's share with
  // the priority button first); each printed ticket is kept as a PNG.
  const kiosk = await startDemoKiosk(config.dataDir, linkOf('kiosk-demo'));
  const fieldOf = (b: (typeof DEMO_KIOSK_BUTTONS)[number]): string =>
    b.fieldId ?? (b.procedureId ?? '').replace(/-\d+$/, '');
  const kioskFields = [...new Set(DEMO_KIOSK_BUTTONS.map(fieldOf))];
  const started = Date.now();
  const TICK_MS = 1000;
  const arrive = () => {
    if (!kiosk.catalogue) return;
    const now = officeTimeAt(profile, Date.now() - started, speed);
    for (let n = arrivalsDuring(profile, kioskFields, now.seconds, TICK_MS, speed, random); n > 0; n--) {
      const field = pickField(profile, kioskFields, now.seconds, random);
      const buttons = DEMO_KIOSK_BUTTONS.flatMap((b, i) => (fieldOf(b) === field ? [i] : []));
      if (random.chance(profile.priorityShare)) kiosk.press('priority');
      kiosk.press(buttons[Math.floor(random.next() * buttons.length)]!);
    }
  };

  // -- the speaker: the real speaker program (edge/speaker) in simulate mode,
  // writing each announcement as a WAV file instead of playing it.
  const speaker = await startDemoSpeaker(config.dataDir, linkOf('speaker-demo'));

  // -- the rating keys at counter 1: the real rating program (edge/rating-button)
  // in simulate mode; a simulated citizen presses a key after each service
  // finished there, and the counter display is written to a file.
  const rating = await startDemoRating(config.dataDir, linkOf('rating-demo-1'));

  // -- simulated officers canbo1..4 at counters 1..4: they sign in, take their
  // counter, then call, start and finish through the HTTP API like the console.
  const officerLog = createLogger('officer-demo');
  const sessions = new Map<number, string>();
  const post = (counterId: number, action: string) =>
    fetch(`${httpUrl}/api/counters/${counterId}/${action}`, {
      method: 'POST',
      headers: { cookie: sessions.get(counterId) ?? '', origin: httpUrl, 'content-type': 'application/json' },
      body: '{}',
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
  // Each officer calls the next citizen, waits the walk-up (or, for a citizen
  // who never comes, recalls and then marks them absent), serves for the
  // procedure's time, pauses, and calls again: the profile's times / speed.
  let stopping = false;
  const act = async (counterId: number, action: string) => {
    const res = await post(counterId, action);
    const body = (await res.json()) as {
      error?: { message: string };
      ticket?: { display: string; fieldId: string; procedureId: string };
    };
    if (res.ok) officerLog.info(`quầy ${counterId}: ${action}`, { ticket: body.ticket?.display });
    else if (action !== 'call-next')
      officerLog.warn(`quầy ${counterId}: ${action} refused`, { reason: body.error?.message });
    return res.ok ? body : undefined;
  };
  const officer = async (counterId: number) => {
    while (!stopping) {
      const called = await act(counterId, 'call-next');
      if (!called?.ticket) {
        await sleep(1000);
        continue;
      }
      const { fieldId, procedureId } = called.ticket;
      if (random.chance(profile.noShow.share)) {
        await sleep((profile.noShow.recallAfterSeconds * 1000) / speed);
        await act(counterId, 'recall');
        await sleep(((profile.noShow.giveUpAfterSeconds - profile.noShow.recallAfterSeconds) * 1000) / speed);
        await act(counterId, 'no-show');
        continue;
      }
      await sleep(stepMs(profile.walkUp, speed, random));
      await act(counterId, 'start');
      await sleep(stepMs(serviceSpread(profile, procedureId, fieldId), speed, random));
      await act(counterId, 'finish');
      await sleep(stepMs(profile.officerGap, speed, random));
    }
  };
  for (let counterId = 1; counterId <= 4; counterId++) {
    void officer(counterId).catch((error: unknown) =>
      officerLog.warn('officer stopped', { counterId, error }),
    );
  }
  const timers = [setInterval(arrive, TICK_MS)];

  console.log(`
Hub is running (embedded MQTT broker and SQLite store in ${resolve(config.dataDir)}).
  Officer console:     ${httpUrl}/console  (canbo1..canbo4 are the simulated officers)
  Display board:       ${httpUrl}/board
  Procedure guide:     ${httpUrl}/guide  (the touch screen's page; "Lấy số" needs a kiosk with a touch screen, docs/guide.md)
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
  Printed tickets (PNG + ESC/POS, the last 50): ${resolve(config.dataDir, 'kiosk-demo', 'printed')}
  Announcements (WAV, the last 50): ${speaker.announcementsDir}
  Rating keys at counter 1 (a citizen rates after each service there; see Reports): display ${rating.displayFile}
Simulated kiosk, speaker, rating device and officers are running at the pace of
${profile.name}, ${speed}× real time (QMS_DEMO_SPEED=1 for real time): the line rises
in the morning peak and drains. Ctrl+C stops everything.
`);

  const stop = async () => {
    stopping = true;
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([kiosk.stop(), speaker.stop(), rating.stop()]);
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => failedToStart(log, 'demo', error));
