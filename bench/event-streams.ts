// `npx tsx bench/event-streams.ts [--streams 2000] [--addresses 250] [--seconds 20] [--counters 40]`:
// the hub's memory under event-stream clients that never read. A real hub
// process (tsx, as `spawnHub` starts it) gets `--streams` raw `/api/events`
// sockets from `--addresses` loopback source addresses; then an officer
// changes the board over the API (a counter opened and closed) for
// `--seconds`, so every change sends a snapshot to every stream. Prints the
// hub's VmRSS before, at its peak, and after the sockets are gone, how many
// streams were accepted or refused, and how many events a normal client got.

import { request as httpRequest } from 'node:http';
import { commandLineOrExit, defineCommand } from '../shared/cli/command-line.js';
import { freePort, spawnHub, tempDir } from '../test/helpers/hub.js';
import { loopbackAddresses, openStalledStreams, rssMb } from '../test/helpers/stalled-streams.js';
import { sleep } from './helpers.js';

const { values } = commandLineOrExit(
  defineCommand({
    name: 'bench/event-streams',
    usage: 'npx tsx bench/event-streams.ts [options]',
    summary: "The hub's memory under event-stream clients that never read.",
    options: {
      streams: {
        type: 'string',
        default: '2000',
        value: 'N',
        help: 'raw /api/events sockets (default 2000)',
      },
      addresses: {
        type: 'string',
        default: '250',
        value: 'N',
        help: 'loopback source addresses (default 250)',
      },
      seconds: { type: 'string', default: '20', value: 'N', help: 'how long the board changes (default 20)' },
      counters: {
        type: 'string',
        default: '40',
        value: 'N',
        help: 'counters added to the default ones (default 40)',
      },
    },
  }),
);
const STREAMS = Number(values.streams);
const ADDRESSES = Number(values.addresses);
const SECONDS = Number(values.seconds);
/** Counters added to the default ones: a large office's board (bigger snapshots). */
const COUNTERS = Number(values.counters);

/** A well-behaved board client: counts the `board` events it reads. */
function normalClient(port: number) {
  let events = 0;
  let status = 0;
  const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (text: string) => {
      events += text.split('event: board').length - 1;
    });
  });
  req.on('error', () => {});
  req.end();
  return { events: () => events, status: () => status, close: () => req.destroy() };
}

async function main() {
  const dir = tempDir('qms-bench-sse-');
  const httpPort = await freePort();
  const hub = await spawnHub(dir.path, await freePort(), httpPort);
  const pid = hub.child.pid!;
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    // The one-time administrator banner follows the "ready" line.
    while (!/Password \(shown only now\): \S+\n/.test(hub.output())) await sleep(20);
    const password = /Password \(shown only now\): (\S+)/.exec(hub.output())?.[1];
    const signIn = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    if (!signIn.ok) throw new Error(`sign-in failed: ${signIn.status}`);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    let open = false;
    const change = async () => {
      open = !open;
      const res = await fetch(`${base}/api/counters/1/state`, {
        method: 'POST',
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        // Open ↔ paused: the officer stays at the counter (closing would send them away).
        body: JSON.stringify({ state: open ? 'open' : 'paused' }),
      });
      if (!res.ok) throw new Error(`change refused: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // A counter opens only with an officer at it: one officer account each, signed in, takes it.
    const staff = async (counterId: number) => {
      const username = `canbo${counterId}`;
      const password = `mat-khau-${counterId}-dai-du`;
      const added = await admin('POST', '/api/admin/accounts', {
        username,
        displayName: `Cán bộ ${counterId}`,
        role: 'officer',
        password,
      });
      if (!added.ok) throw new Error(`officer not added: ${added.status} ${await added.text()}`);
      const session = await fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!session.ok) throw new Error(`officer sign-in failed: ${session.status}`);
      const taken = await fetch(`${base}/api/counters/${counterId}/take`, {
        method: 'POST',
        headers: {
          cookie: (session.headers.get('set-cookie') ?? '').split(';')[0]!,
          origin: base,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      if (!taken.ok) throw new Error(`counter ${counterId} not taken: ${taken.status} ${await taken.text()}`);
    };
    await staff(1);
    const catalogue = (await (await fetch(`${base}/api/catalogue`)).json()) as {
      fields: { procedures: { id: string }[] }[];
    };
    const procedures = catalogue.fields.flatMap((f) => f.procedures);
    for (let i = 0; i < COUNTERS; i++) {
      const id = 100 + i;
      const res = await admin('POST', '/api/admin/counters', {
        id,
        name: `Quầy tiếp nhận hồ sơ số ${id} (tầng 1, dãy A)`,
        serves: [{ procedureId: procedures[i % procedures.length]!.id, weight: 1 }],
      });
      if (!res.ok) throw new Error(`counter not added: ${res.status} ${await res.text()}`);
      await staff(id);
    }
    const snapshotBytes = Buffer.byteLength(await (await fetch(`${base}/api/board`)).text());
    // Warm up: a few changes and one stream, so the baseline is a hub that has served.
    const warm = normalClient(httpPort);
    for (let i = 0; i < 20; i++) await change();
    warm.close();
    await sleep(1000);
    const before = rssMb(pid);

    // A board already showing when the stalled clients come.
    const normal = normalClient(httpPort);
    const t0 = performance.now();
    const stalled = await openStalledStreams(httpPort, STREAMS, loopbackAddresses(ADDRESSES));
    const openMs = performance.now() - t0;
    let peak = rssMb(pid);
    let changes = 0;
    const until = performance.now() + SECONDS * 1000;
    while (performance.now() < until) {
      await change();
      changes++;
      // The board coalesces changes within 50 ms: one snapshot per change.
      await sleep(60);
      peak = Math.max(peak, rssMb(pid));
    }
    const during = rssMb(pid);
    const health = (await (await fetch(`${base}/api/health`)).json()) as Record<string, unknown>;
    const normalEvents = normal.events();
    const normalStatus = normal.status();
    stalled.close();
    normal.close();
    await sleep(5000);
    const after = rssMb(pid);
    const statuses = [...new Set(stalled.statuses)].sort().map((s) => `${s}: ${stalled.count(s)}`);

    console.log(`snapshot size:             ${snapshotBytes} bytes`);
    console.log(
      `stalled streams opened:    ${STREAMS} from ${ADDRESSES} addresses in ${(openMs / 1000).toFixed(1)} s`,
    );
    console.log(`answers (status: count):   ${statuses.join(', ')}`);
    console.log(`board changes:             ${changes} in ${SECONDS} s`);
    console.log(`hub VmRSS before:          ${before.toFixed(1)} MiB`);
    console.log(
      `hub VmRSS peak:            ${peak.toFixed(1)} MiB (growth ${(peak - before).toFixed(1)} MiB)`,
    );
    console.log(`hub VmRSS at end of load:  ${during.toFixed(1)} MiB`);
    console.log(`hub VmRSS 5 s after close: ${after.toFixed(1)} MiB`);
    console.log(`normal client:             status ${normalStatus}, ${normalEvents} board events`);
    if (health.http) console.log(`hub http stats:            ${JSON.stringify(health.http)}`);
  } finally {
    await hub.kill('SIGTERM');
    dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
