import { rmSync } from 'node:fs';
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

  it('refuses a wrong password, then locks the account name out after five failures', async () => {
    const password = await t.addAccount('canbo', 'officer');
    for (let i = 0; i < 5; i++) {
      const res = await signIn('canbo', 'wrong');
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_credentials');
    }
    const locked = await signIn('canbo', password); // even the right password waits
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    const body = (await locked.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('too_many_attempts');
    expect(body.error.message).toMatch(/thử lại sau \d+ giây/);
    expect(t.logs.lines.some((l) => l.includes(password))).toBe(false);
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
