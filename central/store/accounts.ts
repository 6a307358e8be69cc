// Province accounts and their sessions in PostgreSQL, shared by every
// central instance; the sign-in rules are the hub's own (hub/http/auth.ts:
// scrypt hashes from hub/auth/passwords.ts, only a hash of the session token
// stored, 12-hour sessions).

import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { type Account, type AccountRole, SESSION_HOURS } from '../../hub/auth/account-store.js';
import type { SessionAccounts } from '../../hub/http/auth.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Row {
  username: string;
  display_name: string;
  role: AccountRole;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

const fromRow = (r: Row): Account => ({
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  createdAt: Number(r.created_at),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
});

export class CentralAccounts implements SessionAccounts {
  constructor(private readonly pool: Pool) {}

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
    return Number(rows[0]!.n);
  }

  async list(): Promise<Account[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM accounts ORDER BY role, username');
    return rows.map(fromRow);
  }

  async get(username: string): Promise<(Account & { passwordHash: string }) | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM accounts WHERE username = $1', [username]);
    const r = rows[0];
    return r ? { ...fromRow(r), passwordHash: r.password_hash } : null;
  }

  /** False when the username is taken (two instances creating the first administrator at once). */
  async create(
    account: { username: string; displayName: string; role: AccountRole; passwordHash: string },
    now: number,
  ): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO accounts (username, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (username) DO NOTHING`,
      [account.username, account.displayName, account.role, account.passwordHash, now],
    );
    return result.rowCount === 1;
  }

  async setPassword(username: string, passwordHash: string): Promise<boolean> {
    const result = await this.pool.query('UPDATE accounts SET password_hash = $2 WHERE username = $1', [
      username,
      passwordHash,
    ]);
    await this.pool.query('DELETE FROM sessions WHERE username = $1', [username]);
    return result.rowCount === 1;
  }

  async setDisabled(username: string, disabled: boolean, now: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE accounts SET disabled_at = $2 WHERE username = $1', [
      username,
      disabled ? now : null,
    ]);
    if (disabled) await this.pool.query('DELETE FROM sessions WHERE username = $1', [username]);
    return result.rowCount === 1;
  }

  async startSession(username: string, now: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(
      'INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [sha256(token), username, now, now + SESSION_HOURS * 3600_000],
    );
    await this.pool.query('DELETE FROM sessions WHERE expires_at < $1', [now]);
    return token;
  }

  async sessionAccount(token: string, now: number): Promise<Account | null> {
    const { rows } = await this.pool.query<Row>(
      `SELECT a.* FROM sessions s JOIN accounts a ON a.username = s.username
       WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL`,
      [sha256(token), now],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async endSession(token: string): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE token_hash = $1', [sha256(token)]);
  }

  async audit(entry: { username: string; action: string; detail?: unknown }, now: number): Promise<void> {
    await this.pool.query('INSERT INTO audit_log (at, username, action, detail) VALUES ($1, $2, $3, $4)', [
      now,
      entry.username,
      entry.action,
      entry.detail === undefined ? null : JSON.stringify(entry.detail),
    ]);
  }
}
