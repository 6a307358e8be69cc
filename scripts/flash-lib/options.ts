// Command line of `scripts/flash`: node:util parseArgs, then one check per
// option so that every mistake gets its own sentence naming the option.
// Nothing here touches the target; files named by options (credential, SSH
// key, hardware JSON, bundle) are only checked for readability.

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { usageMessageOf } from '../../shared/cli/command-line.js';
import { DEFAULT_SITE_NAME, DEFAULT_TIME_ZONE, RATING_LEVELS } from '../../shared/config/device-config.js';
import { DEVICE_ID_PATTERN } from '../../shared/protocol/topics.js';
import { type BundleInfo, PI_ARCH, readBundleInfo } from './bundle-file.js';
import { UsageError } from './errors.js';
import { RTC_MODELS, type RtcModel, SCREEN_USER } from './first-boot.js';

export const FLASH_ROLES = ['kiosk', 'rating', 'speaker', 'hub'] as const;
export type FlashRole = (typeof FLASH_ROLES)[number];
export type DeviceRole = Exclude<FlashRole, 'hub'>;

export const FIRST_BOOT_KINDS = ['auto', 'firstrun', 'cloud-init'] as const;
export type FirstBootChoice = (typeof FIRST_BOOT_KINDS)[number];

export type CredentialSource =
  | { kind: 'file'; path: string }
  | { kind: 'admin-token'; token: string }
  | { kind: 'admin-user'; username: string; password: string | undefined };

export interface WifiOptions {
  ssid: string;
  password: string;
  country: string;
}

export type BundleSource = { kind: 'file'; path: string; info: BundleInfo } | { kind: 'url'; url: string };

export interface FlashOptions {
  image: string;
  target: string;
  role: FlashRole;
  /** Device id (also the MQTT user); undefined for the hub. */
  deviceId: string | undefined;
  site: string;
  timeZone: string;
  hostname: string;
  /** How devices reach the hub; for the hub role, undefined. */
  hub: { host: string; httpPort: number; mqttPort: number } | undefined;
  /** Hub role: base URL of ticket QR links. */
  publicUrl: string | undefined;
  credential: CredentialSource | undefined;
  replace: boolean;
  wifi: WifiOptions | undefined;
  sshKeys: string[];
  loginUser: string;
  bundle: BundleSource;
  firstBoot: FirstBootChoice;
  /** The role's `hardware` section as given (defaults are filled by the schema). */
  hardware: Record<string, unknown> | undefined;
  /** Rating: the counter (in the config and when registering on the hub). */
  counterId: number | undefined;
  /** A battery-backed real-time clock on I²C (any role; recommended for the hub). */
  rtc: RtcModel | undefined;
  yes: boolean;
  dryRun: boolean;
  allowNonRemovable: boolean;
}

/** Every option; the test checks that USAGE names each. */
export const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  image: { type: 'string', short: 'i' },
  target: { type: 'string', short: 't' },
  role: { type: 'string', short: 'r' },
  id: { type: 'string' },
  site: { type: 'string' },
  'time-zone': { type: 'string' },
  hostname: { type: 'string' },
  hub: { type: 'string' },
  'hub-http-port': { type: 'string' },
  'hub-mqtt-port': { type: 'string' },
  'public-url': { type: 'string' },
  'password-file': { type: 'string' },
  'admin-token': { type: 'string' },
  'admin-user': { type: 'string' },
  replace: { type: 'boolean' },
  'wifi-ssid': { type: 'string' },
  'wifi-password': { type: 'string' },
  'wifi-password-file': { type: 'string' },
  'wifi-country': { type: 'string' },
  'ssh-key': { type: 'string', multiple: true },
  user: { type: 'string' },
  bundle: { type: 'string' },
  'bundle-url': { type: 'string' },
  'first-boot': { type: 'string' },
  hardware: { type: 'string' },
  button: { type: 'string', multiple: true },
  'priority-button': { type: 'string' },
  led: { type: 'string' },
  buzzer: { type: 'string' },
  printer: { type: 'string' },
  'paper-width': { type: 'string' },
  scanner: { type: 'string' },
  touch: { type: 'boolean' },
  counter: { type: 'string' },
  key: { type: 'string', multiple: true },
  leds: { type: 'string' },
  display: { type: 'string' },
  'audio-device': { type: 'string' },
  volume: { type: 'string' },
  zone: { type: 'string' },
  rtc: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean', short: 'n' },
  'allow-non-removable': { type: 'boolean' },
} as const;

