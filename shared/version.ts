import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: { root: string; version: string } | undefined;

/** The project folder (where package.json is), found from source or from dist/. */
function locate(): { root: string; version: string } {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
      found = { root: dir, version: pkg.version };
      return found;
    } catch {
      dir = dirname(dir);
    }
  }
  found = { root: process.cwd(), version: '0.0.0' };
  return found;
}

export const appVersion = (): string => locate().version;
export const appRoot = (): string => locate().root;
