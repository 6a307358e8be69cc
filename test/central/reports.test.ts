// The province's ratings report (GET /api/reports/ratings, JSON and CSV):
// ratings sent by two simulated offices through real Mosquitto into
// PostgreSQL, read back per office and officer. A correction replaces the
// ticket's earlier rating, a rating of another service date stays out, the
// same username at two offices is two officers, a counter without an officer
// is its own row; a wrong range is refused and the route needs a session.

import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Central } from '../../central/app.js';
import { hashPassword } from '../../hub/auth/passwords.js';
import type { OfficerRatingsAnswer } from '../../shared/api/central.js';
import type { CentralEventData } from '../../shared/protocol/central.js';
import { type SimulatedOffice, simulatedOffice, startTestCentral } from '../helpers/central.js';
import { startMosquitto, type TestMosquitto } from '../helpers/mosquitto.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let broker: TestMosquitto;
let postgres: TestPostgres;
let central: Central;
const offices: SimulatedOffice[] = [];

beforeAll(async () => {
  [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  central = await startTestCentral(broker, await postgres.createDatabase('reports'));
}, 60_000);

afterAll(async () => {
  await Promise.all(offices.map((o) => o.stop()));
  await central?.stop();
  await broker?.remove();
  await postgres?.remove();
});

const vietnamDate = (ms: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(ms);

function rating(
  ticketId: string,
  officer: string | null,
  level: string,
  score: number,
  serviceDate: string,
  correction = false,
): CentralEventData {
  return { type: 'rating', ticketId, serviceDate, counterId: 1, officer, level, score, correction };
}

test('ratings per office and officer, the last rating of a ticket counting, as JSON and CSV', async () => {
  const now = Date.now();
  const today = vietnamDate(now);
  const yesterday = vietnamDate(now - 86_400_000);
  const a = await simulatedOffice(broker, 'office-r');
  const b = await simulatedOffice(broker, 'office-s');
  offices.push(a, b);
  const sent: [SimulatedOffice, CentralEventData][] = [
    [a, rating('r-1', 'canbo1', 'very_satisfied', 2, today)],
    [a, rating('r-2', 'canbo1', 'satisfied', 1, today)],
    [a, rating('r-3', 'canbo2', 'unsatisfied', 0, today)],
    // The citizen changed their mind: this one replaces r-3's rating.
    [a, rating('r-3', 'canbo2', 'satisfied', 1, today, true)],
    // A counter no officer had taken.
    [a, rating('r-4', null, 'satisfied', 1, today)],
    // Another service date: outside the report of today.
    [a, rating('r-0', 'canbo1', 'unsatisfied', 0, yesterday)],
    // The same username at another office is another officer.
    [b, rating('s-1', 'canbo1', 'unsatisfied', 0, today)],
  ];
  for (const [office, data] of sent) office.outbox.record(data, now);
  await vi.waitFor(
    () => {
      expect(a.outbox.state().ackedSeq).toBe(6);
      expect(b.outbox.state().ackedSeq).toBe(1);
    },
    { timeout: 30_000, interval: 100 },
  );

  const url = `http://127.0.0.1:${central.httpPort}`;
  const path = `/api/reports/ratings?from=${today}&to=${today}`;
  expect((await fetch(`${url}${path}`)).status).toBe(401);
  await central.accounts.create(
    {
      username: 'province-r',
      displayName: 'Lãnh đạo',
      role: 'officer',
      passwordHash: await hashPassword('pw-r-1'),
    },
    now,
  );
  const session = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'province-r', password: 'pw-r-1' }),
  });
  expect(session.status).toBe(200);
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
  const get = (p: string) => fetch(`${url}${p}`, { headers: { cookie } });

  const res = await get(path);
  expect(res.status).toBe(200);
  const answer = (await res.json()) as OfficerRatingsAnswer;
  expect(answer.from).toBe(today);
  expect(answer.to).toBe(today);
  const byKey = Object.fromEntries(answer.rows.map((r) => [`${r.officeId}/${r.officer}`, r]));
  expect(Object.keys(byKey).sort()).toEqual([
    'office-r/',
    'office-r/canbo1',
    'office-r/canbo2',
    'office-s/canbo1',
  ]);
  expect(byKey['office-r/canbo1']).toEqual({
    officeId: 'office-r',
    officeName: 'Đơn vị office-r',
    officer: 'canbo1',
    ratings: 2,
    score: 3,
    avgScore: 1.5,
    levels: { very_satisfied: 1, satisfied: 1 },
  });
  expect(byKey['office-r/canbo2']).toMatchObject({
    ratings: 1,
    score: 1,
    avgScore: 1,
    levels: { satisfied: 1 },
  });
  expect(byKey['office-r/']).toMatchObject({ ratings: 1, score: 1, levels: { satisfied: 1 } });
  expect(byKey['office-s/canbo1']).toMatchObject({
    officeName: 'Đơn vị office-s',
    ratings: 1,
    score: 0,
    avgScore: 0,
    levels: { unsatisfied: 1 },
  });

  // The day before holds only r-0.
  const before = (await (
    await get(`/api/reports/ratings?from=${yesterday}&to=${yesterday}`)
  ).json()) as OfficerRatingsAnswer;
  expect(before.rows).toEqual([
    expect.objectContaining({ officeId: 'office-r', officer: 'canbo1', ratings: 1, score: 0 }),
  ]);

  // The same as CSV: a named file, the headings, one line per officer, a column per level seen.
  const file = await get(`${path}&format=csv`);
  expect(file.headers.get('content-type')).toContain('text/csv');
  expect(file.headers.get('content-disposition')).toBe(
    `attachment; filename="danh-gia-can-bo-${today}_${today}.csv"`,
  );
  const lines = (await file.text())
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n');
  expect(lines[0]).toBe(
    'Đơn vị,Mã đơn vị,Cán bộ,Lượt đánh giá,Tổng điểm,Điểm trung bình,satisfied,unsatisfied,very_satisfied',
  );
  expect(lines).toHaveLength(5);
  expect(lines).toContain('Đơn vị office-r,office-r,canbo1,2,3,1.5,1,0,1');
  expect(lines).toContain('Đơn vị office-s,office-s,canbo1,1,0,0,0,1,0');

  // A wrong range changes nothing and says why.
  const backwards = await get(`/api/reports/ratings?from=${today}&to=2020-01-01`);
  expect(backwards.status).toBe(400);
  expect(((await backwards.json()) as { error: { message: string } }).error.message).toBe(
    'to must not be before from',
  );
  expect((await get('/api/reports/ratings?from=2026-13-01')).status).toBe(400);
}, 90_000);