export const USAGE = `scripts/flash: write a ready-to-boot SD card (or image file) for one QMS device.

usage: scripts/flash --image FILE --target PATH --role ROLE [--id ID] [options]

It writes the Raspberry Pi OS image with a progress bar, reads it back to
verify it, then puts into the boot partition the device configuration, its
credential (a separate file, mode 600 on the device) and a first-boot setup:
firstrun.sh + systemd.run in cmdline.txt (as Raspberry Pi Imager does for
Bookworm), or cloud-init user-data / network-config / meta-data when the image
uses cloud-init. On first boot the Pi sets its hostname, Wi-Fi, SSH key and
time zone, installs the application bundle (with its own Node.js and modules:
no network needed) in /opt/qms, writes /etc/qms/<role>.json, points time sync
at the hub and enables qms-<role>.service.

  -h, --help                this help

Image and target
  -i, --image FILE          Raspberry Pi OS Lite image, .img or .img.xz (streamed)
  -t, --target PATH         the SD card's whole disk (/dev/sdX, /dev/mmcblkN) or an
                            image file to create
  -y, --yes                 write a device without asking for confirmation
  -n, --dry-run             check everything and print the plan; write nothing
      --allow-non-removable allow a disk that is neither USB nor an SD slot
      --first-boot KIND     auto (default: detected from the image), firstrun, cloud-init

Device
  -r, --role ROLE           kiosk, rating, speaker or hub
      --id ID               device id, e.g. kiosk-01 (lowercase, digits, "-"; not for the hub)
      --site NAME           office name printed on tickets (default: "${DEFAULT_SITE_NAME}")
      --time-zone ZONE      default ${DEFAULT_TIME_ZONE}
      --hostname NAME       default: the device id (the hub: qms-hub)

Hub (devices)
      --hub HOST            the hub's host name or IP address, e.g. 192.168.1.10 or qms-hub.local;
                            also the device's time server
      --hub-http-port N     default 8080
      --hub-mqtt-port N     default 1883
      --public-url URL      (hub role) base of the ticket QR link, e.g. http://192.168.1.10:8080

Credential (devices): one of
      --password-file FILE  the password printed by \`npm run devices -- add ID --role ROLE\`
      --admin-token TOKEN   an administrator's session token (the qms_session cookie of a signed-in
                            administrator, or @FILE holding it): the device is registered on the hub
                            through POST /api/admin/devices and its new password is used
      --admin-user NAME     sign in to the hub as this administrator (password from the
                            QMS_ADMIN_PASSWORD environment variable, else asked) and register the device
      --replace             with --admin-*: the id exists already (a replaced device): issue a new
                            password; the old one stops working at once

Network and access
      --wifi-ssid SSID      Wi-Fi network (leave out for Ethernet only)
      --wifi-password-file FILE  its passphrase (or QMS_WIFI_PASSWORD, or --wifi-password TEXT)
      --wifi-country CC     regulatory country (default VN)
      --ssh-key KEY|FILE    SSH public key(s) for the login user (repeatable)
      --user NAME           login user for SSH (default technician; key only, no password)

Application
      --bundle FILE         the tarball from \`npm run bundle -- --arch arm64\` (default
                            dist/qms-bundle-linux-arm64.tar.gz), copied to the boot partition
      --bundle-url URL      instead, download the bundle on first boot (needs the network)

Hardware, kiosk
      --button GPIO=FIELD | GPIO=procedure:ID   one per button, in order (repeatable)
      --priority-button GPIO=CATEGORY   e.g. 26=nguoi-cao-tuoi
      --led GPIO, --buzzer GPIO
      --printer usb[:PATH] | serial:PATH[@BAUD] | tcp:HOST[:PORT]   (default usb:/dev/usb/lp0)
      --paper-width 58|80   (default 80)
      --scanner PATH[@BAUD] CCCD QR reader, e.g. /dev/ttyACM0
      --touch               a touch screen on this Pi (buttons then optional): the desktop logs
                            in the user ${SCREEN_USER} and opens the guide page in Chromium's kiosk
                            mode at boot, screen blanking off; "Lấy số" prints on this kiosk's
                            printer. Needs Raspberry Pi OS with desktop (Bookworm), not Lite
Hardware, rating
      --counter N           the counter this device serves (required)
      --key GPIO=LEVEL      3 or 4 keys (default 5=very_satisfied 6=satisfied 13=unsatisfied;
                            levels: ${RATING_LEVELS.join(', ')})
      --leds INVITE,OK,FAULT  LED GPIOs
      --display PATH[@BAUD] serial counter display
Hardware, speaker
      --audio-device NAME   ALSA device for aplay -D (default "default"), e.g. plughw:1,0
      --volume PCT          0–100
      --zone N,N            counters this speaker announces (default all)
Any role
      --hardware FILE       JSON of the whole "hardware" section; the flags above override it
      --rtc MODEL           a battery-backed real-time clock on I²C, recommended for the hub:
                            ${RTC_MODELS.join(', ')} (the DS3231 is the one to buy). Sets
                            dtoverlay=i2c-rtc,MODEL in config.txt; first boot removes fake-hwclock

Examples
  npm run bundle -- --arch arm64
  scripts/flash -i 2024-11-19-raspios-bookworm-arm64-lite.img.xz -t /dev/sdb -r hub --wifi-ssid Office \\
      --wifi-password-file wifi.txt --ssh-key ~/.ssh/id_ed25519.pub
  scripts/flash -i raspios.img.xz -t /dev/sdb -r kiosk --id kiosk-01 --hub 192.168.1.10 \\
      --admin-user admin --button 5=can-cuoc --button 6=cu-tru --ssh-key ~/.ssh/id_ed25519.pub
  scripts/flash -i raspios-bookworm-arm64.img.xz -t /dev/sdb -r kiosk --id guide-01 --hub 192.168.1.10 \\
      --admin-user admin --touch --ssh-key ~/.ssh/id_ed25519.pub
  scripts/flash -i raspios.img.xz -t rating-03.img -r rating --id rating-03 --counter 3 \\
      --hub 192.168.1.10 --password-file rating-03.secret --dry-run

Exit status: 0 done, 1 refused or failed, 2 bad arguments. Nothing is written unless every check passes.
`;

