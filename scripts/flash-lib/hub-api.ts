// Register the device on the hub through its administration API and take
// the credential it returns (shown once; the hub keeps only a hash).
// Authentication: an administrator's session token (the qms_session
// cookie), or a user name and password signed in for this one request and
// signed out afterwards.

import { FlashError } from './errors.js';
import type { DeviceRole } from './options.js';

export interface RegisterInput {
  httpUrl: string;
  deviceId: string;
  role: DeviceRole;
  counterId: number | undefined;
  replace: boolean;
  auth: { token: string } | { username: string; password: string };
  fetchImpl?: typeof fetch;
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (body.error) return `${body.error.code ?? res.status}: ${body.error.message ?? ''}`.trim();
  } catch {
    // not JSON
  }
  return `HTTP ${res.status}${text ? ` ${text.slice(0, 200)}` : ''}`;
}

export async function registerDevice(input: RegisterInput): Promise<string> {
  const http = input.fetchImpl ?? fetch;
  const base = input.httpUrl.replace(/\/+$/, '');
  const call = async (path: string, init: RequestInit) => {
    try {
      return await http(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      const inner = (error as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (error as Error).message;
      throw new FlashError(`cannot reach the hub at ${base} (${cause}); check --hub and --hub-http-port`);
    }
  };

  let cookie: string;
  let signedIn = false;
  if ('token' in input.auth) {
    cookie = `qms_session=${input.auth.token}`;
  } else {
    const res = await call('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: input.auth.username, password: input.auth.password }),
    });
    if (!res.ok)
      throw new FlashError(`signing in to the hub as ${input.auth.username} failed: ${await errorText(res)}`);
    const setCookie = res.headers.get('set-cookie') ?? '';
    const match = /qms_session=([^;]+)/.exec(setCookie);
    if (!match) throw new FlashError('the hub accepted the sign-in but sent no session cookie');
    cookie = `qms_session=${match[1]}`;
    signedIn = true;
  }

  try {
    const body: Record<string, unknown> = { id: input.deviceId, role: input.role };
    if (input.role === 'rating') body.counterId = input.counterId ?? null;
    if (input.replace) body.replace = true;
    const res = await call('/api/admin/devices', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      const why = await errorText(res);
      const hint =
        res.status === 401
          ? ' (the session token is wrong or expired: sign in again)'
          : res.status === 403
            ? ' (that account is not an administrator)'
            : why.startsWith('device_exists')
              ? ' (to give this id to a new device, add --replace: the old credential stops working)'
              : '';
      throw new FlashError(`the hub refused to register ${input.deviceId}: ${why}${hint}`);
    }
    const reply = (await res.json()) as { token?: unknown };
    if (typeof reply.token !== 'string' || !reply.token) {
      throw new FlashError('the hub registered the device but returned no credential');
    }
    return reply.token;
  } finally {
    // The hub takes state-changing requests only as JSON, sign-out included.
    if (signedIn)
      await call('/api/session', {
        method: 'DELETE',
        headers: { 'content-type': 'application/json', cookie },
        body: '{}',
      }).catch(() => {});
  }
}
