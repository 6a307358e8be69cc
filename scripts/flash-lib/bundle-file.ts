// What scripts/flash checks about the bundle before writing anything: it is a
// complete bundle (Node.js and node_modules inside, BUNDLE.json says so) for
// the Raspberry Pi's CPU, so first boot installs it with no network. The
// device checks it again in full (SHA256SUMS) before switching to it.

import { execFileSync } from 'node:child_process';
import { UsageError } from './errors.js';

/** Raspberry Pi OS (64-bit) images: the only CPU scripts/flash writes for. */
export const PI_ARCH = 'arm64';

export interface BundleInfo {
  version: string;
  arch: string;
  node: string;
}

export function readBundleInfo(path: string): BundleInfo {
  let text: string;
  try {
    // BUNDLE.json is the first member (npm run bundle sorts by name): stop there.
    text = execFileSync('tar', ['-xzOf', path, '--occurrence=1', './BUNDLE.json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch {
    throw new UsageError(
      `--bundle: ${path} is not a bundle from \`npm run bundle -- --arch ${PI_ARCH}\` (no BUNDLE.json inside)`,
    );
  }
  let manifest: { version?: unknown; arch?: unknown; node?: { version?: unknown } };
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new UsageError(`--bundle: ${path}: BUNDLE.json is not valid JSON`);
  }
  if (typeof manifest.arch !== 'string' || typeof manifest.node?.version !== 'string')
    throw new UsageError(
      `--bundle: ${path} carries no Node.js runtime (an older bundle that needed npm on the device): build it again with \`npm run bundle -- --arch ${PI_ARCH}\``,
    );
  if (manifest.arch !== PI_ARCH)
    throw new UsageError(
      `--bundle: ${path} is for ${manifest.arch}; a Raspberry Pi (64-bit OS) needs \`npm run bundle -- --arch ${PI_ARCH}\``,
    );
  return { version: String(manifest.version), arch: manifest.arch, node: manifest.node.version };
}