type Values = ReturnType<typeof parseRaw>['values'];

function parseRaw(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(usageMessageOf(error) ?? (error as Error).message);
  }
}

const DEVICE_FLAGS: Record<DeviceRole, (keyof Values)[]> = {
  kiosk: ['button', 'priority-button', 'led', 'buzzer', 'printer', 'paper-width', 'scanner', 'touch'],
  rating: ['counter', 'key', 'leds', 'display'],
  speaker: ['audio-device', 'volume', 'zone'],
};

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const LOGIN = /^[a-z_][a-z0-9_-]{0,31}$/;
const SSH_KEY =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;
const CATALOGUE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

function intOption(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

const gpioOf = (name: string, text: string) => intOption(name, text.trim(), 0, 53);

function readOptionFile(name: string, path: string): string {
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (code ?? String(error));
    throw new UsageError(`--${name}: cannot read ${path} (${why})`);
  }
}

/** "GPIO=VALUE" → [gpio, value]. */
function pair(name: string, text: string): [number, string] {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) throw new UsageError(`--${name}: expected GPIO=VALUE, got "${text}"`);
  return [gpioOf(name, text.slice(0, i)), text.slice(i + 1).trim()];
}

/** "PATH[@BAUD]" → {path, baudRate?}. */
function serialPort(name: string, text: string): { path: string; baudRate?: number } {
  const [path, baud] = text.split('@');
  if (!path?.startsWith('/dev/'))
    throw new UsageError(`--${name}: expected a device path such as /dev/ttyUSB0[@9600], got "${text}"`);
  return baud === undefined ? { path } : { path, baudRate: intOption(name, baud, 1, 4_000_000) };
}

