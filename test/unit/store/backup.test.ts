// The backup parts on their own, with real SQLite files and an injected
// clock: names, retention, the daily schedule (catch-up after a night off,
// a wrong clock), checks, the second disk, and the store's fault states.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addDays,
  backupName,
  checkStoreFile,
  copyBackup,
  listBackups,
  localStamp,
  parseBackupName,
  pruneBackups,
  removePartials,
  writeBackup,
} from '../../../hub/store/backup.js';
import { BackupService } from '../../../hub/store/backup-service.js';
import { type Db, openDb } from '../../../hub/store/db.js';
import { classifyStoreError, StoreHealth } from '../../../hub/store/store-health.js';
import { createLogger, memorySink } from '../../../shared/log/logger.js';
import { DataDirLocked, lockDataDir } from '../../../shared/storage/data-lock.js';
import { tempDir } from '../../helpers/hub.js';
import { NO_TMPFS, skipping } from '../../helpers/skip.js';
import { canMountTmpfs, damageTable, mountTmpfs } from '../../helpers/store.js';

const TZ = 'Asia/Ho_Chi_Minh';
const vn = (local: string) => Date.parse(`${local}+07:00`);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function folder() {
  const dir = tempDir('qms-backup-unit-');
  cleanups.push(dir.remove);
  return dir.path;
}

function store(dir: string): Db {
  const db = openDb(dir);
  cleanups.push(() => db.close());
  db.prepare("INSERT INTO settings (key, value) VALUES ('probe', '1')").run();
  return db;
}

function quietLog() {
  const sink = memorySink();
  return { lines: sink.lines, log: createLogger('test', { sink, timestamps: false, level: 'debug' }) };
}

