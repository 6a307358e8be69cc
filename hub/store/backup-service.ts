// The hub's automatic backups: one each day at `backup.time` (after the
// office closed), one before each migration of the store, kept `keepDays`
// days, optionally copied to a second disk (`copyTo`, a USB stick).
//
// A hub that was off at backup time (a Pi switched off for the night) backs
// up when it starts, while it goes on starting (the backup then has the daily
// reset applied: the same data a restore would reset anyway). The check runs
// every few seconds against the wall clock, so a clock that jumps still gets
// its backup, and a backup named in the future by a wrong clock does not
// count as done.

import { join } from 'node:path';
import type { Logger } from '../../shared/log/logger.js';
import {
  addDays,
  backupName,
  copyBackup,
  listBackups,
  localStamp,
  pruneBackups,
  removePartials,
  type WrittenBackup,
  writeBackup,
} from './backup.js';
import type { Db } from './db.js';
import { classifyStoreError, type StoreHealth } from './store-health.js';

export interface BackupSettings {
  /** Daily backups (the one before a migration is always taken). */
  enabled: boolean;
  /** Local time "HH:MM" (site time zone) of the daily backup. */
  time: string;
  keepDays: number;
  /** Where backups go (the hub's default: <dataDir>/backups). */
  dir: string;
  /** A second folder on another disk, or null. */
  copyTo: string | null;
}

export interface BackupStatus {
  enabled: boolean;
  time: string;
  keepDays: number;
  dir: string;
  copyTo: string | null;
  /** The newest backup in `dir`. */
  latest: { name: string; bytes: number } | null;
  /** The last backup this hub wrote, and how long it took. */
  last: { name: string; at: number; bytes: number; ms: number; copied: boolean | null } | null;
  /** Set while the latest attempt failed. */
  error: { message: string; at: number } | null;
  copyError: { message: string; at: number } | null;
}

const TICK_MS = 5_000;
const RETRY_MS = 10 * 60_000;

export class BackupService {
  private lastStamp: string | null = null;
  private running: Promise<WrittenBackup> | null = null;
  private stopping = false;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private db: Db | undefined;
  private last: BackupStatus['last'] = null;
  private error: BackupStatus['error'] = null;
  private copyError: BackupStatus['copyError'] = null;
  private refusedLogged = false;

  constructor(
    readonly settings: BackupSettings,
    private readonly options: {
      timeZone: string;
      log: Logger;
      now?: () => number;
      health?: StoreHealth;
    },
  ) {}

  /** When the store was first created: no daily backup is due for a time before it. */
  private storeCreatedAt: number | null = null;

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Start the daily schedule on an open store. The returned promise settles
   * after a catch-up backup, if one was due; the hub does not wait for it
   * (an online backup: it serves meanwhile).
   */
  async start(db: Db, storeCreatedAt: number | null = null): Promise<void> {
    this.db = db;
    this.storeCreatedAt = storeCreatedAt;
    for (const dir of [this.settings.dir, this.settings.copyTo]) {
      if (!dir) continue;
      const removed = removePartials(dir);
      if (removed.length) this.options.log.warn('removed unfinished backups', { dir, files: removed });
    }
    const nowStamp = localStamp(this.now(), this.options.timeZone).stamp;
    // A backup "from the future" (written while the clock was wrong) does not count as done.
    this.lastStamp =
      listBackups(this.settings.dir)
        .filter((b) => b.stamp <= nowStamp)
        .at(-1)?.stamp ?? null;
    if (!this.settings.enabled) return;
    this.timer = setInterval(() => void this.runIfDue(), TICK_MS);
    this.timer.unref();
    await this.runIfDue();
  }

  /** The local stamp ("YYYY-MM-DD-HHMM") of the latest daily backup time at or before now. */
  private lastSlot(now: number): string {
    const { date, stamp } = localStamp(now, this.options.timeZone);
    const hhmm = this.settings.time.replace(':', '');
    const today = `${date}-${hhmm}`;
    return stamp >= today ? today : `${addDays(date, -1)}-${hhmm}`;
  }

