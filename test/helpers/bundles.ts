// The arm64 and x64 bundles for the tests, built once per source state and
// shared by every test file (and run) that needs them: `npm run bundle --
// --arch arm64 --arch x64` into a temporary folder named by a hash of
// everything the bundle is made from. The first file to ask builds (holding a
// lock folder); the others wait for it. The build's own cache
// (QMS_BUNDLE_CACHE, default ~/.cache/qms-bundle) keeps the Node.js packages
// and the compiled node_modules, keyed by the lock file, so only the first
// build on a machine compiles better-sqlite3.

import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { bundleFileName } from '../../scripts/bundle-lib/targets.js';

const execFile = promisify(execFileCb);
const ROOT = join(import.meta.dirname, '..', '..');
const INPUTS = [
  'hub',
  'central',
  'shared',
  'edge',
  'scripts',
  'systemd',
  'docs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
/** A cold build compiles better-sqlite3 twice (~1 min each on an idle 2-core machine). */
export const BUILD_TIMEOUT_MS = 25 * 60_000;

export interface TestBundles {
  arm64: string;
  x64: string;
  /** Wall time of the build in this run, or null when an earlier one was reused. */
  buildSeconds: number | null;
  /** Whether the build compiled modules (a cold cache) or copied them. */
  compiled: boolean | null;
}

function sourceKey(): string {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '--', ...INPUTS], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  })
    .split('\n')
    .filter((f) => f && existsSync(join(ROOT, f)))
    .sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Old builds of other source states go after an hour (each is ~120 MB). */
function removeStale(base: string, keep: string): void {
  for (const name of readdirSync(base)) {
    const path = join(base, name);
    if (name === keep || name.startsWith(`${keep}.`)) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 3600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // another run removed it
    }
  }
}

export async function testBundles(): Promise<TestBundles> {
  const base = join(tmpdir(), 'qms-test-bundles');
  mkdirSync(base, { recursive: true });
  const key = sourceKey();
  const dir = join(base, key);
  const lock = `${dir}.lock`;
  const result = (buildSeconds: number | null, compiled: boolean | null): TestBundles => ({
    arm64: join(dir, bundleFileName('arm64')),
    x64: join(dir, bundleFileName('x64')),
    buildSeconds,
    compiled,
  });
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    if (existsSync(join(dir, 'done'))) return result(null, null);
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // Someone else builds: wait, unless the holder died.
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // just created, pid not written yet
      }
      if (holder && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the bundle build in ${lock}`);
      await sleep(1000);
    }
  }
  try {
    if (existsSync(join(dir, 'done'))) return result(null, null);
    removeStale(base, key);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const started = Date.now();
    let log: string;
    try {
      const run = await execFile(
        'npm',
        ['run', '--silent', 'bundle', '--', '--arch', 'arm64', '--arch', 'x64', '--out-dir', dir],
        { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      );
      log = run.stdout + run.stderr;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`npm run bundle failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(join(dir, 'build.log'), log);
    writeFileSync(join(dir, 'done'), `${seconds}\n`);
    return result(seconds, /compiled better-sqlite3/.test(log));
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
