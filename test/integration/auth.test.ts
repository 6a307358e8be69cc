import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub.js';

describe('sign-in and sessions', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub();
  });
  afterEach(async () => t.stop());

  const signIn = (username: string, password: string, origin?: string) =>
    fetch(`${t.httpUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
      body: JSON.stringify({ username, password }),
    });

  it('creates one administrator with a generated password on the first start only', async () => {
    const password = t.hub.initialAdminPassword;
    expect(password).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect((await signIn('admin', password!)).status).toBe(200);
    // The log never carries it.
    expect(t.logs.lines.some((l) => l.includes(password!))).toBe(false);

    const dataDir = t.dataDir;
    await t.hub.stop();
    const again = await startTestHub({ dataDir });
    try {
      expect(again.hub.initialAdminPassword).toBeNull();
      expect(again.hub.accounts.list().map((a) => a.username)).toEqual(['admin']);
    } finally {
      await again.hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    t = await startTestHub(); // for afterEach
  });

  it('sets an HttpOnly SameSite=Strict session cookie and ends it on sign-out', async () => {
    const password = await t.addAccount('canbo', 'officer');
    const res = await signIn('canbo', password);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ username: 'canbo', displayName: 'canbo', role: 'officer' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^qms_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Max-Age=43200');

    const as = t.as(cookie.split(';')[0]!);
    expect((await as('/api/session')).status).toBe(200);
    expect((await as('/api/session', { method: 'DELETE' })).status).toBe(200);
    expect((await as('/api/session')).status).toBe(401);
    // Only a hash of the token was stored, and the session row is gone.
    expect(t.hub.db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
    const audit = t.hub.db.prepare('SELECT username, action FROM audit_log ORDER BY id').all();
    expect(audit).toEqual([
      { username: 'canbo', action: 'sign-in' },
      { username: 'canbo', action: 'sign-out' },
    ]);
  });

  /** A sign-in sent from a chosen loopback source address (the hub keys its
   * per-address limit on the socket's address: it trusts no proxy header). */
  const signInFrom = (from: string, username: string, password: string) =>
    new Promise<{
      status: number;
      retryAfter: string | undefined;
      body: { error: { code: string; message: string } };
    }>((resolve, reject) => {
      const url = new URL(`${t.httpUrl}/api/session`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress: from,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers['retry-after'] as string | undefined,
              body: JSON.parse(text),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ username, password }));
    });

  it('refuses a wrong password, then locks the account name out after five failures', async () => {
    const password = await t.addAccount('canbo', 'officer');
    // Each failure comes from its own address, so no address reaches its own
    // limit: only the per-account count can lock the name.
    for (let i = 0; i < 5; i++) {
      const res = await signInFrom(`127.0.0.${2 + i}`, 'canbo', 'wrong');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('bad_credentials');
    }
    // A fresh address, and even the right password waits.
    const locked = await signInFrom('127.0.0.20', 'canbo', password);
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThanOrEqual(29);
    expect(locked.body.error.code).toBe('too_many_attempts');
    expect(locked.body.error.message).toMatch(/thử lại sau \d+ giây/);
    // The lock is on the name, not on the addresses: another account signs in
    // from one of them.
    const other = await t.addAccount('canbo2', 'officer');
    expect((await signInFrom('127.0.0.2', 'canbo2', other)).status).toBe(200);
    const log = t.hub.db.prepare("SELECT detail FROM audit_log WHERE action = 'sign-in'").all() as {
      detail: string;
    }[];
    expect(log.map((r) => r.detail).join()).toContain('127.0.0.2');
    expect(t.logs.lines.some((l) => l.includes(password))).toBe(false);
  });

  it('locks an address out after repeated failures across account names', async () => {
    await t.addAccount('canbo', 'officer');
    const names = Array.from({ length: 12 }, (_, i) => `khach${i}`);
    let locked: Awaited<ReturnType<typeof signInFrom>> | undefined;
    for (const name of names) {
      const res = await signInFrom('127.0.0.30', name, 'wrong');
      if (res.status === 429) {
        locked = res;
        break;
      }
      expect(res.status).toBe(401);
    }
    expect(locked?.body.error.code).toBe('too_many_attempts');
  });

  it('refuses a sign-in posted from another site', async () => {
    const password = await t.addAccount('canbo', 'officer');
    const res = await signIn('canbo', password, 'http://evil.example');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cross_site');
    expect(t.hub.db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
  });

  it('refuses a disabled account and ends its sessions', async () => {
    const password = await t.addAccount('canbo', 'officer');
    const as = t.as(await t.signIn('canbo', password));
    t.hub.accounts.update('canbo', { disabled: true }, Date.now());
    expect((await as('/api/session')).status).toBe(401);
    expect((await signIn('canbo', password)).status).toBe(401);
  });

  it('refuses bad sign-in bodies with a clear error', async () => {
    for (const body of ['{"username":"a"}', '{"username":1,"password":"x"}', 'nope']) {
      const res = await fetch(`${t.httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
    }
  });
});
