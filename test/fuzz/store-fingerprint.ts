// "No state change" for the fuzz tests: the row count of every table of the
// hub's store and a hash of all their rows, taken before and after a request.

import { createHash } from 'node:crypto';
import type { Db } from '../../hub/store/db.js';

export interface Fingerprint {
  counts: Record<string, number>;
  hash: string;
}

export function storeFingerprint(db: Db, skip: string[] = []): Fingerprint {
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  )
    .map((t) => t.name)
    .filter((name) => !skip.includes(name));
  const counts: Record<string, number> = {};
  const hash = createHash('sha256');
  for (const table of tables) {
    // Every column in order, so WITHOUT ROWID tables sort the same way too.
    const rows = db
      .prepare(`SELECT * FROM "${table}"`)
      .all()
      .map((r) => JSON.stringify(r))
      .sort();
    counts[table] = rows.length;
    hash.update(`${table}\n${JSON.stringify(rows)}\n`);
  }
  return { counts, hash: hash.digest('hex') };
}
