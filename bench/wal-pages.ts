// `npx tsx bench/wal-pages.ts [lives, default 50]`: which store pages each
// step of a ticket life writes. A real hub in this process (MQTT + HTTP, as
// the benchmark drives it) runs ticket lives (issue, call, start, finish,
// rating) with the automatic checkpoint held off, so the WAL keeps every
// frame; each frame's page is then named by its table or index (dbstat).
// Prints WAL frames per step and by b-tree: what the SD card gets per commit
// (each frame is one page + 24 bytes, written again into the store file by
// the next checkpoint).

import { openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_FILE } from '../hub/store/db.js';
import { timeOrderedId } from '../shared/ids/time-ordered-id.js';
import { type RequestAction, topics } from '../shared/protocol/topics.js';
import { connectDevice, startTestHub } from '../test/helpers/hub.js';

const LIVES = Number(process.argv[2] ?? 50);
const hub = await startTestHub();
const db = hub.hub.db;
db.pragma('wal_autocheckpoint = 0'); // analysis only: keep every frame in the WAL
db.pragma('wal_checkpoint(TRUNCATE)');
const pageSize = db.pragma('page_size', { simple: true }) as number;
const wal = join(hub.dataDir, `${STORE_FILE}-wal`);

const kiosk = await connectDevice(hub.mqttUrl, 'kiosk-w', hub.addDevice('kiosk-w', 'kiosk'));
const rating = await connectDevice(hub.mqttUrl, 'rating-w', hub.addDevice('rating-w', 'rating', 1));
for (const [c, id] of [
  [kiosk, 'kiosk-w'],
  [rating, 'rating-w'],
] as const)
  await c.subscribeAsync(topics.deviceReply(id), { qos: 1 });
const ask = (c: typeof kiosk, id: string, action: RequestAction, body: object) =>
  new Promise<void>((resolve, reject) => {
    // As the devices make them: time-ordered (edge/kiosk/issuer.ts, edge/rating-button).
    const requestId = timeOrderedId();
    const on = (_t: string, p: Buffer) => {
      const r = JSON.parse(p.toString()) as { requestId: string; ok: boolean };
      if (r.requestId !== requestId) return;
      c.off('message', on);
      r.ok ? resolve() : reject(new Error(p.toString()));
    };
    c.on('message', on);
    c.publish(topics.deviceRequest(id, action), JSON.stringify({ v: 1, requestId, ...body }), { qos: 1 });
  });
const cookie = await hub.signIn('officer-w', await hub.addAccount('officer-w', 'officer'));
const act = async (action: string) => {
  const res = await hub.as(cookie)(`/api/counters/1/${action}`, { method: 'POST' });
  if (!res.ok) throw new Error(`${action}: ${res.status} ${await res.text()}`);
};
await act('take');

const steps = ['issue', 'call', 'start', 'finish', 'rating'] as const;
const bounds: { step: string; from: number; to: number }[] = [];
const size = () => {
  try {
    return statSync(wal).size;
  } catch {
    return 0;
  }
};
const run: Record<(typeof steps)[number], () => Promise<void>> = {
  issue: () => ask(kiosk, 'kiosk-w', 'issue-ticket', { procedureId: 'can-cuoc-01' }),
  call: () => act('call-next'),
  start: () => act('start'),
  finish: () => act('finish'),
  rating: () =>
    ask(rating, 'rating-w', 'submit-rating', { level: 'satisfied', pressedAt: Date.now(), counterId: 1 }),
};
for (let n = 0; n < LIVES; n++) {
  for (const step of steps) {
    const from = size();
    await run[step]();
    bounds.push({ step, from, to: size() });
  }
}

// Name each page by its b-tree, then read the frames each step appended.
const names = new Map(
  (db.prepare('SELECT name, pageno FROM dbstat').all() as { name: string; pageno: number }[]).map((r) => [
    r.pageno,
    r.name,
  ]),
);
const fd = openSync(wal, 'r');
const header = Buffer.alloc(24);
const perStep = new Map<string, { frames: number; commits: number; byTree: Map<string, number> }>();
for (const { step, from, to } of bounds) {
  const s = perStep.get(step) ?? { frames: 0, commits: 0, byTree: new Map() };
  perStep.set(step, s);
  for (let at = Math.max(from, 32); at + 24 <= to; at += 24 + pageSize) {
    readSync(fd, header, 0, 24, at);
    const page = header.readUInt32BE(0);
    if (header.readUInt32BE(4) !== 0) s.commits++; // a commit frame carries the database size
    s.frames++;
    const name = names.get(page) ?? `page ${page}`;
    s.byTree.set(name, (s.byTree.get(name) ?? 0) + 1);
  }
}
console.log(`WAL frames per step of a ticket life (${LIVES} lives, ${pageSize}-byte pages, mean per life):`);
let total = 0;
for (const [step, s] of perStep) {
  total += s.frames;
  const trees = [...s.byTree]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${(n / LIVES).toFixed(1)}`)
    .join(', ');
  console.log(
    `${step.padEnd(7)} ${(s.frames / LIVES).toFixed(1).padStart(5)} frames in ${(s.commits / LIVES).toFixed(1)} commits: ${trees}`,
  );
}
console.log(
  `total   ${(total / LIVES).toFixed(1)} frames = ${((total / LIVES) * (pageSize + 24)) / 1024} KiB of WAL per life`,
);
await Promise.all([kiosk.endAsync(), rating.endAsync()]);
await hub.stop();
process.exit(0);
