// scripts/flash end to end, as a technician runs it, on images laid out like
// Raspberry Pi OS (MBR, FAT32 bootfs, ext4 rootfs; see pi-image.ts), written
// to an image file and read back with mtools and debugfs:
// - Imager-style firstrun.sh (a Bookworm image) for a kiosk with a credential file;
// - cloud-init (user-data/meta-data in the boot partition) for a speaker and a
//   rating device registered on a real hub through its administration API;
//   the credential on the card then connects to the hub's broker;
// - the hub role from a plain .img.
// Every injected file is checked, and every other byte is unchanged: the
// bytes before the boot partition, the whole root partition, and every file of
// the boot partition that was not meant to change.

import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConfigSchema } from '../../hub/config.js';
import { validate } from '../../shared/config/config-file.js';
import { parseDeviceConfig } from '../../shared/config/device-config.js';
import { connectDevice, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import {
  buildPiImage,
  ext4List,
  ext4Read,
  fatList,
  fatRead,
  type PiImage,
  rangeHash,
  sha256,
  standInBundle,
} from './pi-image.js';

const execFile = promisify(execFileCb);
const FLASH = join(import.meta.dirname, '..', '..', 'scripts', 'flash');

let dir: { path: string; remove: () => void };
let firstrunImage: PiImage;
let cloudImage: PiImage;
let bundle: string;
let sshKeyFile: string;
let wifiFile: string;
let hub: TestHub;
const timings: string[] = [];

const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0123456789abcdefghijkl technician@laptop';
const WIFI_SSID = "Phòng một cửa O'Brien";
const WIFI_PASSPHRASE = 'mat-khau "wifi" 2026';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function flash(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = performance.now();
  try {
    const { stdout, stderr } = await execFile(FLASH, args, {
      env: { ...process.env, ...env },
      timeout: 150_000,
    });
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
      ms: performance.now() - started,
    };
  }
}

