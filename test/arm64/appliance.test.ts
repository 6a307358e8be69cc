// The appliance bundles (`npm run bundle -- --arch arm64 --arch x64`), built
// once per run (test/helpers/bundles.ts):
// - each is complete, every ELF file in it is for its CPU as Debian `file`
//   reports it, BUNDLE.json lists exactly those files with their hashes, and
//   SHA256SUMS holds (what the device checks before switching);
// - one office runs from each, with the bundle's own Node.js: the x64 bundle
//   natively, the arm64 bundle under qemu-aarch64-static (skipped, with the
//   reason, only where qemu or the arm64 libraries are missing): a kiosk press
//   gives a ticket stored in that hub's SQLite, an officer's call gives an
//   announcement WAV, a rating key gives a stored rating. Each program's start
//   time and resident memory are printed, arm64 under emulation against x64 in
//   the same run.

import { execFile as execFileCb } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../hub/http/pages.js';
import type { BundleManifest } from '../../scripts/bundle.js';
import { NODE_RUNTIME } from '../../scripts/bundle-lib/targets.js';
import { BUILD_TIMEOUT_MS, type TestBundles, testBundles } from '../helpers/bundles.js';
import { tempDir } from '../helpers/hub.js';
import { skipping } from '../helpers/skip.js';
import { bundleNode, type OfficeRun, runOffice } from './appliance.js';

const execFile = promisify(execFileCb);
const ARCHES = ['arm64', 'x64'] as const;
/** What Debian `file` says of each CPU's ELF files. */
const FILE_SAYS = { arm64: /ELF 64-bit LSB .*ARM aarch64/, x64: /ELF 64-bit LSB .*x86-64/ };
/** A Pi Zero 2 W has 512 MB for the OS and one program. */
const PI_ZERO_BUDGET_MIB = 256;

let dir: { path: string; remove: () => void };
let bundles: TestBundles;
const apps = {} as Record<(typeof ARCHES)[number], string>;
const runs: Partial<Record<(typeof ARCHES)[number], OfficeRun>> = {};
const emulation = bundleNode('/nonexistent', 'arm64');
const noQemu = typeof emulation === 'string' ? emulation : null;

beforeAll(async () => {
  bundles = await testBundles();
  dir = tempDir('qms-appliance-');
  for (const arch of ARCHES) {
    apps[arch] = join(dir.path, `app-${arch}`);
    mkdirSync(apps[arch]);
    await execFile('tar', ['-xzf', bundles[arch], '-C', apps[arch]]);
  }
}, BUILD_TIMEOUT_MS + 120_000);

afterAll(() => {
  dir?.remove();
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const lines = [''];
  if (bundles) {
    lines.push(
      `bundles: arm64 ${mib(statSync(bundles.arm64).size)}, x64 ${mib(statSync(bundles.x64).size)}; ` +
        (bundles.buildSeconds === null
          ? 'built earlier for these sources (reused)'
          : `built in ${bundles.buildSeconds.toFixed(0)} s (${bundles.compiled ? 'cold: native modules compiled' : 'warm: modules from the cache'})`),
    );
  }
  const x64 = runs.x64;
  const arm = runs.arm64;
  if (x64) {
    lines.push('program   start x64   start arm64 (qemu)   RSS x64 (peak)      RSS qemu (peak)');
    for (const name of ['hub', 'kiosk', 'speaker', 'rating'] as const) {
      const a = x64.figures[name];
      const b = arm?.figures[name];
      const cell = (n: number, unit: string) => `${n.toFixed(0)} ${unit}`;
      lines.push(
        [
          name.padEnd(9),
          cell(a.startMs, 'ms').padStart(9),
          (b ? `${cell(b.startMs, 'ms')} ×${(b.startMs / a.startMs).toFixed(1)}` : 'skipped').padStart(20),
          `${cell(a.rssMiB, 'MiB')} (${cell(a.peakMiB, 'MiB')})`.padStart(18),
          (b
            ? `${cell(b.rssMiB, 'MiB')} (${cell(b.peakMiB, 'MiB')}) ×${(b.rssMiB / a.rssMiB).toFixed(1)}`
            : 'skipped'
          ).padStart(26),
        ].join(' '),
      );
    }
    lines.push(
      `press → rating flow: x64 ${x64.flowSeconds.toFixed(1)} s` +
        (arm
          ? `, arm64 under qemu ${arm.flowSeconds.toFixed(1)} s (×${(arm.flowSeconds / x64.flowSeconds).toFixed(1)})`
          : ''),
    );
    lines.push(
      '(qemu RSS includes the emulator and its translated code: an upper bound for a real arm64 CPU)',
    );
  }
  if (noQemu) lines.push(`arm64 programs not run: ${noQemu}`);
  console.log(lines.join('\n'));
}, 120_000);