function printerTransport(text: string): Record<string, unknown> {
  const [kind, ...rest] = text.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'usb':
    case 'device':
      if (arg && !arg.startsWith('/dev/'))
        throw new UsageError(`--printer: expected usb:/dev/usb/lp0, got "${text}"`);
      return { type: 'device', path: arg || '/dev/usb/lp0' };
    case 'serial':
      return { type: 'serial', ...serialPort('printer', arg) };
    case 'tcp': {
      const [host, port] = arg.split(':');
      if (!host || !HOST.test(host))
        throw new UsageError(`--printer: expected tcp:HOST[:PORT], got "${text}"`);
      return port === undefined
        ? { type: 'tcp', host }
        : { type: 'tcp', host, port: intOption('printer', port, 1, 65_535) };
    }
    default:
      throw new UsageError(
        `--printer: expected usb[:PATH], serial:PATH[@BAUD] or tcp:HOST[:PORT], got "${text}"`,
      );
  }
}

function numberList(name: string, text: string, min: number, max: number): number[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => intOption(name, s, min, max));
}

export function parseSshKeys(values: string[]): string[] {
  const keys: string[] = [];
  for (const value of values) {
    const text = SSH_KEY.test(value.trim()) ? value : readOptionFile('ssh-key', value);
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    if (!lines.length) throw new UsageError(`--ssh-key: ${value} holds no key`);
    for (const line of lines) {
      if (!SSH_KEY.test(line)) {
        throw new UsageError(
          `--ssh-key: expected an OpenSSH public key ("ssh-ed25519 AAAA… comment") or a .pub file, got "${line.slice(0, 40)}…"${line.includes('PRIVATE KEY') ? ' (that is a private key: give the .pub file)' : ''}`,
        );
      }
      keys.push(line);
    }
  }
  return keys;
}