describe('backup names', () => {
  it('are the local date and time of the site, sortable, with an optional label', () => {
    expect(localStamp(vn('2026-03-10T20:00:30'), TZ)).toEqual({
      date: '2026-03-10',
      hhmm: '2000',
      stamp: '2026-03-10-2000',
    });
    // 00:30 in Vietnam is still the day before in UTC.
    expect(backupName(vn('2026-03-11T00:30:00'), TZ)).toBe('qms-2026-03-11-0030.sqlite');
    expect(backupName(vn('2026-03-11T07:12:00'), TZ, 'before-v5')).toBe(
      'qms-2026-03-11-0712-before-v5.sqlite',
    );
    expect(parseBackupName('qms-2026-03-11-0712-before-v5.sqlite')).toMatchObject({
      date: '2026-03-11',
      time: '07:12',
      stamp: '2026-03-11-0712',
      label: 'before-v5',
    });
    for (const other of [
      'qms.sqlite',
      'qms-2026-3-1-2000.sqlite',
      '.qms-2026-03-11-0712.sqlite.partial',
      'x.txt',
    ])
      expect(parseBackupName(other)).toBeNull();
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('writing a backup', () => {
  it('is whole, checked, a single file, and equal to the store', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    const written = await writeBackup(db, join(dir, 'backups'), 'qms-2026-03-10-2000.sqlite');
    expect(readdirSync(join(dir, 'backups'))).toEqual(['qms-2026-03-10-2000.sqlite']);
    const check = checkStoreFile(written.path);
    expect(check).toMatchObject({ ok: true, problems: [], tickets: 0 });
    expect(written.bytes).toBe(check.bytes);
  });

  it('stops when asked, leaving nothing behind', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    await expect(
      writeBackup(db, join(dir, 'backups'), 'qms-2026-03-10-2000.sqlite', { shouldStop: () => true }),
    ).rejects.toThrow('stopped');
    expect(readdirSync(join(dir, 'backups'))).toEqual([]);
  });

  it('a leftover partial file is removed, and never listed', () => {
    const dir = folder();
    for (const name of [
      '.qms-2026-03-10-2000.sqlite.partial',
      '.qms-2026-03-10-2000.sqlite.partial-wal',
      'notes.txt',
    ])
      writeFileSync(join(dir, name), 'x');
    expect(listBackups(dir)).toEqual([]);
    expect(removePartials(dir).sort()).toEqual([
      '.qms-2026-03-10-2000.sqlite.partial',
      '.qms-2026-03-10-2000.sqlite.partial-wal',
    ]);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});

describe('checking a store file', () => {
  it('says what is wrong with an empty, foreign or damaged file', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'empty.sqlite'), '');
    expect(checkStoreFile(join(dir, 'empty.sqlite'))).toMatchObject({
      ok: false,
      problems: ['the file is empty (0 bytes)'],
    });
    writeFileSync(join(dir, 'text.sqlite'), 'not a database at all, just text '.repeat(100));
    expect(checkStoreFile(join(dir, 'text.sqlite')).problems[0]).toMatch(/^SQLITE_NOTADB/);
    expect(checkStoreFile(join(dir, 'absent.sqlite')).problems[0]).toMatch(/^cannot read the file/);

    const db = store(join(dir, 'data'));
    const insert = db.prepare(
      "INSERT INTO tickets (id, service_date, series_key, number, display, field_id, procedure_id, status, issued_at, queued_at) VALUES (?, '2026-03-10', 'A', ?, ?, 'f', 'p', 'waiting', 0, 0)",
    );
    for (let i = 0; i < 200; i++) insert.run(`t${i}`, i, String(i));
    const { path } = await writeBackup(db, dir, 'qms-2026-03-10-2000.sqlite');
    expect(checkStoreFile(path)).toMatchObject({ ok: true, tickets: 200, lastServiceDate: '2026-03-10' });
    damageTable(path, 'tickets');
    const damaged = checkStoreFile(path);
    expect(damaged.ok).toBe(false);
    expect(damaged.problems.length).toBeGreaterThan(0);
  });
});

describe('retention', () => {
  it('deletes backups older than keepDays, never the newest, nothing else', () => {
    const dir = folder();
    const names = [
      'qms-2026-02-01-2000.sqlite',
      'qms-2026-03-02-0700-before-v4.sqlite',
      'qms-2026-03-03-2000.sqlite',
      'qms-2026-03-09-2000.sqlite',
      'qms-2026-03-10-2000.sqlite',
    ];
    for (const name of [...names, 'my-copy.sqlite']) writeFileSync(join(dir, name), 'x');
    expect(pruneBackups(dir, 7, '2026-03-10')).toEqual([
      'qms-2026-02-01-2000.sqlite',
      'qms-2026-03-02-0700-before-v4.sqlite',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'my-copy.sqlite',
      'qms-2026-03-03-2000.sqlite',
      'qms-2026-03-09-2000.sqlite',
      'qms-2026-03-10-2000.sqlite',
    ]);
    // A hub off for weeks: everything is old, the newest stays.
    expect(pruneBackups(dir, 1, '2026-06-01')).toEqual([
      'qms-2026-03-03-2000.sqlite',
      'qms-2026-03-09-2000.sqlite',
    ]);
    expect(listBackups(dir).map((b) => b.name)).toEqual(['qms-2026-03-10-2000.sqlite']);
  });
});

describe('the daily schedule', () => {
  const settings = (dir: string, extra: Partial<{ enabled: boolean; copyTo: string | null }> = {}) => ({
    enabled: true,
    time: '20:00',
    keepDays: 14,
    dir,
    copyTo: null,
    ...extra,
  });

  it('backs up once the backup time has passed, once per day', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    let now = vn('2026-03-10T19:59:00');
    const { log, lines } = quietLog();
    const service = new BackupService(settings(join(dir, 'backups')), { timeZone: TZ, log, now: () => now });
    cleanups.push(() => void service.stop());
    await service.start(db, vn('2026-03-01T08:00:00'));
    // 19:59: yesterday's 20:00 passed without a backup: the catch-up one.
    expect(listBackups(join(dir, 'backups')).map((b) => b.name)).toEqual(['qms-2026-03-10-1959.sqlite']);
    expect(service.isDue()).toBe(false);
    now = vn('2026-03-10T20:00:00');
    expect(service.isDue()).toBe(true);
    await service.runIfDue();
    now = vn('2026-03-10T23:59:00');
    expect(service.isDue()).toBe(false);
    now = vn('2026-03-11T19:59:59');
    expect(service.isDue()).toBe(false);
    now = vn('2026-03-11T20:01:00');
    await service.runIfDue();
    expect(listBackups(join(dir, 'backups')).map((b) => b.name)).toEqual([
      'qms-2026-03-10-1959.sqlite',
      'qms-2026-03-10-2000.sqlite',
      'qms-2026-03-11-2001.sqlite',
    ]);
    expect(service.status()).toMatchObject({ latest: { name: 'qms-2026-03-11-2001.sqlite' }, error: null });
    expect(lines.filter((l) => l.includes('backup written'))).toHaveLength(3);
  });

  it('a hub switched off at backup time backs up at its next start; a new store waits for its first evening', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    const { log } = quietLog();
    const at = (local: string, created: string) => {
      const now = vn(local);
      const s = new BackupService(settings(backups), { timeZone: TZ, log, now: () => now });
      cleanups.push(() => void s.stop());
      return { service: s, start: () => s.start(db, vn(created)) };
    };
    // Created this morning: no evening has passed yet.
    const fresh = at('2026-03-11T07:30:00', '2026-03-11T07:00:00');
    await fresh.start();
    expect(listBackups(backups)).toEqual([]);
    // Next morning after a night switched off: yesterday's 20:00 is caught up.
    const morning = at('2026-03-12T07:30:00', '2026-03-11T07:00:00');
    await morning.start();
    expect(listBackups(backups).map((b) => b.name)).toEqual(['qms-2026-03-12-0730.sqlite']);
  });

  it('a backup named in the future by a wrong clock does not count as done', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    const future = await writeBackup(db, backups, 'qms-2031-01-01-2000.sqlite');
    const { log } = quietLog();
    const now = vn('2026-03-11T08:00:00');
    const service = new BackupService(settings(backups), { timeZone: TZ, log, now: () => now });
    cleanups.push(() => void service.stop());
    await service.start(db, vn('2026-01-01T08:00:00'));
    expect(listBackups(backups).map((b) => b.name)).toEqual([
      'qms-2026-03-11-0800.sqlite',
      'qms-2031-01-01-2000.sqlite',
    ]);
    expect(existsSync(future.path)).toBe(true);
  });

  it('disabled: no daily backup, but one before a migration still works', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    const { log } = quietLog();
    const service = new BackupService(settings(join(dir, 'backups'), { enabled: false }), {
      timeZone: TZ,
      log,
      now: () => vn('2026-03-11T08:00:00'),
    });
    await service.start(db, vn('2026-01-01T08:00:00'));
    expect(service.isDue()).toBe(false);
    expect(listBackups(join(dir, 'backups'))).toEqual([]);
    await service.backup(db, 'before-v9');
    expect(listBackups(join(dir, 'backups')).map((b) => b.label)).toEqual(['before-v9']);
  });

  it('no backup of a damaged store: the older ones are kept', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    const { log, lines } = quietLog();
    const health = new StoreHealth(log);
    health.observe(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' }));
    const service = new BackupService(settings(join(dir, 'backups')), {
      timeZone: TZ,
      log,
      health,
      now: () => vn('2026-03-11T21:00:00'),
    });
    await service.start(db, vn('2026-01-01T08:00:00'));
    expect(listBackups(join(dir, 'backups'))).toEqual([]);
    expect(service.status().error?.message).toContain('damaged');
    expect(lines.some((l) => l.includes('no backup of a damaged store'))).toBe(true);
  });

  it('the second disk must be another disk: a missing or same-disk folder is reported, the backup kept', async () => {
    const dir = folder();
    const db = store(join(dir, 'data'));
    const { log } = quietLog();
    for (const copyTo of [join(dir, 'usb-missing'), join(dir, 'same-disk')]) {
      if (copyTo.endsWith('same-disk')) mkdirSync(copyTo);
      const service = new BackupService(settings(join(dir, 'backups'), { copyTo }), {
        timeZone: TZ,
        log,
        now: () => vn('2026-03-11T21:00:00'),
      });
      const written = await service.backup(db);
      expect(existsSync(written.path)).toBe(true);
      expect(service.status().last?.copied).toBe(false);
      expect(service.status().copyError?.message).toMatch(
        copyTo.endsWith('same-disk') ? /on the same disk as the backups/ : /does not exist/,
      );
    }
    expect(() =>
      copyBackup(
        join(dir, 'backups', 'qms-2026-03-11-2100.sqlite'),
        join(dir, 'same-disk'),
        join(dir, 'backups'),
      ),
    ).toThrow('same disk');
  });
});

