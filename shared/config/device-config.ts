// The one JSON file every edge program reads at start (kiosk, rating keys,
// speaker). `role` picks the shape of `hardware`. Unknown keys are refused so
// that a typo such as "debounceMS" fails loudly instead of being ignored.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../protocol/topics.js';
import { RATING_LEVELS } from '../ratings.js';
import {
  ConfigError,
  intRange,
  nonEmpty,
  parseConfigText,
  port,
  readConfigText,
  readFailure,
  timeZone,
  urlWith,
} from './config-file.js';

export { ConfigError } from './config-file.js';

export const DEFAULT_SITE_NAME = 'Công an tỉnh Thanh Hóa – Bộ phận một cửa';
export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';
/** Loopback port of a kiosk's touch-screen page (hardware.touch.port). */
export const DEFAULT_TOUCH_PORT = 8181;

/** Same rule as catalogue and priority ids in the protocol messages. */
const catalogueId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1–64 letters, digits or _ . : -');

/** A BCM line number as printed on Pi pinout charts (GPIO17), not a sysfs number. */
const gpio = intRange(0, 53);
const pin = z.strictObject({ gpio });

const BAUD_RATES = [
  1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 921_600,
] as const;
/** A fixed list catches typos like 96000, which the serial driver would accept and garble. */
const baudRate = z.literal(BAUD_RATES).default(9600);

/**
 * sysfs GPIO: on kernel 6.6+ line numbers are offset by the chip's base, which
 * the GPIO helper finds by `chipLabel`; the root is configurable for tests.
 */
const gpioSettings = z
  .strictObject({
    sysfsRoot: nonEmpty.default('/sys/class/gpio'),
    chipLabel: nonEmpty.optional(),
  })
  .prefault({});

const debounceMs = intRange(0, 1000).default(30);

/** Exactly one of two optional keys, with the problem reported on the object. */
function exactlyOne<T extends object>(a: keyof T & string, b: keyof T & string) {
  return (value: T, ctx: z.core.$RefinementCtx<T>) => {
    const count = Number(value[a] !== undefined) + Number(value[b] !== undefined);
    if (count !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: count ? `give either ${a} or ${b}, not both` : `${a} or ${b} is required`,
      });
    }
  };
}

/** Each GPIO line may drive one thing only; the second user is reported, naming the first. Paths end at the number. */
function uniqueGpios(
  pins: Array<[path: (string | number)[], gpio: number | undefined]>,
  ctx: z.core.$RefinementCtx,
) {
  const seen = new Map<number, string>();
  for (const [path, line] of pins) {
    if (line === undefined) continue;
    const first = seen.get(line);
    if (first) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `GPIO ${line} is already used by ${first}`,
      });
    } else {
      seen.set(line, `hardware.${path.join('.')}`);
    }
  }
}

// ---------------------------------------------------------------- common

const credentials = z
  .strictObject({
    password: nonEmpty.optional(),
    /** Read at load time; relative to the config file's folder. Keeps the secret out of a file people copy around. */
    passwordFile: nonEmpty.optional(),
  })
  .superRefine(exactlyOne('password', 'passwordFile'));

const common = {
  /** Also the MQTT username and a topic level. */
  deviceId: z
    .string()
    .regex(DEVICE_ID_PATTERN, 'expected 1–40 lowercase letters, digits or "-", such as "kiosk-01"'),
  site: z.strictObject({
    /** Printed at the top of every ticket. */
    name: nonEmpty.max(200),
    timeZone: timeZone.default(DEFAULT_TIME_ZONE),
  }),
  hub: z.strictObject({
    mqttUrl: urlWith(['mqtt:', 'mqtts:'], 'mqtt://hub.local:1883'),
    /** Base of the ticket lookup link in the QR code. */
    httpUrl: urlWith(['http:', 'https:'], 'http://hub.local:8080'),
  }),
  credentials,
  /** Outbox, number lease and cached catalogue. */
  dataDir: nonEmpty.default('/var/lib/qms'),
  /** Simulated buttons, printer and audio: for a desk without a Pi. */
  simulate: z.boolean().default(false),
};

// ---------------------------------------------------------------- kiosk