  /** True when the latest daily backup time passed with no backup since. */
  isDue(now = this.now()): boolean {
    if (!this.settings.enabled || this.stopping) return false;
    const slot = this.lastSlot(now);
    // A backup stamped after now was taken while the clock ran ahead: not done.
    const last =
      this.lastStamp !== null && this.lastStamp <= localStamp(now, this.options.timeZone).stamp
        ? this.lastStamp
        : null;
    if (last !== null && last >= slot) return false;
    const created = this.storeCreatedAt;
    if (created != null && localStamp(created, this.options.timeZone).stamp > slot) return false;
    return true;
  }

  async runIfDue(): Promise<void> {
    const now = this.now();
    if (this.running || now < this.retryAt || !this.isDue(now) || !this.db) return;
    try {
      await this.backup(this.db);
    } catch {
      // Logged and kept in the status by backup().
    }
  }

  /**
   * Back up now (`label` e.g. "before-v5"), copy to the second disk, prune
   * old backups. Throws if the backup itself failed (not if only the copy did).
   */
  async backup(db: Db, label?: string): Promise<WrittenBackup> {
    const { log, timeZone, health } = this.options;
    if (this.running) await this.running.catch(() => undefined);
    const at = this.now();
    if (health?.refusingChanges) {
      // A copy of a damaged store is no backup; the older ones stay (retention runs only after a good one).
      if (!this.refusedLogged) log.error('no backup of a damaged store: the older backups are kept');
      this.refusedLogged = true;
      this.error = { message: 'the store is damaged; no backup taken', at };
      this.retryAt = at + RETRY_MS;
      throw new Error(this.error.message);
    }
    const name = backupName(at, timeZone, label);
    const work = writeBackup(db, this.settings.dir, name, { shouldStop: () => this.stopping });
    this.running = work;
    try {
      const written = await work;
      this.lastStamp = localStamp(at, timeZone).stamp;
      this.error = null;
      this.retryAt = 0;
      let copied: boolean | null = null;
      if (this.settings.copyTo) copied = this.copy(written.path, at);
      this.last = { name, at, bytes: written.bytes, ms: written.ms, copied };
      log.info('backup written', {
        file: written.path,
        bytes: written.bytes,
        ms: written.ms,
        ...(copied === null ? {} : { copied }),
      });
      this.prune(at);
      return written;
    } catch (error) {
      // Reading a damaged page of the store is a store fault; a full backup disk is the backup's.
      const fault = classifyStoreError(error);
      if (fault && (fault.kind === 'corrupt' || fault.kind === 'gone')) health?.observe(error);
      this.error = { message: error instanceof Error ? error.message : String(error), at };
      this.retryAt = at + RETRY_MS;
      log.error('backup failed; will try again', { file: join(this.settings.dir, name), error });
      throw error;
    } finally {
      this.running = null;
    }
  }

  private copy(path: string, at: number): boolean {
    const copyTo = this.settings.copyTo;
    if (!copyTo) return false;
    try {
      const copied = copyBackup(path, copyTo, this.settings.dir);
      this.copyError = null;
      this.options.log.info('backup copied', { file: copied.path, ms: copied.ms });
      return true;
    } catch (error) {
      this.copyError = { message: error instanceof Error ? error.message : String(error), at };
      this.options.log.error('backup copy failed', { to: copyTo, error });
      return false;
    }
  }

  private prune(at: number): void {
    const today = localStamp(at, this.options.timeZone).date;
    for (const dir of [this.settings.dir, this.settings.copyTo]) {
      if (!dir) continue;
      try {
        const deleted = pruneBackups(dir, this.settings.keepDays, today);
        if (deleted.length) this.options.log.info('old backups deleted', { dir, files: deleted });
      } catch (error) {
        this.options.log.warn('could not delete old backups', { dir, error });
      }
    }
  }

  status(): BackupStatus {
    let latest: BackupStatus['latest'] = null;
    try {
      const newest = listBackups(this.settings.dir).at(-1);
      latest = newest ? { name: newest.name, bytes: newest.bytes } : null;
    } catch {
      latest = null;
    }
    const { enabled, time, keepDays, dir, copyTo } = this.settings;
    return {
      enabled,
      time,
      keepDays,
      dir,
      copyTo,
      latest,
      last: this.last,
      error: this.error,
      copyError: this.copyError,
    };
  }

  /** Stop the schedule; a backup under way is abandoned (its partial file removed). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
