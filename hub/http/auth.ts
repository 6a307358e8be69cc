// Sign-in, sessions and the guards every state-changing route uses.
// - Session: random token in an HttpOnly, SameSite=Strict cookie; only its
//   hash is stored. 12 hours, ended by sign-out, a password change or a
//   disabled account.
// - Cross-site requests: a state-changing request whose Origin (or Referer)
//   is not this hub is refused, on top of SameSite=Strict.
// - Sign-in attempts are rate-limited per address and per username.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionAnswer } from '../../shared/api/session.js';
import type { Logger } from '../../shared/log/logger.js';
import type { Account, AccountRole } from '../auth/account-store.js';
import { SESSION_HOURS } from '../auth/account-store.js';
import { verifyPassword } from '../auth/passwords.js';
import { SignInLimiter } from '../auth/rate-limit.js';

export const SESSION_COOKIE = 'qms_session';

declare module 'fastify' {
  interface FastifyRequest {
    account: Account | null;
  }
}

function cookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function sessionCookie(name: string, token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${name}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Same origin as the Host the browser used? (No Origin and no Referer: not a browser form.) */
export function isCrossSite(request: FastifyRequest): boolean {
  const source = request.headers.origin ?? request.headers.referer;
  if (!source) return false;
  try {
    return new URL(source).host !== request.headers.host;
  } catch {
    return true;
  }
}

export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

type Awaitable<T> = T | Promise<T>;

/**
 * Where accounts and sessions live: the hub's SQLite store (AccountStore),
 * or the province centre's PostgreSQL (central/store/accounts.ts).
 */
export interface SessionAccounts {
  get(username: string): Awaitable<(Account & { passwordHash: string }) | null>;
  startSession(username: string, now: number): Awaitable<string>;
  sessionAccount(token: string, now: number): Awaitable<Account | null>;
  endSession(token: string): Awaitable<void>;
  audit(entry: { username: string; action: string; detail?: unknown }, now: number): Awaitable<void>;
}

export interface AuthDeps {
  accounts: SessionAccounts;
  log: Logger;
  now?: () => number;
  /** The session cookie's name (the province centre has its own, beside a hub on the same host). */
  cookieName?: string;
}

export function registerAuth(app: FastifyInstance, deps: AuthDeps) {
  const { accounts, log } = deps;
  const now = deps.now ?? Date.now;
  const cookieName = deps.cookieName ?? SESSION_COOKIE;
  const limiter = new SignInLimiter();

  app.decorateRequest('account', null);
  app.addHook('onRequest', async (request, reply) => {
    if (UNSAFE.has(request.method) && isCrossSite(request)) {
      log.warn('cross-site request refused', {
        method: request.method,
        url: request.url,
        origin: request.headers.origin,
      });
      return reply.code(403).send({
        error: { code: 'cross_site', message: 'Yêu cầu từ trang khác bị từ chối.' },
      });
    }
    const token = cookies(request)[cookieName];
    request.account = token ? await accounts.sessionAccount(token, now()) : null;
  });

  /** Officers and administrators may act at counters; only administrators administer. */
  const requireRole =
    (role: AccountRole): Guard =>
    async (request, reply) => {
      if (!request.account) {
        return reply
          .code(401)
          .send({ error: { code: 'not_signed_in', message: 'Hãy đăng nhập để thực hiện thao tác này.' } });
      }
      if (role === 'admin' && request.account.role !== 'admin') {
        log.warn('forbidden', { user: request.account.username, url: request.url });
        return reply
          .code(403)
          .send({ error: { code: 'forbidden', message: 'Tài khoản của bạn không có quyền quản trị.' } });
      }
    };

  app.post<{ Body: { username: string; password: string } }>(
    '/api/session',
    {
      schema: {
        summary: 'Sign in; sets the session cookie',
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 200 },
          },
          required: ['username', 'password'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const keys = [`ip:${request.ip}`, `user:${username}`];
      const wait = Math.max(...keys.map((k) => limiter.waitMs(k, now())));
      if (wait > 0) {
        reply.header('retry-after', Math.ceil(wait / 1000));
        return reply.code(429).send({
          error: {
            code: 'too_many_attempts',
            message: `Đăng nhập sai quá nhiều lần; hãy thử lại sau ${Math.ceil(wait / 1000)} giây.`,
          },
        });
      }
      const account = await accounts.get(username);
      const ok =
        account !== null &&
        account.disabledAt === null &&
        (await verifyPassword(password, account.passwordHash));
      if (!ok || !account) {
        for (const k of keys) limiter.fail(k, now());
        log.warn('sign-in failed', { user: username, ip: request.ip });
        return reply
          .code(401)
          .send({ error: { code: 'bad_credentials', message: 'Sai tên đăng nhập hoặc mật khẩu.' } });
      }
      for (const k of keys) limiter.succeed(k);
      const token = await accounts.startSession(username, now());
      await accounts.audit({ username, action: 'sign-in', detail: { ip: request.ip } }, now());
      reply.header(
        'set-cookie',
        sessionCookie(cookieName, token, SESSION_HOURS * 3600, request.protocol === 'https'),
      );
      return { username: account.username, displayName: account.displayName, role: account.role };
    },
  );

  app.get(
    '/api/session',
    { schema: { summary: 'The signed-in account' } },
    async (request, reply): Promise<SessionAnswer | FastifyReply> => {
      if (!request.account) {
        return reply.code(401).send({ error: { code: 'not_signed_in', message: 'Chưa đăng nhập.' } });
      }
      const { username, displayName, role } = request.account;
      return { username, displayName, role };
    },
  );

  app.delete('/api/session', { schema: { summary: 'Sign out' } }, async (request, reply) => {
    const token = cookies(request)[cookieName];
    if (token) await accounts.endSession(token);
    if (request.account)
      await accounts.audit({ username: request.account.username, action: 'sign-out' }, now());
    reply.header('set-cookie', sessionCookie(cookieName, '', 0, request.protocol === 'https'));
    return { ok: true };
  });

  return { requireOfficer: requireRole('officer'), requireAdmin: requireRole('admin') };
}
