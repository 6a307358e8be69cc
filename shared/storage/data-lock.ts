// One program at a time on a data folder. Two hubs on the same store would
// each keep their own queue in memory and hand out the same numbers; a
// restore under a running hub would swap the file beneath it; two kiosks on
// one state file would print the same leased numbers, two rating programs
// would send the same presses twice.
//
// The lock is SQLite's own file lock (fcntl) on a small lock database held
// in EXCLUSIVE locking mode for the holder's life. The kernel drops it when
// the process ends in any way (exit, SIGKILL, power cut), so there is never a
// stale lock to guess about. A pid file beside it only names the holder in
// the refusal message; it is never used to decide anything.
//
// Other tools that only use the store (`npm run devices`) do not take it:
// SQLite already serialises their writes with the hub's. Each kind of
// program has its own lock name (the hub and a restore share `qms`; an edge
// program uses its own name), so a demo speaker writing into the hub's
// folder does not lock the hub out.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The hub's lock (taken by the hub and by a restore). */
export const HUB_LOCK = 'qms';
export const LOCK_FILE = `${HUB_LOCK}.lock`;
export const PID_FILE = `${HUB_LOCK}.pid`;

/** What the pid file says about the holder. */
export interface LockHolder {
  pid: number | null;
  program: string | null;
  since: string | null;
}

export class DataDirLocked extends Error {
  override readonly name = 'DataDirLocked';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    lockName = HUB_LOCK,
  ) {
    const who = holder.pid
      ? `${holder.program ?? 'another program'} (PID ${holder.pid}${holder.since ? `, since ${holder.since}` : ''})`
      : 'another program (PID unknown)';
    const remedy =
      holder.program === 'hub'
        ? 'stop that hub first (systemctl stop qms-hub)'
        : holder.program && holder.program !== 'backup restore'
          ? `stop that ${holder.program} first (systemctl stop qms-${holder.program})`
          : 'wait until it has finished, or stop it';
    const only = lockName === HUB_LOCK ? 'one hub or restore' : `one ${lockName} program`;
    super(`the data folder ${dataDir} is in use by ${who}: only ${only} may use it at a time; ${remedy}`);
  }
}

export interface DataLock {
  readonly dataDir: string;
  release(): void;
}

function readHolder(pidPath: string): LockHolder {
  try {
    const fields = Object.fromEntries(
      readFileSync(pidPath, 'utf8')
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string | undefined])
        .filter(([, value]) => value !== undefined),
    );
    const pid = Number(fields.pid);
    return {
      pid: Number.isInteger(pid) && pid > 0 ? pid : null,
      program: fields.program ?? null,
      since: fields.since ?? null,
    };
  } catch {
    return { pid: null, program: null, since: null };
  }
}

/**
 * Take the data folder for this process, or throw DataDirLocked naming the
 * holder. `program` is what the pid file says (e.g. "hub", "backup restore");
 * `lockName` names the lock and pid files (`<lockName>.lock`, `.pid`).
 */
export function lockDataDir(dataDir: string, program: string, lockName = HUB_LOCK): DataLock {
  mkdirSync(dataDir, { recursive: true });
  const pidPath = join(dataDir, `${lockName}.pid`);
  const lockDb = new Database(join(dataDir, `${lockName}.lock`), { timeout: 0 });
  try {
    // No journal file beside it (OFF is refused in better-sqlite3's defensive mode).
    lockDb.pragma('journal_mode = MEMORY');
    lockDb.pragma('locking_mode = EXCLUSIVE');
    // In EXCLUSIVE locking mode the lock taken here is kept until close.
    lockDb.exec('BEGIN EXCLUSIVE');
    lockDb.exec('COMMIT');
  } catch (error) {
    lockDb.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY')
      throw new DataDirLocked(dataDir, readHolder(pidPath), lockName);
    throw error;
  }
  const tmp = `${pidPath}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    `pid=${process.pid}\nprogram=${program}\nsince=${new Date().toISOString()}\nhost=${hostname()}\n`,
  );
  renameSync(tmp, pidPath);
  let held = true;
  return {
    dataDir,
    release() {
      if (!held) return;
      held = false;
      // Only our own pid file; a later holder's stays.
      if (readHolder(pidPath).pid === process.pid) rmSync(pidPath, { force: true });
      lockDb.close();
    },
  };
}
