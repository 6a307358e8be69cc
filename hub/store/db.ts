import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/** The store's file name inside the data folder. */
export const STORE_FILE = 'qms.sqlite';

export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * Open (or create) the hub's store in `dataDir` as is, for tests and tools
 * that prepare a store (the hub and the CLIs use openStore, which checks the
 * data folder and the store first). WAL with synchronous=FULL: a change is
 * on disk when the transaction returns, so the hub can answer a kiosk right
 * after committing and survive a power cut at any moment.
 */
export function openDb(dataDir: string, options: { file?: string } = {}): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, options.file ?? STORE_FILE));
  configure(db);
  migrate(db);
  return db;
}

/** The connection settings every opener of the store uses. */
export function configure(db: Db): void {
  // 512-byte pages (SQLite's smallest): a queue change touches a few small
  // rows in several tables and indexes, and the WAL appends every touched
  // page whole at each commit, so smaller pages write fewer bytes per ticket
  // to the SD card (npm run bench, disk written per ticket life: 55.4 KiB
  // on 1 KiB pages, 46.0 KiB on 512 bytes). The price is paid in reads of
  // the whole store, which are rare: the store is ~14 % larger and its
  // start-up check and backup slower (bench/store.ts, README). It takes
  // effect when the store is created; a store created with larger pages
  // keeps them (and works).
  db.pragma('page_size = 512');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // A checkpoint writes every page changed since the last one back into the
  // store file, each in its own 4 KiB block of the SD card; the pages a
  // ticket's steps change are mostly the same few hot ones, so checkpointing
  // every 4,000 frames (~4 MiB of WAL) instead of 1,000 writes them back a
  // quarter as often (bench: 81 → 75 KiB per ticket life). Durability is
  // unchanged: a frame is on disk when its commit returns.
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db): void {
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreError(
      `the store has schema version ${current} but this hub knows only up to ${latest}: it was written by a newer hub; install that version again`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