function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('the bundles', () => {
  it.each(ARCHES)(
    '%s: complete; every ELF is for the target as `file` says; the manifest and SHA256SUMS hold',
    async (arch) => {
      const app = apps[arch];
      const files = filesUnder(app);
      for (const path of [
        'BUNDLE.json',
        'SHA256SUMS',
        'node/bin/node',
        'package.json',
        'package-lock.json',
        'dist/hub/main.js',
        'dist/edge/kiosk/main.js',
        'dist/edge/speaker/main.js',
        'dist/edge/rating-button/main.js',
        ...PAGES.map((p) => `hub/web/pages/${p}.html`),
        'systemd/qms-hub.service',
        'systemd/qms-backoff@.service',
        'docs/deployment.md',
        'clips/manifest.json',
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        'node_modules/epoll/build/Release/epoll.node',
      ]) {
        expect(files, path).toContain(path);
      }
      // No sources or tests of the application (dependencies ship what they ship).
      const own = files.filter((f) => !f.startsWith('node_modules/'));
      expect(own.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
      expect(own.some((f) => f.startsWith('test/'))).toBe(false);
      expect(files.some((f) => f.includes('/.node-gyp/') || f.includes('/obj.target/'))).toBe(false);

      const manifest = JSON.parse(readFileSync(join(app, 'BUNDLE.json'), 'utf8')) as BundleManifest;
      expect(manifest).toMatchObject({
        name: 'qms',
        platform: 'linux',
        arch,
        libc: 'glibc',
        node: {
          version: NODE_RUNTIME.version,
          integrity: NODE_RUNTIME.integrity[arch],
          path: 'node/bin/node',
        },
        clips: true,
      });
      // Every .node file, and the runtime, is in the manifest and is for the target according to `file`.
      const nodeFiles = files.filter((f) => f.endsWith('.node')).sort();
      expect(nodeFiles.length).toBeGreaterThanOrEqual(4);
      const listed = manifest.native.map((n) => n.path);
      expect(listed).toEqual(expect.arrayContaining([...nodeFiles, 'node/bin/node']));
      const { stdout } = await execFile('file', ['-b', ...listed.map((p) => join(app, p))], {
        maxBuffer: 4 * 1024 * 1024,
      });
      const verdicts = stdout.trim().split('\n');
      expect(verdicts).toHaveLength(listed.length);
      verdicts.forEach((verdict, i) => {
        expect(verdict, listed[i]).toMatch(FILE_SAYS[arch]);
      });
      // Both prebuilt (canvas, serialport) and compiled (better-sqlite3, epoll) parts are there.
      expect(nodeFiles.some((f) => f.includes(`canvas-linux-${arch}-gnu`))).toBe(true);
      expect(nodeFiles.some((f) => f.includes(`prebuilds/linux-${arch}/`))).toBe(true);
      const { stdout: sums } = await execFile('sha256sum', ['--strict', '-c', 'SHA256SUMS'], {
        cwd: app,
        maxBuffer: 16 * 1024 * 1024,
      });
      expect(sums.split('\n').filter((l) => l && !l.endsWith(': OK'))).toEqual([]);
      for (const native of manifest.native) expect(sums, native.path).toContain(`${native.path}: OK`);
    },
  );
});

describe('one office from each bundle, with its own Node.js', () => {
  it('x64, natively: a press gives a ticket in SQLite, a call a WAV, a key a stored rating', async () => {
    const work = join(dir.path, 'office-x64');
    mkdirSync(work);
    const run = await runOffice(apps.x64, 'x64', work, 1);
    runs.x64 = run;
    expectOffice(run);
  }, 120_000);

  it.skipIf(skipping('the arm64 office under qemu-aarch64-static', noQemu))(
    'arm64, under qemu-aarch64-static: the same office',
    async () => {
      const work = join(dir.path, 'office-arm64');
      mkdirSync(work);
      const run = await runOffice(apps.arm64, 'arm64', work, 8);
      runs.arm64 = run;
      expectOffice(run);
    },
    900_000,
  );
});

function expectOffice(run: OfficeRun): void {
  expect(run.ticket).toMatchObject({ status: expect.any(String), number: expect.any(Number) });
  expect(run.ticket.display).toMatch(/\d/);
  expect(run.wav.seconds).toBeGreaterThan(1);
  expect(run.rating).toMatchObject({ level: 'very_satisfied', score: 2 });
  // The technician's backup command runs from the bundle beside the hub, and its backup checks out.
  expect(run.backup.now).toMatch(/backup written: .*qms-\d{4}-\d\d-\d\d-\d{4}-manual\.sqlite .*checked/);
  expect(run.backup.check).toMatch(/^ok /);
  // Every program stops cleanly on SIGTERM, as under systemd.
  expect(run.exitCodes).toEqual({ rating: 0, speaker: 0, kiosk: 0, hub: 0 });
}

describe('memory on a Raspberry Pi Zero 2 W (512 MB)', () => {
  it('each program, run natively from the bundle, stays well inside it', () => {
    const x64 = runs.x64;
    if (!x64) return; // the office above failed and says why
    for (const [name, figures] of Object.entries(x64.figures)) {
      expect(figures.peakMiB, `${name} peak RSS`).toBeLessThan(PI_ZERO_BUDGET_MIB);
    }
  });
});
