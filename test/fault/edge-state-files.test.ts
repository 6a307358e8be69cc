// The kiosk and rating PROGRAMS (real processes, simulate mode, started as
// systemd starts them) with their state files damaged while they were off:
// cut short, 0 bytes, valid JSON of the wrong shape, garbage in the middle.
// Each program starts and keeps running, sends every salvaged offline ticket
// or rating to a real hub process, and shows the fault in its device status
// on the hub. After the kiosk lost (part of) its outbox, a later outage never
// prints a number it printed before: its lease request says what it still
// holds, and the hub spends every other number it had leased to it.
// Outages are one device's link cut by a TCP proxy; the hub keeps running.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../hub/auth/account-store.js';
import { generatePassword, hashPassword } from '../../hub/auth/passwords.js';
import { SETTING_KEYS } from '../../hub/service/admin-settings.js';
import { openDb } from '../../hub/store/db.js';
import { DeviceStore } from '../../hub/store/device-store.js';
import { QueueStore } from '../../hub/store/queue-store.js';
import { type DeviceProcess, spawnDevice } from '../helpers/device-process.js';
import { freePort, type HubProcess, spawnHub, tempDir } from '../helpers/hub.js';
import { answeredRatingEvents, getJson, signInAt, testKiosk, testOfficer, until } from '../helpers/rating.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { allTickets, duplicates, readStore } from './support.js';

type Damage = 'truncated' | 'empty' | 'wrong_shape' | 'garbage';
const DAMAGES: Damage[] = ['truncated', 'empty', 'wrong_shape', 'garbage'];
const LEASE = 3;
const kioskId = (damage: Damage) => `kiosk-${damage.replace('_', '-')}`;

const dir = tempDir('qms-fault-edge-state-');
const hubDir = join(dir.path, 'hub');
let hub: HubProcess;
let mqttPort: number;
let httpUrl: string;
let adminCookie: string;
const passwords = new Map<string, string>();
let officerPassword: string;
const running: DeviceProcess[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  const db = openDb(hubDir);
  const devices = new DeviceStore(db);
  for (const d of DAMAGES) passwords.set(kioskId(d), devices.register(kioskId(d), 'kiosk', null, Date.now()));
  passwords.set('kiosk-serve', devices.register('kiosk-serve', 'kiosk', null, Date.now()));
  passwords.set('kiosk-copy', devices.register('kiosk-copy', 'kiosk', null, Date.now()));
  passwords.set('rating-1', devices.register('rating-1', 'rating', 1, Date.now()));
  const accounts = new AccountStore(db);
  const adminPassword = generatePassword();
  officerPassword = generatePassword();
  accounts.create(
    {
      username: 'admin1',
      displayName: 'Admin',
      role: 'admin',
      passwordHash: await hashPassword(adminPassword),
    },
    Date.now(),
  );
  accounts.create(
    {
      username: 'canbo1',
      displayName: 'Cán bộ 1',
      role: 'officer',
      passwordHash: await hashPassword(officerPassword),
    },
    Date.now(),
  );
  // Ratings pressed during the outage still count when they arrive.
  new QueueStore(db).putSetting(SETTING_KEYS.ratingRules, {
    windowSeconds: 3600,
    policy: 'correction',
    correctionSeconds: 5,
  });
  db.close();
  mqttPort = await freePort();
  const httpPort = await freePort();
  httpUrl = `http://127.0.0.1:${httpPort}`;
  hub = await spawnHub(hubDir, mqttPort, httpPort);
  adminCookie = await signInAt(httpUrl, 'admin1', adminPassword);
}, 60_000);

afterAll(async () => {
  await Promise.all(running.map((d) => d.stop('SIGKILL')));
  await Promise.all(proxies.map((p) => p.close()));
  await hub?.kill();
  dir.remove();
});

/** A device's own folder, config file and link (a proxy that can be cut). */
async function deviceSetup(
  deviceId: string,
  role: 'kiosk' | 'rating',
  hardware: Record<string, unknown>,
  folder = deviceId,
) {
  const dataDir = join(dir.path, folder);
  const proxy = await startTcpProxy(mqttPort);
  proxies.push(proxy);
  const configPath = join(dir.path, `${folder}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      role,
      deviceId,
      site: { name: 'Bộ phận một cửa' },
      hub: { mqttUrl: `mqtt://127.0.0.1:${proxy.port}`, httpUrl },
      credentials: { password: passwords.get(deviceId) },
      dataDir,
      simulate: true,
      hardware,
    }),
  );
  const start = async () => {
    const device = await spawnDevice(role === 'kiosk' ? 'kiosk' : 'rating', configPath, {
      QMS_LOG_LEVEL: 'info',
    });
    running.push(device);
    return device;
  };
  /** The link goes down: open links cut, new ones refused. */
  const down = () => {
    proxy.down();
    proxy.cut();
  };
  return { dataDir, proxy, start, down, up: () => proxy.up() };
}

