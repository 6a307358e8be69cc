// Put the device's files into the boot partition of the written target:
// qms/ (installer, config, secret, bundle with its Node.js runtime) plus the
// image's first-boot hook (firstrun.sh and cmdline.txt, or cloud-init files).
// Everything written is read back and compared.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DEFAULT_TOUCH_PORT } from '../../shared/config/device-config.js';
import type { DeviceFiles } from './config.js';
import { FlashError } from './errors.js';
import { bootMountPoint, ext4Present, readExt4File } from './ext4.js';
import type { FatVolume } from './fat.js';
import {
  type Convention,
  cloudInitFiles,
  cmdlineWithFirstrun,
  configTxtWithRtc,
  detectConvention,
  firstrunScript,
  installScript,
  SCREEN_USER,
  type ScreenSetup,
  type SystemSetup,
} from './first-boot.js';
import type { MbrPartition } from './mbr.js';
import type { FlashOptions } from './options.js';

export const BUNDLE_NAME = 'qms-bundle.tar.gz';

export interface BootFile {
  /** Path in the boot partition, e.g. "qms/install.sh". */
  path: string;
  data?: string | Buffer;
  /** A local file copied as is (large: bundle, Node.js). */
  local?: string;
  /** Shown in the plan. */
  what: string;
}

export interface Injection {
  convention: Convention;
  /** Where the image mounts its boot partition ("/boot/firmware" on Bookworm). */
  bootMount: string;
  files: BootFile[];
}

export interface InjectionInput {
  options: FlashOptions;
  files: DeviceFiles;
  secret: string | undefined;
  writtenAt: string;
}

/** Detect the convention and the boot mount point from the written image, and list the files. */
export async function planInjection(
  fat: FatVolume,
  root: MbrPartition | undefined,
  target: string,
  input: InjectionInput,
): Promise<Injection> {
  const names = await fat.rootNames();
  if (!names.some((n) => n.toLowerCase() === 'cmdline.txt')) {
    throw new FlashError('the boot partition has no cmdline.txt: is this a Raspberry Pi OS image?');
  }
  const cmdline = await fat.readText('cmdline.txt');
  const convention =
    input.options.firstBoot === 'auto' ? detectConvention(names, cmdline) : input.options.firstBoot;
  let bootMount = '/boot/firmware';
  if (root) {
    const fstab = await readExt4File(target, root.offset, '/etc/fstab');
    bootMount = (fstab && bootMountPoint(fstab.toString('utf8'))) || bootMount;
    if (screenOf(input.options)) await checkDesktop(target, root.offset);
  }
  // --rtc: the overlay goes into the image's own config.txt.
  const configTxt =
    input.options.rtc && names.some((n) => n.toLowerCase() === 'config.txt')
      ? await fat.readText('config.txt')
      : '';
  return { convention, bootMount, files: bootFiles(convention, bootMount, cmdline, input, configTxt) };
}

/** A kiosk with a touch screen (hardware.touch, from --touch or --hardware): what its desktop opens. */
export function screenOf(options: FlashOptions): ScreenSetup | undefined {
  const touch = options.role === 'kiosk' ? options.hardware?.touch : undefined;
  if (!touch || typeof touch !== 'object') return undefined;
  const port = (touch as { port?: unknown }).port;
  return {
    url: `http://127.0.0.1:${typeof port === 'number' && port > 0 ? port : DEFAULT_TOUCH_PORT}/guide`,
    user: SCREEN_USER,
  };
}

/** What a touch-screen kiosk's image must have: a browser, a desktop, and its login manager. */
export const DESKTOP_NEEDS = {
  browser: ['/usr/bin/chromium-browser', '/usr/bin/chromium'],
  desktop: ['/usr/bin/labwc', '/usr/bin/wayfire', '/usr/bin/lxsession'],
  login: ['/usr/sbin/lightdm'],
} as const;

/** Refuse an image without a desktop (Raspberry Pi OS Lite) for a touch screen. */
async function checkDesktop(target: string, offset: number): Promise<void> {
  const all = Object.values(DESKTOP_NEEDS).flat();
  const present = await ext4Present(target, offset, all);
  if (!present) return; // debugfs cannot look: the first boot warns instead
  const missing = Object.entries(DESKTOP_NEEDS)
    .filter(([, paths]) => !paths.some((p) => present.has(p)))
    .map(([what, paths]) => `${what} (${paths.join(' or ')})`);
  if (missing.length) {
    throw new FlashError(
      `--touch needs Raspberry Pi OS with desktop (Bookworm), not Lite: the image has no ${missing.join(', no ')}`,
    );
  }
}

