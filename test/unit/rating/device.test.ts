// The rating device's parts that need no hub: its config keys, the keys
// (debounce, press window, level per line) and the LED patterns.

import { describe, expect, it } from 'vitest';
import { RatingKeys } from '../../../edge/rating-button/keys.js';
import { RatingLeds } from '../../../edge/rating-button/leds.js';
import { startRating } from '../../../edge/rating-button/main.js';
import { ConfigError, parseDeviceConfig } from '../../../shared/config/device-config.js';
import { SimulatedGpio } from '../../../shared/hardware/gpio.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import type { RatingLevel } from '../../../shared/ratings.js';
import { tempDir } from '../../helpers/hub.js';
import { ratingConfig, THREE_KEYS } from '../../helpers/rating.js';
import { until } from '../../helpers/wait.js';

const base = {
  role: 'rating',
  deviceId: 'rating-01',
  site: { name: 'Test' },
  hub: { mqttUrl: 'mqtt://127.0.0.1:1', httpUrl: 'http://127.0.0.1:1' },
  credentials: { password: 'x' },
};

describe('rating config', () => {
  it('fills the press window and request time-out; display options are optional', () => {
    const config = parseDeviceConfig(
      JSON.stringify({
        ...base,
        hardware: {
          counterId: 2,
          keys: THREE_KEYS,
          display: { frame: '\\x02{number}\\x03', idle: '----', width: 4, refreshSeconds: 0, rs485: {} },
        },
      }),
      'rating.json',
    );
    if (config.role !== 'rating') throw new Error('wrong role');
    expect(config.hardware).toMatchObject({ pressWindowMs: 1000, requestTimeoutMs: 3000 });
    expect(config.hardware.display).toEqual({
      baudRate: 9600,
      frame: '\\x02{number}\\x03',
      idle: '----',
      width: 4,
      refreshSeconds: 0,
      rs485: { turnaroundMs: 2 },
    });
  });

  it('names a bad display option', () => {
    const bad = {
      ...base,
      hardware: { counterId: 2, keys: THREE_KEYS, display: { path: '/dev/ttyUSB0', width: 40 } },
    };
    expect(() => parseDeviceConfig(JSON.stringify(bad), 'rating.json')).toThrow(/hardware\.display\.width/);
  });

  it('a real device (not simulated) needs a serial path for its display', async () => {
    const dir = tempDir('qms-rating-cfg-');
    try {
      const config = {
        ...ratingConfig({
          deviceId: 'rating-01',
          password: 'x',
          mqttUrl: 'mqtt://127.0.0.1:1',
          dataDir: dir.path,
          counterId: 1,
          hardware: { display: { frame: '{number}' } },
        }),
        simulate: false,
      };
      await expect(
        startRating(config, {
          gpio: new SimulatedGpio(),
          log: createLogger('t', { sink: memorySink(), timestamps: false }),
        }),
      ).rejects.toBeInstanceOf(ConfigError);
    } finally {
      dir.remove();
    }
  });
});

describe('rating keys and LEDs on simulated GPIO', () => {
  it('each key line gives its level once per press window; bounces are ignored', () => {
    const gpio = new SimulatedGpio();
    let now = 0;
    const keys = new RatingKeys(gpio, THREE_KEYS, { debounceMs: 30, pressWindowMs: 1000 }, () => now);
    const seen: RatingLevel[] = [];
    keys.on('press', (level) => seen.push(level));
    gpio.press(5);
    now += 100;
    gpio.press(5); // within the press window: the same press
    now += 10;
    gpio.press(13); // another key: its own press
    now += 2000;
    gpio.press(5);
    expect(seen).toEqual(['very_satisfied', 'unsatisfied', 'very_satisfied']);
    expect(keys.lineOf('satisfied')).toBe(6);
    expect(keys.lineOf('neutral')).toBeUndefined();
    keys.close();
  });

  it('invite follows the counter; ok flashes; fault blinks fast on a refusal and slow while unreachable', async () => {
    const gpio = new SimulatedGpio();
    const leds = new RatingLeds(gpio, { invite: 17, ok: 27, fault: 22 }, { okMs: 50, refusedMs: 50 });
    expect(leds.patterns()).toEqual({ invite: 'off', ok: 'off', fault: 'off' });
    leds.setInvite('serving');
    expect(gpio.levels.get(17)).toBe(1);
    leds.setInvite('done');
    expect(leds.patterns()!.invite).toBe('blink-slow');
    leds.accepted();
    expect(gpio.levels.get(27)).toBe(1);
    await until('ok LED off after its flash', () => leds.patterns()!.ok === 'off');
    leds.setUnreachable(true);
    expect(leds.patterns()!.fault).toBe('blink-slow');
    leds.refused();
    expect(leds.patterns()!.fault).toBe('blink-fast');
    await until('fault LED back to "hub unreachable"', () => leds.patterns()!.fault === 'blink-slow');
    leds.setUnreachable(false);
    expect(leds.patterns()!.fault).toBe('off');
    leds.close();
    // Without LEDs in the config nothing happens and nothing breaks.
    const none = new RatingLeds(gpio, undefined);
    none.accepted();
    none.refused();
    expect(none.patterns()).toBeNull();
    none.close();
  });
});
