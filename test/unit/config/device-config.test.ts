import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  type DeviceConfig,
  deviceConfigSchema,
  loadDeviceConfig,
  parseDeviceConfig,
  redactDeviceConfig,
} from '../../../shared/config/device-config.js';

const examplesDir = new URL('../../../shared/config/examples/', import.meta.url);
const readExample = async (role: string) =>
  JSON.parse(await readFile(new URL(`${role}.json`, examplesDir), 'utf8'));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qms-device-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The smallest valid file per role, as a base for the bad ones. */
function minimal(role: 'kiosk' | 'rating' | 'speaker'): Record<string, unknown> {
  const hardware = {
    kiosk: { buttons: [{ gpio: 5, fieldId: 'can-cuoc' }] },
    rating: {
      counterId: 3,
      keys: [
        { gpio: 5, level: 'very_satisfied' },
        { gpio: 6, level: 'satisfied' },
        { gpio: 13, level: 'unsatisfied' },
      ],
    },
    speaker: undefined,
  }[role];
  return {
    role,
    deviceId: `${role}-01`,
    site: { name: 'Bộ phận một cửa' },
    hub: { mqttUrl: 'mqtt://hub.local:1883', httpUrl: 'http://hub.local:8080' },
    credentials: { password: 's3cret-token' },
    ...(hardware && { hardware }),
  };
}

const parse = (value: unknown, source = 'kiosk.json') => parseDeviceConfig(JSON.stringify(value), source);

