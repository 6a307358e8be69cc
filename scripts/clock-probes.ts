// The clock probes of issue 12, run against a hub tree (this one by default,
// or --tree /path/to/another/checkout) as real processes under libfaketime,
// printing what happened to the tickets. For before/after comparisons:
//   npx tsx scripts/clock-probes.ts --tree /work/main
//   npx tsx scripts/clock-probes.ts
// Needs Debian's faketime and chromium. Uses only what every version of the
// hub has (MQTT issue-ticket, sign-in, counter actions, the SQLite file),
// plus POST /api/clock/confirm where the tree has it.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { connectMqtt } from '../shared/mqtt/connect.js';
import { reply } from '../shared/protocol/messages.js';
import { topics } from '../shared/protocol/topics.js';
import { launchBrowser, newPage } from '../test/helpers/browser.js';
import { hanoi } from '../test/helpers/clock.js';
import { FakeTime } from '../test/helpers/faketime.js';
import { freePort } from '../test/helpers/hub.js';

const { values } = parseArgs({ options: { tree: { type: 'string', default: process.cwd() } } });
const tree = resolve(values.tree!);

interface Run {
  dir: string;
  ft: FakeTime;
  mqtt: number;
  http: number;
  kiosk: string;
  officer: string;
  child?: ChildProcess;
  out: string;
  n: number;
}

async function setup(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'qms-probe-'));
  return {
    dir,
    ft: new FakeTime(dir),
    mqtt: await freePort(),
    http: await freePort(),
    kiosk: '',
    officer: '',
    out: '',
    n: 0,
  };
}

/** On the first start: the kiosk and the officer, through the tree's own admin API (its store, its schema). */
async function register(r: Run, adminPassword: string): Promise<void> {
  const base = `http://127.0.0.1:${r.http}`;
  const session = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { token?: string };
  };
  r.kiosk = (await post('/api/admin/devices', { id: 'kiosk-1', role: 'kiosk' })).token!;
  r.officer = 'probe-officer-password';
  await post('/api/admin/accounts', {
    username: 'canbo1',
    displayName: 'Cán bộ 1',
    role: 'officer',
    password: r.officer,
  });
}

async function start(r: Run): Promise<void> {
  r.out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'hub/main.ts'], {
    cwd: tree,
    env: {
      ...process.env,
      ...r.ft.env(),
      QMS_DATA_DIR: join(r.dir, 'data'),
      QMS_MQTT_PORT: String(r.mqtt),
      QMS_HTTP_PORT: String(r.http),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  r.child = child;
  child.stdout!.on('data', (d) => {
    r.out += d;
  });
  child.stderr!.on('data', (d) => {
    r.out += d;
  });
  const first = !r.kiosk;
  const deadline = Date.now() + 60_000;
  while (!/ready /.test(r.out) || (first && !/shown only now\): \S+/.test(r.out))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`hub not ready:\n${r.out}`);
    await sleep(100);
  }
  if (first) await register(r, /shown only now\): (\S+)/.exec(r.out)![1]!);
}

async function stop(r: Run): Promise<void> {
  const child = r.child;
  if (!child || child.exitCode !== null) return;
  await new Promise((res) => {
    child.once('exit', res);
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function issue(r: Run, procedureId = 'can-cuoc-01'): Promise<string> {
  const client = connectMqtt(`mqtt://127.0.0.1:${r.mqtt}`, {
    clientId: 'kiosk-1',
    username: 'kiosk-1',
    password: r.kiosk,
    reconnectPeriod: 0,
  });
  await new Promise<void>((res, rej) => {
    client.once('connect', () => res());
    client.once('error', rej);
  });
  await client.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
  const requestId = `p-${Date.now()}-${++r.n}`;
  const display = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('no reply')), 10_000);
    client.on('message', (_t, payload) => {
      const m = reply.parse(JSON.parse(payload.toString()));
      if (m.requestId !== requestId) return;
      clearTimeout(timer);
      if (m.ok) res((m.data as { display: string }).display);
      else rej(new Error(JSON.stringify(m.error)));
    });
    client.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId, procedureId }),
      {
        qos: 1,
      },
    );
  });
  await client.endAsync();
  return display;
}

/** What the probes read from the hub's answers (any version). */
interface Answer {
  trusted?: boolean;
  display?: string;
  id?: string;
  ticket?: { id: string; display: string };
}

