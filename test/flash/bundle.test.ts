// `npm run bundle` builds the tarball that devices install: dist/ built fresh,
// the web pages, the units, package.json and the lock file. Unpacked like
// /opt/qms (with node_modules standing in for the device's `npm ci
// --omit=dev`), its hub starts and serves the pages.

import { execFile as execFileCb, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../hub/http/pages.js';
import { freePort, tempDir } from '../helpers/hub.js';

const execFile = promisify(execFileCb);
const ROOT = join(import.meta.dirname, '..', '..');

let dir: { path: string; remove: () => void };
let tarball: string;
let entries: string[];
let output: string;

beforeAll(async () => {
  dir = tempDir('qms-bundle-test-');
  tarball = join(dir.path, 'qms-bundle.tar.gz');
  const run = await execFile('npm', ['run', '--silent', 'bundle', '--', '--out', tarball], {
    cwd: ROOT,
    timeout: 120_000,
  });
  output = run.stdout + run.stderr;
  entries = (await execFile('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 })).stdout
    .split('\n')
    .filter(Boolean);
}, 150_000);

afterAll(() => dir?.remove());

describe('npm run bundle', () => {
  it('holds the compiled hub, the web pages, the units, the package files', () => {
    expect(output).toContain(tarball);
    for (const file of [
      'BUNDLE.json',
      'package.json',
      'package-lock.json',
      'dist/hub/main.js',
      'dist/hub/cli/devices.js',
      'dist/hub/cli/backup.js',
      'dist/shared/config/device-config.js',
      'dist/edge/speaker/main.js',
      ...PAGES.map((p) => `hub/web/pages/${p}.html`),
      'hub/web/assets/common.js',
      'systemd/qms-hub.service',
      'systemd/qms-kiosk.service',
      'systemd/qms-rating.service',
      'systemd/qms-speaker.service',
      'systemd/qms-backoff@.service',
      'docs/deployment.md',
    ]) {
      expect(entries, file).toContain(file);
    }
    // No sources, tests or dependencies for the wrong CPU.
    expect(entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.d.ts'))).toEqual([]);
    expect(entries.some((e) => e.startsWith('test/') || e.startsWith('node_modules/'))).toBe(false);
  });

  it('unpacked as /opt/qms, its hub starts and serves the pages', async () => {
    const app = join(dir.path, 'opt-qms');
    mkdirSync(app);
    await execFile('tar', ['-xzf', tarball, '-C', app]);
    const manifest = JSON.parse(readFileSync(join(app, 'BUNDLE.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'qms', nodeModules: null });
    expect(manifest.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    // Stands in for `npm ci --omit=dev` on the device.
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));

    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [join(app, 'dist', 'hub', 'main.js')], {
      cwd: app,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        QMS_DATA_DIR: join(dir.path, 'data'),
        QMS_HTTP_PORT: String(httpPort),
        QMS_MQTT_PORT: String(mqttPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hub not ready:\n${log}`)), 20_000);
        child.stdout.on('data', () => {
          if (/ready /.test(log)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`hub exited ${code}:\n${log}`)));
      });
      const page = await fetch(`http://127.0.0.1:${httpPort}/login`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toMatch(/<html/i);
      const health = await fetch(`http://127.0.0.1:${httpPort}/api/health`);
      expect(health.status).toBe(200);
      // The backup command as a technician runs it on the device, beside the running hub.
      const env = { ...process.env, QMS_DATA_DIR: join(dir.path, 'data') };
      const backup = join(app, 'dist', 'hub', 'cli', 'backup.js');
      const taken = await execFile(process.execPath, [backup, 'now'], { cwd: app, env });
      expect(taken.stdout).toMatch(/backup written: .*qms-\d{4}-\d\d-\d\d-\d{4}-manual\.sqlite .*checked/);
      expect(
        (await execFile(process.execPath, [backup, 'check', 'latest'], { cwd: app, env })).stdout,
      ).toMatch(/^ok /);
    } finally {
      child.kill('SIGTERM');
    }
  }, 40_000);
});
