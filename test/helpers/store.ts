// Helpers for the store integrity and backup tests: run the hub or the
// backup command as real processes, damage a store file the way a bad SD
// card does, and compare stores and folders.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AccountStore } from '../../hub/auth/account-store.js';
import { generatePassword, hashPassword } from '../../hub/auth/passwords.js';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { type Reply, reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { type Fingerprint, storeFingerprint } from '../fuzz/store-fingerprint.js';
import { connectDevice, type SpawnOptions, spawnHubProcess } from './hub.js';

export interface Finished {
  code: number | null;
  output: string;
  ms: number;
}

function finish(child: ReturnType<typeof spawn>, limitMs: number): Promise<Finished> {
  const started = Date.now();
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${limitMs} ms:\n${output}`));
    }, limitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** Start the hub program and wait for it to exit (for starts that must be refused). */
export function hubRun(dataDir: string, options: SpawnOptions = {}, limitMs = 20_000): Promise<Finished> {
  return finish(spawnHubProcess(dataDir, 0, 0, options), limitMs);
}

/** `npm run backup -- …` (or another hub CLI) as the technician runs it. */
export function cli(
  program: 'backup' | 'devices',
  args: string[],
  env: Record<string, string>,
  limitMs = 30_000,
): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', `hub/cli/${program}.ts`, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return finish(child, limitMs);
}

/** Row fingerprint of a store file, read without changing it. */
export function fingerprintFile(path: string): Fingerprint {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return storeFingerprint(db);
  } finally {
    db.close();
  }
}

/**
 * Overwrite the header of a table's root page in the store file, as a bad
 * sector or a torn write would. The store must be checkpointed (hub stopped,
 * or `PRAGMA wal_checkpoint(TRUNCATE)`), so the page lives in the main file.
 */
export function damageTable(storePath: string, table: string): { page: number; offset: number } {
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  let page: number;
  let pageSize: number;
  try {
    page = (
      db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(table) as { rootpage: number }
    ).rootpage;
    pageSize = db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
  const offset = (page - 1) * pageSize;
  const fd = openSync(storePath, 'r+');
  try {
    // Page type, free-block offset, cell count, content start: all garbage.
    writeSync(fd, Buffer.alloc(16, 0xa5), 0, 16, offset);
  } finally {
    closeSync(fd);
  }
  return { page, offset };
}

/** Every file under a folder with its size and content hash: "nothing created or changed". */
export function folderSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = join(dir, rel, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(join(rel, name));
      else
        out[join(rel, name)] =
          `${st.size} ${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`;
    }
  };
  walk('');
  return out;
}

/** A store prepared before the first start: a kiosk credential and an officer account. */
export async function prepareOffice(
  dataDir: string,
): Promise<{ kioskPassword: string; officerPassword: string }> {
  const db = openDb(dataDir);
  try {
    const kioskPassword = new DeviceStore(db).register('kiosk-1', 'kiosk', null, Date.now());
    const officerPassword = generatePassword();
    new AccountStore(db).create(
      {
        username: 'canbo',
        displayName: 'Cán bộ',
        role: 'officer',
        passwordHash: await hashPassword(officerPassword),
      },
      Date.now(),
    );
    return { kioskPassword, officerPassword };
  } finally {
    db.close();
  }
}

/** The prepared kiosk on a running hub: each issue() resolves with the hub's reply, ok or not. */
export async function officeKiosk(mqttPort: number, password: string) {
  const client = await connectDevice(`mqtt://127.0.0.1:${mqttPort}`, 'kiosk-1', password, { clean: true });
  await client.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
  let n = 0;
  const issue = async (procedureId = 'can-cuoc-01'): Promise<Reply> => {
    const requestId = `press-${Date.now()}-${++n}`;
    const answer = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${requestId}`)), 10_000);
      const onMessage = (_topic: string, payload: Buffer) => {
        const r = reply.parse(JSON.parse(payload.toString()));
        if (r.requestId !== requestId) return;
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(r);
      };
      client.on('message', onMessage);
    });
    client.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId, procedureId }),
      { qos: 1 },
    );
    return answer;
  };
  return { client, issue };
}

/** The prepared officer signed in over HTTP: act('take'), act('call-next') at counter 1. */
export async function officeOfficer(httpPort: number, password: string) {
  const url = `http://127.0.0.1:${httpPort}`;
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'canbo', password }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    // The hub takes state-changing requests only as JSON: `{}` when there is no data.
    act: (action: string) =>
      fetch(`${url}/api/counters/1/${action}`, {
        method: 'POST',
        headers: { cookie, origin: url, 'content-type': 'application/json' },
        body: '{}',
      }),
  };
}

/**
 * Damage a table of a store a hub has open, as a bad sector under it would:
 * checkpoint (so the page lives in the main file), damage it, then commit a
 * real change from this connection, which makes the hub drop its cached
 * pages and read the damaged one at its next use of that table.
 */
export function damageUnderHub(storePath: string, table: string): void {
  const other = new Database(storePath);
  try {
    other.pragma('busy_timeout = 5000');
    other.pragma('wal_checkpoint(TRUNCATE)');
    damageTable(storePath, table);
    other
      .prepare(
        "INSERT INTO settings (key, value) VALUES ('test-probe', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(JSON.stringify(Date.now() + Math.random()));
  } finally {
    other.close();
  }
}

/** Whether this machine lets the tests mount a tmpfs (root with CAP_SYS_ADMIN). */
export const canMountTmpfs: boolean = (() => {
  const path = mkdtempSync(join(tmpdir(), 'qms-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'qms-probe', path], { stdio: 'pipe' });
    execFileSync('umount', [path]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
})();

/** A small disk of its own (tmpfs of `size`, e.g. "8m"), with its unmount for the clean-up. */
export function mountTmpfs(size: string): { path: string; unmount: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'qms-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'qms-disk', path], { stdio: 'pipe' });
  return {
    path,
    unmount: () => {
      execFileSync('umount', ['-l', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
