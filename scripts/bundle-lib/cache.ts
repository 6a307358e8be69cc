// The build cache: the Node.js runtime packages and the production
// node_modules built for each CPU (cross-compiling better-sqlite3 takes a
// minute or two; a second build copies the result). Entries are written to a
// temporary folder and renamed into place, so a build stopped half-way never
// leaves a half entry that a later build would take for whole.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** QMS_BUNDLE_CACHE, else $XDG_CACHE_HOME/qms-bundle, else ~/.cache/qms-bundle. */
export function defaultCacheDir(): string {
  if (process.env.QMS_BUNDLE_CACHE) return process.env.QMS_BUNDLE_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'qms-bundle');
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The entry `name` under `cacheDir`, made by `fill(folder)` when missing.
 * Two builds racing both fill; the first rename wins and the other's copy goes.
 */
export async function cachedEntry(
  cacheDir: string,
  name: string,
  fill: (folder: string) => Promise<void>,
): Promise<string> {
  const final = join(cacheDir, name);
  if (existsSync(final)) return final;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, `.${name}.partial-`));
  try {
    await fill(work);
    try {
      renameSync(work, final);
    } catch (error) {
      if (!existsSync(final)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return final;
}
