// The physical floor of a durable ticket, measured on the disk the hub's
// store lives on, in the same benchmark run: a raw 4 KiB write + fdatasync,
// and a one-row durable SQLite commit of a ticket-sized row with the hub's
// own connection settings (WAL, synchronous=FULL, 512-byte pages). Whatever the
// hub does beyond a broker round trip and one such commit is its own cost.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { configure } from '../hub/store/db.js';
import { percentile } from './helpers.js';

export interface FloorFigures {
  fdatasyncP50: number;
  fdatasyncP99: number;
  commitP50: number;
  commitP99: number;
}

/** Raw 4 KiB writes at successive offsets of one file, each followed by fdatasync (ms each). */
export function fdatasyncTimes(dir: string, n: number): number[] {
  const fd = openSync(join(dir, 'floor.bin'), 'w');
  const block = Buffer.alloc(4096, 0x5a);
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      writeSync(fd, block, 0, block.length, (i % 256) * 4096);
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
  }
  return times;
}

/**
 * One-row durable commits (ms each): an INSERT of a row the size of a stored
 * ticket (~24 columns, ~350 bytes) in its own transaction, through the
 * hub's connection settings (db.ts configure: WAL, synchronous=FULL, 512-byte pages).
 */
export function commitTimes(dir: string, n: number): number[] {
  const db = new Database(join(dir, 'floor.sqlite'));
  try {
    configure(db);
    db.exec(`CREATE TABLE t (id TEXT PRIMARY KEY, service_date TEXT, display TEXT, field_id TEXT,
      procedure_id TEXT, status TEXT, seq INTEGER, issued_at INTEGER, payload TEXT)`);
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const one = db.transaction((i: number) =>
      insert.run(
        `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        '2026-12-03',
        `1${String(i % 999).padStart(3, '0')}`,
        'can-cuoc',
        'can-cuoc-01',
        'waiting',
        i,
        Date.now(),
        'x'.repeat(220),
      ),
    );
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      one(i);
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    db.close();
  }
}

/** Both floors in a fresh folder under `parent` (the folder the hub's data goes in). */
export function measureFloor(parent: string, n = 1000): FloorFigures {
  const dir = mkdtempSync(join(parent, 'qms-floor-'));
  try {
    // A few unmeasured rounds first: file creation and the first WAL frames.
    fdatasyncTimes(dir, 20);
    const sync = fdatasyncTimes(dir, n);
    const commits = commitTimes(dir, n + 20).slice(20);
    return {
      fdatasyncP50: percentile(sync, 50),
      fdatasyncP99: percentile(sync, 99),
      commitP50: percentile(commits, 50),
      commitP99: percentile(commits, 99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('floor.ts')) {
  const parent = process.argv[2] ?? (await import('node:os')).tmpdir();
  console.log(measureFloor(parent));
}
