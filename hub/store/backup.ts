// Backups of the hub's store: written with SQLite's online backup API while
// the hub runs, checked, and only then given their final name, so a file
// named like a backup is always a whole, checked backup:
//
//   <dir>/qms-2026-03-10-2000.sqlite             daily, 20:00 local time
//   <dir>/qms-2026-03-11-0712-before-v5.sqlite   before migrating to schema 5
//
// A backup is written as `.<name>.partial`, switched from WAL to a single
// self-contained file, checked with PRAGMA quick_check, fsynced, renamed,
// and the folder fsynced: a power cut leaves either the whole backup or a
// `.partial` file (removed at the next start), never half a backup that
// looks whole.

import {
  closeSync,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { localTime } from '../../shared/time/local-time.js';
import type { Db } from './db.js';

/** Room a backup leaves on its disk, for the store's own writes meanwhile. */
const FREE_MARGIN = 16 * 1024 * 1024;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
/** What the online backup copies per turn of the event loop: the hub answers between turns. */
const STEP_BYTES = 1024 * 1024;

export class BackupError extends Error {
  override readonly name = 'BackupError';
}

const NAME = /^qms-(\d{4}-\d{2}-\d{2})-(\d{2})(\d{2})(?:-([a-z0-9-]+))?\.sqlite$/;
const PARTIAL = /^\.qms-.*\.partial(-wal|-shm|-journal)?$/;

export interface BackupFile {
  /** File name, e.g. qms-2026-03-10-2000.sqlite. */
  name: string;
  path: string;
  /** Local date and time of the backup (the site's time zone), from the name. */
  date: string;
  time: string;
  /** "YYYY-MM-DD-HHMM": sorts as time does. */
  stamp: string;
  /** e.g. "before-v5"; null for the daily backup. */
  label: string | null;
  bytes: number;
}

/** Local date ("YYYY-MM-DD") and time ("HHMM") of an instant in a time zone. */
export function localStamp(at: number, timeZone: string): { date: string; hhmm: string; stamp: string } {
  const parts = localTime(at, timeZone);
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const hhmm = `${parts.hour}${parts.minute}`;
  return { date, hhmm, stamp: `${date}-${hhmm}` };
}

/** The day `days` before (or after, if negative) a "YYYY-MM-DD" date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function backupName(at: number, timeZone: string, label?: string): string {
  return `qms-${localStamp(at, timeZone).stamp}${label ? `-${label}` : ''}.sqlite`;
}

export function parseBackupName(name: string): Omit<BackupFile, 'path' | 'bytes'> | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const [, date, hh, mm, label] = m as unknown as [string, string, string, string, string | undefined];
  return { name, date, time: `${hh}:${mm}`, stamp: `${date}-${hh}${mm}`, label: label ?? null };
}

/** The backups in a folder, oldest first (an absent folder has none). */
export function listBackups(dir: string): BackupFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: BackupFile[] = [];
  for (const name of names) {
    const parsed = parseBackupName(name);
    if (!parsed) continue;
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isFile()) found.push({ ...parsed, path, bytes: st.size });
    } catch {
      // Deleted meanwhile.
    }
  }
  return found.sort((a, b) =>
    a.stamp === b.stamp ? a.name.localeCompare(b.name) : a.stamp < b.stamp ? -1 : 1,
  );
}

export interface StoreCheck {
  ok: boolean;
  /** What quick_check (or opening the file) found; empty when ok. */
  problems: string[];
  schemaVersion: number | null;
  tickets: number | null;
  /** The latest service date with a ticket. */
  lastServiceDate: string | null;
  bytes: number;
  ms: number;
}

/** Check a store or backup file without changing it: PRAGMA quick_check and a few facts. */
export function checkStoreFile(path: string): StoreCheck {
  const started = performance.now();
  let bytes = 0;
  const result = (fields: Partial<StoreCheck>): StoreCheck => ({
    ok: false,
    problems: [],
    schemaVersion: null,
    tickets: null,
    lastServiceDate: null,
    bytes,
    ms: Math.round(performance.now() - started),
    ...fields,
  });
  try {
    bytes = statSync(path).size;
  } catch (error) {
    return result({ problems: [`cannot read the file: ${(error as Error).message}`] });
  }
  if (bytes === 0) return result({ problems: ['the file is empty (0 bytes)'] });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const problems = quickCheck(db);
    if (problems.length) return result({ problems });
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const hasTickets = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tickets'")
      .get();
    const facts = hasTickets
      ? (db.prepare('SELECT count(*) AS n, max(service_date) AS last FROM tickets').get() as {
          n: number;
          last: string | null;
        })
      : { n: 0, last: null };
    if (schemaVersion === 0 && !hasTickets)
      return result({ schemaVersion, problems: ['the file holds no store (no tables)'] });
    return result({ ok: true, schemaVersion, tickets: facts.n, lastServiceDate: facts.last });
  } catch (error) {
    return result({
      problems: [`${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`],
    });
  } finally {
    db?.close();
  }
}

/** PRAGMA quick_check: the problems it lists (at most 10), none when the store is sound. */
export function quickCheck(db: Db): string[] {
  const rows = db.pragma('quick_check(10)') as { quick_check: string }[];
  const lines = rows.map((r) => r.quick_check);
  return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
}

