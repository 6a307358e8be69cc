// Backups and restore with real hub processes and the real backup command:
// - the daily backup, driven by its schedule (the hub's wall clock set with
//   libfaketime): a restore from yesterday's backup brings back exactly
//   yesterday's store; retention deletes backups older than keepDays, never
//   the newest;
// - an online backup (hub running), more changes, restore: exactly the
//   backed-up store; the replaced store is kept aside;
// - restore refuses while a hub runs, naming it;
// - `check` reports a damaged backup, and restore refuses it; a restore
//   whose copy does not fit on the disk changes nothing;
// - a store is backed up before it is migrated;
// - a hub killed in the middle of a backup leaves no file that looks like a
//   whole backup, and the next start clears what it left.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { listBackups, writeBackup } from '../../hub/store/backup.js';
import { openDb } from '../../hub/store/db.js';
import { migrations } from '../../hub/store/migrations.js';
import { storeFingerprint } from '../fuzz/store-fingerprint.js';
import {
  freePort,
  type HubProcess,
  type SpawnOptions,
  spawnHub,
  spawnHubProcess,
  startTestHub,
  tempDir,
} from '../helpers/hub.js';
import { NO_FAKETIME, NO_TMPFS, skipping } from '../helpers/skip.js';
import {
  canMountTmpfs,
  cli,
  damageTable,
  fingerprintFile,
  folderSnapshot,
  mountTmpfs,
  officeKiosk,
  officeOfficer,
  prepareOffice,
} from '../helpers/store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function folder() {
  const dir = tempDir('qms-backup-');
  cleanups.push(() => dir.remove());
  return dir.path;
}

async function hub(dataDir: string, options: SpawnOptions = {}): Promise<HubProcess> {
  const h = await spawnHub(dataDir, await freePort(), await freePort(), options);
  cleanups.push(() => h.kill());
  return h;
}

