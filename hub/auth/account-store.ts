import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';

export type AccountRole = 'officer' | 'admin';

export interface Account {
  username: string;
  displayName: string;
  role: AccountRole;
  createdAt: number;
  disabledAt: number | null;
}

/** One row of the audit log as stored; `detail` is JSON. */
export interface AuditRow {
  id: number;
  at: number;
  username: string;
  action: string;
  counter_id: number | null;
  ticket_id: string | null;
  detail: string | null;
}

interface AccountRow {
  username: string;
  display_name: string;
  role: AccountRole;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

const fromRow = (r: AccountRow): Account => ({
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const SESSION_HOURS = 12;

/** Accounts, sessions and the audit log, in the hub's store. */
export class AccountStore {
  // Asked at every signed-in HTTP request and every officer action:
  // prepared once (preparing costs more than running them).
  private readonly selectSession;
  private readonly insertAudit;

  constructor(private readonly db: Db) {
    this.selectSession = db.prepare(
      `SELECT a.* FROM sessions s JOIN accounts a ON a.username = s.username
       WHERE s.token_hash = ? AND s.expires_at > ? AND a.disabled_at IS NULL`,
    );
    this.insertAudit = db.prepare(
      'INSERT INTO audit_log (at, username, action, counter_id, ticket_id, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
  }

  list(): Account[] {
    return (this.db.prepare('SELECT * FROM accounts ORDER BY role, username').all() as AccountRow[]).map(
      fromRow,
    );
  }

  get(username: string): (Account & { passwordHash: string }) | null {
    const row = this.db.prepare('SELECT * FROM accounts WHERE username = ?').get(username) as
      | AccountRow
      | undefined;
    return row ? { ...fromRow(row), passwordHash: row.password_hash } : null;
  }

  create(
    account: { username: string; displayName: string; role: AccountRole; passwordHash: string },
    now: number,
  ) {
    this.db
      .prepare(
        'INSERT INTO accounts (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(account.username, account.displayName, account.role, account.passwordHash, now);
  }

  update(
    username: string,
    changes: { displayName?: string; role?: AccountRole; disabled?: boolean },
    now: number,
  ) {
    const current = this.get(username);
    if (!current) return false;
    this.db
      .prepare('UPDATE accounts SET display_name = ?, role = ?, disabled_at = ? WHERE username = ?')
      .run(
        changes.displayName ?? current.displayName,
        changes.role ?? current.role,
        changes.disabled === undefined
          ? current.disabledAt
          : changes.disabled
            ? (current.disabledAt ?? now)
            : null,
        username,
      );
    // A disabled account or a changed role signs in again.
    if (changes.disabled || changes.role) this.endSessionsOf(username);
    return true;
  }

  setPassword(username: string, passwordHash: string): void {
    this.db.prepare('UPDATE accounts SET password_hash = ? WHERE username = ?').run(passwordHash, username);
    this.endSessionsOf(username);
  }

  // ------------------------------------------------------------ sessions

  /** A new session; the token goes into the cookie, only its hash into the store. */
  startSession(username: string, now: number): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256(token), username, now, now + SESSION_HOURS * 3600_000);
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
    return token;
  }

  sessionAccount(token: string, now: number): Account | null {
    const row = this.selectSession.get(sha256(token), now) as AccountRow | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * The hub's clock stepped by `stepMs` (now is the time after the step):
   * sessions that were live before it keep the real time they had left, so
   * a confirmed time or NTP catching up does not sign everyone out (nor
   * stretch a session when the clock steps back).
   */
  shiftSessions(stepMs: number, now: number): void {
    this.db
      .prepare(
        'UPDATE sessions SET created_at = created_at + ?, expires_at = expires_at + ? WHERE expires_at > ?',
      )
      .run(stepMs, stepMs, now - stepMs);
  }

  endSession(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(sha256(token));
  }

  endSessionsOf(username: string): void {
    this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
  }

  // ------------------------------------------------------------ audit

  audit(
    entry: {
      username: string;
      action: string;
      counterId?: number | null;
      ticketId?: string | null;
      detail?: unknown;
    },
    now: number,
  ): void {
    this.insertAudit.run(
      now,
      entry.username,
      entry.action,
      entry.counterId ?? null,
      entry.ticketId ?? null,
      entry.detail === undefined ? null : JSON.stringify(entry.detail),
    );
  }

  auditLog(options: { limit: number; before?: number }) {
    return this.db
      .prepare('SELECT * FROM audit_log WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?')
      .all(options.before ?? Number.MAX_SAFE_INTEGER, options.limit) as AuditRow[];
  }

  /** One page of the audit log, newest first; `beforeId` continues after the last row of a page. */
  auditPage(options: { limit: number; beforeId?: number }) {
    return this.db
      .prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit) as AuditRow[];
  }
}
