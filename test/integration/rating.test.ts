// The rating program (edge/rating-button, simulated keys) against a real hub:
// a press after a service becomes a stored rating with the right ticket,
// officer and score and shows in the report under that officer; a double
// press counts once; a press with no service to rate is refused and the
// fault LED says so; the invite LED follows the counter's retained state.
// Also the administrator's rating rules (window, first press or correction).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RatingDevice, startRating } from '../../edge/rating-button/main.js';
import { SimulatedGpio } from '../../shared/hardware/gpio.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import {
  answeredRatingEvents,
  getJson,
  ratingConfig,
  testKiosk,
  testOfficer,
  until,
} from '../helpers/rating.js';

interface RatingRow {
  id: string;
  ticket_id: string;
  counter_id: number;
  officer: string | null;
  level: string;
  score: number;
  device_id: string;
}

interface OfficerReportRow {
  username: string | null;
  served: number;
  ballots: number;
  scoreSum: number;
  averageScore: number | null;
  ratings: { level: string; count: number }[];
}

describe('rating keys with a real hub', () => {
  let t: TestHub;
  let dir: ReturnType<typeof tempDir>;
  let device: RatingDevice | undefined;
  let kiosk: Awaited<ReturnType<typeof testKiosk>>;
  const logs = memorySink();

  beforeEach(async () => {
    logs.lines.length = 0;
    t = await startTestHub();
    dir = tempDir('qms-rating-');
    kiosk = await testKiosk(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
  });
  afterEach(async () => {
    await device?.stop();
    device = undefined;
    await kiosk.close();
    await t.stop();
    dir.remove();
  });

  const ratings = () => t.hub.db.prepare('SELECT * FROM ratings ORDER BY at').all() as RatingRow[];

  /** The keys' clock: a test moves it by hand, so the press window never depends on the machine's speed. */
  let keyTime = 1_000_000;

  async function start(deviceId = 'rating-1', counterId = 1) {
    const gpio = new SimulatedGpio();
    const config = ratingConfig({
      deviceId,
      password: t.addDevice(deviceId, 'rating', counterId),
      mqttUrl: t.mqttUrl,
      dataDir: dir.path,
      counterId,
    });
    const d = await startRating(config, {
      gpio,
      keyClock: () => keyTime,
      log: createLogger(deviceId, { sink: logs, timestamps: false }),
      ledTiming: { okMs: 400, refusedMs: 400 },
    });
    await until('device online', () => d.connection.connected);
    return d;
  }

  /** Press a key and wait for the hub's answer to that press. */
  function pressAndWait(d: RatingDevice, level: Parameters<RatingDevice['press']>[0]) {
    return new Promise<
      { ok: true; result: Parameters<Parameters<RatingDevice['on']>[1]>[1] } | { ok: false; code: string }
    >((resolve) => {
      d.once('accepted', (_e, result) => resolve({ ok: true, result } as never));
      d.once('refused', (_e, error) => resolve({ ok: false, code: error.code }));
      keyTime += 10_000; // a separate press, well after any window
      d.press(level);
    });
  }

  it('a press after the service is stored for that ticket and officer with its score, and shows in the report', async () => {
    const officer = testOfficer(
      t.httpUrl,
      await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')),
      1,
    );
    await officer.take();
    device = await start();

    // Nothing served yet at counter 1: refused, and the fault LED blinks fast.
    const early = await pressAndWait(device, 'very_satisfied');
    expect(early).toEqual({ ok: false, code: 'no_recent_service' });
    expect(device.leds.patterns()).toMatchObject({ fault: 'blink-fast', ok: 'off', invite: 'off' });
    expect(device.outbox.events).toEqual([]); // refused: dropped, not retried
    await until('fault cleared', () => device!.leds.patterns()!.fault === 'off');

    // A citizen is served: the invite LED is on during the service, blinks after it.
    const ticket = await kiosk.issue('can-cuoc-01');
    await officer.callNext();
    await officer.start();
    await until('invite during service', () => device!.invite === 'serving');
    expect(device.leds.patterns()!.invite).toBe('on');
    await officer.finish();
    await until('invite after service', () => device!.invite === 'done');
    expect(device.leds.patterns()!.invite).toBe('blink-slow');

    const answer = await pressAndWait(device, 'satisfied');
    expect(answer).toMatchObject({
      ok: true,
      result: {
        ticketId: ticket.ticketId,
        display: ticket.display,
        level: 'satisfied',
        score: 1,
        outcome: 'recorded',
      },
    });
    expect(device.leds.patterns()!.ok).toBe('on');
    // Rated: the counter's state says so and the invite stops.
    await until('invite off once rated', () => device!.invite === null);
    expect(ratings()).toMatchObject([
      {
        ticket_id: ticket.ticketId,
        counter_id: 1,
        officer: 'canbo1',
        level: 'satisfied',
        score: 1,
        device_id: 'rating-1',
      },
    ]);

    // The report shows the ballot under the officer who served the ticket.
    const admin = await t.signIn('admin1', await t.addAccount('admin1', 'admin'));
    const report = await getJson<{ officers: { rows: OfficerReportRow[] } }>(
      t.httpUrl,
      admin,
      '/api/reports',
    );
    const row = report.officers.rows.find((r) => r.username === 'canbo1');
    expect(row).toMatchObject({ served: 1, ballots: 1, scoreSum: 1, averageScore: 1 });
    expect(row!.ratings.find((r) => r.level === 'satisfied')!.count).toBe(1);
  });

  it('a double press counts once: a bounce on the device, a second press at the hub', async () => {
    const officer = testOfficer(
      t.httpUrl,
      await t.signIn('canbo2', await t.addAccount('canbo2', 'officer')),
      1,
    );
    await officer.take();
    device = await start();
    const ticket = await kiosk.issue('can-cuoc-01');
    await officer.serve();
    await until('invite after service', () => device!.invite === 'done');

    const pressed: string[] = [];
    device.on('pressed', (e) => pressed.push(e.id));
    const answers: string[] = [];
    device.on('accepted', (_e, r) => answers.push(r!.outcome));

    // Twice within the press window (300 ms here, on the keys' own clock): one event.
    const line = device.keys.lineOf('very_satisfied')!;
    const gpio = device.gpio as SimulatedGpio;
    gpio.press(line);
    keyTime += 50;
    gpio.press(line);
    await until('first answer', () => answers.length === 1);
    expect(pressed).toHaveLength(1);

    // Again after the window: a second event, which the hub keeps as one rating.
    keyTime += 350;
    gpio.press(line);
    await until('second answer', () => answers.length === 2);
    expect(pressed).toHaveLength(2);
    expect(answers).toEqual(['recorded', 'kept']);
    expect(ratings()).toMatchObject([{ ticket_id: ticket.ticketId, level: 'very_satisfied', score: 2 }]);
    // Each event id answered once, stored once.
    expect(answeredRatingEvents(t.hub.db, 'rating-1')).toEqual(pressed);
  });

  it('a device registered to another counter rates only there; its own counter with no service refuses', async () => {
    const officer = testOfficer(
      t.httpUrl,
      await t.signIn('canbo3', await t.addAccount('canbo3', 'officer')),
      1,
    );
    await officer.take();
    await kiosk.issue('can-cuoc-01');
    await officer.serve();
    // rating-2 belongs to counter 2, where nobody was served.
    device = await start('rating-2', 2);
    expect(await pressAndWait(device, 'unsatisfied')).toEqual({ ok: false, code: 'no_recent_service' });
    expect(ratings()).toEqual([]);
  });

  it('administrators set the window and the policy; bad rules are refused in words', async () => {
    const admin = t.as(await t.signIn('admin2', await t.addAccount('admin2', 'admin')));
    const put = (body: unknown) => admin('/api/admin/settings/rating-rules', { method: 'PUT', body });
    const defaults = (await (await admin('/api/admin/settings')).json()) as { ratingRules: unknown };
    expect(defaults.ratingRules).toEqual({ windowSeconds: 120, policy: 'correction', correctionSeconds: 5 });

    const ok = await put({ windowSeconds: 300, policy: 'first', correctionSeconds: 3 });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { ratingRules: unknown }).ratingRules).toEqual({
      windowSeconds: 300,
      policy: 'first',
      correctionSeconds: 3,
    });

    const tooShort = await put({ windowSeconds: 5, policy: 'first', correctionSeconds: 3 });
    expect(tooShort.status).toBe(400);
    expect(((await tooShort.json()) as { error: { message: string } }).error.message).toMatch(
      /thời gian nhận đánh giá/,
    );
    const unknownPolicy = await put({ windowSeconds: 60, policy: 'last', correctionSeconds: 3 });
    expect(unknownPolicy.status).toBe(400);
    const longCorrection = await put({ windowSeconds: 30, policy: 'correction', correctionSeconds: 30 });
    expect(longCorrection.status).toBe(400);
    expect(((await longCorrection.json()) as { error: unknown }).error).toMatchObject({ code: 'bad_input' });
    // Refusals changed nothing.
    const after = (await (await admin('/api/admin/settings')).json()) as {
      ratingRules: { windowSeconds: number };
    };
    expect(after.ratingRules.windowSeconds).toBe(300);
  });
});