describe('data folder lock', () => {
  it('is exclusive within one process too, and released on release()', () => {
    const dir = folder();
    const lock = lockDataDir(dir, 'hub');
    expect(() => lockDataDir(dir, 'backup restore')).toThrow(DataDirLocked);
    try {
      lockDataDir(dir, 'hub');
    } catch (error) {
      expect((error as DataDirLocked).holder).toMatchObject({ pid: process.pid, program: 'hub' });
    }
    lock.release();
    expect(existsSync(join(dir, 'qms.pid'))).toBe(false);
    lockDataDir(dir, 'backup restore').release();
  });
});

describe('store faults', () => {
  const sqliteError = (code: string) => Object.assign(new Error(code.toLowerCase()), { code });

  it('are told apart from other errors', () => {
    expect(classifyStoreError(sqliteError('SQLITE_CORRUPT_INDEX'))).toEqual({
      kind: 'corrupt',
      code: 'SQLITE_CORRUPT_INDEX',
    });
    expect(classifyStoreError(sqliteError('SQLITE_NOTADB'))?.kind).toBe('corrupt');
    expect(classifyStoreError(sqliteError('SQLITE_FULL'))?.kind).toBe('full');
    expect(classifyStoreError(sqliteError('SQLITE_IOERR_WRITE'))?.kind).toBe('io');
    expect(classifyStoreError(sqliteError('SQLITE_READONLY'))?.kind).toBe('io');
    expect(classifyStoreError(sqliteError('SQLITE_READONLY_DBMOVED'))?.kind).toBe('gone');
    expect(classifyStoreError(sqliteError('SQLITE_CONSTRAINT_PRIMARYKEY'))).toBeNull();
    expect(classifyStoreError(new TypeError('bug'))).toBeNull();
    expect(classifyStoreError(undefined)).toBeNull();
  });

  it('a passing fault clears at the next commit; a lasting one stays and is not replaced', () => {
    const { log, lines } = quietLog();
    let now = 1000;
    const health = new StoreHealth(log, () => now);
    expect(health.observe(new Error('no code'))).toBeNull();
    health.observe(sqliteError('SQLITE_FULL'));
    now = 2000;
    health.observe(sqliteError('SQLITE_FULL'));
    expect(health.fault).toMatchObject({ kind: 'full', since: 1000, lastAt: 2000, count: 2, lasting: false });
    expect(health.refusingChanges).toBe(false);
    health.committed();
    expect(health.fault).toBeNull();
    health.observe(sqliteError('SQLITE_CORRUPT'));
    health.observe(sqliteError('SQLITE_FULL'));
    health.committed();
    expect(health.fault).toMatchObject({ kind: 'corrupt', count: 2, lasting: true });
    expect(health.refusingChanges).toBe(true);
    expect(lines.filter((l) => l.includes('store fault'))).toHaveLength(3);
  });
});

