// The rating device at a counter: `npm run rating -- --config rating.json`
// from source, `node dist/edge/rating-button/main.js --config /etc/qms/rating.json`
// on a Pi. A citizen presses one key after the service; the press becomes a
// rating event with its own id, is written to the outbox (a durable JSON
// file in dataDir) and sent to the hub with `submit-rating`; the hub ties it to the
// ticket served last at this counter and its officer. LEDs invite a rating
// (from the counter's retained state), confirm what the hub accepted and
// show a refusal or an unreachable hub. An optional serial LED board shows
// the number called at the counter. With `simulate: true` the keys are
// simulated GPIO lines and a display without a serial path writes to
// <dataDir>/display.txt.

import { EventEmitter } from 'node:events';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, type RatingConfig } from '../../shared/config/device-config.js';
import { DeviceConnection } from '../../shared/device/connection.js';
import { joinFaults, stateFaultOf, stateFaultText } from '../../shared/device/fault.js';
import { mainIfEntry } from '../../shared/device/program.js';
import { type GpioBackend, OnoffBackend, SimulatedGpio } from '../../shared/hardware/gpio.js';
import { timeOrderedId } from '../../shared/ids/time-ordered-id.js';
import { createLogger, type Logger } from '../../shared/log/logger.js';
import { counterStateMessage, decodePayload, type RatingResult } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { RATING_NAMES, type RatingLevel } from '../../shared/ratings.js';
import { appVersion } from '../../shared/version.js';
import { CounterDisplay, type DisplaySink, fileSink, serialSink } from './display.js';
import { RatingKeys } from './keys.js';
import { type InviteState, RatingLeds } from './leds.js';
import { type RatingEvent, RatingOutbox, RatingSender } from './outbox.js';

export const OUTBOX_FILE = 'rating-outbox.json';
export const DISPLAY_FILE = 'display.txt';
/** How often the display gets its number again when the config does not say. */
export const DISPLAY_REFRESH_SECONDS = 30;

export interface RatingOptions {
  log?: Logger;
  /** Replaces the GPIO backend chosen from the config (tests, the demo). */
  gpio?: GpioBackend;
  /** Replaces the display's serial port or file. */
  displaySink?: DisplaySink;
  /** LED timings (tests shorten them). */
  ledTiming?: { okMs: number; refusedMs: number };
  /** The clock the keys' debounce and press window read (tests drive it by hand). */
  keyClock?: () => number;
}

export interface RatingDeviceEvents {
  /** A key press, written to the outbox. */
  pressed: [event: RatingEvent];
  accepted: [event: RatingEvent, result: RatingResult | null];
  refused: [event: RatingEvent, error: { code: string; message: string }];
}

export interface RatingDevice extends EventEmitter<RatingDeviceEvents> {
  config: RatingConfig;
  connection: DeviceConnection;
  gpio: GpioBackend;
  keys: RatingKeys;
  leds: RatingLeds;
  outbox: RatingOutbox;
  display: CounterDisplay | null;
  /** What the invite LED shows now (from the counter's retained state). */
  readonly invite: InviteState;
  /** Simulation: press the key of a level (needs a SimulatedGpio backend). */
  press(level: RatingLevel): void;
  /** Resolves when the hub has answered every press so far (or after `ms`). */
  idle(ms?: number): Promise<boolean>;
  stop(): Promise<void>;
}

async function gpioBackend(config: RatingConfig, log: Logger): Promise<GpioBackend> {
  if (config.simulate) {
    log.info('simulate mode: keys and LEDs are simulated GPIO lines');
    return new SimulatedGpio();
  }
  return OnoffBackend.load(config.hardware.gpio, (error) => log.error('GPIO', { error: error.message }));
}

function displaySink(config: RatingConfig, log: Logger): DisplaySink | null {
  const display = config.hardware.display;
  if (!display) return null;
  if (display.path) {
    return serialSink({ path: display.path, baudRate: display.baudRate, rs485: display.rs485, log });
  }
  if (config.simulate) return fileSink(resolve(config.dataDir, DISPLAY_FILE), log);
  throw new ConfigError('rating config', [
    'hardware.display.path: a serial device is needed unless simulate is on',
  ]);
}