interface DeviceRow {
  id: string;
  fault: string | null;
  stateFault: {
    file: string;
    problem: string;
    recovered: number;
    lost: number;
    keptAs: string | null;
    at: number;
  } | null;
}

/** The device as the admin page shows it (its retained status, through the hub). */
function untilStatus(deviceId: string, check: (d: DeviceRow) => boolean): Promise<DeviceRow> {
  let last: DeviceRow | undefined;
  const poll = async () => {
    const rows = await getJson<DeviceRow[]>(httpUrl, adminCookie, '/api/admin/devices');
    last = rows.find((r) => r.id === deviceId);
    return last && check(last) ? last : null;
  };
  return (async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = await poll();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`status of ${deviceId}: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Garbage as a damaged SD card sector leaves it: zeros, 0xff, stray braces and quotes. */
const GARBAGE = Buffer.concat([Buffer.alloc(24), Buffer.from('{"\u0001}]{'), Buffer.alloc(24, 0xff)]);

// ---------------------------------------------------------------- kiosk

interface KioskFile {
  lease: { series: Record<string, { numbers: number[] }> } | null;
  outbox: { ticketId: string; number: number; display: string }[];
}

const SERIES = 'field:can-cuoc';

/** Press the first button on the program's stdin; resolves with the number printed. */
async function pressAndPrint(kiosk: DeviceProcess): Promise<{ display: string; kind: string }> {
  const from = kiosk.output().length;
  kiosk.send('press 0');
  const m = await kiosk.waitFor(/ticket printed: số (\S+) kind=(\w+)|no ticket printed.*/, 20_000, from);
  if (!m[1]) throw new Error(`not printed: ${m[0]}\n${kiosk.output()}`);
  return { display: m[1], kind: m[2]! };
}

describe('kiosk program with a damaged state file', () => {
  for (const damage of DAMAGES) {
    it(`${damage}: starts, syncs what is salvaged, shows the fault, never prints a number twice`, async () => {
      const deviceId = kioskId(damage);
      const { dataDir, start, down, up } = await deviceSetup(deviceId, 'kiosk', {
        buttons: [{ gpio: 5, fieldId: 'can-cuoc' }],
        debounceMs: 0,
        pressWindowMs: 0,
        leaseSize: LEASE,
        // Presses happen only while the link is cut, so no reply can be late:
        // this only shortens the wait before the lease is used, not a latency bound.
        requestTimeoutMs: 300,
      });
      const stateFile = join(dataDir, 'kiosk-state.json');
      const lease = () => readJson<KioskFile>(stateFile)?.lease?.series[SERIES]?.numbers ?? [];
      let kiosk = await start();
      await until('the lease and the catalogue', () => {
        const cache = readJson<{ catalogue: unknown }>(join(dataDir, 'kiosk-cache.json'));
        return lease().length === LEASE && cache?.catalogue;
      });

      // First outage: two tickets from the lease.
      down();
      const first = [await pressAndPrint(kiosk), await pressAndPrint(kiosk)];
      expect(first.map((p) => p.kind)).toEqual(['leased', 'leased']);
      const outbox = readJson<KioskFile>(stateFile)!.outbox;
      expect(outbox.map((e) => e.display)).toEqual(first.map((p) => p.display));

      // Power cut; the file is damaged while the kiosk is off.
      expect(await kiosk.stop('SIGKILL')).toBeNull();
      const text = readFileSync(stateFile, 'utf8');
      const at = (ticketId: string) => text.indexOf(`"${ticketId}"`);
      let salvaged: typeof outbox;
      if (damage === 'truncated') {
        writeFileSync(stateFile, text.slice(0, at(outbox[1]!.ticketId) + 5)); // cut in the second ticket
        salvaged = [outbox[0]!];
      } else if (damage === 'empty') {
        writeFileSync(stateFile, '');
        salvaged = [];
      } else if (damage === 'wrong_shape') {
        writeFileSync(stateFile, JSON.stringify(outbox)); // valid JSON, just the tickets
        salvaged = outbox;
      } else {
        const from = at(outbox[0]!.ticketId);
        const bytes = Buffer.from(text);
        const start0 = Buffer.byteLength(text.slice(0, from));
        writeFileSync(
          stateFile,
          Buffer.concat([bytes.subarray(0, start0), GARBAGE, bytes.subarray(start0 + 60)]),
        );
        salvaged = [outbox[1]!];
      }

      // The link is back and the kiosk restarts: it runs, and sends what was salvaged.
      up();
      kiosk = await start();
      expect(kiosk.output()).toMatch(/ERROR kiosk\/state: state file .* kept aside/);
      // A press whose issue-ticket request the MQTT client resent when the link came back, and
      // that was printed from the lease meanwhile, is cancelled when the leased ticket syncs.
      const mine = () =>
        readStore(hubDir, allTickets).filter((r) => r.source_device === deviceId && r.status !== 'cancelled');
      await until('the salvaged tickets on the hub', () =>
        salvaged.every((e) => mine().some((r) => r.id === e.ticketId && r.display === e.display)),
      );
      const status = await untilStatus(deviceId, (d) => d.stateFault !== null);
      expect(status.stateFault).toMatchObject({
        file: 'kiosk-state.json',
        problem: { truncated: 'not_json', empty: 'empty', wrong_shape: 'wrong_shape', garbage: 'not_json' }[
          damage
        ],
        recovered: salvaged.length,
      });
      expect(status.stateFault!.keptAs).toMatch(/^kiosk-state\.json\.damaged-/);
      expect(status.fault).toContain('kiosk-state.json');

      // A new lease: none of the numbers printed before, lost or not.
      await until('a new lease', () => lease().length === LEASE);
      const printedBefore = new Set(first.map((p) => Number(p.display)));
      expect(lease().filter((n) => printedBefore.has(n))).toEqual([]);

      // Second outage: the kiosk prints again from its lease, never a number printed before.
      down();
      const second: { display: string; kind: string }[] = [];
      for (let i = 0; i < LEASE; i++) second.push(await pressAndPrint(kiosk));
      expect(second.map((p) => p.kind)).toEqual(['leased', 'leased', 'leased']);
      const displays = [...first, ...second].map((p) => p.display);
      expect(duplicates(displays, (d) => d)).toEqual([]);

      // Back online: every ticket it still knows reaches the hub, each number once in the store.
      up();
      await until('the second outage synced', () =>
        second.every((p) => mine().some((r) => r.display === p.display)),
      );
      const rows = readStore(hubDir, allTickets);
      expect(duplicates(rows, (r) => `${r.service_date}/${r.series_key}/${r.number}`)).toEqual([]);
      expect(
        mine()
          .map((r) => r.display)
          .sort(),
      ).toEqual([...salvaged.map((e) => e.display), ...second.map((p) => p.display)].sort());
      console.log(
        `kiosk, ${damage} state file: printed ${first.map((p) => p.display).join(', ')}; salvaged ` +
          `${salvaged.map((e) => e.display).join(', ') || 'none'}; next outage printed ` +
          `${second.map((p) => p.display).join(', ')}`,
      );
      expect(await kiosk.stop('SIGTERM')).toBe(0);
    }, 120_000);
  }
});

// ---------------------------------------------------------------- rating

interface RatingFile {
  events: { id: string; level: string; pressedAt: number }[];
}

describe('rating program with a damaged outbox', () => {
  beforeAll(async () => {
    // canbo1 serves one citizen at counter 1: the presses below go to that ticket.
    const serve = await testKiosk(
      `mqtt://127.0.0.1:${mqttPort}`,
      'kiosk-serve',
      passwords.get('kiosk-serve')!,
    );
    await serve.issue('can-cuoc-01');
    await serve.close();
    const officer = testOfficer(httpUrl, await signInAt(httpUrl, 'canbo1', officerPassword), 1);
    await officer.take();
    await officer.serve();
  }, 30_000);

  const answered = () => readStore(hubDir, (db) => answeredRatingEvents(db, 'rating-1'));

  for (const damage of DAMAGES) {
    it(`${damage}: starts, sends every salvaged press, shows the fault, keeps working`, async () => {
      const t0 = Date.now();
      const { dataDir, start, down, up } = await deviceSetup(
        'rating-1',
        'rating',
        {
          counterId: 1,
          keys: [
            { gpio: 5, level: 'very_satisfied' },
            { gpio: 6, level: 'satisfied' },
            { gpio: 13, level: 'unsatisfied' },
          ],
          leds: { invite: 17, ok: 27, fault: 22 },
          debounceMs: 0,
          pressWindowMs: 0,
          // Presses happen only while the link is cut (they go to the outbox): no reply can be late.
          requestTimeoutMs: 500,
        },
        `rating-1-${damage}`,
      );
      const outboxFile = join(dataDir, 'rating-outbox.json');
      let device = await start();
      await device.waitFor(/INFO rating\/mqtt: connected to hub/);

      down();
      for (const level of ['unsatisfied', 'satisfied', 'very_satisfied']) {
        const from = device.output().length;
        device.send(`press ${level}`);
        await device.waitFor(/key pressed/, 20_000, from);
      }
      const events = readJson<RatingFile>(outboxFile)!.events;
      expect(events).toHaveLength(3);
      expect(await device.stop('SIGKILL')).toBeNull();

      const text = readFileSync(outboxFile, 'utf8');
      let salvaged: string[];
      if (damage === 'truncated') {
        writeFileSync(outboxFile, text.slice(0, text.indexOf(`"${events[2]!.id}"`) + 4));
        salvaged = [events[0]!.id, events[1]!.id];
      } else if (damage === 'empty') {
        writeFileSync(outboxFile, '');
        salvaged = [];
      } else if (damage === 'wrong_shape') {
        // One bad event among good ones.
        const bad = { ...events[1]!, level: 'so-so' };
        writeFileSync(outboxFile, JSON.stringify({ events: [events[0], bad, events[2]] }));
        salvaged = [events[0]!.id, events[2]!.id];
      } else {
        const cut = Buffer.byteLength(text.slice(0, text.indexOf(`"${events[1]!.id}"`)));
        const bytes = Buffer.from(text);
        writeFileSync(outboxFile, Buffer.concat([bytes.subarray(0, cut), GARBAGE, bytes.subarray(cut + 20)]));
        salvaged = [events[0]!.id, events[2]!.id];
      }

      up();
      device = await start();
      expect(device.output()).toMatch(/ERROR rating\/outbox: state file .* kept aside/);
      await until('the salvaged presses on the hub', () => salvaged.every((id) => answered().includes(id)));
      const lost = events.map((e) => e.id).filter((id) => !salvaged.includes(id));
      const status = await untilStatus(
        'rating-1',
        (d) => d.stateFault !== null && d.stateFault.at >= t0 && d.stateFault.recovered === salvaged.length,
      );
      expect(status.stateFault).toMatchObject({
        file: 'rating-outbox.json',
        problem: { truncated: 'not_json', empty: 'empty', wrong_shape: 'wrong_shape', garbage: 'not_json' }[
          damage
        ],
      });
      expect(status.fault).toContain('rating-outbox.json');

      // It keeps working: a new press reaches the hub.
      const from = device.output().length;
      device.send('press satisfied');
      const id = (await device.waitFor(/key pressed: .* id=(\S+)/, 20_000, from))[1]!;
      await device.waitFor(
        new RegExp(`INFO rating: rating (recorded|corrected|kept) id=${id}`),
        20_000,
        from,
      );
      expect(answered()).toContain(id);
      expect(answered().filter((id) => lost.includes(id))).toEqual([]);
      expect(readJson<RatingFile>(outboxFile)!.events).toEqual([]);
      console.log(
        `rating, ${damage} outbox: 3 presses kept offline; ${salvaged.length} salvaged and answered by the hub`,
      );
      expect(await device.stop('SIGTERM')).toBe(0);
    }, 120_000);
  }
});

// ---------------------------------------------------------------- a second copy

describe('a second copy of an edge program on the same data folder', () => {
  it('exits at once naming the first; after a power cut of the first a new copy starts', async () => {
    const { dataDir, start } = await deviceSetup('kiosk-copy', 'kiosk', {
      buttons: [{ gpio: 5, fieldId: 'can-cuoc' }],
      debounceMs: 0,
      pressWindowMs: 0,
    });
    const first = await start();
    const pid = first.child.pid;
    const stateFile = join(dataDir, 'kiosk-state.json');
    await until('the first lease on disk', () => readJson<KioskFile>(stateFile)?.lease);
    // The second copy never gets ready: it stops before touching the state file.
    const before = readFileSync(stateFile);
    const second = await start().then(
      () => {
        throw new Error('a second kiosk started on the same folder');
      },
      (error: Error) => error.message,
    );
    expect(second).toMatch(new RegExp(`in use by kiosk \\(PID ${pid}\\b`));
    expect(second).toMatch(/exited \(1\)/);
    expect(readFileSync(stateFile)).toEqual(before);
    // The kernel drops the lock with the process: no stale lock after a power cut.
    expect(await first.stop('SIGKILL')).toBeNull();
    const third = await start();
    expect(await third.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