/** A tmpfs standing in for a USB stick (another disk). */
function mountStick(): string {
  const disk = mountTmpfs('8m');
  cleanups.push(disk.unmount);
  return disk.path;
}
const canMount = !skipping('backups onto a small disk of their own', !canMountTmpfs && NO_TMPFS);

describe('free space', () => {
  it.skipIf(!canMount)(
    'a backup that would fill the disk is not started; the store keeps its room',
    async () => {
      const disk = mountStick(); // 8 MiB: less than a store plus the room a backup must leave
      const dir = folder();
      const db = store(join(dir, 'data'));
      await expect(writeBackup(db, disk, 'qms-2026-03-11-2100.sqlite')).rejects.toThrow(
        /not enough free space in .* for a backup: .* MiB needed and 16\.0 MiB left over, .* MiB free/,
      );
      expect(readdirSync(disk)).toEqual([]);
    },
  );
});

describe('the second disk', () => {
  it.skipIf(!canMount)('gets a checked copy of each backup, and its own retention', async () => {
    const stick = mountStick();
    const dir = folder();
    const db = store(join(dir, 'data'));
    writeFileSync(join(stick, 'qms-2026-01-01-2000.sqlite'), 'an old backup');
    const { log } = quietLog();
    const service = new BackupService(
      { enabled: true, time: '20:00', keepDays: 14, dir: join(dir, 'backups'), copyTo: stick },
      { timeZone: TZ, log, now: () => vn('2026-03-11T21:00:00') },
    );
    const written = await service.backup(db);
    expect(service.status()).toMatchObject({ last: { copied: true }, copyError: null });
    expect(readdirSync(stick)).toEqual(['qms-2026-03-11-2100.sqlite']);
    expect(checkStoreFile(join(stick, 'qms-2026-03-11-2100.sqlite'))).toMatchObject({
      ok: true,
      bytes: written.bytes,
    });
  });
});
