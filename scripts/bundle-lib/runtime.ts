// The Node.js runtime for a target: the registry's node-linux-<arch> package
// (`npm pack`, so the registry and proxy settings of npm apply), its sha512
// checked against the pinned integrity before anything is unpacked.

import { execFile as execFileCb } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cachedEntry } from './cache.js';
import { machineName, readElfHeader } from './elf.js';
import { NODE_RUNTIME, runtimePackage, type Target } from './targets.js';

export interface Runtime {
  /** The unpacked package: bin/node, include/node (headers for node-gyp --nodedir). */
  dir: string;
  node: string;
  version: string;
  package: string;
  integrity: string;
}

const execFile = promisify(execFileCb);

export function sriSha512(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

export async function fetchRuntime(
  target: Target,
  cacheDir: string,
  log: (line: string) => void,
): Promise<Runtime> {
  const spec = runtimePackage(target.arch);
  const integrity = NODE_RUNTIME.integrity[target.arch];
  const name = `node-linux-${target.arch}-${NODE_RUNTIME.version}`;
  const dir = await cachedEntry(cacheDir, name, async (work) => {
    log(`fetching the Node.js runtime ${spec} (npm pack)`);
    await execFile('npm', ['pack', spec, '--pack-destination', work, '--silent'], { cwd: work });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${spec} gave no .tgz`);
    const got = sriSha512(readFileSync(join(work, tgz)));
    if (got !== integrity)
      throw new Error(
        `${spec}: integrity ${got} is not the pinned ${integrity} (scripts/bundle-lib/targets.ts): refusing it`,
      );
    await execFile('tar', ['-xzf', join(work, tgz), '-C', work, '--strip-components=1', '--no-same-owner']);
  });
  const node = join(dir, 'bin', 'node');
  const elf = existsSync(node) ? readElfHeader(node) : null;
  if (elf?.machine !== target.elfMachine)
    throw new Error(
      `${dir}: bin/node is ${elf ? machineName(elf.machine) : 'missing'}, not ${target.machineName}: delete the folder and build again`,
    );
  if (!existsSync(join(dir, 'include', 'node', 'node_api.h')))
    throw new Error(`${dir}: no include/node headers: delete the folder and build again`);
  return { dir, node, version: NODE_RUNTIME.version, package: spec, integrity };
}
