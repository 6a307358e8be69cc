// `npm run bundle -- --arch arm64` (a Raspberry Pi) or `--arch x64` (a mini PC
// hub), on any x86-64 or arm64 Linux machine: everything a device runs, for its
// CPU, in one tarball it installs from the SD card alone (no npm, no network,
// no compiler on the device):
//
//   node/bin/node    the Node.js runtime for the target (registry package
//                    node-linux-<arch>, version and hash pinned in bundle-lib/targets.ts)
//   node_modules/    production dependencies, native parts for the target
//                    (prebuilt where published, else cross-compiled: bundle-lib/modules.ts)
//   dist/            compiled JavaScript (tsc -p tsconfig.build.json, built fresh)
//   hub/web/, systemd/, docs/, package.json, package-lock.json
//   clips/           the speaker clip pack (built with espeak-ng and sox, or --clips DIR)
//   BUNDLE.json      version, commit, target, runtime, and every native (ELF) file
//                    with its CPU and sha256
//   SHA256SUMS       every file, checked by the device before it switches
//
// The build fails if any ELF file inside is for another CPU.
// Output: dist/qms-bundle-linux-<arch>.tar.gz (or --out FILE with one --arch).

import { execFile as execFileCb, execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildClipPack } from '../edge/speaker/build-clips.js';
import {
  type CommandArgs,
  defineCommand,
  isEntryPoint,
  runCommand,
  UsageError,
} from '../shared/cli/command-line.js';
import { defaultCacheDir } from './bundle-lib/cache.js';
import {
  BUNDLE_FILE,
  type NativeFile,
  SUMS_FILE,
  scanTree,
  sumsText,
  treeBytes,
} from './bundle-lib/manifest.js';
import { productionModules } from './bundle-lib/modules.js';
import { fetchRuntime } from './bundle-lib/runtime.js';
import { ARCHES, type Arch, bundleFileName, NODE_RUNTIME, target } from './bundle-lib/targets.js';

const execFile = promisify(execFileCb);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The programs the units start. */
export const PROGRAMS = {
  hub: 'dist/hub/main.js',
  kiosk: 'dist/edge/kiosk/main.js',
  rating: 'dist/edge/rating-button/main.js',
  speaker: 'dist/edge/speaker/main.js',
} as const;

/** The technicians' tools on the hub (docs/deployment.md): the bundle is refused without them. */
export const HUB_TOOLS = ['dist/hub/cli/devices.js', 'dist/hub/cli/backup.js'] as const;

/** Where the runtime sits inside the bundle (the units run /opt/qms/node/bin/node). */
export const BUNDLED_NODE = 'node/bin/node';

export interface BundleManifest {
  name: 'qms';
  version: string;
  commit: string | null;
  builtAt: string;
  platform: 'linux';
  arch: Arch;
  machine: string;
  libc: 'glibc';
  /** The oldest glibc the native files run on (from their symbol versions). */
  glibc: string;
  node: { version: string; package: string; integrity: string; path: string };
  clips: boolean;
  programs: typeof PROGRAMS;
  native: NativeFile[];
}

export interface BundleOptions {
  arches: Arch[];
  /** Output file per arch. */
  out: (arch: Arch) => string;
  /** A clip pack folder, 'build' (espeak-ng + sox), or 'none'. */
  clips: string;
  cacheDir: string;
  log: (line: string) => void;
}