/** fsync a file or a folder (a rename is durable only once its folder is). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Make a copied or backed-up store file a checked, self-contained file and
 * give it its final name: journal mode DELETE (no -wal/-shm beside it),
 * quick_check, fsync, rename, fsync the folder. A file that fails the check
 * is deleted and the call throws.
 */
export function sealStoreFile(partial: string, final: string): void {
  try {
    const db = new Database(partial, { fileMustExist: true });
    try {
      db.pragma('journal_mode = DELETE');
      const problems = quickCheck(db);
      if (problems.length) throw new BackupError(`the copy failed its check: ${problems.join('; ')}`);
    } finally {
      db.close();
    }
    fsyncPath(partial);
    renameSync(partial, final);
    fsyncPath(dirname(final));
  } catch (error) {
    rmSync(partial, { force: true });
    rmSync(`${partial}-wal`, { force: true });
    rmSync(`${partial}-shm`, { force: true });
    rmSync(`${partial}-journal`, { force: true });
    throw error;
  }
}

/**
 * Copy a store file to `final` through `partial` beside it, then check and
 * seal it: a failed copy leaves nothing behind. `copyFailed` turns an error
 * of the copy itself (a full disk) into the caller's own.
 */
export function copyStoreFile(
  from: string,
  partial: string,
  final: string,
  copyFailed: (error: unknown) => unknown = (error) => error,
): void {
  rmSync(partial, { force: true });
  try {
    copyFileSync(from, partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw copyFailed(error);
  }
  sealStoreFile(partial, final);
}

export interface WrittenBackup {
  path: string;
  bytes: number;
  /** Time to copy, check and seal it. */
  ms: number;
}

/**
 * Back up the open store to `dir` (created if needed) with SQLite's online
 * backup API: the hub keeps running and its own writes meanwhile are carried
 * into the copy. `shouldStop` is asked between steps (hub stopping).
 */
export async function writeBackup(
  db: Db,
  dir: string,
  name: string,
  options: {
    shouldStop?: () => boolean;
    /**
     * Pages copied per turn of the event loop (default: 1 MiB of them). The hub's own
     * writes meanwhile are carried into the copy; another process's writes
     * restart it, so a separate program copies all in one step (one read
     * transaction, which in WAL mode does not hold the hub's writes up).
     */
    pagesPerStep?: number;
  } = {},
): Promise<WrittenBackup> {
  const started = performance.now();
  mkdirSync(dir, { recursive: true });
  // A backup that fills the disk would also fail the hub's own writes meanwhile.
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const size = (db.pragma('page_count', { simple: true }) as number) * pageSize;
  const { bavail, bsize } = statfsSync(dir);
  const free = bavail * bsize;
  if (free < size + FREE_MARGIN) {
    throw new BackupError(
      `not enough free space in ${dir} for a backup: ${mib(size)} needed and ${mib(FREE_MARGIN)} left over, ${mib(free)} free`,
    );
  }
  const final = join(dir, name);
  const partial = join(dir, `.${name}.partial`);
  rmSync(partial, { force: true });
  try {
    await db.backup(partial, {
      progress: () => {
        if (options.shouldStop?.()) throw new BackupError('the backup was stopped (hub stopping)');
        return options.pagesPerStep ?? Math.max(1, Math.floor(STEP_BYTES / pageSize));
      },
    });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  sealStoreFile(partial, final);
  return { path: final, bytes: statSync(final).size, ms: Math.round(performance.now() - started) };
}

/**
 * Copy a sealed backup to a second folder (a USB stick), with the same
 * temp + check + rename. The folder must be on another disk than `sourceDir`:
 * a mount point whose stick is missing is just an empty folder on the SD card.
 */
export function copyBackup(path: string, toDir: string, sourceDir: string): WrittenBackup {
  const started = performance.now();
  let target: ReturnType<typeof statSync>;
  try {
    target = statSync(toDir);
  } catch {
    throw new BackupError(`the copy folder ${toDir} does not exist (USB stick not mounted?)`);
  }
  if (!target.isDirectory()) throw new BackupError(`the copy folder ${toDir} is not a folder`);
  if (target.dev === statSync(sourceDir).dev)
    throw new BackupError(
      `the copy folder ${toDir} is on the same disk as the backups (USB stick not mounted?); no copy made`,
    );
  const name = basename(path);
  const final = join(toDir, name);
  copyStoreFile(path, join(toDir, `.${name}.partial`), final);
  return { path: final, bytes: statSync(final).size, ms: Math.round(performance.now() - started) };
}

/**
 * Delete backups older than `keepDays` days before `today` (by the date in
 * their name), never the newest one, and leftover `.partial` files. Returns
 * the names deleted.
 */
export function pruneBackups(dir: string, keepDays: number, today: string): string[] {
  const backups = listBackups(dir);
  const cutoff = addDays(today, -keepDays);
  const newest = backups.at(-1);
  const deleted: string[] = [];
  for (const b of backups) {
    if (b === newest || b.date >= cutoff) continue;
    rmSync(b.path, { force: true });
    deleted.push(b.name);
  }
  return deleted;
}

/** Remove `.partial` files a power cut or a kill left behind (only at start: none is being written). */
export function removePartials(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed = names.filter((n) => PARTIAL.test(n));
  for (const n of removed) rmSync(join(dir, n), { force: true });
  return removed;
}