function bashSyntax(text: string, name: string): void {
  const file = join(dir.path, `${name}-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, text);
  execFileSync('bash', ['-n', file]);
}

/** Flash-reported times: "Wrote 96.0 MiB … in 0.31 s, verified in 0.05 s" and "read back in 0.4 s", "Done in 1.2 s". */
function reported(stdout: string): string {
  const write = /Wrote (.+?) to .+? in ([\d.]+ s), verified in ([\d.]+ s)/.exec(stdout);
  const inject = /read back in ([\d.]+ s)/.exec(stdout);
  const done = /Done in ([\d.]+ s)/.exec(stdout);
  return `write ${write?.[2]}, verify ${write?.[3]}, inject ${inject?.[1]}, tool total ${done?.[1]}`;
}

/** What stays the same whatever was injected: bytes before the boot partition and the whole root partition. */
function expectOutsideBootUnchanged(image: PiImage, target: string): void {
  expect(statSync(target).size).toBe(image.size);
  expect(rangeHash(target, 0, image.bootOffset)).toBe(rangeHash(image.img, 0, image.bootOffset));
  expect(rangeHash(target, image.rootOffset, image.size)).toBe(
    rangeHash(image.img, image.rootOffset, image.size),
  );
}

async function expectRootReadable(image: PiImage, target: string): Promise<void> {
  for (const [path, data] of image.rootFiles) {
    expect(sha256(await ext4Read(target, image.rootOffset, path)), path).toBe(sha256(data));
  }
  const etc = await ext4List(target, image.rootOffset, '/etc');
  if (etc) expect(etc).toEqual(expect.arrayContaining(['fstab', 'hostname', 'os-release']));
}

/** The boot files not in `changed` are byte for byte the image's; returns the full listing. */
async function expectOtherBootFilesUnchanged(
  image: PiImage,
  target: string,
  changed: string[],
): Promise<string[]> {
  const listing = await fatList(target, image.bootOffset);
  for (const [path, data] of image.bootFiles) {
    if (changed.includes(path)) continue;
    expect(sha256(await fatRead(target, image.bootOffset, path)), path).toBe(sha256(data));
  }
  return listing;
}

/** The config as the device will load it (its /etc/qms secret path redirected to a copy). */
function loadConfigAsDevice(text: string, secret: string) {
  const config = JSON.parse(text) as { credentials: { passwordFile: string }; role: string };
  const secretCopy = join(dir.path, `secret-${Math.random().toString(36).slice(2)}`);
  writeFileSync(secretCopy, secret);
  const realPath = config.credentials.passwordFile;
  config.credentials.passwordFile = secretCopy;
  return {
    realPath,
    loaded: parseDeviceConfig(JSON.stringify(config), join(dir.path, `${config.role}.json`)),
  };
}

beforeAll(async () => {
  dir = tempDir('qms-flash-');
  [firstrunImage, cloudImage] = await Promise.all([
    buildPiImage(dir.path, 'firstrun'),
    buildPiImage(dir.path, 'cloud-init'),
  ]);
  // A small stand-in for `npm run bundle -- --arch arm64` (offline-install.test.ts writes the real one).
  bundle = await standInBundle(dir.path);
  sshKeyFile = join(dir.path, 'id_ed25519.pub');
  writeFileSync(sshKeyFile, `${SSH_KEY}\n`);
  wifiFile = join(dir.path, 'wifi.txt');
  writeFileSync(wifiFile, `${WIFI_PASSPHRASE}\n`);
  hub = await startTestHub();
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  dir?.remove();
  if (timings.length) console.log(`\nflash timings (96 MiB test image):\n  ${timings.join('\n  ')}\n`);
});

describe('firstrun.sh convention (Bookworm image), kiosk with a credential file', () => {
  it('writes, verifies and injects; everything else is unchanged', async () => {
    const target = join(dir.path, 'kiosk-01.img');
    const secretFile = join(dir.path, 'kiosk-01.secret');
    writeFileSync(secretFile, 'kiosk-01-secret-token\n');
    const run = await flash([
      '--image',
      firstrunImage.xz,
      '--target',
      target,
      '--role',
      'kiosk',
      '--id',
      'kiosk-01',
      '--site',
      'Công an tỉnh Thanh Hóa – Bộ phận một cửa',
      '--hub',
      '192.168.1.10',
      '--password-file',
      secretFile,
      '--bundle',
      bundle,
      '--button',
      '5=can-cuoc',
      '--button',
      '6=procedure:cu-tru-01',
      '--priority-button',
      '26=nguoi-cao-tuoi',
      '--led',
      '17',
      '--printer',
      'usb:/dev/usb/lp0',
      '--paper-width',
      '80',
      '--wifi-ssid',
      WIFI_SSID,
      '--wifi-password-file',
      wifiFile,
      '--ssh-key',
      sshKeyFile,
    ]);
    expect(run.stderr + run.stdout).not.toMatch(/flash: /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/First boot: firstrun \(\/boot\/firmware\/firstrun\.sh\)/);
    timings.push(
      `.img.xz → image file, firstrun, kiosk: ${(run.ms / 1000).toFixed(2)} s wall (${reported(run.stdout)})`,
    );

    expectOutsideBootUnchanged(firstrunImage, target);
    await expectRootReadable(firstrunImage, target);
    const listing = await expectOtherBootFilesUnchanged(firstrunImage, target, ['cmdline.txt']);
    expect(listing).toEqual(
      [
        ...firstrunImage.bootFiles.keys(),
        'firstrun.sh',
        'qms/install.sh',
        'qms/kiosk.json',
        'qms/kiosk-01.secret',
        'qms/qms-bundle.tar.gz',
      ].sort(),
    );
    const read = (path: string) => fatRead(target, firstrunImage.bootOffset, path);

    // cmdline.txt: still one line, Imager's three systemd entries appended, Wi-Fi country before them.
    expect((await read('cmdline.txt')).toString()).toBe(
      `${firstrunImage.cmdline.trim()} cfg80211.ieee80211_regdom=VN systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`,
    );

    // The config validates with the devices' own loader; the secret is a separate file.
    const configText = (await read('qms/kiosk.json')).toString();
    const secret = (await read('qms/kiosk-01.secret')).toString();
    expect(secret).toBe('kiosk-01-secret-token\n');
    const { realPath, loaded } = loadConfigAsDevice(configText, secret);
    expect(realPath).toBe('/etc/qms/kiosk-01.secret');
    expect(configText).not.toContain('kiosk-01-secret-token');
    expect(loaded).toMatchObject({
      role: 'kiosk',
      deviceId: 'kiosk-01',
      site: { name: 'Công an tỉnh Thanh Hóa – Bộ phận một cửa', timeZone: 'Asia/Ho_Chi_Minh' },
      hub: { mqttUrl: 'mqtt://192.168.1.10:1883', httpUrl: 'http://192.168.1.10:8080' },
      credentials: { password: 'kiosk-01-secret-token' },
      dataDir: '/var/lib/qms/kiosk',
      hardware: {
        buttons: [
          { gpio: 5, fieldId: 'can-cuoc' },
          { gpio: 6, procedureId: 'cu-tru-01' },
        ],
        priorityButton: { gpio: 26, category: 'nguoi-cao-tuoi' },
        led: { gpio: 17 },
        printer: { transport: { type: 'device', path: '/dev/usb/lp0' }, paperWidthMm: 80 },
      },
    });

    expect(sha256(await read('qms/qms-bundle.tar.gz'))).toBe(sha256(readFileSync(bundle)));

    const install = (await read('qms/install.sh')).toString();
    bashSyntax(install, 'install');
    expect(install).toContain("ROLE='kiosk'");
    expect(install).toContain("UNIT='qms-kiosk.service'");
    expect(install).toContain("TIME_SERVER='192.168.1.10'");
    expect(install).toContain("SECRET_NAME='kiosk-01.secret'");
    expect(install).toContain("BUNDLE_NAME='qms-bundle.tar.gz'");
    expect(install).toContain("EXTRA_GROUPS='gpio lp dialout'");

    const firstrun = (await read('firstrun.sh')).toString();
    bashSyntax(firstrun, 'firstrun');
    const psk = pbkdf2Sync(WIFI_PASSPHRASE, WIFI_SSID, 4096, 32, 'sha1').toString('hex');
    expect(firstrun).toContain("imager_custom set_hostname 'kiosk-01'");
    expect(firstrun).toContain(`imager_custom set_wlan 'Phòng một cửa O'\\''Brien' '${psk}' 'VN'`);
    expect(firstrun).toContain("imager_custom set_timezone 'Asia/Ho_Chi_Minh'");
    expect(firstrun).toContain(`imager_custom enable_ssh -k '${SSH_KEY}'`);
    expect(firstrun).toContain("/usr/lib/userconf-pi/userconf 'technician' '*'");
    expect(firstrun).toContain('bash "$BOOT/qms/install.sh" stage');
    expect(firstrun).toContain('rm -f "$BOOT/firstrun.sh"');
    expect(firstrun).toContain(`sed -i 's| systemd.run.*||g' "$BOOT/cmdline.txt"`);

    // The Wi-Fi passphrase itself is on the card nowhere (only its PSK).
    for (const path of listing) {
      expect((await read(path)).includes(Buffer.from(WIFI_PASSPHRASE)), path).toBe(false);
    }
  }, 240_000);
});