const printerTransport = z.discriminatedUnion('type', [
  /** Kernel usblp: plain writes, no libusb. */
  z.strictObject({ type: z.literal('device'), path: nonEmpty.default('/dev/usb/lp0') }),
  z.strictObject({ type: z.literal('serial'), path: nonEmpty, baudRate }),
  z.strictObject({ type: z.literal('tcp'), host: nonEmpty, port: port.default(9100) }),
  /** ESC/POS bytes appended to a file: simulation and tests. */
  z.strictObject({ type: z.literal('file'), path: nonEmpty }),
]);

const kioskButton = z
  .strictObject({ gpio, fieldId: catalogueId.optional(), procedureId: catalogueId.optional() })
  .superRefine(exactlyOne('fieldId', 'procedureId'));

/**
 * A touch screen on the kiosk's Pi (docs/kiosk.md, "Touch screen"): the kiosk
 * program serves the hub's guide page on this port of the loopback address
 * only, with a "Lấy số" endpoint that issues and prints like a button.
 */
const touchScreen = z.strictObject({
  /** Loopback port of the page and its endpoint (127.0.0.1 only; 0 = any free port, for tests). */
  port: port.default(DEFAULT_TOUCH_PORT),
  /** Tickets the screen may print in any 60 s; more presses are refused with a request to wait. */
  ticketsPerMinute: intRange(1, 120).default(6),
  /** Print the documents to bring under a ticket when the citizen asks for them. */
  documents: z.boolean().default(true),
});

const kioskHardware = z
  .strictObject({
    /** Physical buttons; a kiosk with a touch screen may have none. */
    buttons: z.array(kioskButton).default([]),
    touch: touchScreen.optional(),
    /** Pressed before a field button to mark the ticket as priority (elderly, pregnant, disabled...). */
    priorityButton: z.strictObject({ gpio, category: catalogueId }).optional(),
    led: pin.optional(),
    buzzer: pin.optional(),
    debounceMs,
    /** Presses within this window after a ticket are ignored: one ticket per press, not per bounce or impatience. */
    pressWindowMs: intRange(0, 60_000).default(1500),
    gpio: gpioSettings,
    printer: z
      .strictObject({
        transport: printerTransport.prefault({ type: 'device' }),
        paperWidthMm: z.literal([58, 80]).default(80),
        /** Ask the printer its state (ESC/POS DLE EOT) before each ticket; off for printers that never answer. */
        statusQuery: z.boolean().default(true),
        /** In simulate mode, how many printed tickets (PNG + ESC/POS) are kept in <dataDir>/printed. */
        keepPrinted: intRange(1, 10_000).default(50),
      })
      .prefault({}),
    /** CCCD QR reader in USB serial (CDC) mode. */
    scanner: z
      .strictObject({
        path: nonEmpty,
        baudRate,
        /** A card holder this old or older gets the priority below on the next press. */
        elderlyAge: intRange(1, 120).default(60),
        elderlyCategory: catalogueId.default('nguoi-cao-tuoi'),
      })
      .optional(),
    /** How long to wait for the hub before printing from the number lease. */
    requestTimeoutMs: intRange(100, 60_000).default(1500),
    /** Numbers held in advance per series, for printing while the hub is unreachable; 0 prints nothing then. */
    leaseSize: intRange(0, 50).default(5),
    /** Few buttons: a field button first chooses the field, then button N picks its N-th procedure. */
    twoStep: z.boolean().default(false),
    /** How long a chosen field (two-step) or the priority button/scan waits for the next press. */
    choiceTimeoutMs: intRange(1000, 120_000).default(15_000),
  })
  .superRefine((hw, ctx) => {
    if (hw.buttons.length === 0 && !hw.touch) {
      ctx.addIssue({
        code: 'custom',
        path: ['buttons'],
        message: 'give at least one button, or a touch screen ("touch": {})',
      });
    }
    uniqueGpios(
      [
        ...hw.buttons.map((b, i): [(string | number)[], number] => [['buttons', i, 'gpio'], b.gpio]),
        [['priorityButton', 'gpio'], hw.priorityButton?.gpio],
        [['led', 'gpio'], hw.led?.gpio],
        [['buzzer', 'gpio'], hw.buzzer?.gpio],
      ],
      ctx,
    );
  });

