import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MQTT_LIMITS } from '../../../hub/broker/limits.js';
import { ConfigError, loadHubConfig } from '../../../hub/config.js';
import { defaultHttpLimits } from '../../../hub/http/limits.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qms-hub-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadHubConfig', () => {
  it('has a default for everything', async () => {
    expect(await loadHubConfig({})).toEqual({
      dataDir: './data',
      mqtt: { host: '0.0.0.0', port: 1883, limits: DEFAULT_MQTT_LIMITS },
      http: {
        host: '0.0.0.0',
        port: 8080,
        limits: {
          maxConnections: 1500,
          maxConnectionsPerAddress: 64,
          headersTimeoutMs: 10_000,
          requestTimeoutMs: 15_000,
          keepAliveTimeoutMs: 5_000,
          idleTimeoutMs: 120_000,
          maxEventStreams: 1000,
          maxEventStreamsPerAddress: 10,
          maxEventBacklogBytes: 16 * 1024 * 1024,
        },
      },
      site: { name: 'Công an tỉnh Thanh Hóa – Bộ phận một cửa', timeZone: 'Asia/Ho_Chi_Minh' },
      dailyResetTime: '00:00',
      clock: { trustSystemClock: false, rtc: '/sys/class/rtc/rtc0', carryOverMinutes: 120, checkSeconds: 30 },
      backup: { enabled: true, time: '20:00', keepDays: 14 },
      central: {
        enabled: false,
        batchEvents: 200,
        windowEvents: 2000,
        resendSeconds: 15,
        maxEvents: 300_000,
        alarmEvents: 20_000,
        alarmMinutes: 60,
      },
    });
  });

  it('refuses an enabled centre link without its address, office or password', async () => {
    const path = await writeConfig('central.json', { central: { enabled: true, url: 'http://x' } });
    await expect(loadHubConfig({ QMS_CONFIG: path })).rejects.toThrow(
      /central\.url: expected a mqtts:\/\/ or mqtt:\/\/ URL.*central\.officeId: required.*central\.passwordFile: passwordFile or password is required/,
    );
    const ok = await writeConfig('central-ok.json', {
      central: {
        enabled: true,
        url: 'mqtts://centre:8883',
        officeId: 'ca-phuong-1',
        passwordFile: '/etc/qms/central.password',
      },
    });
    expect((await loadHubConfig({ QMS_CONFIG: ok })).central).toMatchObject({
      enabled: true,
      officeId: 'ca-phuong-1',
    });
  });

  it('reads the backup settings', async () => {
    const path = await writeConfig('backup.json', {
      backup: { time: '18:30', keepDays: 30, dir: '/var/lib/qms/backups', copyTo: '/mnt/qms-backup' },
    });
    expect((await loadHubConfig({ QMS_CONFIG: path })).backup).toEqual({
      enabled: true,
      time: '18:30',
      keepDays: 30,
      dir: '/var/lib/qms/backups',
      copyTo: '/mnt/qms-backup',
    });
    const off = await writeConfig('backup-off.json', { backup: { enabled: false } });
    expect((await loadHubConfig({ QMS_CONFIG: off })).backup).toEqual({
      enabled: false,
      time: '20:00',
      keepDays: 14,
    });
    expect(DEFAULT_MQTT_LIMITS).toMatchObject({
      maxPacketBytesBeforeAuth: 4096,
      maxPacketBytes: 65_536,
      connectTimeoutMs: 5000,
    });
  });

  it('reads clock, keeping the default of each setting left out, and refuses nonsense', async () => {
    const path = await writeConfig('clock.json', { clock: { rtc: '', carryOverMinutes: 0 } });
    expect((await loadHubConfig({ QMS_CONFIG: path })).clock).toEqual({
      trustSystemClock: false,
      rtc: '',
      carryOverMinutes: 0,
      checkSeconds: 30,
    });
    for (const clock of [
      { carryOverMinutes: -1 },
      { checkSeconds: 0 },
      { trustSystemClock: 'yes' },
      { ntp: true },
    ]) {
      const bad = await writeConfig('bad-clock.json', { clock });
      await expect(loadHubConfig({ QMS_CONFIG: bad })).rejects.toThrow(/clock/);
    }
  });

  it('reads mqtt.limits, keeping the default of each limit left out', async () => {
    const path = await writeConfig('limits.json', {
      mqtt: {
        port: 1884,
        limits: { maxPacketBytes: 32_768, maxConnectionsPerAddress: 8, authMaxDelayMs: 0 },
      },
    });
    const config = await loadHubConfig({ QMS_CONFIG: path, QMS_MQTT_PORT: '1885' });
    expect(config.mqtt).toEqual({
      host: '0.0.0.0',
      port: 1885,
      limits: {
        ...DEFAULT_MQTT_LIMITS,
        maxPacketBytes: 32_768,
        maxConnectionsPerAddress: 8,
        authMaxDelayMs: 0,
      },
    });
  });

  it('reads http.limits, keeping the defaults of the keys it leaves out', async () => {
    const path = await writeConfig('limits.json', {
      http: {
        port: 80,
        limits: { maxEventStreams: 300, maxEventStreamsPerAddress: 4, headersTimeoutMs: 5000 },
      },
    });
    const config = await loadHubConfig({ QMS_CONFIG: path });
    expect(config.http).toEqual({
      host: '0.0.0.0',
      port: 80,
      limits: {
        ...defaultHttpLimits,
        maxEventStreams: 300,
        maxEventStreamsPerAddress: 4,
        headersTimeoutMs: 5000,
      },
    });
  });

  it('reads the file named by QMS_CONFIG, keeping defaults for what it leaves out', async () => {
    const path = await writeConfig('hub.json', {
      mqtt: { port: 1884 },
      site: { name: 'UBND phường Điện Biên' },
      dailyResetTime: '23:30',
      publicUrl: 'http://192.168.1.10:8080/',
    });
    const config = await loadHubConfig({ QMS_CONFIG: path });
    expect(config.mqtt).toEqual({ host: '0.0.0.0', port: 1884, limits: DEFAULT_MQTT_LIMITS });
    expect(config.site).toEqual({ name: 'UBND phường Điện Biên', timeZone: 'Asia/Ho_Chi_Minh' });
    expect(config.dailyResetTime).toBe('23:30');
    expect(config.publicUrl).toBe('http://192.168.1.10:8080');
  });

  it('lets the environment override the file', async () => {
    const path = await writeConfig('override.json', {
      dataDir: '/srv/qms',
      mqtt: { port: 1884 },
      http: { port: 80 },
    });
    const config = await loadHubConfig({
      QMS_CONFIG: path,
      QMS_DATA_DIR: '/tmp/qms',
      QMS_MQTT_PORT: '0',
      QMS_HTTP_PORT: '18080',
    });
    expect(config.dataDir).toBe('/tmp/qms');
    expect(config.mqtt.port).toBe(0);
    expect(config.http.port).toBe(18080);
  });

  it('ignores empty environment variables', async () => {
    const config = await loadHubConfig({ QMS_CONFIG: '', QMS_DATA_DIR: '', QMS_MQTT_PORT: '' });
    expect(config.dataDir).toBe('./data');
    expect(config.mqtt.port).toBe(1883);
  });

  it.each(['abc', '-1', '65536', '80.5', '1e3'])('names QMS_MQTT_PORT=%s', async (value) => {
    const error = await configError(loadHubConfig({ QMS_MQTT_PORT: value }));
    expect(error.message).toBe(
      `environment: QMS_MQTT_PORT: expected a port number between 0 and 65535, got ${JSON.stringify(value)}`,
    );
  });

  it('names QMS_HTTP_PORT too', async () => {
    const error = await configError(loadHubConfig({ QMS_HTTP_PORT: 'http' }));
    expect(error.problems).toEqual(['QMS_HTTP_PORT: expected a port number between 0 and 65535, got "http"']);
  });

  it.each([
    [{ mqtt: { port: 70000 } }, 'mqtt.port: expected a number between 0 and 65535'],
    [{ http: { port: '8080' } }, 'http.port: expected a number between 0 and 65535'],
    [{ dailyResetTime: '24:00' }, 'dailyResetTime: expected a 24-hour time "HH:MM" such as "00:00"'],
    [{ site: { timeZone: 'Hanoi' } }, 'site.timeZone: expected an IANA time zone such as "Asia/Ho_Chi_Minh"'],
    [
      { publicUrl: 'hub.local:8080' },
      'publicUrl: expected a http:// or https:// URL such as "http://192.168.1.10:8080"',
    ],
    [{ mqtt: { prot: 1 } }, 'mqtt.prot: unknown key (check the spelling)'],
    [
      { http: { limits: { maxEventStreams: 0 } } },
      'http.limits.maxEventStreams: expected a number between 1 and 100000',
    ],
    [
      { http: { limits: { headersTimeoutMs: '10s' } } },
      'http.limits.headersTimeoutMs: expected a number between 1000 and 300000',
    ],
    [{ http: { limits: { maxStreams: 10 } } }, 'http.limits.maxStreams: unknown key (check the spelling)'],
    [
      { http: { limits: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } } },
      'http.limits.headersTimeoutMs: must not be longer than requestTimeoutMs',
    ],
    [
      { http: { limits: { idleTimeoutMs: 15_000 } } },
      'http.limits.idleTimeoutMs: must be longer than the 20 s event heartbeat',
    ],
    [
      { http: { limits: { maxEventStreams: 2000 } } },
      'http.limits.maxEventStreams: must be less than maxConnections',
    ],
    [{ dataDir: '' }, 'dataDir: must not be empty'],
    [{ backup: { time: '8:00' } }, 'backup.time: expected a 24-hour time "HH:MM" such as "00:00"'],
    [{ backup: { keepDays: 0 } }, 'backup.keepDays: expected a number between 1 and 3650'],
    [{ backup: { keepDays: 7.5 } }, 'backup.keepDays: expected a whole number'],
    [{ backup: { enabled: 'yes' } }, 'backup.enabled: expected true or false'],
    [{ backup: { copyTo: '' } }, 'backup.copyTo: must not be empty'],
    [{ backup: { keep: 7 } }, 'backup.keep: unknown key (check the spelling)'],
  ])('names the bad field in %j', async (value, problem) => {
    const path = await writeConfig('bad.json', value);
    const error = await configError(loadHubConfig({ QMS_CONFIG: path }));
    expect(error.message).toBe(`${path}: ${problem}`);
  });

  it('names a missing QMS_CONFIG file', async () => {
    const path = join(dir, 'missing.json');
    const error = await configError(loadHubConfig({ QMS_CONFIG: path }));
    expect(error.message).toBe(`${path}: cannot read ${path}: file not found`);
  });

  it('says a QMS_CONFIG file is not JSON', async () => {
    const path = await writeConfig('broken.json', '{ "mqtt": { "port": 1883, } }');
    const error = await configError(loadHubConfig({ QMS_CONFIG: path }));
    expect(error.message).toMatch(
      new RegExp(`^${path.replace(/[.\\]/g, '\\$&')}: not valid JSON at line 1, column 27: `),
    );
  });
});
