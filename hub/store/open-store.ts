// Open the hub's store with the checks that keep a bad disk or a mistake
// from turning into a silent fresh start or a day of hub_error:
//
// - a data folder that has been used (MARKER_FILE, written once the first
//   store exists) whose store is missing or empty is refused: starting
//   afresh there would mean a new admin password, the default catalogue,
//   numbering back to 1001 the same day and every device credential gone;
// - PRAGMA quick_check before anything else reads or writes: a damaged store
//   is refused with the way to restore it;
// - a store about to be migrated is backed up first (`beforeMigration`).
//
// Nothing is created or changed when the store is refused.

import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fsyncPath, quickCheck } from './backup.js';
import { configure, type Db, migrate, STORE_FILE, StoreError, schemaVersion } from './db.js';
import { migrations } from './migrations.js';

/** Written at the first start; its presence means "this folder holds a store that must not vanish". */
export const MARKER_FILE = 'qms.first-start';

export type RefusalReason = 'missing' | 'empty' | 'damaged';

export class StoreRefused extends StoreError {
  override name = 'StoreRefused';
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

export interface OpenStoreOptions {
  /** Runs before an existing store is migrated; if it throws, the store is left as it was. */
  beforeMigration?: (db: Db, from: number, to: number) => Promise<void>;
  /** How to restore a backup, shown in a refusal (lines). */
  restoreHint?: () => string;
}

export interface OpenedStore {
  db: Db;
  path: string;
  /** True when this call created the store (a fresh data folder). */
  created: boolean;
  /** When the data folder was first used (from the marker). */
  firstStartAt: number;
  /** How long PRAGMA quick_check took. */
  quickCheckMs: number;
}

function markerTime(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8');
    const at = Date.parse(/^created=(.*)$/m.exec(text)?.[1] ?? '');
    return Number.isFinite(at) ? at : statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** Mark the data folder as used (the hub at its first start, a restore into a fresh folder). */
export function writeMarker(dataDir: string, at: number): void {
  const path = join(dataDir, MARKER_FILE);
  const tmp = `${path}.tmp`;
  writeFileSync(
    tmp,
    `# This data folder holds the hub's store (${STORE_FILE}). While this file exists the hub\n` +
      '# refuses to start afresh if the store is missing or empty: restore a backup instead\n' +
      '# (docs/deployment.md, "Backups and restore"). Delete it only to start afresh on purpose.\n' +
      `created=${new Date(at).toISOString()}\n`,
  );
  fsyncPath(tmp);
  renameSync(tmp, path);
  fsyncPath(dataDir);
}

export async function openStore(dataDir: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const path = join(dataDir, STORE_FILE);
  const markerPath = join(dataDir, MARKER_FILE);
  const firstStart = markerTime(markerPath);
  const used = firstStart !== null;
  const hint = () => (options.restoreHint ? `\n${options.restoreHint()}` : '');
  const afresh = `\nTo start afresh on purpose (every ticket, account and device credential lost): delete ${markerPath} and start the hub again.`;

  if (used) {
    const usedSince = `this data folder has been in use since ${new Date(firstStart).toISOString()} (${MARKER_FILE})`;
    if (!existsSync(path)) {
      throw new StoreRefused(
        'missing',
        `the store ${path} is missing, but ${usedSince}: the hub will not start afresh and lose the office's data.${hint()}${afresh}`,
      );
    }
    if (statSync(path).size === 0) {
      throw new StoreRefused(
        'empty',
        `the store ${path} is empty (0 bytes), but ${usedSince}: the hub will not start afresh and lose the office's data.${hint()}${afresh}`,
      );
    }
  }

  const existed = existsSync(path) && statSync(path).size > 0;
  const damaged = (detail: string) =>
    new StoreRefused(
      'damaged',
      `the store ${path} is damaged (${detail}): the hub will not start on it.${hint()}`,
    );
  const sqliteCode = (error: unknown) => (error as { code?: string }).code ?? '';
  const isDamage = (code: string) => code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';

  // Every refusal is decided on a read-only connection, which never writes
  // (a read-write one would set WAL mode or checkpoint on close).
  let quickCheckMs = 0;
  if (existed) {
    let ro: Db | undefined;
    try {
      ro = new Database(path, { readonly: true, fileMustExist: true });
      const started = performance.now();
      const problems = quickCheck(ro);
      quickCheckMs = performance.now() - started;
      if (problems.length) throw damaged(`PRAGMA quick_check: ${problems.slice(0, 3).join('; ')}`);
      if (used && schemaVersion(ro) === 0) {
        throw new StoreRefused(
          'empty',
          `the store ${path} holds no data (no tables), but this data folder has been used before: the hub will not start afresh.${hint()}${afresh}`,
        );
      }
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if (isDamage(sqliteCode(error))) throw damaged(`${sqliteCode(error)}: ${(error as Error).message}`);
      throw error;
    } finally {
      ro?.close();
    }
  }

  let db: Db | undefined;
  try {
    db = new Database(path, { fileMustExist: used });
    configure(db);
    const version = schemaVersion(db);
    const latest = migrations.at(-1)?.version ?? 0;
    if (version > 0 && version < latest && options.beforeMigration) {
      try {
        await options.beforeMigration(db, version, latest);
      } catch (error) {
        throw new StoreError(
          `the store needs migrating from schema ${version} to ${latest}, but the backup before it failed (${error instanceof Error ? error.message : String(error)}); the store was not changed. Make room or fix the backup folder, or go back to the previous version (qms-update rollback).`,
        );
      }
    }
    migrate(db);
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    if (isDamage(sqliteCode(error))) throw damaged(`${sqliteCode(error)}: ${(error as Error).message}`);
    throw error;
  }

  let firstStartAt = firstStart;
  if (firstStartAt === null) {
    firstStartAt = Date.now();
    writeMarker(dataDir, firstStartAt);
  }
  return { db, path, created: !existed, firstStartAt, quickCheckMs: Math.round(quickCheckMs) };
}