async function until(condition: () => boolean, what: string, ms = 30_000, everyMs = 25) {
  const giveUp = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** An instant of the office's local time (Asia/Ho_Chi_Minh, UTC+7, no DST). */
const vn = (local: string) => Date.parse(`${local}+07:00`);

let faketime = false;
try {
  execFileSync('faketime', ['--version'], { stdio: 'ignore' });
  faketime = true;
} catch {
  faketime = false;
}

describe('daily backup and restore', () => {
  it.skipIf(skipping("yesterday's backup restored", !faketime && NO_FAKETIME))(
    "a restore from yesterday's backup brings back exactly yesterday's store",
    async () => {
      const root = folder();
      const dataDir = join(root, 'data');
      const backups = join(dataDir, 'backups');
      const config = join(root, 'hub.json');
      writeFileSync(config, JSON.stringify({ backup: { time: '20:00', keepDays: 3 } }));
      const env = { QMS_CONFIG: config };
      const { kioskPassword, officerPassword } = await prepareOffice(dataDir);

      // Yesterday, during the day: tickets issued, one served, one called.
      let h = await hub(dataDir, { env, clockAt: vn('2026-03-10T10:00:00') });
      let kiosk = await officeKiosk(h.mqttPort, kioskPassword);
      for (let i = 0; i < 6; i++) expect((await kiosk.issue()).ok).toBe(true);
      let officer = await officeOfficer(h.httpPort, officerPassword);
      for (const action of ['take', 'call-next', 'start', 'finish', 'call-next'])
        expect((await officer.act(action)).status, action).toBe(200);
      kiosk.client.end(true);
      await h.kill('SIGTERM');

      // Older backups, for retention (keepDays 3): 03-01 and 03-06 are too old.
      mkdirSync(backups);
      for (const day of ['2026-03-01', '2026-03-06', '2026-03-07', '2026-03-08'])
        copyFileSync(join(dataDir, 'qms.sqlite'), join(backups, `qms-${day}-2000.sqlite`));

      // Yesterday evening: the hub is left running over the backup time.
      h = await hub(dataDir, { env, clockAt: vn('2026-03-10T19:59:55') });
      await until(() => /backup written/.test(h.output()), 'the 20:00 backup');
      expect(h.output()).toContain('qms-2026-03-10-2000.sqlite');
      await until(() => /old backups deleted/.test(h.output()), 'retention');
      expect(listBackups(backups).map((b) => b.name)).toEqual([
        'qms-2026-03-07-2000.sqlite',
        'qms-2026-03-08-2000.sqlite',
        'qms-2026-03-10-2000.sqlite',
      ]);
      await h.kill('SIGTERM');
      const yesterday = fingerprintFile(join(dataDir, 'qms.sqlite'));
      expect(fingerprintFile(join(backups, 'qms-2026-03-10-2000.sqlite'))).toEqual(yesterday);
      const check = await cli('backup', ['check', '2026-03-10'], { ...env, QMS_DATA_DIR: dataDir });
      expect(check.code, check.output).toBe(0);
      expect(check.output).toMatch(
        /^ok .*qms-2026-03-10-2000\.sqlite: schema v\d+, 6 tickets up to 2026-03-10/m,
      );

      // Today: the daily reset, new tickets (numbering restarted), a call.
      h = await hub(dataDir, { env, clockAt: vn('2026-03-11T08:00:00') });
      expect(h.output()).not.toContain('backup written'); // yesterday's is there
      kiosk = await officeKiosk(h.mqttPort, kioskPassword);
      expect(await kiosk.issue()).toMatchObject({ ok: true, data: { display: '1001' } });
      expect((await kiosk.issue()).ok).toBe(true);
      officer = await officeOfficer(h.httpPort, officerPassword);
      expect((await officer.act('call-next')).status).toBe(200);
      kiosk.client.end(true);
      await h.kill('SIGTERM');
      const today = fingerprintFile(join(dataDir, 'qms.sqlite'));
      expect(today.hash).not.toBe(yesterday.hash);

      const restored = await cli('backup', ['restore', '2026-03-10'], { ...env, QMS_DATA_DIR: dataDir });
      expect(restored.code, restored.output).toBe(0);
      expect(restored.output).toContain('restored qms-2026-03-10-2000.sqlite');
      expect(fingerprintFile(join(dataDir, 'qms.sqlite'))).toEqual(yesterday);
      // Today's store is kept aside, whole.
      const aside = /the store it replaced is kept in (\S+)/.exec(restored.output)![1]!;
      expect(fingerprintFile(join(aside, 'qms.sqlite'))).toEqual(today);
      expect(restored.output).toContain('the replaced store had tickets up to 2026-03-11');
    },
    180_000,
  );

  it('online backup, more changes, restore: exactly the backed-up store', async () => {
    const dataDir = folder();
    const { kioskPassword } = await prepareOffice(dataDir);
    const h = await hub(dataDir);
    const kiosk = await officeKiosk(h.mqttPort, kioskPassword);
    for (let i = 0; i < 8; i++) expect((await kiosk.issue()).ok).toBe(true);
    // The hub keeps running: a backup from another process reads a snapshot.
    const taken = await cli('backup', ['now'], { QMS_DATA_DIR: dataDir });
    expect(taken.code, taken.output).toBe(0);
    const file = /backup written: (\S+)/.exec(taken.output)![1]!;
    const atBackup = fingerprintFile(join(dataDir, 'qms.sqlite'));
    expect(fingerprintFile(file)).toEqual(atBackup);
    for (let i = 0; i < 5; i++) expect((await kiosk.issue()).ok).toBe(true);
    kiosk.client.end(true);

    // Refused while the hub runs; nothing touched.
    const before = folderSnapshot(dataDir);
    const refused = await cli('backup', ['restore', 'latest'], { QMS_DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`in use by hub (PID ${h.child.pid}`);
    expect(readdirSync(dataDir).some((n) => n.startsWith('replaced-'))).toBe(false);
    await h.kill('SIGTERM');
    expect(before['qms.sqlite']).toBeDefined();

    const restored = await cli('backup', ['restore', file.split('/').at(-1)!], { QMS_DATA_DIR: dataDir });
    expect(restored.code, restored.output).toBe(0);
    expect(fingerprintFile(join(dataDir, 'qms.sqlite'))).toEqual(atBackup);
    expect(existsSync(join(dataDir, 'qms.sqlite-wal'))).toBe(false);
  }, 90_000);

  it('check reports a damaged backup; restore refuses it', async () => {
    const dataDir = folder();
    const { kioskPassword } = await prepareOffice(dataDir);
    const h = await hub(dataDir);
    const kiosk = await officeKiosk(h.mqttPort, kioskPassword);
    for (let i = 0; i < 30; i++) expect((await kiosk.issue()).ok).toBe(true);
    kiosk.client.end(true);
    await h.kill('SIGTERM');
    const backups = join(dataDir, 'backups');
    const good = await cli('backup', ['now'], { QMS_DATA_DIR: dataDir });
    expect(good.code, good.output).toBe(0);
    const [sound] = listBackups(backups);
    const damaged = join(backups, 'qms-2026-01-02-2000.sqlite');
    copyFileSync(sound!.path, damaged);
    damageTable(damaged, 'tickets');

    const one = await cli('backup', ['check', damaged], { QMS_DATA_DIR: dataDir });
    expect(one.code).toBe(1);
    expect(one.output).toMatch(/^DAMAGED .*qms-2026-01-02-2000\.sqlite: /m);
    const all = await cli('backup', ['check', 'all'], { QMS_DATA_DIR: dataDir });
    expect(all.code).toBe(1);
    expect(all.output).toMatch(new RegExp(`^ok .*${sound!.name}: schema v\\d+, 30 tickets`, 'm'));
    expect(all.output).toContain('1 of 2 backup(s) damaged: do not restore them');

    const store = fingerprintFile(join(dataDir, 'qms.sqlite'));
    const refused = await cli('backup', ['restore', '2026-01-02'], { QMS_DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('it is damaged');
    expect(fingerprintFile(join(dataDir, 'qms.sqlite'))).toEqual(store);
    const listed = await cli('backup', ['list'], { QMS_DATA_DIR: dataDir });
    expect(listed.output).toContain(`${backups}: 2 backup(s)`);
  }, 90_000);
});

describe('restore onto a full disk', () => {
  it.skipIf(skipping('restore onto a full disk', !canMountTmpfs && NO_TMPFS))(
    'a copy that does not fit changes nothing in the data folder',
    async () => {
      const disk = mountTmpfs('4m');
      cleanups.push(disk.unmount);
      const dataDir = join(disk.path, 'data');
      await prepareOffice(dataDir);
      // A sound backup bigger than the room left on the data folder's disk.
      const elsewhere = folder();
      const big = openDb(elsewhere);
      const insert = big.prepare(
        "INSERT INTO audit_log (at, username, action, detail) VALUES (?, 'a', 'b', ?)",
      );
      big.transaction(() => {
        for (let i = 0; i < 6000; i++) insert.run(i, 'x'.repeat(1000));
      })();
      const backup = await writeBackup(big, elsewhere, 'qms-2026-03-10-2000.sqlite');
      big.close();

      const before = folderSnapshot(dataDir);
      const refused = await cli('backup', ['restore', backup.path], { QMS_DATA_DIR: dataDir });
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/not restoring: copying .* failed \(ENOSPC.*nothing was changed/);
      // Only the data folder's lock file, which stays once made.
      const { 'qms.lock': lock, ...after } = folderSnapshot(dataDir);
      expect(lock).toBeDefined();
      expect(after).toEqual(before);
    },
    60_000,
  );
});

describe('backup before a migration', () => {
  it('backs up a store of an older schema before migrating it', async () => {
    const dataDir = folder();
    const older = migrations.at(-2)!.version;
    const db = new Database(join(dataDir, 'qms.sqlite'));
    db.pragma('journal_mode = WAL');
    for (const m of migrations.filter((m) => m.version <= older)) db.exec(m.sql);
    db.pragma(`user_version = ${older}`);
    db.prepare("INSERT INTO settings (key, value) VALUES ('probe', '\"before the update\"')").run();
    const beforeUpdate = storeFingerprint(db);
    db.close();

    const t = await startTestHub({ dataDir });
    cleanups.push(() => t.stop());
    const made = listBackups(join(dataDir, 'backups'));
    expect(made.map((b) => b.label)).toEqual([`before-v${migrations.at(-1)!.version}`]);
    const backup = new Database(made[0]!.path, { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(older);
    expect(storeFingerprint(backup)).toEqual(beforeUpdate);
    backup.close();
    expect(t.logs.lines.some((l) => /backing up the store before migrating it/.test(l))).toBe(true);
  });
});

describe('a backup cut short', () => {
  it.skipIf(skipping('a backup cut short', !faketime && NO_FAKETIME))(
    'a hub killed during a backup leaves no file that looks like a whole backup',
    async () => {
      const dataDir = folder();
      await prepareOffice(dataDir);
      // A store big enough (~60 MB) that the backup takes a while.
      const db = new Database(join(dataDir, 'qms.sqlite'));
      const insert = db.prepare(
        "INSERT INTO audit_log (at, username, action, detail) VALUES (?, 'canbo', 'call-next', ?)",
      );
      db.transaction(() => {
        for (let i = 0; i < 60_000; i++) insert.run(i, JSON.stringify({ note: 'x'.repeat(900), i }));
      })();
      db.close();
      const backups = join(dataDir, 'backups');

      // Started before the daily backup time (whether the backup then runs at
      // start or on schedule depends on how long the start takes here); the
      // power goes the moment the backup's partial file appears.
      const child = spawnHubProcess(dataDir, 0, 0, { clockAt: vn('2026-03-10T19:59:45') });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => {
        output += d;
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      cleanups.push(() => void child.kill('SIGKILL'));
      await until(
        () => existsSync(backups) && readdirSync(backups).some((n) => n.endsWith('.partial')),
        'a backup under way',
        90_000,
        2,
      );
      child.kill('SIGKILL');
      await exited;
      expect(output).not.toContain('backup written');
      expect(listBackups(backups)).toEqual([]);

      const again = await hub(dataDir, { clockAt: vn('2026-03-10T21:00:00') });
      await until(() => /removed unfinished backups/.test(again.output()), 'clean-up at start');
      // The catch-up backup of 20:00 is then written whole.
      await until(() => /backup written/.test(again.output()), 'the catch-up backup');
      expect(readdirSync(backups)).toEqual(['qms-2026-03-10-2100.sqlite']);
    },
    120_000,
  );
});