export interface BundleResult {
  arch: Arch;
  path: string;
  bytes: number;
  unpackedBytes: number;
  native: NativeFile[];
  seconds: number;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** The arch-independent part: compiled code, pages, units, docs, package files. */
function stageApplication(app: string, log: (line: string) => void): void {
  log('compiling (tsc -p tsconfig.build.json)');
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      join(app, 'dist'),
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  for (const path of ['package.json', 'package-lock.json']) cpSync(join(ROOT, path), join(app, path));
  // central/: the province centre's pages and broker configuration (docs/central.md), for an x64 bundle on its server.
  for (const dir of ['hub/web', 'central/web', 'central/mosquitto', 'systemd', 'docs'])
    cpSync(join(ROOT, dir), join(app, dir), { recursive: true });
  for (const [role, path] of Object.entries(PROGRAMS))
    if (!existsSync(join(app, path))) throw new Error(`the build has no ${path} (${role})`);
  for (const tool of HUB_TOOLS) if (!existsSync(join(app, tool))) throw new Error(`the build has no ${tool}`);
  if (!existsSync(join(app, 'hub', 'web', 'pages'))) throw new Error('hub/web/pages is missing');
}

async function stageClips(clips: string, into: string, log: (line: string) => void): Promise<boolean> {
  if (clips === 'none') return false;
  if (clips === 'build') {
    log('building the speaker clip pack (espeak-ng, sox)');
    await buildClipPack({ outDir: into });
    return true;
  }
  if (!existsSync(join(clips, 'manifest.json'))) throw new Error(`--clips: ${clips} has no manifest.json`);
  cpSync(clips, into, { recursive: true });
  return true;
}

/** The highest GLIBC_x.y symbol version any native file needs (objdump -T of the target's binutils). */
async function glibcFloor(tree: string, files: NativeFile[], toolchain: string): Promise<string> {
  let floor = '2.17';
  const newer = (a: string, b: string) => {
    const [x, y] = [a, b].map((v) => v.split('.').map(Number));
    for (let i = 0; i < Math.max(x!.length, y!.length); i++) {
      if ((x![i] ?? 0) !== (y![i] ?? 0)) return (x![i] ?? 0) > (y![i] ?? 0);
    }
    return false;
  };
  for (const file of files) {
    const { stdout } = await execFile(`${toolchain}objdump`, ['-T', join(tree, file.path)], {
      maxBuffer: 256 * 1024 * 1024,
    });
    for (const [, version] of stdout.matchAll(/\bGLIBC_(\d+\.\d+(?:\.\d+)?)\b/g))
      if (newer(version!, floor)) floor = version!;
  }
  return floor;
}

async function tarball(tree: string, out: string): Promise<void> {
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  await execFile(
    'tar',
    [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      // Readable by the service user whatever the builder's umask.
      '--mode=u+rwX,go+rX,go-w',
      '-czf',
      partial,
      '-C',
      tree,
      '.',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  renameSync(partial, out);
}

export async function buildBundles(options: BundleOptions): Promise<BundleResult[]> {
  const { log } = options;
  const stage = mkdtempSync(join(tmpdir(), 'qms-bundle-'));
  try {
    const app = join(stage, 'app');
    stageApplication(app, log);
    const hasClips = await stageClips(options.clips, join(stage, 'clips'), log);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    // One CPU per core: each compile of better-sqlite3 is a single long compiler run.
    const buildOne = async (arch: Arch): Promise<BundleResult> => {
      const started = Date.now();
      const t = target(arch);
      const runtime = await fetchRuntime(t, options.cacheDir, log);
      const modules = await productionModules(ROOT, t, runtime, options.cacheDir, log);
      const tree = join(stage, `tree-${arch}`);
      cpSync(app, tree, { recursive: true });
      if (hasClips) cpSync(join(stage, 'clips'), join(tree, 'clips'), { recursive: true });
      cpSync(join(modules.dir, 'node_modules'), join(tree, 'node_modules'), { recursive: true });
      mkdirSync(join(tree, 'node', 'bin'), { recursive: true });
      cpSync(runtime.node, join(tree, BUNDLED_NODE));
      chmodSync(join(tree, BUNDLED_NODE), 0o755);
      if (existsSync(join(runtime.dir, 'LICENSE')))
        cpSync(join(runtime.dir, 'LICENSE'), join(tree, 'node', 'LICENSE'));

      const scan = scanTree(tree, t);
      if (scan.wrong.length)
        throw new Error(`native files for another CPU in the ${arch} bundle:\n  ${scan.wrong.join('\n  ')}`);
      const odd = scan.files.filter((f) => /[\n\\]/.test(f));
      if (odd.length) throw new Error(`file names SHA256SUMS cannot hold: ${odd.join(', ')}`);
      const manifest: BundleManifest = {
        name: 'qms',
        version: pkg.version,
        commit: gitCommit(),
        builtAt: new Date().toISOString(),
        platform: 'linux',
        arch,
        machine: t.machineName,
        libc: 'glibc',
        glibc: await glibcFloor(tree, scan.native, t.toolchain),
        node: {
          version: NODE_RUNTIME.version,
          package: runtime.package,
          integrity: runtime.integrity,
          path: BUNDLED_NODE,
        },
        clips: hasClips,
        programs: PROGRAMS,
        native: scan.native,
      };
      writeFileSync(join(tree, BUNDLE_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      writeFileSync(join(tree, SUMS_FILE), sumsText(tree, [...scan.files, BUNDLE_FILE]));
      const out = options.out(arch);
      log(`packing ${out}`);
      await tarball(tree, out);
      const result: BundleResult = {
        arch,
        path: out,
        bytes: statSync(out).size,
        unpackedBytes: treeBytes(tree),
        native: scan.native,
        seconds: (Date.now() - started) / 1000,
      };
      rmSync(tree, { recursive: true, force: true });
      return result;
    };
    // Both finish (or fail) before the stage is removed.
    const settled = await Promise.allSettled(options.arches.map(buildOne));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<BundleResult>).value);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const BUNDLE_COMMAND = defineCommand({
  name: 'bundle',
  usage:
    'npm run bundle -- [--arch arm64|x64 …] [--out FILE | --out-dir DIR] [--clips DIR | --no-clips] [--cache DIR]',
  summary: `Builds what scripts/flash puts on the SD card and \`qms-update update FILE\`
installs: the application with the Node.js runtime and node_modules for the
target CPU, installed on the device with no network and no compiler.`,
  options: {
    arch: {
      type: 'string',
      multiple: true,
      value: 'ARCH',
      help: 'arm64 (Raspberry Pi 3, 4, 5, Zero 2 W, 64-bit OS; the default) or x64 (a mini PC hub)',
    },
    out: {
      type: 'string',
      short: 'o',
      value: 'FILE',
      help: 'with one --arch; default dist/qms-bundle-linux-<arch>.tar.gz',
    },
    'out-dir': {
      type: 'string',
      value: 'DIR',
      help: 'instead of dist/ (the file name stays qms-bundle-linux-<arch>.tar.gz)',
    },
    clips: {
      type: 'string',
      value: 'DIR',
      help: 'this speaker clip pack instead of building one (espeak-ng, sox)',
    },
    'no-clips': { type: 'boolean', help: 'no clip pack (a speaker then builds one on first boot, online)' },
    cache: {
      type: 'string',
      value: 'DIR',
      help: `downloads and compiled modules (default ${defaultCacheDir()})`,
    },
  },
  footer: `Needs npm (registry access), tar, and for arm64 on an x86 machine Debian's
g++-aarch64-linux-gnu; for x64 on x86, g++. Node.js runtime: ${NODE_RUNTIME.version}.`,
});

async function main({ values }: CommandArgs<typeof BUNDLE_COMMAND.options>): Promise<number> {
  const arches = [...new Set(values.arch ?? ['arm64'])].map((a) => {
    if (!(ARCHES as readonly string[]).includes(a))
      throw new UsageError(
        `--arch: expected ${ARCHES.join(' or ')}, got "${a}" (32-bit armv7l has no Node.js 20.19+)`,
      );
    return target(a).arch;
  });
  if (values.out && arches.length > 1) throw new UsageError('--out needs a single --arch');
  if (values.out && values['out-dir']) throw new UsageError('give --out or --out-dir, not both');
  if (values.clips && values['no-clips']) throw new UsageError('give --clips DIR or --no-clips, not both');
  const started = Date.now();
  const results = await buildBundles({
    arches,
    out: (arch) => resolve(values.out ?? join(values['out-dir'] ?? join(ROOT, 'dist'), bundleFileName(arch))),
    clips: values['no-clips'] ? 'none' : values.clips ? resolve(values.clips) : 'build',
    cacheDir: resolve(values.cache ?? defaultCacheDir()),
    log: (line) => console.error(`bundle: ${line}`),
  });
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  for (const r of results)
    console.log(
      `${r.path} (${mib(r.bytes)}, ${mib(r.unpackedBytes)} unpacked, ${r.native.length} native files, all ${target(r.arch).machineName})`,
    );
  console.error(`bundle: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

if (isEntryPoint(import.meta.url)) {
  runCommand(BUNDLE_COMMAND, main);
}
