// The counter number display over a real serial line: socat links two ptys,
// the rating program opens one end with `serialport` and the test reads the
// other, as an LED board would. The board shows the number called at its
// counter, blanks it when the service is over, and shows the right number
// again after the hub restarts (from the counter's retained state).

import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RatingDevice, startRating } from '../../edge/rating-button/main.js';
import { SimulatedGpio } from '../../shared/hardware/gpio.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { freePort, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { ratingConfig, socatPair, testKiosk, testOfficer, until } from '../helpers/rating.js';

describe('counter display on a serial line', () => {
  let dir: ReturnType<typeof tempDir>;
  let t: TestHub | undefined;
  let device: RatingDevice | undefined;
  let pair: Awaited<ReturnType<typeof socatPair>>;
  let board: SerialPort;
  let received = '';

  beforeEach(async () => {
    dir = tempDir('qms-display-');
    pair = await socatPair(dir.path);
    board = new SerialPort({ path: pair.b, baudRate: 9600 });
    board.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    await new Promise<void>((resolve, reject) => board.once('open', resolve).once('error', reject));
    received = '';
  });
  afterEach(async () => {
    await device?.stop();
    device = undefined;
    await t?.stop();
    t = undefined;
    if (board.isOpen) await new Promise<void>((resolve) => board.close(() => resolve()));
    await pair.stop();
    dir.remove();
  });

  /** The frames received so far, one per line. */
  const frames = () => received.split('\r\n').filter((f) => f.length > 0);

  it('shows the called number, blanks after the service, and shows it again after a hub restart', async () => {
    const hubDir = `${dir.path}/hub`;
    const ports = { mqttPort: await freePort(), httpPort: await freePort() };
    t = await startTestHub({ dataDir: hubDir, ...ports });
    const password = t.addDevice('rating-1', 'rating', 1);
    const kioskPassword = t.addDevice('kiosk-1', 'kiosk');
    const officer = testOfficer(
      t.httpUrl,
      await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')),
      1,
    );
    await officer.take();

    device = await startRating(
      ratingConfig({
        deviceId: 'rating-1',
        password,
        mqttUrl: t.mqttUrl,
        dataDir: `${dir.path}/device`,
        counterId: 1,
        hardware: { display: { path: pair.a, baudRate: 9600, frame: '[{number}]\r\n', idle: '----' } },
      }),
      { gpio: new SimulatedGpio(), log: createLogger('rating-1', { sink: memorySink(), timestamps: false }) },
    );
    // Nothing called yet: the idle text, from the retained state.
    await until('idle frame', () => frames().at(-1) === '[----]');

    const kiosk = await testKiosk(t.mqttUrl, 'kiosk-1', kioskPassword);
    const first = await kiosk.issue('can-cuoc-01');
    const second = await kiosk.issue('can-cuoc-01');
    await kiosk.close();
    await officer.callNext();
    await until(`number ${first.display}`, () => frames().at(-1) === `[${first.display}]`);
    await officer.start();
    await officer.finish();
    await until('blank after the service', () => frames().at(-1) === '[----]');
    await officer.callNext();
    await until(`number ${second.display}`, () => frames().at(-1) === `[${second.display}]`);

    // The hub goes away and comes back on the same store: the board keeps
    // its number meanwhile and is sent the right one again on reconnect.
    await t.stop();
    await until('device sees the hub gone', () => !device!.connection.connected);
    await sleep(300); // an absence: time for a wrong frame to show while the hub is away, not a wait for something
    received = '';
    t = await startTestHub({ dataDir: hubDir, ...ports });
    await until(
      'number sent again after the restart',
      () => frames().includes(`[${second.display}]`),
      15_000,
    );
    expect(frames().every((f) => f === `[${second.display}]`)).toBe(true);

    // And it follows the counter afterwards (same port, same store: the session still holds).
    await officer.start();
    await officer.finish();
    await until('blank after the service', () => frames().at(-1) === '[----]');
  }, 60_000);

  it('reopens the serial line when it comes back (board or adapter replugged) and sends the number again', async () => {
    t = await startTestHub();
    const password = t.addDevice('rating-1', 'rating', 1);
    const officer = testOfficer(
      t.httpUrl,
      await t.signIn('canbo1', await t.addAccount('canbo1', 'officer')),
      1,
    );
    await officer.take();
    const kiosk = await testKiosk(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
    const ticket = await kiosk.issue('can-cuoc-01');
    await kiosk.close();
    await officer.callNext();

    device = await startRating(
      ratingConfig({
        deviceId: 'rating-1',
        password,
        mqttUrl: t.mqttUrl,
        dataDir: `${dir.path}/device`,
        counterId: 1,
        hardware: {
          display: { path: pair.a, baudRate: 9600, frame: '\\x02{number}\\x03', width: 6, refreshSeconds: 1 },
        },
      }),
      { gpio: new SimulatedGpio(), log: createLogger('rating-1', { sink: memorySink(), timestamps: false }) },
    );
    const framed = `\x02${ticket.display.padStart(6, ' ')}\x03`;
    await until('STX number ETX', () => received.endsWith(framed));

    // The line goes away (socat stops: the pty is gone) and comes back under the same name.
    await new Promise<void>((resolve) => board.close(() => resolve()));
    await pair.stop();
    await sleep(500); // the line stays away a while (the device meets writes that fail), not a wait for something
    pair = await socatPair(dir.path);
    board = new SerialPort({ path: pair.b, baudRate: 9600 });
    received = '';
    board.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    await until('number sent again on the new line', () => received.includes(framed), 15_000);
  }, 60_000);
});