/** Start the rating device: outbox, GPIO keys and LEDs, display, connection. */
export async function startRating(config: RatingConfig, options: RatingOptions = {}): Promise<RatingDevice> {
  const log = options.log ?? createLogger('rating');
  const { hardware } = config;
  const counterId = hardware.counterId;
  // A display without a serial path on a real device is refused before anything starts.
  const sink = options.displaySink ?? displaySink(config, log.child('display'));
  // A damaged outbox is salvaged (every whole press kept) and shown in the status; the device runs on.
  const outbox = await RatingOutbox.open(resolve(config.dataDir, OUTBOX_FILE), log.child('outbox'), {
    deviceId: config.deviceId,
  });
  const gpio = options.gpio ?? (await gpioBackend(config, log));
  const keys = new RatingKeys(
    gpio,
    hardware.keys,
    {
      debounceMs: hardware.debounceMs,
      pressWindowMs: hardware.pressWindowMs,
    },
    options.keyClock,
  );
  const leds = new RatingLeds(gpio, hardware.leds, options.ledTiming);
  const display =
    sink && hardware.display
      ? new CounterDisplay(
          sink,
          { frame: hardware.display.frame, idle: hardware.display.idle, width: hardware.display.width },
          counterId,
          (hardware.display.refreshSeconds ?? DISPLAY_REFRESH_SECONDS) * 1000,
        )
      : null;

  const connection = new DeviceConnection({
    url: config.hub.mqttUrl,
    deviceId: config.deviceId,
    role: 'rating',
    password: config.credentials.password,
    version: appVersion(),
    log: log.child('mqtt'),
    subscriptions: [topics.counterState(counterId)],
  });
  const sender = new RatingSender(outbox, connection, {
    counterId,
    timeoutMs: hardware.requestTimeoutMs,
    log,
  });
  const events = new EventEmitter<RatingDeviceEvents>();
  let invite: InviteState = null;

  if (outbox.damage) {
    // Shown in the device list on the hub until the program restarts.
    connection.setStatus({
      fault: joinFaults([stateFaultText(outbox.damage)]),
      stateFault: stateFaultOf(outbox.damage),
    });
  }

  leds.setUnreachable(true); // until the first connection
  connection.on('connected', () => leds.setUnreachable(false));
  connection.on('disconnected', () => leds.setUnreachable(true));

  connection.on('message', (topic, payload) => {
    if (topic !== topics.counterState(counterId)) return;
    if (payload.length === 0) {
      // The counter was removed: nothing to show or rate.
      invite = null;
      leds.setInvite(null);
      void display?.show(null);
      return;
    }
    const decoded = decodePayload(payload, counterStateMessage);
    if (!decoded.ok) {
      log.warn('bad counter state ignored', { code: decoded.code, reason: decoded.message });
      return;
    }
    const state = decoded.value;
    const rating = state.rating ?? null;
    invite = rating && !rating.rated ? rating.status : null;
    leds.setInvite(invite);
    void display?.show(state.current?.display ?? null);
  });

  keys.on('press', (level) => {
    const event: RatingEvent = { id: timeOrderedId(), level, pressedAt: Date.now() };
    outbox.add(event).then(
      () => {
        log.info(`key pressed: ${RATING_NAMES[level]}`, { id: event.id, waiting: outbox.events.length });
        events.emit('pressed', event);
        sender.kick();
      },
      (error: unknown) => {
        // Not on disk, so not sent either: say so on the LED and in the log.
        log.error('rating not saved', { level, error });
        leds.refused();
      },
    );
  });

  sender.on('accepted', (event, result) => {
    leds.setUnreachable(!connection.connected);
    leds.accepted();
    log.info(`rating ${result?.outcome ?? 'accepted'}`, {
      id: event.id,
      ticket: result?.display,
      counts: result ? RATING_NAMES[result.level] : undefined,
      waiting: outbox.events.length,
    });
    events.emit('accepted', event, result);
  });
  sender.on('refused', (event, error) => {
    leds.refused();
    log.warn('rating refused by the hub', { id: event.id, code: error.code, reason: error.message });
    events.emit('refused', event, error);
  });
  sender.on('unanswered', (event, reason) => {
    leds.setUnreachable(true);
    log.warn('rating kept for later: the hub did not answer', {
      id: event.id,
      reason,
      waiting: outbox.events.length,
    });
  });
  sender.kick(); // anything left from before a restart
  log.info('rating device ready', {
    counter: counterId,
    keys: hardware.keys.length,
    waiting: outbox.events.length,
    simulate: config.simulate,
  });

  const device = Object.assign(events, {
    config,
    connection,
    gpio,
    keys,
    leds,
    outbox,
    display,
    invite,
    press(level: RatingLevel) {
      const line = keys.lineOf(level);
      if (line === undefined) throw new Error(`no key for ${level} in the config`);
      if (!(gpio instanceof SimulatedGpio)) throw new Error('press() needs simulated GPIO');
      gpio.press(line);
    },
    async idle(ms = 10_000) {
      const deadline = Date.now() + ms;
      while (outbox.events.length > 0) {
        if (Date.now() > deadline) return false;
        await sleep(10);
      }
      return true;
    },
    async stop() {
      keys.close();
      await sender.stop();
      await connection.close();
      leds.close();
      await display?.close();
    },
  });
  // A live view of the invite state (Object.assign would copy its value once).
  Object.defineProperty(device, 'invite', { get: () => invite, enumerable: true });
  return device;
}

// ---------------------------------------------------------------- the program

mainIfEntry(import.meta.url, {
  role: 'rating',
  name: 'rating',
  folder: 'rating-button',
  start: (config, log) => startRating(config, { log }),
  // `press satisfied` presses the key of that level.
  input: (device, line) => {
    const m = /^press\s+(\S+)$/.exec(line);
    if (!m) throw new Error('expected "press <level>"');
    device.press(m[1] as RatingLevel);
    return `key ${m[1]} pressed`;
  },
  describe: (config, device) =>
    device
      ? { waiting: device.outbox.events.length }
      : { counter: config.hardware.counterId, outbox: join(resolve(config.dataDir), OUTBOX_FILE) },
});
