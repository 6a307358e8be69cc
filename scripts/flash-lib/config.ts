// The configuration file written for the device, checked with the very
// schemas the programs load it with: shared/config/device-config.ts for the
// kiosk, rating and speaker, hub/config.ts for the hub. The credential is a
// separate file (mode 600 on the device) named by `passwordFile`.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubConfigSchema } from '../../hub/config.js';
import { ConfigError, validate } from '../../shared/config/config-file.js';
import { type DeviceConfigInput, parseDeviceConfig } from '../../shared/config/device-config.js';
import { FlashError } from './errors.js';
import type { FlashOptions } from './options.js';

/** Where things live on the device. */
export const DEVICE_PATHS = {
  configDir: '/etc/qms',
  appDir: '/opt/qms',
  /** Each edge program has its own state folder (systemd StateDirectory=qms/<role>). */
  dataDir: (role: string) => (role === 'hub' ? '/var/lib/qms' : `/var/lib/qms/${role}`),
  config: (role: string) => `/etc/qms/${role}.json`,
  secret: (deviceId: string) => `/etc/qms/${deviceId}.secret`,
};

export interface DeviceFiles {
  /** File name in /etc/qms (and in the boot partition's qms/ folder). */
  configName: string;
  configText: string;
  /** undefined for the hub. */
  secretName: string | undefined;
}

export function deviceConfigInput(options: FlashOptions): DeviceConfigInput {
  const { role, deviceId, hub } = options;
  if (role === 'hub' || !deviceId || !hub) throw new Error('deviceConfigInput: not a device');
  return {
    role,
    deviceId,
    site: { name: options.site, timeZone: options.timeZone },
    hub: {
      mqttUrl: `mqtt://${hub.host}:${hub.mqttPort}`,
      httpUrl: `http://${hub.host}:${hub.httpPort}`,
    },
    credentials: { passwordFile: DEVICE_PATHS.secret(deviceId) },
    dataDir: DEVICE_PATHS.dataDir(role),
    hardware: options.hardware ?? {},
  } as DeviceConfigInput;
}

/**
 * Check the exact text with parseDeviceConfig. The passwordFile points at
 * /etc/qms on the device, so for the check it is redirected to a temporary
 * copy of the secret; every other byte is what the device will read.
 */
export function checkDeviceConfig(text: string, secret: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'qms-flash-config-'));
  try {
    const data = JSON.parse(text) as { credentials: { passwordFile: string }; role: string };
    writeFileSync(join(dir, 'secret'), `${secret}\n`, { mode: 0o600 });
    data.credentials.passwordFile = join(dir, 'secret');
    parseDeviceConfig(JSON.stringify(data), join(dir, `${data.role}.json`));
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new FlashError(
        `the device configuration would be refused by the device: ${error.problems.join('; ')}`,
      );
    }
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function hubConfigInput(options: FlashOptions): Record<string, unknown> {
  return {
    dataDir: DEVICE_PATHS.dataDir('hub'),
    site: { name: options.site, timeZone: options.timeZone },
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  };
}

/** The config file for the role, validated; `secret` is checked too (a placeholder before it is fetched). */
export function deviceFiles(options: FlashOptions, secret: string): DeviceFiles {
  const configName = `${options.role}.json`;
  if (options.role === 'hub') {
    const data = hubConfigInput(options);
    try {
      validate(hubConfigSchema, data, configName);
    } catch (error) {
      if (error instanceof ConfigError)
        throw new FlashError(`the hub configuration would be refused: ${error.message}`);
      throw error;
    }
    return { configName, configText: `${JSON.stringify(data, null, 2)}\n`, secretName: undefined };
  }
  if (!secret) throw new FlashError('the device credential is empty');
  const configText = `${JSON.stringify(deviceConfigInput(options), null, 2)}\n`;
  checkDeviceConfig(configText, secret);
  return { configName, configText, secretName: `${options.deviceId}.secret` };
}