export function bootFiles(
  convention: Convention,
  bootMount: string,
  cmdline: string,
  input: InjectionInput,
  /** The image's config.txt, read when --rtc is given. */
  configTxt = '',
): BootFile[] {
  const { options, files, secret, writtenAt } = input;
  const label = options.deviceId ? `${options.deviceId} (${options.role})` : 'the hub';
  const out: BootFile[] = [];
  out.push({
    path: 'qms/install.sh',
    what: 'installer (stage, run, update)',
    data: installScript({
      role: options.role,
      deviceId: options.deviceId,
      configName: files.configName,
      secretName: files.secretName,
      timeServer: options.hub?.host,
      bundleName: options.bundle.kind === 'file' ? BUNDLE_NAME : undefined,
      bundleUrl: options.bundle.kind === 'url' ? options.bundle.url : undefined,
      rtc: options.rtc,
      screen: screenOf(options),
      writtenAt,
    }),
  });
  out.push({
    path: `qms/${files.configName}`,
    what: `configuration → /etc/qms/${files.configName}`,
    data: files.configText,
  });
  if (files.secretName) {
    if (secret === undefined) throw new Error('bootFiles: the secret is needed');
    out.push({
      path: `qms/${files.secretName}`,
      what: `credential → /etc/qms/${files.secretName} (mode 600)`,
      data: `${secret}\n`,
    });
  }
  if (options.bundle.kind === 'file') {
    out.push({
      path: `qms/${BUNDLE_NAME}`,
      what: `application bundle (${basename(options.bundle.path)}: ${options.bundle.info.version}, ${options.bundle.info.arch}, Node.js ${options.bundle.info.node}) → /opt/qms`,
      local: options.bundle.path,
    });
  }
  if (options.rtc) {
    out.push({
      path: 'config.txt',
      what: `+ dtoverlay=i2c-rtc,${options.rtc} (real-time clock; fake-hwclock removed at first boot)`,
      data: configTxtWithRtc(configTxt, options.rtc),
    });
  }
  const setup: SystemSetup = {
    hostname: options.hostname,
    timeZone: options.timeZone,
    loginUser: options.loginUser,
    sshKeys: options.sshKeys,
    wifi: options.wifi,
    label,
    writtenAt,
  };
  if (convention === 'firstrun') {
    const script = `${bootMount.replace(/\/$/, '')}/firstrun.sh`;
    out.push({ path: 'firstrun.sh', what: 'first-boot setup (Imager style)', data: firstrunScript(setup) });
    out.push({
      path: 'cmdline.txt',
      what: `kernel line + systemd.run=${script}`,
      data: cmdlineWithFirstrun(cmdline, script, options.wifi?.country),
    });
  } else {
    const instanceId = `qms-${options.deviceId ?? 'hub'}-${writtenAt.replace(/[^0-9]/g, '').slice(0, 14)}`;
    const cloud = cloudInitFiles(setup, instanceId);
    out.push({
      path: 'user-data',
      what: 'cloud-init: hostname, user, SSH key, time zone, installer',
      data: cloud.userData,
    });
    out.push({ path: 'meta-data', what: `cloud-init: instance ${instanceId}`, data: cloud.metaData });
    if (cloud.networkConfig)
      out.push({ path: 'network-config', what: 'cloud-init: Wi-Fi', data: cloud.networkConfig });
  }
  return out;
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Write every file, then read each back and compare. */
export async function applyInjection(fat: FatVolume, injection: Injection): Promise<void> {
  await fat.mkdir('qms');
  for (const file of injection.files) {
    if (file.local) await fat.copyIn(file.local, file.path);
    else await fat.write(file.path, file.data!);
  }
  for (const file of injection.files) {
    const want = file.local ? sha(await readFile(file.local)) : sha(file.data!);
    const got = sha(await fat.read(file.path));
    if (got !== want)
      throw new FlashError(`verify: ${file.path} in the boot partition differs from what was written`);
  }
}
