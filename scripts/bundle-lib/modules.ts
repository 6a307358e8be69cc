// Production node_modules for a target CPU, built on any Linux machine:
//
// 1. `npm ci --omit=dev --ignore-scripts --cpu=<arch> --os=linux --libc=glibc`
//    takes the exact versions of the lock file and the optional packages
//    published for the target (@napi-rs/canvas-linux-arm64-gnu);
// 2. every package with an install step must be approved in package.json
//    `allowScripts`; it then uses a prebuilt binary it ships for the target
//    (@serialport/bindings-cpp's prebuilds/linux-arm64), or is compiled with
//    node-gyp (the one npm ships) and the target's GNU toolchain against the
//    headers of the bundled Node.js (better-sqlite3, epoll). Nothing is
//    downloaded from anywhere but the npm registry;
// 3. what the device does not need goes: prebuilds for other systems, build
//    intermediates, C sources.
// The result is cached by the lock file, the approvals, the runtime version
// and this file's own version.

import { execFile as execFileCb, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { cachedEntry, sha256 } from './cache.js';
import { readElfHeader } from './elf.js';
import type { Runtime } from './runtime.js';
import type { Target } from './targets.js';

const execFile = promisify(execFileCb);

/** Bump when the steps below change what ends up in node_modules. */
const RECIPE = 3;

/** Files of deps/ and src/ that only the compiler reads. */
const BUILD_ONLY = /\.(c|cc|cpp|cxx|h|hh|hpp|gyp|gypi|patch|sh)$/;

export interface NativePackage {
  name: string;
  dir: string;
  how: 'prebuilt' | 'compiled';
}

export interface ModulesResult {
  /** A folder holding node_modules/. */
  dir: string;
  native: NativePackage[];
}

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  allowScripts?: Record<string, boolean>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Every installed package folder (scoped and nested too). */
export function packageDirs(nodeModules: string): string[] {
  const out: string[] = [];
  const visit = (folder: string) => {
    if (!existsSync(folder)) return;
    for (const name of readdirSync(folder)) {
      if (name.startsWith('.')) continue;
      const path = join(folder, name);
      if (name.startsWith('@')) {
        visit(path);
        continue;
      }
      if (!existsSync(join(path, 'package.json'))) continue;
      out.push(path);
      visit(join(path, 'node_modules'));
    }
  };
  visit(nodeModules);
  return out;
}

/** The install step a package has, if any ("install: node-gyp rebuild", "binding.gyp"). */
export function installStep(dir: string): string | null {
  const pkg = readJson<PackageJson>(join(dir, 'package.json'));
  for (const key of ['preinstall', 'install', 'postinstall']) {
    const script = pkg.scripts?.[key];
    if (script) return `${key}: ${script}`;
  }
  if (pkg.gypfile || existsSync(join(dir, 'binding.gyp'))) return 'binding.gyp';
  return null;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

/** Keep only prebuilds/linux-<arch>/ (glibc); true when a .node for the target remains. */
export function prunePrebuilds(dir: string, target: Target): boolean {
  const prebuilds = join(dir, 'prebuilds');
  if (!existsSync(prebuilds)) return false;
  const keep = `linux-${target.arch}`;
  for (const name of readdirSync(prebuilds)) {
    if (name !== keep) rmSync(join(prebuilds, name), { recursive: true, force: true });
  }
  if (!existsSync(join(prebuilds, keep))) return false;
  let found = false;
  for (const file of filesUnder(join(prebuilds, keep))) {
    if (/\.musl\.node$/.test(file)) rmSync(file);
    else if (file.endsWith('.node') && readElfHeader(file)?.machine === target.elfMachine) found = true;
  }
  return found;
}

/** node-gyp as shipped inside npm (the one `npm install` itself would run). */
export function npmNodeGyp(): string {
  const candidates: string[] = [];
  if (process.env.npm_execpath) candidates.push(dirname(process.env.npm_execpath));
  try {
    const npm = execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
    candidates.push(dirname(realpathSync(npm)));
  } catch {
    // reported below
  }
  for (const bin of candidates) {
    const gyp = join(bin, '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(gyp)) return gyp;
  }
  throw new Error('node-gyp not found inside npm: is npm installed (npm 10 or 11)?');
}

function requireTools(target: Target): void {
  const missing: string[] = [];
  const have = (command: string) => {
    try {
      execFileSync('bash', ['-c', `command -v ${command}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!have(`${target.toolchain}g++`) || !have(`${target.toolchain}gcc`))
    missing.push(...target.toolchainPackages);
  if (!have('make')) missing.push('make');
  if (!have('python3')) missing.push('python3');
  if (missing.length)
    throw new Error(
      `compiling native modules for ${target.arch} needs ${missing.join(', ')}: sudo apt-get install ${missing.join(' ')}`,
    );
}

/** Compile one package with node-gyp for the target; keeps only build/Release/*.node, stripped. */
async function compile(
  dir: string,
  target: Target,
  runtime: Runtime,
  log: (line: string) => void,
): Promise<void> {
  requireTools(target);
  const t = target.toolchain;
  const started = Date.now();
  const devdir = join(dir, '.node-gyp');
  try {
    await execFile(
      process.execPath,
      [
        npmNodeGyp(),
        'rebuild',
        `--arch=${target.arch}`,
        `--nodedir=${runtime.dir}`,
        `--devdir=${devdir}`,
        '--release',
        `--jobs=${Math.max(1, cpus().length)}`,
      ],
      {
        cwd: dir,
        env: {
          ...process.env,
          CC: `${t}gcc`,
          CXX: `${t}g++`,
          LINK: `${t}g++`,
          AR: `${t}ar`,
          // Never fetch headers: they come from the bundled runtime.
          npm_config_nodedir: runtime.dir,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').slice(-25).join('\n');
    throw new Error(`node-gyp could not build ${dir} for ${target.arch}:\n${tail}`);
  }
  const release = join(dir, 'build', 'Release');
  const built = existsSync(release) ? readdirSync(release).filter((f) => f.endsWith('.node')) : [];
  if (!built.length) throw new Error(`node-gyp built no .node in ${release}`);
  const keep = join(dir, '.built');
  mkdirSync(keep);
  for (const file of built) {
    renameSync(join(release, file), join(keep, file));
    execFileSync(`${t}strip`, ['--strip-unneeded', join(keep, file)]);
  }
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  rmSync(devdir, { recursive: true, force: true });
  mkdirSync(join(dir, 'build'));
  renameSync(keep, release);
  // Sources and build recipes are not needed at run time (JavaScript stays).
  for (const name of ['deps', 'src']) {
    if (!existsSync(join(dir, name))) continue;
    for (const file of filesUnder(join(dir, name))) if (BUILD_ONLY.test(file)) rmSync(file);
  }
  log(
    `compiled ${relative(join(dir, '..'), dir)} for ${target.arch} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

export function cacheKey(root: string, target: Target, runtime: Runtime): string {
  const pkg = readJson<PackageJson>(join(root, 'package.json'));
  return sha256(
    JSON.stringify({
      recipe: RECIPE,
      arch: target.arch,
      runtime: runtime.integrity,
      lock: sha256(readFileSync(join(root, 'package-lock.json'))),
      allowScripts: pkg.allowScripts ?? {},
    }),
  ).slice(0, 16);
}

export async function productionModules(
  root: string,
  target: Target,
  runtime: Runtime,
  cacheDir: string,
  log: (line: string) => void,
): Promise<ModulesResult> {
  const key = cacheKey(root, target, runtime);
  const dir = await cachedEntry(cacheDir, `modules-${target.arch}-${key}`, async (work) => {
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(work, file));
    log(`installing production dependencies for linux-${target.arch} (npm ci --omit=dev --ignore-scripts)`);
    await execFile(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `--cpu=${target.arch}`,
        '--os=linux',
        '--libc=glibc',
      ],
      { cwd: work, maxBuffer: 64 * 1024 * 1024 },
    );
    const approved = readJson<PackageJson>(join(root, 'package.json')).allowScripts ?? {};
    const native: NativePackage[] = [];
    for (const dir of packageDirs(join(work, 'node_modules'))) {
      const name = readJson<PackageJson>(join(dir, 'package.json')).name ?? relative(work, dir);
      const hasPrebuilt = prunePrebuilds(dir, target);
      const step = installStep(dir);
      if (!step) continue;
      if (approved[name] !== true)
        throw new Error(
          `${name} has an install step (${step}) that package.json allowScripts does not approve`,
        );
      if (hasPrebuilt) {
        native.push({ name, dir: relative(work, dir), how: 'prebuilt' });
        log(`${name}: prebuilt for linux-${target.arch}`);
      } else if (existsSync(join(dir, 'binding.gyp'))) {
        await compile(dir, target, runtime, log);
        native.push({ name, dir: relative(work, dir), how: 'compiled' });
      } else {
        throw new Error(
          `${name} (${step}) ships no binary for linux-${target.arch} and has no binding.gyp to build one`,
        );
      }
    }
    rmSync(join(work, 'package.json'));
    rmSync(join(work, 'package-lock.json'));
    writeFileSync(join(work, 'native.json'), `${JSON.stringify(native, null, 2)}\n`);
  });
  if (!statSync(join(dir, 'node_modules')).isDirectory()) throw new Error(`${dir}: no node_modules`);
  return { dir, native: readJson<NativePackage[]>(join(dir, 'native.json')) };
}