describe('cloud-init convention', () => {
  it('a speaker registered on the hub with --admin-user: user-data, meta-data, network-config', async () => {
    const password = await hub.addAccount('flash-admin', 'admin');
    const target = join(dir.path, 'speaker-01.img');
    const port = (url: string) => new URL(url).port;
    const run = await flash(
      [
        '-i',
        cloudImage.xz,
        '-t',
        target,
        '-r',
        'speaker',
        '--id',
        'speaker-01',
        '--hub',
        '127.0.0.1',
        '--hub-http-port',
        port(hub.httpUrl),
        '--hub-mqtt-port',
        port(hub.mqttUrl),
        '--admin-user',
        'flash-admin',
        '--bundle',
        bundle,
        '--audio-device',
        'plughw:1,0',
        '--volume',
        '80',
        '--zone',
        '1,2',
        '--hostname',
        'loa-sanh',
        '--wifi-ssid',
        WIFI_SSID,
        '--wifi-password-file',
        wifiFile,
        '--ssh-key',
        SSH_KEY,
      ],
      { QMS_ADMIN_PASSWORD: password },
    );
    expect(run.stderr + run.stdout).not.toMatch(/flash: /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Registered speaker-01 on the hub/);
    expect(run.stdout).toMatch(/First boot: cloud-init/);
    timings.push(
      `.img.xz → image file, cloud-init, speaker + hub registration: ${(run.ms / 1000).toFixed(2)} s wall (${reported(run.stdout)})`,
    );

    expectOutsideBootUnchanged(cloudImage, target);
    await expectRootReadable(cloudImage, target);
    const changed = ['user-data', 'meta-data', 'network-config'];
    const listing = await expectOtherBootFilesUnchanged(cloudImage, target, changed);
    expect(listing).toEqual(
      [
        ...cloudImage.bootFiles.keys(),
        'qms/install.sh',
        'qms/speaker.json',
        'qms/speaker-01.secret',
        'qms/qms-bundle.tar.gz',
      ].sort(),
    );
    const read = async (path: string) => (await fatRead(target, cloudImage.bootOffset, path)).toString();
    // The kernel line is the image's: cloud-init needs no systemd.run.
    expect(await read('cmdline.txt')).toBe(cloudImage.cmdline);

    // The YAML parsed by PyYAML, the parser cloud-init itself uses.
    const yaml = (text: string) =>
      JSON.parse(
        execFileSync(
          'python3',
          ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
          {
            input: text,
            encoding: 'utf8',
          },
        ),
      );
    const userData = await read('user-data');
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    const user = yaml(userData);
    expect(user).toMatchObject({
      hostname: 'loa-sanh',
      timezone: 'Asia/Ho_Chi_Minh',
      ssh_pwauth: false,
      users: [{ name: 'technician', lock_passwd: true, ssh_authorized_keys: [SSH_KEY] }],
    });
    expect(user.runcmd.map((c: string[]) => c[2]).join('\n')).toMatch(
      /qms\/install\.sh" stage[\s\S]*qms-install\.service/,
    );
    const meta = yaml(await read('meta-data'));
    expect(meta['local-hostname']).toBe('loa-sanh');
    expect(meta['instance-id']).toMatch(/^qms-speaker-01-\d{14}$/);
    const network = yaml(await read('network-config'));
    const psk = pbkdf2Sync(WIFI_PASSPHRASE, WIFI_SSID, 4096, 32, 'sha1').toString('hex');
    expect(network.network.wifis.wlan0).toMatchObject({
      'regulatory-domain': 'VN',
      'access-points': { [WIFI_SSID]: { password: psk } },
    });

    // The credential the hub issued is on the card, and it connects to the broker.
    const secret = await read('qms/speaker-01.secret');
    const { loaded } = loadConfigAsDevice(await read('qms/speaker.json'), secret);
    expect(loaded).toMatchObject({
      role: 'speaker',
      deviceId: 'speaker-01',
      hub: { mqttUrl: hub.mqttUrl, httpUrl: hub.httpUrl },
      dataDir: '/var/lib/qms/speaker',
      hardware: { audio: { device: 'plughw:1,0', volume: 80 }, zone: [1, 2] },
    });
    const client = await connectDevice(hub.mqttUrl, 'speaker-01', secret.trim());
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));

    const install = await read('qms/install.sh');
    bashSyntax(install, 'install');
    expect(install).toContain("EXTRA_GROUPS='audio'");
  }, 240_000);

  it('a rating device registered with --admin-token (an administrator session)', async () => {
    const password = await hub.addAccount('flash-admin-2', 'admin');
    const cookie = await hub.signIn('flash-admin-2', password);
    const tokenFile = join(dir.path, 'admin-token');
    writeFileSync(tokenFile, `${cookie.replace(/^qms_session=/, '')}\n`);
    const target = join(dir.path, 'rating-03.img');
    const run = await flash([
      '-i',
      cloudImage.xz,
      '-t',
      target,
      '-r',
      'rating',
      '--id',
      'rating-03',
      '--counter',
      '3',
      '--hub',
      '127.0.0.1',
      '--hub-http-port',
      new URL(hub.httpUrl).port,
      '--hub-mqtt-port',
      new URL(hub.mqttUrl).port,
      '--admin-token',
      `@${tokenFile}`,
      '--bundle',
      bundle,
      '--leds',
      '17,27,22',
    ]);
    expect(run.stderr + run.stdout).not.toMatch(/flash: /);
    expect(run.code).toBe(0);
    const read = async (path: string) => (await fatRead(target, cloudImage.bootOffset, path)).toString();
    const secret = await read('qms/rating-03.secret');
    const { loaded } = loadConfigAsDevice(await read('qms/rating.json'), secret);
    expect(loaded.hardware).toMatchObject({
      counterId: 3,
      keys: [
        { gpio: 5, level: 'very_satisfied' },
        { gpio: 6, level: 'satisfied' },
        { gpio: 13, level: 'unsatisfied' },
      ],
      leds: { invite: 17, ok: 27, fault: 22 },
    });
    expect(hub.hub.devices.get('rating-03')).toMatchObject({ role: 'rating', counterId: 3 });
    // No Wi-Fi given: the image's own network-config stays.
    expect(await read('network-config')).toBe(cloudImage.bootFiles.get('network-config')!.toString());
    const client = await connectDevice(hub.mqttUrl, 'rating-03', secret.trim());
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }, 240_000);
});

