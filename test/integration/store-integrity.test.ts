// The store's integrity against operator mistakes and a damaged disk, with
// real hub processes on real files:
// - a second hub on the same data folder exits at once naming the first
//   one's PID (before: both ran and handed out the same numbers); the lock is
//   the kernel's, so after SIGKILL a new hub starts;
// - a 0-byte or missing store in a used data folder is refused with nothing
//   created or changed (before: a silent fresh start: new admin password,
//   default catalogue, numbering back to 1001, device credentials gone);
// - a damaged page is refused at start with the restore command (before:
//   /api/health ok, then hub_error forever);
// - damage under a running hub shows on /api/health, changes are refused
//   with store_fault, reads go on; after a restore the hub starts again.

import { existsSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARKER_FILE } from '../../hub/store/open-store.js';
import { freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import {
  cli,
  damageTable,
  damageUnderHub,
  fingerprintFile,
  folderSnapshot,
  hubRun,
  officeKiosk,
  officeOfficer,
  prepareOffice,
} from '../helpers/store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function folder() {
  const dir = tempDir('qms-integrity-');
  cleanups.push(() => dir.remove());
  return dir.path;
}

async function hub(dataDir: string): Promise<HubProcess> {
  const h = await spawnHub(dataDir, await freePort(), await freePort());
  cleanups.push(() => h.kill());
  return h;
}

async function until(condition: () => boolean, ms = 10_000) {
  const giveUp = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const health = async (h: HubProcess) => {
  const res = await fetch(`http://127.0.0.1:${h.httpPort}/api/health`);
  return {
    status: res.status,
    body: (await res.json()) as {
      ok: boolean;
      store: { fault: { kind: string; code: string; lasting: boolean } | null };
    },
  };
};

describe('data folder lock', () => {
  it('a second hub on the same folder exits at once naming the first; after SIGKILL a new one starts', async () => {
    const dataDir = folder();
    const { kioskPassword } = await prepareOffice(dataDir);
    const first = await hub(dataDir);
    const kiosk = await officeKiosk(first.mqttPort, kioskPassword);
    cleanups.push(() => void kiosk.client.end(true));
    expect((await kiosk.issue()).ok).toBe(true);

    const second = await hubRun(dataDir);
    console.log(`second hub refused after ${second.ms} ms (process start included)`);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`in use by hub (PID ${first.child.pid}`);
    expect(second.output).toContain('systemctl stop qms-hub');
    // Refused before the store was even opened.
    expect(second.output).not.toMatch(/store checked|ready/);
    // The first one is untouched and still numbering.
    const next = await kiosk.issue();
    expect(next).toMatchObject({ ok: true, data: { display: '1002' } });

    // Tools that only use the store keep working beside the hub.
    const devices = await cli('devices', ['list'], { QMS_DATA_DIR: dataDir });
    expect(devices.code, devices.output).toBe(0);
    expect(devices.output).toContain('kiosk-1');

    await first.kill('SIGKILL');
    kiosk.client.end(true);
    const third = await hub(dataDir);
    const again = await officeKiosk(third.mqttPort, kioskPassword);
    cleanups.push(() => void again.client.end(true));
    expect(await again.issue()).toMatchObject({ ok: true, data: { display: '1003' } });
  }, 90_000);
});

describe('a used data folder never starts afresh', () => {
  it('refuses a 0-byte or missing store, changing nothing; a fresh folder starts afresh', async () => {
    const dataDir = folder();
    const store = join(dataDir, 'qms.sqlite');
    // A fresh folder: the first start creates the store, the admin and the marker.
    const first = await hub(dataDir);
    await until(() => first.output().includes('First start: administrator account "admin" created'));
    expect(existsSync(join(dataDir, MARKER_FILE))).toBe(true);
    await first.kill('SIGTERM');

    for (const [damage, said] of [
      [() => truncateSync(store, 0), 'is empty (0 bytes)'],
      [() => rmSync(store), 'is missing'],
    ] as const) {
      damage();
      const before = folderSnapshot(dataDir);
      const run = await hubRun(dataDir);
      expect(run.code).toBe(1);
      expect(run.output).toContain(said);
      expect(run.output).toContain('the hub will not start afresh');
      expect(run.output).toContain('there is no backup in');
      expect(run.output).toContain(`delete ${join(dataDir, MARKER_FILE)}`);
      expect(run.output).not.toMatch(/First start|ready/);
      // The device tool refuses the same way instead of creating an empty store.
      const devices = await cli('devices', ['list'], { QMS_DATA_DIR: dataDir });
      expect(devices.code).not.toBe(0);
      expect(devices.output).toContain(said);
      expect(folderSnapshot(dataDir)).toEqual(before);
    }
  }, 90_000);

  it('names the newest backup in the refusal, and a restore brings the store back', async () => {
    const dataDir = folder();
    const { kioskPassword } = await prepareOffice(dataDir);
    const h = await hub(dataDir);
    const kiosk = await officeKiosk(h.mqttPort, kioskPassword);
    for (let i = 0; i < 5; i++) expect((await kiosk.issue()).ok).toBe(true);
    kiosk.client.end(true);
    await h.kill('SIGTERM');
    const taken = await cli('backup', ['now'], { QMS_DATA_DIR: dataDir });
    expect(taken.code, taken.output).toBe(0);
    const backup = /backup written: (\S+)/.exec(taken.output)![1]!;
    const saved = fingerprintFile(join(dataDir, 'qms.sqlite'));

    truncateSync(join(dataDir, 'qms.sqlite'), 0);
    const run = await hubRun(dataDir);
    expect(run.code).toBe(1);
    expect(run.output).toContain('restore latest');
    expect(run.output).toContain(`newest: ${backup.split('/').at(-1)}`);

    const restored = await cli('backup', ['restore', 'latest'], { QMS_DATA_DIR: dataDir });
    expect(restored.code, restored.output).toBe(0);
    expect(fingerprintFile(join(dataDir, 'qms.sqlite'))).toEqual(saved);
    const back = await hub(dataDir);
    expect(back.output()).not.toContain('First start');
    const again = await officeKiosk(back.mqttPort, kioskPassword);
    cleanups.push(() => void again.client.end(true));
    // Numbering goes on where it was, the device credential still works.
    expect(await again.issue()).toMatchObject({ ok: true, data: { display: '1006' } });
  }, 90_000);
});

