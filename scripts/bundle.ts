// `npm run bundle`: the application as devices install it, one tarball:
//
//   dist/            compiled JavaScript (tsc -p tsconfig.build.json, built fresh)
//   package.json, package-lock.json
//   hub/web/         the hub's pages and assets
//   systemd/         the units
//   docs/            the guides (the units link to them)
//   BUNDLE.json      version, git commit, build time, whether node_modules is inside
//   node_modules/    only with --with-node-modules (production dependencies for THIS
//                    machine's CPU: build on a Raspberry Pi for a fully offline install)
//   clips/           only with --clips DIR (a speaker clip pack, `npm run clips`)
//
// Without node_modules (the default) the device runs `npm ci --omit=dev` on first
// boot: better-sqlite3 and the GPIO/serial modules are native, so they must be
// fetched for the Pi's CPU, not this laptop's.
//
// Output: dist/qms-bundle.tar.gz (the default of scripts/flash --bundle), or --out FILE.

import { execFileSync } from 'node:child_process';
import {
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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The programs the units start; the hub's is required, the others are reported when missing. */
export const PROGRAMS = {
  hub: 'dist/hub/main.js',
  kiosk: 'dist/edge/kiosk/main.js',
  rating: 'dist/edge/rating-button/main.js',
  speaker: 'dist/edge/speaker/main.js',
} as const;

/** The technicians' tools on the hub (docs/deployment.md): the bundle is refused without them. */
export const HUB_TOOLS = ['dist/hub/cli/devices.js', 'dist/hub/cli/backup.js'] as const;

export interface BundleOptions {
  out: string;
  withNodeModules: boolean;
  clips: string | undefined;
  log: (line: string) => void;
}

export interface BundleResult {
  path: string;
  bytes: number;
  missingPrograms: string[];
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

export function buildBundle(options: BundleOptions): BundleResult {
  const stage = mkdtempSync(join(tmpdir(), 'qms-bundle-'));
  try {
    options.log('compiling (tsc -p tsconfig.build.json)');
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(stage, 'dist'),
      ],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    for (const path of ['package.json', 'package-lock.json']) cpSync(join(ROOT, path), join(stage, path));
    for (const dir of ['hub/web', 'systemd', 'docs']) {
      if (existsSync(join(ROOT, dir))) cpSync(join(ROOT, dir), join(stage, dir), { recursive: true });
    }
    const missingPrograms = Object.entries(PROGRAMS)
      .filter(([, path]) => !existsSync(join(stage, path)))
      .map(([role, path]) => `${role} (${path})`);
    if (!existsSync(join(stage, PROGRAMS.hub))) throw new Error(`the build has no ${PROGRAMS.hub}`);
    for (const tool of HUB_TOOLS)
      if (!existsSync(join(stage, tool))) throw new Error(`the build has no ${tool}`);
    if (!existsSync(join(stage, 'hub', 'web', 'pages'))) throw new Error('hub/web/pages is missing');

    if (options.clips) {
      if (!existsSync(join(options.clips, 'manifest.json')))
        throw new Error(`--clips: ${options.clips} has no manifest.json`);
      cpSync(options.clips, join(stage, 'clips'), { recursive: true });
    }
    if (options.withNodeModules) {
      options.log(
        `installing production dependencies for ${process.platform}-${process.arch} (npm ci --omit=dev)`,
      );
      execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=warn'], {
        cwd: stage,
        stdio: 'inherit',
      });
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(
      join(stage, 'BUNDLE.json'),
      `${JSON.stringify(
        {
          name: 'qms',
          version: pkg.version,
          commit: gitCommit(),
          builtAt: new Date().toISOString(),
          nodeModules: options.withNodeModules ? `${process.platform}-${process.arch}` : null,
          clips: Boolean(options.clips),
          programs: PROGRAMS,
        },
        null,
        2,
      )}\n`,
    );

    mkdirSync(dirname(options.out), { recursive: true });
    const entries = [
      'BUNDLE.json',
      'package.json',
      'package-lock.json',
      'dist',
      'hub',
      'systemd',
      'docs',
      'clips',
      'node_modules',
    ].filter((e) => existsSync(join(stage, e)));
    const partial = `${options.out}.partial`;
    execFileSync(
      'tar',
      [
        '--sort=name',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mode=go-w',
        '-czf',
        partial,
        '-C',
        stage,
        ...entries,
      ],
      { stdio: 'inherit' },
    );
    renameSync(partial, options.out);
    return { path: options.out, bytes: statSync(options.out).size, missingPrograms };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const USAGE = `usage: npm run bundle -- [--out FILE] [--with-node-modules] [--clips DIR]

Builds the application tarball that scripts/flash puts on the SD card and
that \`qms-update update FILE\` installs on a device:
  --out FILE            default dist/qms-bundle.tar.gz
  --with-node-modules   include production node_modules built for this machine's
                        CPU (run it on a Raspberry Pi for an offline install)
  --clips DIR           include a speaker clip pack (from \`npm run clips\`)`;

function main(): number {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', short: 'o' },
      'with-node-modules': { type: 'boolean' },
      clips: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const out = resolve(values.out ?? join(ROOT, 'dist', 'qms-bundle.tar.gz'));
  const result = buildBundle({
    out,
    withNodeModules: Boolean(values['with-node-modules']),
    clips: values.clips ? resolve(values.clips) : undefined,
    log: (line) => console.error(`bundle: ${line}`),
  });
  for (const missing of result.missingPrograms)
    console.error(`bundle: warning: no program for ${missing} yet`);
  console.log(`${result.path} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB)`);
  return 0;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error(`bundle: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