// ---------------------------------------------------------------- rating

export { RATING_LEVELS, type RatingLevel } from '../ratings.js';

const ratingKeys = z
  .array(z.strictObject({ gpio, level: z.enum(RATING_LEVELS) }))
  .min(3)
  .max(4)
  .superRefine((keys, ctx) => {
    const seen = new Set<string>();
    keys.forEach((key, i) => {
      if (seen.has(key.level))
        ctx.addIssue({ code: 'custom', path: [i, 'level'], message: `"${key.level}" is on two keys` });
      seen.add(key.level);
    });
    // The two scales in use (docs/domain.md, Satisfaction levels): 3 levels (Circular 01/2018, scored 2/1/0) or 4 with "neutral".
    if (keys.length === 3 && seen.has('neutral')) {
      ctx.addIssue({
        code: 'custom',
        message: 'with 3 keys use very_satisfied, satisfied and unsatisfied; neutral needs a 4th key',
      });
    }
  });

const ratingHardware = z
  .strictObject({
    counterId: intRange(1),
    keys: ratingKeys,
    leds: z.strictObject({ invite: gpio, ok: gpio, fault: gpio }).optional(),
    debounceMs,
    /** More presses of the same key within this time are the same press (a double press counts once). */
    pressWindowMs: intRange(0, 10_000).default(1000),
    gpio: gpioSettings,
    /** How long to wait for the hub's answer before keeping the rating for a resend. */
    requestTimeoutMs: intRange(100, 60_000).default(3000),
    /** LED number board at the counter (RS-485/serial); `frame` is sent with {number} filled in. */
    display: z
      .strictObject({
        /** Serial device; without it a simulated device writes the frame shown to <dataDir>/display.txt. */
        path: nonEmpty.optional(),
        baudRate,
        /** {number} and {counter} are filled in; \xHH writes a byte (e.g. STX \x02, ETX \x03). */
        frame: z.string().includes('{number}', { error: 'must contain {number}' }).default('{number}\r\n'),
        /** What {number} shows when nothing is called at the counter (default: blank). */
        idle: z.string().max(16).optional(),
        /** Right-align {number} to this many characters; 0 or absent: as it is. */
        width: intRange(0, 16).optional(),
        /**
         * Send the number again every this many seconds, so a board switched
         * off and on (or a replugged adapter) shows it again; absent: 30; 0: on changes only.
         */
        refreshSeconds: intRange(0, 3600).optional(),
        /**
         * RS-485 through a transceiver whose driver-enable is wired to RTS: RTS
         * is raised while a frame goes out. USB adapters with automatic
         * direction control need nothing here.
         */
        rs485: z
          .strictObject({
            /** Time after the last byte before RTS drops (the line turnaround). */
            turnaroundMs: intRange(0, 100).default(2),
          })
          .optional(),
      })
      .optional(),
  })
  .superRefine((hw, ctx) =>
    uniqueGpios(
      [
        ...hw.keys.map((k, i): [(string | number)[], number] => [['keys', i, 'gpio'], k.gpio]),
        [['leds', 'invite'], hw.leds?.invite],
        [['leds', 'ok'], hw.leds?.ok],
        [['leds', 'fault'], hw.leds?.fault],
      ],
      ctx,
    ),
  );

// ---------------------------------------------------------------- speaker