async function officer(r: Run) {
  const base = `http://127.0.0.1:${r.http}`;
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'canbo1', password: r.officer }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  // State-changing requests go as JSON (`{}` when there is no data), as the hub requires.
  return async (method: string, path: string, data?: unknown) => {
    const body = data === undefined && method !== 'GET' ? {} : data;
    const x = await fetch(`${base}${path}`, {
      method,
      headers: {
        cookie,
        origin: base,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: x.status, body: (await x.json().catch(() => null)) as Answer | null };
  };
}

function rows(r: Run) {
  const db = new Database(join(r.dir, 'data', 'qms.sqlite'), { readonly: true });
  try {
    return (
      db.prepare('SELECT display, service_date, status FROM tickets ORDER BY rowid').all() as {
        display: string;
        service_date: string;
        status: string;
      }[]
    )
      .map((t) => `${t.display}/${t.service_date.slice(5)}/${t.status}`)
      .join(' ');
  } finally {
    db.close();
  }
}

const resets = (r: Run) => (r.out.match(/daily reset[^\n]*/g) ?? []).join(' | ') || '(none)';

async function probe(name: string, body: (r: Run) => Promise<void>) {
  const r = await setup();
  try {
    await body(r);
  } catch (error) {
    console.log(`  ${name}: FAILED ${(error as Error).message.slice(0, 2000)}`);
  } finally {
    await stop(r);
    rmSync(r.dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`clock probes against ${tree}`);

  // 1a: an officer confirms the time (where the tree can); 1b: NTP sets the clock later instead.
  for (const way of ['confirm', 'ntp'] as const) {
    await probe(`night-${way}`, async (r) => {
      r.ft.at(hanoi(2026, 11, 26, 15, 0)).synced(true);
      await start(r);
      await issue(r);
      await issue(r);
      await stop(r);
      r.ft.at(hanoi(2026, 11, 26, 18, 0)).synced(false);
      await start(r);
      const morning = [await issue(r), await issue(r)];
      const label = way === 'confirm' ? '1a' : '1b';
      console.log(
        `${label}. boot on yesterday 18:00, no sync: morning tickets ${morning.join(', ')} → ${rows(r)}`,
      );
      const call = await officer(r);
      const clock = await call('GET', '/api/clock');
      console.log(
        `   GET /api/clock → ${clock.status}${clock.body?.trusted === undefined ? '' : ` trusted=${clock.body.trusted}`}`,
      );
      let confirmed = false;
      if (way === 'confirm') {
        const c = await call('POST', '/api/clock/confirm', { now: hanoi(2026, 11, 27, 7, 30) });
        console.log(`   an officer confirms 07:30 today → ${c.status}`);
        confirmed = c.status === 200;
      }
      if (!confirmed) {
        // NTP (or a technician's date -s) sets the clock; the old hub looks every 30 s.
        r.ft.at(hanoi(2026, 11, 27, 8, 5)).synced(true);
        console.log('   NTP sets the clock to 08:05 today');
        const deadline = Date.now() + 40_000;
        while (!/daily reset/.test(r.out) && Date.now() < deadline) await sleep(200);
      }
      const next = await issue(r);
      console.log(`   after: ${resets(r)}; next ticket ${next}; tickets ${rows(r)}`);
    });
  }

  await probe('ntp', async (r) => {
    r.ft.at(hanoi(2026, 11, 26, 18, 0)).synced(false);
    await start(r);
    for (let i = 0; i < 20; i++) await issue(r);
    r.ft.at(hanoi(2026, 11, 27, 8, 5)).synced(true);
    const deadline = Date.now() + 40_000;
    while (!/daily reset/.test(r.out) && Date.now() < deadline) await sleep(200);
    const next = await issue(r);
    const cancelled = rows(r)
      .split(' ')
      .filter((t) => t.endsWith('cancelled')).length;
    console.log(
      `2. NTP jump forward after 20 tickets: ${resets(r)}; cancelled ${cancelled}; next ticket ${next}`,
    );
  });

  await probe('back', async (r) => {
    r.ft.at(hanoi(2026, 11, 27, 9, 0)).synced(true);
    await start(r);
    const issued = [await issue(r)];
    await sleep(1100);
    issued.push(await issue(r));
    r.ft.at(hanoi(2026, 11, 27, 8, 58, 1));
    await sleep(1500);
    issued.push(await issue(r), await issue(r, 'can-cuoc-02'));
    const call = await officer(r);
    await call('POST', '/api/counters/1/take');
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await call('POST', '/api/counters/1/call-next');
      order.push(c.body?.ticket?.display ?? c.body?.display ?? `(${c.status})`);
      await call('POST', '/api/counters/1/no-show');
    }
    console.log(
      `3. clock steps back 2 min: issued ${issued.join(', ')}; call-next order ${order.join(', ')}`,
    );
  });

  await probe('midnight', async (r) => {
    r.ft.at(hanoi(2026, 11, 27, 16, 30)).synced(true);
    await start(r);
    await issue(r);
    await issue(r, 'cu-tru-01');
    await stop(r);
    r.ft.at(hanoi(2026, 11, 27, 23, 59, 50));
    await start(r);
    const deadline = Date.now() + 45_000;
    while (!/daily reset/.test(r.out) && Date.now() < deadline) await sleep(200);
    console.log(`4. ordinary midnight: ${resets(r)}; next ticket ${await issue(r)}`);
  });

  await probe('zones', async (r) => {
    r.ft.at(hanoi(2026, 11, 27, 9, 30)).synced(true);
    await start(r);
    await issue(r);
    const call = await officer(r);
    await call('POST', '/api/counters/1/take');
    const called = await call('POST', '/api/counters/1/call-next');
    const ticketId = called.body?.ticket?.id ?? called.body?.id;
    const browser = await launchBrowser();
    const seen: string[] = [];
    for (const zone of ['Asia/Ho_Chi_Minh', 'UTC']) {
      const { context, page } = await newPage(browser, undefined, zone);
      await page.goto(`http://127.0.0.1:${r.http}/board`);
      await page.locator('.call-meta').first().waitFor();
      await sleep(1200);
      const board = `${await page.locator('#date').textContent()} ${await page.locator('#clock').textContent()}, call at ${await page.locator('.call-meta').first().textContent()}`;
      await page.goto(`http://127.0.0.1:${r.http}/t/${ticketId}`);
      await page.locator('#ticket dd').first().waitFor();
      const issuedAt = await page.locator('.details .row:nth-child(3) dd').textContent();
      seen.push(`${zone}: board ${board}; /t issued ${issuedAt}`);
      await context.close();
    }
    await browser.close();
    console.log(`5. pages at 09:30 Hà Nội:\n   ${seen.join('\n   ')}`);
  });
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