describe('damaged store', () => {
  it('refuses a store with a damaged page at start, with the restore command, changing nothing', async () => {
    const dataDir = folder();
    const { kioskPassword } = await prepareOffice(dataDir);
    const h = await hub(dataDir);
    const kiosk = await officeKiosk(h.mqttPort, kioskPassword);
    for (let i = 0; i < 30; i++) expect((await kiosk.issue()).ok).toBe(true);
    kiosk.client.end(true);
    await h.kill('SIGTERM');

    damageTable(join(dataDir, 'qms.sqlite'), 'tickets');
    const before = folderSnapshot(dataDir);
    const run = await hubRun(dataDir);
    expect(run.code).toBe(1);
    // quick_check lists the damage, or SQLite stops at the unreadable page header.
    expect(run.output).toMatch(/the store \S+qms\.sqlite is damaged \((PRAGMA quick_check|SQLITE_CORRUPT): /);
    expect(run.output).toContain('the hub will not start on it');
    expect(run.output).toContain('npm run backup -- restore');
    expect(run.output).not.toContain('ready');
    expect(folderSnapshot(dataDir)).toEqual(before);
  }, 60_000);

  it('damage under a running hub: /api/health reports it, changes get store_fault, reads go on', async () => {
    const dataDir = folder();
    const { kioskPassword, officerPassword } = await prepareOffice(dataDir);
    const h = await hub(dataDir);
    const kiosk = await officeKiosk(h.mqttPort, kioskPassword);
    cleanups.push(() => void kiosk.client.end(true));
    for (let i = 0; i < 30; i++) expect((await kiosk.issue()).ok).toBe(true);
    const officer = await officeOfficer(h.httpPort, officerPassword);
    expect((await officer.act('take')).status).toBe(200);
    expect(await health(h)).toMatchObject({ status: 200, body: { ok: true, store: { fault: null } } });
    const backup = await cli('backup', ['now'], { QMS_DATA_DIR: dataDir });
    expect(backup.code, backup.output).toBe(0);

    // A bad sector under the hub.
    damageUnderHub(join(dataDir, 'qms.sqlite'), 'tickets');

    const failed = await kiosk.issue();
    expect(failed).toMatchObject({ ok: false, error: { code: 'hub_error' } });
    const reported = await health(h);
    expect(reported.status).toBe(503);
    expect(reported.body.ok).toBe(false);
    expect(reported.body.store.fault).toMatchObject({ kind: 'corrupt', lasting: true });
    expect(reported.body.store.fault!.code).toMatch(/^SQLITE_CORRUPT/);

    // From now on changes are refused up front: officers get store_fault, not hub_error.
    const refused = await officer.act('call-next');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('store_fault');
    // Kiosks keep getting hub_error, which sends them to their number lease.
    expect(await kiosk.issue()).toMatchObject({
      ok: false,
      error: { code: 'hub_error', message: expect.stringContaining('store is damaged') },
    });
    // Reads are served from memory.
    expect((await fetch(`http://127.0.0.1:${h.httpPort}/api/queue`)).status).toBe(200);
    expect(h.output()).toContain('store fault: the store is damaged or gone');

    // A restart meets the start-up check; the backup brings the hub back.
    await h.kill('SIGTERM');
    const run = await hubRun(dataDir);
    expect(run.code).toBe(1);
    expect(run.output).toContain('is damaged');
    const restored = await cli('backup', ['restore', 'latest'], { QMS_DATA_DIR: dataDir });
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toMatch(/the store it replaced is kept in \S+replaced-/);
    const back = await hub(dataDir);
    expect(await health(back)).toMatchObject({ status: 200, body: { ok: true } });
  }, 120_000);
});
