// Technicians' command for the store's backups, working on the hub's data
// folder and backup folder (same settings as the hub: QMS_CONFIG, QMS_DATA_DIR):
//   npm run backup -- list
//   npm run backup -- check latest|all|<date>|<file>
//   npm run backup -- now
//   npm run backup -- restore latest|<date>|<file>
// On a device: node /opt/qms/dist/hub/cli/backup.js …, as the hub's user.
// `restore` takes the data folder's lock, so it refuses while a hub runs (and
// no hub starts during it); the store it replaces is kept aside, never deleted.

import { chownSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { defineCommand, runCommand, UsageError } from '../../shared/cli/command-line.js';
import { DataDirLocked, LOCK_FILE, lockDataDir } from '../../shared/storage/data-lock.js';
import { loadHubConfig } from '../config.js';
import {
  type BackupFile,
  backupName,
  checkStoreFile,
  copyStoreFile,
  fsyncPath,
  listBackups,
  localStamp,
  type StoreCheck,
  writeBackup,
} from '../store/backup.js';
import { STORE_FILE } from '../store/db.js';
import { migrations } from '../store/migrations.js';
import { MARKER_FILE, writeMarker } from '../store/open-store.js';

const COMMAND = defineCommand({
  name: 'backup',
  usage: 'npm run backup -- list | check latest|all|DATE|FILE | now | restore latest|DATE|FILE',
  positionals: true,
  options: {},
  footer: `commands:
  list                           the backups, oldest first (and those on the second disk)
  check latest|all|DATE|FILE     check backups (PRAGMA quick_check); exit 1 if one is damaged
  now                            take a backup now (the hub may keep running)
  restore latest|DATE|FILE       replace the store with a backup; the hub must be stopped
                                 (systemctl stop qms-hub); the store it replaces is kept in
                                 <data folder>/replaced-<time>/
DATE is YYYY-MM-DD (the newest backup of that day); FILE a backup's name or path.
The data folder and backup folder are the hub's (QMS_CONFIG, QMS_DATA_DIR, hub config "backup").`,
});

/** A refusal or a failed check: exit 1 with the message. */
class Refused extends Error {}

interface Places {
  dataDir: string;
  dir: string;
  copyTo: string | null;
  timeZone: string;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function describe(check: StoreCheck): string {
  if (!check.ok) return check.problems.join('; ');
  return `schema v${check.schemaVersion}, ${check.tickets} tickets${
    check.lastServiceDate ? ` up to ${check.lastServiceDate}` : ''
  }, ${mib(check.bytes)}, checked in ${check.ms} ms`;
}

/** "latest", a date, a backup name in one of the folders, or a path. */
function findBackup(places: Places, which: string): string {
  const folders = [places.dir, ...(places.copyTo ? [places.copyTo] : [])];
  const lists = folders.map((dir) => listBackups(dir));
  const newest = (pick: (b: BackupFile) => boolean) => {
    for (const list of lists) {
      const found = list.filter(pick).at(-1);
      if (found) return found.path;
    }
    return null;
  };
  if (which === 'latest') {
    const found = newest(() => true);
    if (!found) throw new Refused(`there is no backup in ${folders.join(' or ')}`);
    return found;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(which)) {
    const found = newest((b) => b.date === which);
    if (!found) throw new Refused(`there is no backup of ${which} in ${folders.join(' or ')}`);
    return found;
  }
  if (existsSync(which)) return resolve(which);
  for (const dir of folders) if (existsSync(join(dir, which))) return join(dir, which);
  throw new Refused(`no backup "${which}" (give "latest", a date YYYY-MM-DD, or a backup file)`);
}

function list(places: Places): void {
  for (const dir of [places.dir, ...(places.copyTo ? [places.copyTo] : [])]) {
    const backups = listBackups(dir);
    console.log(`${dir}: ${backups.length ? `${backups.length} backup(s)` : 'no backups'}`);
    for (const b of backups) {
      console.log(`  ${b.name}\t${b.date} ${b.time}\t${mib(b.bytes)}${b.label ? `\t${b.label}` : ''}`);
    }
  }
}

function check(places: Places, which: string): void {
  const paths =
    which === 'all'
      ? [places.dir, ...(places.copyTo ? [places.copyTo] : [])].flatMap((d) =>
          listBackups(d).map((b) => b.path),
        )
      : [findBackup(places, which)];
  if (!paths.length) throw new Refused(`there is no backup in ${places.dir}`);
  let damaged = 0;
  for (const path of paths) {
    const result = checkStoreFile(path);
    if (!result.ok) damaged++;
    console.log(`${result.ok ? 'ok     ' : 'DAMAGED'} ${path}: ${describe(result)}`);
  }
  if (damaged) throw new Refused(`${damaged} of ${paths.length} backup(s) damaged: do not restore them`);
}

async function now(places: Places): Promise<void> {
  const store = join(places.dataDir, STORE_FILE);
  if (!existsSync(store)) throw new Refused(`there is no store at ${store}`);
  const db = new Database(store, { readonly: true, fileMustExist: true });
  try {
    const written = await writeBackup(db, places.dir, backupName(Date.now(), places.timeZone, 'manual'), {
      pagesPerStep: 0x7fffffff,
    });
    console.log(`backup written: ${written.path} (${mib(written.bytes)}, ${written.ms} ms, checked)`);
  } finally {
    db.close();
  }
}

/** A file created by root in the hub's folder must stay usable by the hub's user. */
function matchOwner(paths: string[], dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(dataDir);
  for (const path of paths) if (existsSync(path)) chownSync(path, uid, gid);
}

function restore(places: Places, which: string): void {
  const { dataDir } = places;
  mkdirSync(dataDir, { recursive: true });
  const lockExisted = existsSync(join(dataDir, LOCK_FILE));
  let lock: ReturnType<typeof lockDataDir>;
  try {
    lock = lockDataDir(dataDir, 'backup restore');
  } catch (error) {
    if (error instanceof DataDirLocked) throw new Refused(`not restoring: ${error.message}`);
    throw error;
  }
  try {
    if (!lockExisted) matchOwner([join(dataDir, LOCK_FILE)], dataDir);
    const backup = findBackup(places, which);
    const found = checkStoreFile(backup);
    if (!found.ok) {
      throw new Refused(
        `not restoring ${backup}: it is damaged (${describe(found)}); choose another (backup list)`,
      );
    }
    const latest = migrations.at(-1)?.version ?? 0;
    if ((found.schemaVersion ?? 0) > latest) {
      throw new Refused(
        `not restoring ${backup}: it has schema v${found.schemaVersion}, written by a newer hub than this one (v${latest})`,
      );
    }

    // The copy first, checked and fsynced beside the store: if it fails (a
    // full disk), nothing in the data folder has changed.
    const store = join(dataDir, STORE_FILE);
    const staged = join(dataDir, `.${STORE_FILE}.restored`);
    rmSync(staged, { force: true });
    copyStoreFile(
      backup,
      join(dataDir, `.${STORE_FILE}.restoring.partial`),
      staged,
      (error) =>
        new Refused(
          `not restoring: copying ${backup} failed (${(error as Error).message}); nothing was changed`,
        ),
    );

    // Then the store now in place goes aside, with its WAL (committed
    // changes may still be there only), and the copy takes its place.
    const present = [STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`].filter((f) =>
      existsSync(join(dataDir, f)),
    );
    let aside: string | null = null;
    let replaced: StoreCheck | null = null;
    if (present.length) {
      const stamp = localStamp(Date.now(), places.timeZone).stamp;
      aside = join(dataDir, `replaced-${stamp}`);
      for (let n = 2; existsSync(aside); n++) aside = join(dataDir, `replaced-${stamp}-${n}`);
      mkdirSync(aside);
      for (const f of present) renameSync(join(dataDir, f), join(aside, f));
      matchOwner([aside], dataDir);
      replaced = existsSync(join(aside, STORE_FILE)) ? checkStoreFile(join(aside, STORE_FILE)) : null;
    }
    renameSync(staged, store);
    fsyncPath(dataDir);
    if (!existsSync(join(dataDir, MARKER_FILE))) writeMarker(dataDir, Date.now());
    matchOwner([store, join(dataDir, MARKER_FILE)], dataDir);

    console.log(`restored ${basename(backup)} to ${store}: ${describe(checkStoreFile(store))}`);
    if (aside) {
      console.log(
        `the store it replaced is kept in ${aside}${replaced ? ` (${replaced.ok ? describe(replaced) : `damaged: ${replaced.problems[0]}`})` : ''}`,
      );
    }
    if (
      replaced?.ok &&
      replaced.lastServiceDate &&
      found.lastServiceDate &&
      replaced.lastServiceDate > found.lastServiceDate
    ) {
      console.log(
        `note: the replaced store had tickets up to ${replaced.lastServiceDate}, the backup only up to ${found.lastServiceDate}; those later tickets are not in the restored store`,
      );
    }
    console.log('start the hub again: systemctl start qms-hub');
  } finally {
    lock.release();
  }
}

const COMMANDS = ['list', 'check', 'now', 'restore'];

async function main(positionals: string[]): Promise<void> {
  const [command, which, ...extra] = positionals;
  if (!command) throw new UsageError(`say what to do: ${COMMANDS.join(', ')}`);
  if (!COMMANDS.includes(command))
    throw new UsageError(`unknown command "${command}" (${COMMANDS.join(', ')})`);
  if ((command === 'list' || command === 'now') && which) throw new UsageError(`unexpected "${which}"`);
  if ((command === 'check' || command === 'restore') && !which)
    throw new UsageError(`${command}: say which backup (latest, a date YYYY-MM-DD, or a file)`);
  if (extra.length) throw new UsageError(`unexpected "${extra.join(' ')}"`);
  const config = await loadHubConfig();
  const places: Places = {
    dataDir: config.dataDir,
    dir: config.backup.dir ?? join(config.dataDir, 'backups'),
    copyTo: config.backup.copyTo ?? null,
    timeZone: config.site.timeZone,
  };
  const needsWhich = () => {
    if (!which) throw new UsageError(`${command}: say which backup (latest, a date YYYY-MM-DD, or a file)`);
    return which;
  };
  switch (command) {
    case 'list':
      return list(places);
    case 'check':
      return check(places, needsWhich());
    case 'now':
      return now(places);
    case 'restore':
      return restore(places, needsWhich());
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

runCommand(COMMAND, ({ positionals }) => main(positionals), {
  fatal: (error) => (error instanceof Error ? error.message : String(error)),
});