const speakerHardware = z
  .strictObject({
    audio: z
      .strictObject({
        /** ALSA device name as given to `aplay -D`. */
        device: nonEmpty.default('default'),
        /**
         * Percent of the clips' recorded level, applied by scaling the samples
         * (not the system mixer); absent plays them as recorded (100).
         */
        volume: intRange(0, 100).optional(),
        /** The clip pack: WAV clips and manifest.json (`npm run clips` builds the default one). */
        clipsDir: nonEmpty.default('/opt/qms/clips'),
        /** In simulate mode, how many announcement WAVs are kept in <dataDir>/announcements. */
        keepFiles: intRange(1, 10_000).default(50),
      })
      .prefault({}),
    /** How calls are worded and paced (docs/domain.md: Announcement wording, Reading numbers in Vietnamese). */
    announcement: z
      .strictObject({
        /** A zero tens digit after hundreds: 105 "một trăm linh năm" (Northern) or "lẻ năm" (Southern). */
        zeroTens: z.enum(['linh', 'lẻ']).default('linh'),
        /** Unit 4 after "mươi": 24 "hai mươi tư" or "hai mươi bốn". */
        four: z.enum(['tư', 'bốn']).default('tư'),
        thousand: z.enum(['nghìn', 'ngàn']).default('nghìn'),
        /** A recall starts with "Nhắc lại". */
        recallPrefix: z.boolean().default(true),
        /** A chime before each announcement (the pack must then have one). */
        chime: z.boolean().default(true),
        /** Silence before the audio, for amplifiers that wake up on sound. */
        leadInMs: intRange(0, 2000).default(100),
        wordGapMs: intRange(0, 1000).default(60),
        phraseGapMs: intRange(0, 2000).default(250),
        repeatGapMs: intRange(0, 5000).default(1000),
      })
      .prefault({}),
    /** Counters this speaker announces; empty means all of them. */
    zone: z
      .array(intRange(1))
      .refine((ids) => new Set(ids).size === ids.length, { error: 'a counter is listed twice' })
      .default([]),
    /** Calls older than this (after an outage) are reported as skipped, not played late. */
    maxCallAgeSeconds: intRange(1, 3600).default(120),
    /**
     * Calls waiting should start within this many seconds of being made; when
     * they would not, the next ones are said shorter (no chime, then "Mời số
     * …, quầy …"). Every call is still said, in order.
     */
    maxLagSeconds: intRange(1, 600).default(12),
    repeat: intRange(1, 3).default(1),
  })
  .prefault({});

// ---------------------------------------------------------------- the file

export const deviceConfigSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('kiosk'), ...common, hardware: kioskHardware }),
  z.strictObject({ role: z.literal('rating'), ...common, hardware: ratingHardware }),
  z.strictObject({ role: z.literal('speaker'), ...common, hardware: speakerHardware }),
]);

/** What a config file may contain (defaults optional). */
export type DeviceConfigInput = z.input<typeof deviceConfigSchema>;
type Validated = z.output<typeof deviceConfigSchema>;

/** After loading: `passwordFile`, if used, has been read into `password`. */
export interface DeviceCredentials {
  password: string;
  passwordFile?: string;
}
type WithCredentials<T> = T extends unknown
  ? Omit<T, 'credentials'> & { credentials: DeviceCredentials }
  : never;

export type DeviceConfig = WithCredentials<Validated>;
export type KioskConfig = Extract<DeviceConfig, { role: 'kiosk' }>;
export type RatingConfig = Extract<DeviceConfig, { role: 'rating' }>;
export type SpeakerConfig = Extract<DeviceConfig, { role: 'speaker' }>;
export type PrinterTransport = KioskConfig['hardware']['printer']['transport'];

/**
 * Parse and check a config file's text. `source` names the file in errors, and
 * a relative `passwordFile` is taken from the folder of `source`.
 */
export function parseDeviceConfig(text: string, source: string): DeviceConfig {
  const config = parseConfigText(deviceConfigSchema, text, source);
  const { password, passwordFile } = config.credentials;
  if (password !== undefined) return { ...config, credentials: { password } };

  const path = resolve(dirname(source), passwordFile!);
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').replace(/[\r\n]+$/, '');
  } catch (error) {
    throw new ConfigError(source, [`credentials.passwordFile: ${readFailure(path, error)}`]);
  }
  if (!secret) throw new ConfigError(source, [`credentials.passwordFile: ${path} is empty`]);
  return { ...config, credentials: { password: secret, passwordFile: path } };
}

export async function loadDeviceConfig(path: string): Promise<DeviceConfig> {
  return parseDeviceConfig(await readConfigText(path), path);
}

/** A copy that is safe to log: the password replaced. */
export function redactDeviceConfig(config: DeviceConfig): DeviceConfig {
  return { ...config, credentials: { ...config.credentials, password: '[redacted]' } };
}
