// --admin-token / --admin-user: the device is registered on a real hub
// through POST /api/admin/devices and the password it returns is used; that
// password then connects to the hub's broker as the device.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlashError } from '../../scripts/flash-lib/errors.js';
import { registerDevice } from '../../scripts/flash-lib/hub-api.js';
import { connectDevice, freePort, startTestHub, type TestHub } from '../helpers/hub.js';

let t: TestHub;
let token: string;
let adminPassword: string;

beforeAll(async () => {
  t = await startTestHub();
  adminPassword = await t.addAccount('chief', 'admin');
  token = (await t.signIn('chief', adminPassword)).replace(/^qms_session=/, '');
});
afterAll(() => t?.stop());

async function expectConnects(id: string, password: string) {
  const client = await connectDevice(t.mqttUrl, id, password);
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
}

describe('registering a device on the hub', () => {
  it('with a session token: the returned password connects to the broker', async () => {
    const password = await registerDevice({
      httpUrl: t.httpUrl,
      deviceId: 'kiosk-07',
      role: 'kiosk',
      counterId: undefined,
      replace: false,
      auth: { token },
    });
    expect(password.length).toBeGreaterThan(16);
    await expectConnects('kiosk-07', password);
    expect(t.hub.devices.get('kiosk-07')).toMatchObject({ role: 'kiosk', counterId: null });
  });

  it('with a user name and password: signs in, registers, signs out', async () => {
    const before = t.hub.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number };
    const password = await registerDevice({
      httpUrl: t.httpUrl,
      deviceId: 'rating-05',
      role: 'rating',
      counterId: 5,
      replace: false,
      auth: { username: 'chief', password: adminPassword },
    });
    await expectConnects('rating-05', password);
    expect(t.hub.devices.get('rating-05')).toMatchObject({ role: 'rating', counterId: 5 });
    // The session opened for this request is gone again.
    const after = t.hub.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number };
    expect(after.n).toBe(before.n);
  });

  it('an existing id needs --replace; then the old password stops working', async () => {
    const first = await registerDevice({
      httpUrl: t.httpUrl,
      deviceId: 'speaker-09',
      role: 'speaker',
      counterId: undefined,
      replace: false,
      auth: { token },
    });
    await expect(
      registerDevice({
        httpUrl: t.httpUrl,
        deviceId: 'speaker-09',
        role: 'speaker',
        counterId: undefined,
        replace: false,
        auth: { token },
      }),
    ).rejects.toThrow(/the hub refused to register speaker-09: device_exists: .*add --replace/);
    const second = await registerDevice({
      httpUrl: t.httpUrl,
      deviceId: 'speaker-09',
      role: 'speaker',
      counterId: undefined,
      replace: true,
      auth: { token },
    });
    expect(second).not.toBe(first);
    await expectConnects('speaker-09', second);
    await expect(connectDevice(t.mqttUrl, 'speaker-09', first)).rejects.toThrow();
  });

  it('refusals name the cause: bad token, wrong password, not an administrator, unknown counter, no hub', async () => {
    const base = {
      httpUrl: t.httpUrl,
      deviceId: 'kiosk-08',
      role: 'kiosk' as const,
      counterId: undefined,
      replace: false,
    };
    await expect(registerDevice({ ...base, auth: { token: 'nonsense' } })).rejects.toThrow(
      /not_signed_in.*session token is wrong or expired/,
    );
    await expect(
      registerDevice({ ...base, auth: { username: 'chief', password: 'wrong-password' } }),
    ).rejects.toThrow(/signing in to the hub as chief failed: bad_credentials/);
    const officerPassword = await t.addAccount('officer-1', 'officer');
    await expect(
      registerDevice({ ...base, auth: { username: 'officer-1', password: officerPassword } }),
    ).rejects.toThrow(/forbidden.*not an administrator/);
    await expect(
      registerDevice({ ...base, deviceId: 'rating-99', role: 'rating', counterId: 99, auth: { token } }),
    ).rejects.toThrow(/unknown_counter/);
    const closed = await freePort();
    const error = await registerDevice({
      ...base,
      httpUrl: `http://127.0.0.1:${closed}`,
      auth: { token },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlashError);
    expect((error as Error).message).toBe(
      `cannot reach the hub at http://127.0.0.1:${closed} (ECONNREFUSED); check --hub and --hub-http-port`,
    );
    expect(t.hub.devices.get('kiosk-08')).toBeNull();
  });
});
