import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DeviceStatus } from '../../shared/protocol/messages.js';
import type { Role } from '../../shared/protocol/topics.js';
import type { Db } from './db.js';

export interface Device {
  id: string;
  role: Role;
  /** The counter a rating device belongs to. */
  counterId: number | null;
  createdAt: number;
  revokedAt: number | null;
  lastSeen: number | null;
  status: DeviceStatus | null;
}

interface DeviceRow {
  id: string;
  role: Role;
  counter_id: number | null;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
  last_seen: number | null;
  status: string | null;
}

function fromRow(r: DeviceRow): Device {
  return {
    id: r.id,
    role: r.role,
    counterId: r.counter_id,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastSeen: r.last_seen,
    status: r.status ? (JSON.parse(r.status) as DeviceStatus) : null,
  };
}

/**
 * Tokens are 32 random bytes, so a plain SHA-256 is enough to keep them
 * unusable if the store leaks; a slow hash (scrypt) would only make 200
 * devices reconnecting after a power cut queue up on the hub's CPU.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export class DeviceStore {
  // Read and touched at every device request: prepared once (preparing costs more than running them).
  private readonly selectById;
  private readonly touchRow;

  constructor(private readonly db: Db) {
    this.selectById = db.prepare('SELECT * FROM devices WHERE id = ?');
    this.touchRow = db.prepare('UPDATE devices SET last_seen = ? WHERE id = ?');
  }

  /** Register a device (or give it a new credential); returns the token, shown once. */
  register(id: string, role: Role, counterId: number | null, now: number): string {
    const token = newToken();
    this.db
      .prepare(
        `INSERT INTO devices (id, role, counter_id, token_hash, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET role = excluded.role, counter_id = excluded.counter_id,
           token_hash = excluded.token_hash, revoked_at = NULL`,
      )
      .run(id, role, counterId, hashToken(token), now);
    return token;
  }

  /** The device if the token is its current one and it is not revoked. */
  verify(id: string, token: string): Device | null {
    const row = this.selectById.get(id) as DeviceRow | undefined;
    if (!row || row.revoked_at !== null) return null;
    const given = Buffer.from(hashToken(token), 'hex');
    const stored = Buffer.from(row.token_hash, 'hex');
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return null;
    return fromRow(row);
  }

  get(id: string): Device | null {
    const row = this.selectById.get(id) as DeviceRow | undefined;
    return row ? fromRow(row) : null;
  }

  list(): Device[] {
    return (this.db.prepare('SELECT * FROM devices ORDER BY role, id').all() as DeviceRow[]).map(fromRow);
  }

  revoke(id: string, now: number): boolean {
    return (
      this.db.prepare('UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id)
        .changes > 0
    );
  }

  recordStatus(id: string, status: DeviceStatus, now: number): void {
    this.db
      .prepare('UPDATE devices SET status = ?, last_seen = ? WHERE id = ?')
      .run(JSON.stringify(status), now, id);
  }

  touch(id: string, now: number): void {
    this.touchRow.run(now, id);
  }
}