function hardwareFile(path: string): Record<string, unknown> {
  const text = readOptionFile('hardware', path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--hardware: ${path} is not valid JSON (${(error as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`--hardware: ${path} must hold a JSON object (the "hardware" section)`);
  }
  const object = data as Record<string, unknown>;
  // A whole device config is accepted too: take its hardware section.
  if ('role' in object && 'hardware' in object && typeof object.hardware === 'object') {
    return object.hardware as Record<string, unknown>;
  }
  return object;
}

function buildHardware(
  role: DeviceRole,
  v: Values,
  counterId: number | undefined,
): Record<string, unknown> | undefined {
  const base: Record<string, unknown> = v.hardware ? { ...hardwareFile(v.hardware) } : {};
  if (role === 'kiosk') {
    if (v.button?.length) {
      base.buttons = v.button.map((text) => {
        const [gpio, value] = pair('button', text);
        const [kind, id] = value.includes(':')
          ? (value.split(/:(.*)/s) as [string, string])
          : ['field', value];
        if (kind !== 'field' && kind !== 'procedure') {
          throw new UsageError(`--button: expected GPIO=FIELD or GPIO=procedure:ID, got "${text}"`);
        }
        if (!CATALOGUE_ID.test(id))
          throw new UsageError(`--button: "${id}" is not a catalogue id (letters, digits, _ . : -)`);
        return kind === 'field' ? { gpio, fieldId: id } : { gpio, procedureId: id };
      });
    }
    if (v.touch) base.touch = { ...((base.touch as Record<string, unknown>) ?? {}) };
    if ((base.touch as { port?: unknown } | undefined)?.port === 0) {
      throw new UsageError(
        'hardware.touch.port 0 (any free port) is for tests: the screen must know the port',
      );
    }
    if (!base.buttons && !base.touch) {
      throw new UsageError(
        'kiosk: give its buttons with --button GPIO=FIELD (one per button), --touch for a touch screen, or --hardware FILE',
      );
    }
    if (v['priority-button']) {
      const [gpio, category] = pair('priority-button', v['priority-button']);
      base.priorityButton = { gpio, category };
    }
    if (v.led) base.led = { gpio: gpioOf('led', v.led) };
    if (v.buzzer) base.buzzer = { gpio: gpioOf('buzzer', v.buzzer) };
    if (v.printer || v['paper-width']) {
      const printer = { ...((base.printer as Record<string, unknown>) ?? {}) };
      if (v.printer) printer.transport = printerTransport(v.printer);
      if (v['paper-width']) {
        if (v['paper-width'] !== '58' && v['paper-width'] !== '80') {
          throw new UsageError(`--paper-width: expected 58 or 80, got "${v['paper-width']}"`);
        }
        printer.paperWidthMm = Number(v['paper-width']);
      }
      base.printer = printer;
    }
    if (v.scanner) base.scanner = serialPort('scanner', v.scanner);
    return base;
  }
  if (role === 'rating') {
    if (counterId !== undefined) base.counterId = counterId;
    if (base.counterId === undefined)
      throw new UsageError('rating: give the counter it serves with --counter N');
    if (v.key?.length) {
      base.keys = v.key.map((text) => {
        const [gpio, level] = pair('key', text);
        if (!(RATING_LEVELS as readonly string[]).includes(level)) {
          throw new UsageError(`--key: level must be one of ${RATING_LEVELS.join(', ')}, got "${level}"`);
        }
        return { gpio, level };
      });
    }
    base.keys ??= [
      { gpio: 5, level: 'very_satisfied' },
      { gpio: 6, level: 'satisfied' },
      { gpio: 13, level: 'unsatisfied' },
    ];
    if (v.leds) {
      const leds = numberList('leds', v.leds, 0, 53);
      if (leds.length !== 3)
        throw new UsageError(`--leds: expected three GPIOs INVITE,OK,FAULT, got "${v.leds}"`);
      base.leds = { invite: leds[0], ok: leds[1], fault: leds[2] };
    }
    if (v.display) base.display = serialPort('display', v.display);
    return base;
  }
  // speaker
  if (v['audio-device'] || v.volume) {
    const audio = { ...((base.audio as Record<string, unknown>) ?? {}) };
    if (v['audio-device']) audio.device = v['audio-device'];
    if (v.volume) audio.volume = intOption('volume', v.volume, 0, 100);
    base.audio = audio;
  }
  if (v.zone) base.zone = numberList('zone', v.zone, 1, 999);
  return Object.keys(base).length ? base : undefined;
}

export interface ParseContext {
  env: Record<string, string | undefined>;
  /** The repository (for the default bundle path). */
  root: string;
}

/** Returns undefined for --help. Throws UsageError for anything wrong. */
export function parseFlashArgs(argv: string[], context: ParseContext): FlashOptions | undefined {
  const { values: v, positionals } = parseRaw(argv);
  if (v.help) return undefined;
  if (positionals.length) {
    throw new UsageError(`unexpected argument "${positionals[0]}" (options take the form --name value)`);
  }

  const required = (name: 'image' | 'target' | 'role') => {
    const value = v[name];
    if (!value) throw new UsageError(`--${name} is required`);
    return value;
  };
  const roleText = required('role');
  if (!(FLASH_ROLES as readonly string[]).includes(roleText)) {
    throw new UsageError(`--role: expected one of ${FLASH_ROLES.join(', ')}, got "${roleText}"`);
  }
  const role = roleText as FlashRole;
  const image = resolve(required('image'));
  const target = required('target');

  // Flags of one role given to another are mistakes, not silently ignored.
  for (const [owner, flags] of Object.entries(DEVICE_FLAGS)) {
    if (owner === role) continue;
    for (const flag of flags) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} is for the ${owner} role, not ${role}`);
    }
  }

  let deviceId: string | undefined;
  let hub: FlashOptions['hub'];
  let credential: CredentialSource | undefined;
  let counterId: number | undefined;
  if (role === 'hub') {
    for (const flag of [
      'id',
      'hub',
      'hub-http-port',
      'hub-mqtt-port',
      'password-file',
      'admin-token',
      'admin-user',
      'replace',
      'hardware',
    ] as const) {
      if (v[flag] !== undefined)
        throw new UsageError(`--${flag} is for devices; the hub role does not take it`);
    }
  } else {
    if (!v.id)
      throw new UsageError(
        `--id is required for a ${role} (e.g. ${role === 'rating' ? 'rating-03' : `${role}-01`})`,
      );
    if (!DEVICE_ID_PATTERN.test(v.id)) {
      throw new UsageError(
        `--id: expected 1–40 lowercase letters, digits or "-" starting with a letter or digit, got "${v.id}"`,
      );
    }
    deviceId = v.id;
    if (!v.hub)
      throw new UsageError("--hub is required: the hub's host name or IP address, e.g. --hub 192.168.1.10");
    if (!HOST.test(v.hub))
      throw new UsageError(
        `--hub: expected a host name or IPv4 address without scheme or port, got "${v.hub}"`,
      );
    hub = {
      host: v.hub,
      httpPort: v['hub-http-port'] ? intOption('hub-http-port', v['hub-http-port'], 1, 65_535) : 8080,
      mqttPort: v['hub-mqtt-port'] ? intOption('hub-mqtt-port', v['hub-mqtt-port'], 1, 65_535) : 1883,
    };
    if (v.counter !== undefined) counterId = intOption('counter', v.counter, 1, 999);

    const given = (['password-file', 'admin-token', 'admin-user'] as const).filter((f) => v[f] !== undefined);
    if (given.length === 0) {
      throw new UsageError(
        'a device credential is needed: --password-file FILE, or --admin-token / --admin-user to register the device on the hub',
      );
    }
    if (given.length > 1)
      throw new UsageError(`give one credential source, not ${given.map((f) => `--${f}`).join(' and ')}`);
    if (v['password-file']) {
      const path = resolve(v['password-file']);
      const secret = readOptionFile('password-file', path).replace(/[\r\n]+$/, '');
      if (!secret.trim()) throw new UsageError(`--password-file: ${path} is empty`);
      if (/[\r\n]/.test(secret)) throw new UsageError(`--password-file: ${path} holds more than one line`);
      credential = { kind: 'file', path };
      if (v.replace)
        throw new UsageError(
          '--replace goes with --admin-token or --admin-user (it asks the hub for a new password)',
        );
    } else if (v['admin-token'] !== undefined) {
      let token = v['admin-token'];
      if (token.startsWith('@')) token = readOptionFile('admin-token', token.slice(1)).trim();
      token = token.replace(/^qms_session=/, '').trim();
      if (!token) throw new UsageError('--admin-token: empty token');
      credential = { kind: 'admin-token', token };
    } else {
      const username = v['admin-user']!;
      if (!username) throw new UsageError('--admin-user: empty user name');
      credential = { kind: 'admin-user', username, password: context.env.QMS_ADMIN_PASSWORD || undefined };
    }
  }
  if (role !== 'rating' && v.counter !== undefined) throw new UsageError(`--counter is for the rating role`);
  if (role !== 'hub' && v['public-url'] !== undefined)
    throw new UsageError('--public-url is for the hub role');

  let publicUrl: string | undefined;
  if (v['public-url']) {
    try {
      const url = new URL(v['public-url']);
      if (!['http:', 'https:'].includes(url.protocol)) throw new Error();
    } catch {
      throw new UsageError(`--public-url: expected an http:// or https:// URL, got "${v['public-url']}"`);
    }
    publicUrl = v['public-url'];
  }

  const site = v.site ?? DEFAULT_SITE_NAME;
  if (!site.trim() || site.length > 200) throw new UsageError('--site: expected 1–200 characters');
  const timeZone = v['time-zone'] ?? DEFAULT_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new UsageError(`--time-zone: "${timeZone}" is not an IANA time zone such as Asia/Ho_Chi_Minh`);
  }
  const hostname = v.hostname ?? deviceId ?? 'qms-hub';
  if (!HOSTNAME.test(hostname))
    throw new UsageError(`--hostname: expected letters, digits and "-" (at most 63), got "${hostname}"`);

  let wifi: WifiOptions | undefined;
  const passwordGiven = [v['wifi-password'], v['wifi-password-file']].filter((x) => x !== undefined).length;
  if (v['wifi-ssid'] !== undefined) {
    const ssid = v['wifi-ssid'];
    if (!ssid || Buffer.byteLength(ssid) > 32) throw new UsageError('--wifi-ssid: expected 1–32 bytes');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\x00-\x1f\x7f]/.test(ssid)) throw new UsageError('--wifi-ssid: control characters are not allowed');
    if (passwordGiven > 1) throw new UsageError('give --wifi-password or --wifi-password-file, not both');
    const password = v['wifi-password-file']
      ? readOptionFile('wifi-password-file', v['wifi-password-file']).replace(/[\r\n]+$/, '')
      : (v['wifi-password'] ?? context.env.QMS_WIFI_PASSWORD);
    if (password === undefined) {
      throw new UsageError(
        '--wifi-ssid needs a passphrase: --wifi-password-file FILE (or QMS_WIFI_PASSWORD)',
      );
    }
    if (!/^[\x20-\x7e]{8,63}$/.test(password)) {
      throw new UsageError('Wi-Fi passphrase: expected 8–63 printable ASCII characters (WPA2-PSK)');
    }
    const country = (v['wifi-country'] ?? 'VN').toUpperCase();
    if (!/^[A-Z]{2}$/.test(country))
      throw new UsageError(
        `--wifi-country: expected a two-letter country code such as VN, got "${v['wifi-country']}"`,
      );
    wifi = { ssid, password, country };
  } else if (passwordGiven || v['wifi-country']) {
    throw new UsageError('Wi-Fi options need --wifi-ssid');
  }

  const sshKeys = parseSshKeys(v['ssh-key'] ?? []);
  const loginUser = v.user ?? 'technician';
  if (!LOGIN.test(loginUser) || ['root', 'qms'].includes(loginUser)) {
    throw new UsageError(
      `--user: expected a lowercase user name other than root and qms, got "${loginUser}"`,
    );
  }

  let bundle: BundleSource;
  if (v.bundle && v['bundle-url']) throw new UsageError('give --bundle or --bundle-url, not both');
  if (v['bundle-url']) {
    try {
      const url = new URL(v['bundle-url']);
      if (!['http:', 'https:'].includes(url.protocol)) throw new Error();
    } catch {
      throw new UsageError(`--bundle-url: expected an http:// or https:// URL, got "${v['bundle-url']}"`);
    }
    bundle = { kind: 'url', url: v['bundle-url'] };
  } else {
    const path = resolve(v.bundle ?? resolve(context.root, 'dist', `qms-bundle-linux-${PI_ARCH}.tar.gz`));
    try {
      if (!statSync(path).isFile()) throw new Error();
    } catch {
      throw new UsageError(
        v.bundle
          ? `--bundle: ${path} is not a readable file`
          : `no application bundle at ${path}: run \`npm run bundle -- --arch ${PI_ARCH}\` first, or give --bundle FILE or --bundle-url URL`,
      );
    }
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new UsageError(`--bundle: cannot read ${path}`);
    }
    bundle = { kind: 'file', path, info: readBundleInfo(path) };
  }

  const firstBoot = (v['first-boot'] ?? 'auto') as FirstBootChoice;
  if (!FIRST_BOOT_KINDS.includes(firstBoot)) {
    throw new UsageError(
      `--first-boot: expected one of ${FIRST_BOOT_KINDS.join(', ')}, got "${v['first-boot']}"`,
    );
  }

  let rtc: RtcModel | undefined;
  if (v.rtc !== undefined) {
    const model = v.rtc.trim().toLowerCase();
    if (!(RTC_MODELS as readonly string[]).includes(model)) {
      throw new UsageError(
        `--rtc: expected one of ${RTC_MODELS.join(', ')} (a DS3231 module: ds3231), got "${v.rtc}"`,
      );
    }
    rtc = model as RtcModel;
  }

  const hardware = role === 'hub' ? undefined : buildHardware(role, v, counterId);
  if (role === 'rating' && counterId === undefined)
    counterId = (hardware?.counterId as number | undefined) ?? undefined;

  return {
    image,
    target,
    role,
    deviceId,
    site,
    timeZone,
    hostname,
    hub,
    publicUrl,
    credential,
    replace: Boolean(v.replace),
    wifi,
    sshKeys,
    loginUser,
    bundle,
    firstBoot,
    hardware,
    counterId,
    rtc,
    yes: Boolean(v.yes),
    dryRun: Boolean(v['dry-run']),
    allowNonRemovable: Boolean(v['allow-non-removable']),
  };
}