/** Run `fn`, expect a ConfigError, return it (so a test fails if nothing is thrown). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but parsing succeeded');
}

async function configErrorAsync(fn: () => Promise<unknown>): Promise<ConfigError> {
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('examples', () => {
  it.each(['kiosk', 'rating', 'speaker'])('%s.json is valid as written', async (role) => {
    const parsed = deviceConfigSchema.safeParse(await readExample(role));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.role).toBe(role);
  });

  it.each(['kiosk', 'rating', 'speaker'])('%s.json loads, with its password file', async (role) => {
    // The examples point at /etc/qms/…; swap in a real file to load the rest unchanged.
    const example = await readExample(role);
    const secretPath = join(dir, `${role}.secret`);
    await writeFile(secretPath, 'token-from-file\n');
    const path = join(dir, `${role}.json`);
    await writeFile(path, JSON.stringify({ ...example, credentials: { passwordFile: secretPath } }));

    const config = await loadDeviceConfig(path);
    expect(config.role).toBe(role);
    expect(config.deviceId).toBe(example.deviceId);
    expect(config.hub.mqttUrl).toBe('mqtt://hub.local:1883');
    expect(config.credentials).toEqual({ password: 'token-from-file', passwordFile: secretPath });
  });
});

describe('defaults', () => {
  it('fills common defaults', () => {
    const config = parse(minimal('speaker'), 'speaker.json');
    expect(config.site.timeZone).toBe('Asia/Ho_Chi_Minh');
    expect(config.dataDir).toBe('/var/lib/qms');
    expect(config.simulate).toBe(false);
    expect(config.credentials).toEqual({ password: 's3cret-token' });
  });

  it('fills kiosk defaults', () => {
    const config = parse(minimal('kiosk'));
    if (config.role !== 'kiosk') throw new Error('wrong role');
    expect(config.hardware).toEqual({
      buttons: [{ gpio: 5, fieldId: 'can-cuoc' }],
      debounceMs: 30,
      pressWindowMs: 1500,
      gpio: { sysfsRoot: '/sys/class/gpio' },
      printer: {
        transport: { type: 'device', path: '/dev/usb/lp0' },
        paperWidthMm: 80,
        statusQuery: true,
        keepPrinted: 50,
      },
      requestTimeoutMs: 1500,
      leaseSize: 5,
      twoStep: false,
      choiceTimeoutMs: 15_000,
    });
  });

  it('takes a touch screen without buttons, with its defaults', () => {
    const config = parse({ ...minimal('kiosk'), hardware: { touch: {} } });
    if (config.role !== 'kiosk') throw new Error('wrong role');
    expect(config.hardware.buttons).toEqual([]);
    expect(config.hardware.touch).toEqual({ port: 8181, ticketsPerMinute: 6, documents: true });
  });

  it('fills printer transport and scanner defaults', () => {
    const base = minimal('kiosk');
    const withPrinter = (transport: object) =>
      parse({
        ...base,
        hardware: { ...(base.hardware as object), printer: { transport }, scanner: { path: '/dev/ttyACM0' } },
      });
    const serial = withPrinter({ type: 'serial', path: '/dev/ttyS0' }) as Extract<
      DeviceConfig,
      { role: 'kiosk' }
    >;
    expect(serial.hardware.printer.transport).toEqual({ type: 'serial', path: '/dev/ttyS0', baudRate: 9600 });
    expect(serial.hardware.scanner).toEqual({
      path: '/dev/ttyACM0',
      baudRate: 9600,
      elderlyAge: 60,
      elderlyCategory: 'nguoi-cao-tuoi',
    });
    const tcp = withPrinter({ type: 'tcp', host: '192.168.1.50' }) as Extract<
      DeviceConfig,
      { role: 'kiosk' }
    >;
    expect(tcp.hardware.printer.transport).toEqual({ type: 'tcp', host: '192.168.1.50', port: 9100 });
  });

  it('fills rating defaults', () => {
    const base = minimal('rating');
    const config = parse({
      ...base,
      hardware: { ...(base.hardware as object), display: { path: '/dev/ttyUSB0' } },
    });
    if (config.role !== 'rating') throw new Error('wrong role');
    expect(config.hardware.debounceMs).toBe(30);
    expect(config.hardware.gpio).toEqual({ sysfsRoot: '/sys/class/gpio' });
    expect(config.hardware.display).toEqual({ path: '/dev/ttyUSB0', baudRate: 9600, frame: '{number}\r\n' });
  });

  it('fills speaker defaults when hardware is left out', () => {
    const config = parse(minimal('speaker'), 'speaker.json');
    if (config.role !== 'speaker') throw new Error('wrong role');
    expect(config.hardware).toEqual({
      audio: { device: 'default', clipsDir: '/opt/qms/clips', keepFiles: 50 },
      announcement: {
        zeroTens: 'linh',
        four: 'tư',
        thousand: 'nghìn',
        recallPrefix: true,
        chime: true,
        leadInMs: 100,
        wordGapMs: 60,
        phraseGapMs: 250,
        repeatGapMs: 1000,
      },
      zone: [],
      maxCallAgeSeconds: 120,
      maxLagSeconds: 12,
      repeat: 1,
    });
  });
});

describe('bad files name the exact field', () => {
  const kiosk = minimal('kiosk');
  const kioskHw = kiosk.hardware as Record<string, unknown>;
  const rating = minimal('rating');
  const ratingHw = rating.hardware as Record<string, unknown>;

  const cases: Array<[string, unknown, string]> = [
    [
      'gpio out of range',
      { ...kiosk, hardware: { ...kioskHw, buttons: [{ gpio: 54, fieldId: 'can-cuoc' }] } },
      'hardware.buttons.0.gpio: expected a number between 0 and 53',
    ],
    [
      'gpio of the wrong type',
      { ...kiosk, hardware: { ...kioskHw, buttons: [{ gpio: '17', fieldId: 'can-cuoc' }] } },
      'hardware.buttons.0.gpio: expected a number between 0 and 53',
    ],
    [
      'simulate of the wrong type',
      { ...kiosk, simulate: 'yes' },
      'simulate: expected boolean, got string "yes"',
    ],
    ['missing site name', { ...kiosk, site: {} }, 'site.name: required'],
    ['unknown key at the top', { ...kiosk, datadir: '/tmp' }, 'datadir: unknown key (check the spelling)'],
    [
      'unknown key deep down',
      { ...kiosk, hardware: { ...kioskHw, debounceMS: 10 } },
      'hardware.debounceMS: unknown key (check the spelling)',
    ],
    [
      'duplicate gpio across pins',
      { ...kiosk, hardware: { ...kioskHw, led: { gpio: 5 } } },
      'hardware.led.gpio: GPIO 5 is already used by hardware.buttons.0.gpio',
    ],
    [
      'duplicate gpio between rating keys and LEDs',
      { ...rating, hardware: { ...ratingHw, leds: { invite: 17, ok: 27, fault: 6 } } },
      'hardware.leds.fault: GPIO 6 is already used by hardware.keys.1.gpio',
    ],
    [
      'both password and passwordFile',
      { ...kiosk, credentials: { password: 's3cret-token', passwordFile: '/etc/qms/x' } },
      'credentials: give either password or passwordFile, not both',
    ],
    [
      'neither password nor passwordFile',
      { ...kiosk, credentials: {} },
      'credentials: password or passwordFile is required',
    ],
    [
      'button with both fieldId and procedureId',
      { ...kiosk, hardware: { ...kioskHw, buttons: [{ gpio: 5, fieldId: 'a', procedureId: 'b' }] } },
      'hardware.buttons.0: give either fieldId or procedureId, not both',
    ],
    [
      'no buttons and no touch screen',
      { ...kiosk, hardware: { ...kioskHw, buttons: [] } },
      'hardware.buttons: give at least one button, or a touch screen ("touch": {})',
    ],
    [
      'a touch screen on a port that is not one',
      { ...kiosk, hardware: { ...kioskHw, touch: { port: 70_000 } } },
      'hardware.touch.port: expected a number between 0 and 65535',
    ],
    [
      'mqtt URL with the wrong scheme',
      { ...kiosk, hub: { mqttUrl: 'http://hub.local', httpUrl: 'http://hub.local:8080' } },
      'hub.mqttUrl: expected a mqtt:// or mqtts:// URL such as "mqtt://hub.local:1883"',
    ],
    [
      'mqtt URL without a host',
      { ...kiosk, hub: { mqttUrl: 'mqtt://', httpUrl: 'http://hub.local:8080' } },
      'hub.mqttUrl: expected a mqtt:// or mqtts:// URL such as "mqtt://hub.local:1883"',
    ],
    [
      'http URL that does not parse',
      { ...kiosk, hub: { mqttUrl: 'mqtts://hub.local', httpUrl: 'hub.local:8080' } },
      'hub.httpUrl: expected a http:// or https:// URL such as "http://hub.local:8080"',
    ],
    [
      'bad deviceId',
      { ...kiosk, deviceId: 'Kiosk 01' },
      'deviceId: expected 1–40 lowercase letters, digits or "-", such as "kiosk-01"',
    ],
    ['unknown role', { ...kiosk, role: 'printer' }, 'role: expected one of "kiosk", "rating", "speaker"'],
    [
      'bad time zone',
      { ...kiosk, site: { name: 'x', timeZone: 'Asia/Hanoi_City' } },
      'site.timeZone: expected an IANA time zone such as "Asia/Ho_Chi_Minh"',
    ],
    [
      'paper width not 58 or 80',
      { ...kiosk, hardware: { ...kioskHw, printer: { paperWidthMm: 76 } } },
      'hardware.printer.paperWidthMm: expected one of 58, 80',
    ],
    [
      'unknown printer transport',
      { ...kiosk, hardware: { ...kioskHw, printer: { transport: { type: 'usb' } } } },
      'hardware.printer.transport.type: expected one of "device", "serial", "tcp", "file"',
    ],
    [
      'two rating keys with one level',
      {
        ...rating,
        hardware: { ...ratingHw, keys: [...(ratingHw.keys as object[]), { gpio: 19, level: 'satisfied' }] },
      },
      'hardware.keys.3.level: "satisfied" is on two keys',
    ],
    [
      'five rating keys',
      {
        ...rating,
        hardware: {
          ...ratingHw,
          keys: [20, 21, 22, 23, 24].map((gpio, i) => ({
            gpio,
            level: ['very_satisfied', 'satisfied', 'neutral', 'unsatisfied', 'neutral'][i],
          })),
        },
      },
      'hardware.keys: expected at most 4 item(s)',
    ],
    [
      'non-integer counterId',
      { ...rating, hardware: { ...ratingHw, counterId: 2.5 } },
      'hardware.counterId: expected a whole number',
    ],
    [
      'speaker repeat out of range',
      { ...minimal('speaker'), hardware: { repeat: 4 } },
      'hardware.repeat: expected a number between 1 and 3',
    ],
    [
      'display frame without {number}',
      { ...rating, hardware: { ...ratingHw, display: { path: '/dev/ttyUSB0', frame: '{numbr}\r\n' } } },
      'hardware.display.frame: must contain {number}',
    ],
  ];

  it.each(cases)('%s', (_name, file, problem) => {
    const error = configError(() => parse(file));
    expect(error.problems).toContain(problem);
    expect(error.message).toBe(`kiosk.json: ${error.problems.join('; ')}`);
  });

  it('lists every bad field at once', () => {
    const error = configError(() => parse({ ...kiosk, deviceId: 'X', simulate: 1, extra: true }));
    expect(error.problems).toEqual([
      'deviceId: expected 1–40 lowercase letters, digits or "-", such as "kiosk-01"',
      'simulate: expected boolean, got number 1',
      'extra: unknown key (check the spelling)',
    ]);
  });

  it('never puts the password in the message', () => {
    const error = configError(() =>
      parse({ ...kiosk, credentials: { password: 's3cret-token', passwordFile: 'x' } }),
    );
    expect(error.message).not.toContain('s3cret-token');
  });

  it('a JSON array is not a config', () => {
    expect(configError(() => parse([])).problems).toEqual(['(top level): expected object, got an array']);
  });
});

describe('reading files', () => {
  it('names the path of a missing file', async () => {
    const path = join(dir, 'nope.json');
    const error = await configErrorAsync(() => loadDeviceConfig(path));
    expect(error.message).toBe(`${path}: cannot read ${path}: file not found`);
  });

  it('says a file is not JSON, with the position where V8 gives one', () => {
    // A trailing comma, the usual slip when editing by hand.
    const error = configError(() =>
      parseDeviceConfig('{\n  "role": "kiosk",\n  "deviceId": "kiosk-01",\n}', 'kiosk.json'),
    );
    expect(error.message).toMatch(/^kiosk\.json: not valid JSON at line 4, column 1: /);
  });

  it('says a file is not JSON, quoting V8 when it gives no position', () => {
    const error = configError(() => parseDeviceConfig('{ "deviceId": kiosk-01 }', 'kiosk.json'));
    expect(error.message).toMatch(/^kiosk\.json: not valid JSON: .*kiosk-01/);
  });

  it('says an empty file is not JSON', () => {
    expect(configError(() => parseDeviceConfig('', 'kiosk.json')).message).toMatch(
      /^kiosk\.json: not valid JSON: /,
    );
  });

  it('accepts a byte-order mark', () => {
    expect(parseDeviceConfig(`\uFEFF${JSON.stringify(minimal('speaker'))}`, 'speaker.json').role).toBe(
      'speaker',
    );
  });

  it('reads passwordFile relative to the config file and trims the newline', async () => {
    await writeFile(join(dir, 'dev.secret'), 'abc123\r\n');
    const path = join(dir, 'dev.json');
    await writeFile(
      path,
      JSON.stringify({ ...minimal('kiosk'), credentials: { passwordFile: 'dev.secret' } }),
    );
    const config = await loadDeviceConfig(path);
    expect(config.credentials).toEqual({ password: 'abc123', passwordFile: join(dir, 'dev.secret') });
    expect(JSON.stringify(redactDeviceConfig(config))).not.toContain('abc123');
  });

  it('names an unreadable passwordFile', async () => {
    const path = join(dir, 'lost.json');
    await writeFile(
      path,
      JSON.stringify({ ...minimal('kiosk'), credentials: { passwordFile: 'lost.secret' } }),
    );
    const error = await configErrorAsync(() => loadDeviceConfig(path));
    expect(error.problems).toEqual([
      `credentials.passwordFile: cannot read ${join(dir, 'lost.secret')}: file not found`,
    ]);
  });

  it('refuses an empty passwordFile', async () => {
    await writeFile(join(dir, 'empty.secret'), '\n');
    const path = join(dir, 'empty.json');
    await writeFile(
      path,
      JSON.stringify({ ...minimal('kiosk'), credentials: { passwordFile: 'empty.secret' } }),
    );
    const error = await configErrorAsync(() => loadDeviceConfig(path));
    expect(error.problems).toEqual([`credentials.passwordFile: ${join(dir, 'empty.secret')} is empty`]);
  });
});