describe('hub role from a plain .img', () => {
  it('writes hub.json (valid for the hub) and no credential', async () => {
    const target = join(dir.path, 'hub.img');
    const run = await flash([
      '-i',
      firstrunImage.img,
      '-t',
      target,
      '-r',
      'hub',
      '--public-url',
      'http://192.168.1.10:8080',
      '--bundle',
      bundle,
      '--ssh-key',
      sshKeyFile,
    ]);
    expect(run.stderr + run.stdout).not.toMatch(/flash: /);
    expect(run.code).toBe(0);
    timings.push(
      `.img → image file, firstrun, hub: ${(run.ms / 1000).toFixed(2)} s wall (${reported(run.stdout)})`,
    );
    expectOutsideBootUnchanged(firstrunImage, target);
    const listing = await expectOtherBootFilesUnchanged(firstrunImage, target, ['cmdline.txt']);
    expect(listing).toEqual(
      [
        ...firstrunImage.bootFiles.keys(),
        'firstrun.sh',
        'qms/install.sh',
        'qms/hub.json',
        'qms/qms-bundle.tar.gz',
      ].sort(),
    );
    const read = async (path: string) => (await fatRead(target, firstrunImage.bootOffset, path)).toString();
    const config = validate(hubConfigSchema, JSON.parse(await read('qms/hub.json')), 'hub.json');
    expect(config).toMatchObject({
      dataDir: '/var/lib/qms',
      publicUrl: 'http://192.168.1.10:8080',
      site: { timeZone: 'Asia/Ho_Chi_Minh' },
    });
    // No Wi-Fi: no regulatory domain added.
    expect(await read('cmdline.txt')).toBe(
      `${firstrunImage.cmdline.trim()} systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`,
    );
    expect(await read('firstrun.sh')).toContain("imager_custom set_hostname 'qms-hub'");
    const install = await read('qms/install.sh');
    expect(install).toContain("ROLE='hub'");
    expect(install).toContain("SECRET_NAME=''");
    expect(install).toContain("TIME_SERVER=''");
    expect(install).toContain("RTC=''");
    expect(run.stdout).toMatch(/clock +no real-time clock \(NTP, or an officer confirms the time/);
  }, 240_000);

  it('with --rtc ds3231: the overlay in config.txt, fake-hwclock removed at first boot', async () => {
    const target = join(dir.path, 'hub-rtc.img');
    const run = await flash([
      '-i',
      firstrunImage.img,
      '-t',
      target,
      '-r',
      'hub',
      '--rtc',
      'ds3231',
      '--bundle',
      bundle,
      '--ssh-key',
      sshKeyFile,
    ]);
    expect(run.stderr + run.stdout).not.toMatch(/flash: /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /clock +real-time clock ds3231 on I²C \(dtoverlay=i2c-rtc,ds3231; fake-hwclock removed\)/,
    );
    expectOutsideBootUnchanged(firstrunImage, target);
    await expectOtherBootFilesUnchanged(firstrunImage, target, ['cmdline.txt', 'config.txt']);
    const read = async (path: string) => (await fatRead(target, firstrunImage.bootOffset, path)).toString();
    const original = firstrunImage.bootFiles.get('config.txt')!.toString();
    const config = await read('config.txt');
    expect(config.startsWith(original)).toBe(true);
    expect(config.slice(original.length)).toBe(
      '\n# QMS: battery-backed real-time clock (scripts/flash --rtc)\n[all]\ndtparam=i2c_arm=on\ndtoverlay=i2c-rtc,ds3231\n',
    );
    const install = await read('qms/install.sh');
    expect(install).toContain("RTC='ds3231'");
    expect(install).toContain('use_rtc');
  }, 240_000);
});
