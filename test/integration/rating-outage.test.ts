// Ratings are never lost: with the hub process killed, presses stay in the
// device's outbox file (fault LED blinking); when the hub is back each
// arrives once, in order, and is judged by when it was pressed, not when it
// arrived (the hub was down for longer than the rating window here).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTBOX_FILE, type RatingDevice, startRating } from '../../edge/rating-button/main.js';
import { AccountStore } from '../../hub/auth/account-store.js';
import { generatePassword, hashPassword } from '../../hub/auth/passwords.js';
import { SETTING_KEYS } from '../../hub/service/admin-settings.js';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { QueueStore } from '../../hub/store/queue-store.js';
import { SimulatedGpio } from '../../shared/hardware/gpio.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import {
  answeredRatingEvents,
  ratingConfig,
  signInAt,
  testKiosk,
  testOfficer,
  until,
} from '../helpers/rating.js';

// Long enough that the presses below land inside it even on a busy machine
// (they follow the service by a second or two); the outage then outlasts it.
const WINDOW_SECONDS = 20;

describe('rating device while the hub is down', () => {
  const hubDir = tempDir('qms-rating-hub-');
  const deviceDir = tempDir('qms-rating-dev-');
  let hub: HubProcess | undefined;
  let device: RatingDevice | undefined;

  afterEach(async () => {
    await device?.stop();
    await hub?.kill();
    hubDir.remove();
    deviceDir.remove();
  });

  it('keeps presses while the hub is down; after the restart each arrives once, judged by its press time', async () => {
    // The hub's store, prepared as an administrator would: devices, an
    // officer, and a short rating window (the outage will be longer).
    const db = openDb(hubDir.path);
    const devices = new DeviceStore(db);
    const ratingPassword = devices.register('rating-1', 'rating', 1, Date.now());
    const kioskPassword = devices.register('kiosk-1', 'kiosk', null, Date.now());
    const officerPassword = generatePassword();
    new AccountStore(db).create(
      {
        username: 'canbo1',
        displayName: 'Cán bộ 1',
        role: 'officer',
        passwordHash: await hashPassword(officerPassword),
      },
      Date.now(),
    );
    new QueueStore(db).putSetting(SETTING_KEYS.ratingRules, {
      windowSeconds: WINDOW_SECONDS,
      policy: 'correction',
      correctionSeconds: 5,
    });
    db.close();

    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    hub = await spawnHub(hubDir.path, mqttPort, httpPort);

    const logs = memorySink();
    device = await startRating(
      ratingConfig({
        deviceId: 'rating-1',
        password: ratingPassword,
        mqttUrl,
        dataDir: deviceDir.path,
        counterId: 1,
      }),
      { gpio: new SimulatedGpio(), log: createLogger('rating-1', { sink: logs, timestamps: false }) },
    );
    const accepted: { id: string; outcome: string | undefined }[] = [];
    const refused: { id: string; code: string }[] = [];
    device.on('accepted', (e, r) => accepted.push({ id: e.id, outcome: r?.outcome }));
    device.on('refused', (e, error) => refused.push({ id: e.id, code: error.code }));
    let pressed = 0;
    device.on('pressed', () => pressed++);
    await until('device online', () => device!.connection.connected);

    // canbo1 serves one citizen at counter 1.
    const kiosk = await testKiosk(mqttUrl, 'kiosk-1', kioskPassword);
    const ticket = await kiosk.issue('can-cuoc-01');
    await kiosk.close();
    const officer = testOfficer(httpUrl, await signInAt(httpUrl, 'canbo1', officerPassword), 1);
    await officer.take();
    await officer.serve();
    const servedBy = Date.now(); // the hub finished the service no later than this
    await until('invite after service', () => device!.invite === 'done');

    // The hub dies. The citizen presses "Không hài lòng", then thinks again
    // and presses "Rất hài lòng" (once the first is saved: the order is certain).
    await hub.kill('SIGKILL');
    hub = undefined;
    await until('device sees the hub gone', () => !device!.connection.connected);
    await until('fault LED blinking slowly', () => device!.leds.patterns()!.fault === 'blink-slow');
    device.press('unsatisfied');
    await until('first press on disk', () => pressed === 1);
    // The change of mind comes at once. Each late message carries its own
    // transit, which on a loaded machine differs by hundreds of ms between
    // two messages; the hub orders two presses of one device by the device's
    // own clock (hub/ratings/rules.ts pressInterval), so it still sees the
    // second press come after the first.
    device.press('very_satisfied');
    await until('both presses on disk', () => pressed === 2);
    const onDisk = JSON.parse(readFileSync(join(deviceDir.path, OUTBOX_FILE), 'utf8')) as {
      events: { id: string; level: string; pressedAt: number }[];
    };
    expect(onDisk.events.map((e) => e.level)).toEqual(['unsatisfied', 'very_satisfied']);
    const ids = onDisk.events.map((e) => e.id);
    const [first, second] = onDisk.events as [(typeof onDisk.events)[0], (typeof onDisk.events)[0]];
    console.log(
      `rating outage: presses ${first.pressedAt - servedBy} ms and ${second.pressedAt - servedBy} ms ` +
        `after the service (window ${WINDOW_SECONDS} s), ${second.pressedAt - first.pressedAt} ms apart`,
    );
    // The premise, from the presses' own timestamps: both inside the window,
    // the second within the 5 s correction time of the first.
    expect(second.pressedAt - servedBy, 'presses inside the rating window').toBeLessThan(
      WINDOW_SECONDS * 1000,
    );
    expect(second.pressedAt - first.pressedAt, 'second press within the correction time').toBeLessThan(5000);

    // Down for longer than the window: a press timed on arrival would be refused.
    await until(
      'the rating window over',
      () => Date.now() > servedBy + (WINDOW_SECONDS + 1) * 1000,
      (WINDOW_SECONDS + 2) * 1000,
    );
    expect(accepted).toEqual([]);
    hub = await spawnHub(hubDir.path, mqttPort, httpPort);

    await until('both answered', () => accepted.length + refused.length === 2, 60_000);
    expect(refused).toEqual([]);
    expect(accepted).toEqual([
      { id: ids[0], outcome: 'recorded' },
      { id: ids[1], outcome: 'corrected' }, // within 5 s of the first: the correction counts
    ]);
    expect(device.outbox.events).toEqual([]);
    await until('fault LED off', () => device!.leds.patterns()!.fault === 'off');

    // A press now (long after the window, timed by the hub) is refused and shown.
    const late = new Promise<string>((resolve) =>
      device!.once('refused', (_e, error) => resolve(error.code)),
    );
    device.press('satisfied');
    expect(await late).toBe('rating_window_closed');
    expect(device.leds.patterns()!.fault).toBe('blink-fast');

    // In the store: one rating for the ticket, the corrected one; each event answered once.
    const store = openDb(hubDir.path);
    try {
      expect(store.prepare('SELECT * FROM ratings').all()).toMatchObject([
        { id: ids[1], ticket_id: ticket.ticketId, officer: 'canbo1', level: 'very_satisfied', score: 2 },
      ]);
      expect(answeredRatingEvents(store, 'rating-1')).toEqual(ids);
    } finally {
      store.close();
    }
    const output = hub.output();
    expect(output.match(/rating recorded/g)).toHaveLength(1);
    expect(output.match(/rating corrected/g)).toHaveLength(1);
    expect(output).not.toMatch(/repeated rating/);
    expect(output).toMatch(/late=true/);
  }, 180_000);
});
