// Reports against a real hub: a known day built over MQTT and the HTTP API
// (test/helpers/report-day.ts), then the exact numbers of the JSON report,
// the CSV export of each table against the JSON, and the refusals.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterRow, Measures, OfficerRow, ProcedureRow, Report } from '../../hub/reports/report.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { buildKnownDay, type KnownDay, parseCsv } from '../helpers/report-day.js';

const levels = ['very_satisfied', 'satisfied', 'unsatisfied'] as const;

/** The measures of a row, written compactly: ratings as [count, percent] per level. */
function m(
  called: number,
  served: number,
  noShows: number,
  wait: [count: number, avg: number | null, max: number | null],
  averageServiceSeconds: number | null,
  over: [count: number, percent: number | null],
  ratings: [number, number | null][],
  ballots: number,
  scoreSum: number,
  averageScore: number | null,
): Measures {
  return {
    called,
    served,
    noShows,
    waitCount: wait[0],
    averageWaitSeconds: wait[1],
    maxWaitSeconds: wait[2],
    averageServiceSeconds,
    overTargetCount: over[0],
    overTargetPercent: over[1],
    ballots,
    ratings: ratings.map(([count, percent], i) => ({ level: levels[i]!, count, percent })),
    scoreSum,
    averageScore,
  };
}

// The same numbers as the counters: each officer worked at one counter.
const counter1 = m(
  3,
  2,
  1,
  [2, 720, 1200],
  900,
  [1, 50],
  [
    [1, 50],
    [0, 0],
    [1, 50],
  ],
  2,
  2,
  1,
);
const counter2 = m(
  2,
  2,
  0,
  [2, 2550, 3900],
  450,
  [2, 100],
  [
    [1, 50],
    [1, 50],
    [0, 0],
  ],
  2,
  3,
  1.5,
);
const counter3 = m(
  1,
  0,
  0,
  [1, 300, 300],
  null,
  [0, 0],
  [
    [0, null],
    [0, null],
    [0, null],
  ],
  0,
  0,
  null,
);
const allCalled = (called: number) =>
  m(
    called,
    4,
    1,
    [5, 1368, 3900],
    675,
    [3, 60],
    [
      [2, 50],
      [1, 25],
      [1, 25],
    ],
    4,
    5,
    1.25,
  );

/** What the CSV must hold for a row: the JSON's numbers as text, null as an empty cell. */
function measureCells(r: Measures): string[] {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  return [
    cell(r.averageWaitSeconds),
    cell(r.maxWaitSeconds),
    cell(r.averageServiceSeconds),
    cell(r.overTargetCount),
    cell(r.overTargetPercent),
    ...r.ratings.flatMap((x) => [cell(x.count), cell(x.percent)]),
    cell(r.ballots),
    cell(r.scoreSum),
    cell(r.averageScore),
  ];
}

describe('reports', () => {
  let t: TestHub;
  let day: KnownDay;
  let admin: ReturnType<TestHub['as']>;

  beforeAll(async () => {
    t = await startTestHub();
    day = await buildKnownDay(t);
    admin = t.as(day.adminCookie);
  });
  afterAll(async () => {
    await t?.stop();
  });

  const report = async (query: string): Promise<Report> => {
    const res = await admin(`/api/reports?${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Report;
  };

  it('counts the day per procedure: issued, served, no-shows, waits, service level, ratings', async () => {
    const r = await report(`from=${day.date}&to=${day.date}`);
    expect(r).toMatchObject({
      from: day.date,
      to: day.date,
      days: 1,
      targetMinutes: 15,
      timeZone: 'Asia/Ho_Chi_Minh',
    });
    expect(r.ratingLevels).toEqual([
      { level: 'very_satisfied', name: 'Rất hài lòng', score: 2 },
      { level: 'satisfied', name: 'Hài lòng', score: 1 },
      { level: 'unsatisfied', name: 'Không hài lòng', score: 0 },
    ]);
    const procedure = (
      procedureId: string | null,
      name: string,
      fieldName: string,
      issued: number,
      measures: Measures,
    ): ProcedureRow => ({
      procedureId,
      name,
      fieldId: procedureId === null ? null : fieldName === 'Căn cước' ? 'can-cuoc' : 'cu-tru',
      fieldName,
      issued,
      ...measures,
    });
    expect(r.procedures.rows).toEqual([
      // Waits 4, 20 and 20 minutes; two of them over 15 minutes; services 10 and 5 minutes.
      procedure(
        'can-cuoc-01',
        'Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên',
        'Căn cước',
        3,
        m(
          3,
          2,
          1,
          [3, 880, 1200],
          450,
          [2, 66.7],
          [
            [1, 50],
            [1, 50],
            [0, 0],
          ],
          2,
          3,
          1.5,
        ),
      ),
      // Waited 65 minutes, served in 10.
      procedure(
        'can-cuoc-04',
        'Cấp xác nhận số chứng minh nhân dân 09 số, số định danh cá nhân',
        'Căn cước',
        1,
        m(
          1,
          1,
          0,
          [1, 3900, 3900],
          600,
          [1, 100],
          [
            [1, 100],
            [0, 0],
            [0, 0],
          ],
          1,
          2,
          2,
        ),
      ),
      // 2001 waited 5 minutes for its first call; its service is the one at counter 1 (20 minutes),
      // not the one interrupted by the transfer. 2002 is still waiting.
      procedure(
        'cu-tru-01',
        'Đăng ký thường trú',
        'Cư trú',
        2,
        m(
          1,
          1,
          0,
          [1, 300, 300],
          1200,
          [0, 0],
          [
            [0, 0],
            [0, 0],
            [1, 100],
          ],
          1,
          0,
          0,
        ),
      ),
    ]);
    expect(r.procedures.total).toEqual(procedure(null, 'Tổng cộng', '', 6, allCalled(5)));
    expect(r.procedures.total.fieldId).toBeNull();
  });

  it('attributes calls, waits, services and ratings to counters and officers', async () => {
    const r = await report(`from=${day.date}&to=${day.date}`);
    const counter = (
      counterId: number | null,
      name: string,
      transferred: number,
      measures: Measures,
    ): CounterRow => ({
      counterId,
      name,
      transferred,
      ...measures,
    });
    expect(r.counters.rows).toEqual([
      // 1001 and 1003 were first called here (waits 4 and 20 minutes); 2001 came by transfer:
      // called and served here (20 minutes) but its wait belongs to counter 3.
      counter(1, 'Quầy 1', 0, counter1),
      counter(2, 'Quầy 2', 0, counter2),
      // 2001's first segment: called here, sent on to counter 1.
      counter(3, 'Quầy 3', 1, counter3),
    ]);
    expect(r.counters.total).toEqual(counter(null, 'Tổng cộng', 1, allCalled(6)));

    const officer = (
      username: string | null,
      name: string,
      transferred: number,
      measures: Measures,
    ): OfficerRow => ({
      username,
      name,
      transferred,
      ...measures,
    });
    // Sorted by name as Vietnamese readers sort.
    expect(r.officers.rows).toEqual([
      officer('canbo1', 'Nguyễn Văn An', 0, counter1),
      officer('canbo3', 'Phạm Văn "Ba"', 1, counter3),
      officer('canbo2', 'Trần Thị Bình', 0, counter2),
    ]);
    expect(r.officers.total).toEqual(officer(null, 'Tổng cộng', 1, allCalled(6)));
  });

  it('counts tickets per local hour and waits per bucket', async () => {
    const r = await report(`from=${day.date}&to=${day.date}`);
    expect(r.hours).toHaveLength(24);
    expect(r.hours.filter((h) => h.issued > 0)).toEqual([
      { hour: 8, issued: 3 },
      { hour: 9, issued: 2 },
      { hour: 10, issued: 1 },
    ]);
    // 4 min | 5 min (a bucket's lower bound belongs to it) | – | 20, 20 min | – | 65 min
    expect(r.waitDistribution).toEqual([
      { fromMinutes: 0, toMinutes: 5, count: 1 },
      { fromMinutes: 5, toMinutes: 10, count: 1 },
      { fromMinutes: 10, toMinutes: 15, count: 0 },
      { fromMinutes: 15, toMinutes: 30, count: 2 },
      { fromMinutes: 30, toMinutes: 60, count: 0 },
      { fromMinutes: 60, toMinutes: null, count: 1 },
    ]);
  });

  it('takes the target from the query, then the setting; "longer than" is strict', async () => {
    // 20 minutes: the two waits of exactly 20 minutes are not over it, the 65-minute one is.
    const r = await report(`from=${day.date}&to=${day.date}&target=20`);
    expect(r.targetMinutes).toBe(20);
    expect(r.procedures.total).toMatchObject({ overTargetCount: 1, overTargetPercent: 20 });
    expect(r.procedures.rows[0]).toMatchObject({ overTargetCount: 0, overTargetPercent: 0 });
    expect(r.counters.rows.map((c) => [c.overTargetCount, c.overTargetPercent])).toEqual([
      [0, 0],
      [1, 50],
      [0, 0],
    ]);
    t.hub.service.store.putSetting('serviceTargetMinutes', 4);
    try {
      const s = await report(`from=${day.date}&to=${day.date}`);
      expect(s.targetMinutes).toBe(4);
      // Everything but the 4-minute wait (exactly the target) is over.
      expect(s.procedures.total).toMatchObject({ overTargetCount: 4, overTargetPercent: 80 });
    } finally {
      t.hub.db.prepare("DELETE FROM settings WHERE key = 'serviceTargetMinutes'").run();
    }
  });

  it('covers the range of service dates, both ends inclusive, and today by default', async () => {
    const two = await report(`from=${day.before}&to=${day.date}`);
    expect(two.days).toBe(2);
    expect(two.procedures.total.issued).toBe(7);
    expect(two.procedures.rows[0]).toMatchObject({ procedureId: 'can-cuoc-01', issued: 4, called: 3 });
    expect(two.hours.find((h) => h.hour === 14)?.issued).toBe(1);
    const before = await report(`from=${day.before}&to=${day.before}`);
    expect(before.procedures.total).toMatchObject({ issued: 1, called: 0, averageWaitSeconds: null });
    expect(before.counters.rows).toEqual([]);
    const today = await report('');
    expect(today).toMatchObject({ from: day.date, to: day.date });
    expect(today.procedures.total.issued).toBe(6);
    // A year and a day in a leap-free span is the longest range.
    expect((await report('from=2025-01-01&to=2026-01-01')).days).toBe(366);
  });

  it('shows a four-level scale and keeps ballots of a level outside the active scale', async () => {
    t.hub.service.store.putSetting('ratingScale', { levels: 4 });
    try {
      const r = await report(`from=${day.date}&to=${day.date}`);
      expect(r.ratingLevels.map((l) => l.name)).toEqual([
        'Rất hài lòng',
        'Hài lòng',
        'Bình thường',
        'Không hài lòng',
      ]);
      expect(r.procedures.total.ratings.map((x) => x.count)).toEqual([2, 1, 0, 1]);
    } finally {
      t.hub.db.prepare("DELETE FROM settings WHERE key = 'ratingScale'").run();
    }
  });

  describe('CSV', () => {
    const download = async (query: string) => {
      const res = await admin(`/api/reports.csv?${query}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { res, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
    };

    it('exports each table with the same numbers as the JSON, UTF-8 with BOM, as an attachment', async () => {
      const r = await report(`from=${day.date}&to=${day.date}`);
      const groups = [
        [
          'procedure',
          'thu-tuc',
          ['Thủ tục', 'Lĩnh vực', 'Số phiếu cấp', 'Đã gọi', 'Đã phục vụ', 'Vắng mặt'],
          r.procedures.rows
            .concat(r.procedures.total)
            .map((x) => [
              x.name,
              x.fieldName,
              ...[x.issued, x.called, x.served, x.noShows].map(String),
              ...measureCells(x),
            ]),
        ],
        [
          'counter',
          'quay',
          ['Quầy', 'Đã gọi', 'Đã phục vụ', 'Vắng mặt', 'Chuyển đi'],
          r.counters.rows
            .concat(r.counters.total)
            .map((x) => [
              x.name,
              ...[x.called, x.served, x.noShows, x.transferred].map(String),
              ...measureCells(x),
            ]),
        ],
        [
          'officer',
          'can-bo',
          ['Cán bộ', 'Tên đăng nhập', 'Đã gọi', 'Đã phục vụ', 'Vắng mặt', 'Chuyển đi'],
          r.officers.rows
            .concat(r.officers.total)
            .map((x) => [
              x.name,
              x.username ?? '',
              ...[x.called, x.served, x.noShows, x.transferred].map(String),
              ...measureCells(x),
            ]),
        ],
      ] as const;
      for (const [group, slug, firstHeadings, rows] of groups) {
        const { res, bytes, text } = await download(`from=${day.date}&to=${day.date}&group=${group}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        expect(res.headers.get('content-disposition')).toBe(
          `attachment; filename="bao-cao-${day.date}_${day.date}-${slug}.csv"`,
        );
        expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
        const csv = parseCsv(text.slice(1));
        const headings = csv[0]!;
        expect(headings.slice(0, firstHeadings.length)).toEqual(firstHeadings);
        expect(headings.slice(firstHeadings.length)).toEqual([
          'Chờ trung bình (giây)',
          'Chờ tối đa (giây)',
          'Phục vụ trung bình (giây)',
          'Chờ quá 15 phút (phiếu)',
          'Chờ quá 15 phút (%)',
          'Rất hài lòng (phiếu)',
          'Rất hài lòng (%)',
          'Hài lòng (phiếu)',
          'Hài lòng (%)',
          'Không hài lòng (phiếu)',
          'Không hài lòng (%)',
          'Phiếu đánh giá',
          'Tổng điểm',
          'Điểm TB',
        ]);
        expect(csv.slice(1)).toEqual(rows);
      }
    });

    it('quotes cells with commas and quotes, and writes the literal numbers', async () => {
      const { text } = await download(`from=${day.date}&to=${day.date}&group=procedure`);
      expect(text).toContain(
        '\r\n"Cấp xác nhận số chứng minh nhân dân 09 số, số định danh cá nhân",Căn cước,1,1,1,0,3900,3900,600,1,100,1,100,0,0,0,0,1,2,2\r\n',
      );
      expect(text).toContain('\r\nTổng cộng,,6,5,4,1,1368,3900,675,3,60,2,50,1,25,1,25,4,5,1.25\r\n');
      const officers = await download(`from=${day.date}&to=${day.date}&group=officer`);
      expect(officers.text).toContain('\r\n"Phạm Văn ""Ba""",canbo3,1,0,0,1,300,300,,0,0,0,,0,,0,,0,0,\r\n');
    });

    it('follows the target and defaults to the procedure table', async () => {
      const { res, text } = await download(`from=${day.date}&to=${day.date}&target=20`);
      expect(res.headers.get('content-disposition')).toContain('-thu-tuc.csv');
      const csv = parseCsv(text.slice(1));
      expect(csv[0]).toContain('Chờ quá 20 phút (%)');
      expect(csv.at(-1)!.slice(9, 11)).toEqual(['1', '20']);
    });
  });

  describe('refusals', () => {
    const cases: [string, string, RegExp][] = [
      [
        'from=2026-11-30&to=2026-11-01',
        'bad_range',
        /Ngày bắt đầu \(2026-11-30\) phải trước hoặc bằng ngày kết thúc/,
      ],
      ['from=2026-02-30&to=2026-03-01', 'bad_date', /Ngày bắt đầu "2026-02-30" không phải ngày hợp lệ/],
      ['from=2026-11-01&to=30/11/2026', 'bad_date', /Ngày kết thúc "30\/11\/2026" không phải ngày hợp lệ/],
      ['from=hôm%20nay', 'bad_date', /không phải ngày hợp lệ; hãy dùng dạng NNNN-TT-NN/],
      ['from=2025-01-01&to=2026-01-02', 'range_too_long', /dài 367 ngày; mỗi báo cáo tối đa 366 ngày/],
      ['target=0', 'bad_target', /Mục tiêu thời gian chờ "0" không hợp lệ/],
      ['target=abc', 'bad_target', /từ 1 đến 600/],
      ['target=7.5', 'bad_target', /"7.5"/],
    ];
    for (const [query, code, message] of cases) {
      it(`refuses ${query} with 400 ${code}`, async () => {
        for (const path of ['/api/reports', '/api/reports.csv']) {
          const res = await admin(`${path}?${query}`);
          expect(res.status).toBe(400);
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe(code);
          expect(body.error.message).toMatch(message);
        }
      });
    }

    it('refuses an unknown CSV group', async () => {
      const res = await admin(`/api/reports.csv?from=${day.date}&to=${day.date}&group=quay`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 'bad_group',
          message:
            'Nhóm "quay" không hợp lệ; hãy chọn procedure (thủ tục), counter (quầy) hoặc officer (cán bộ).',
        },
      });
    });

    it('is for administrators: an officer gets 403, nobody signed in 401', async () => {
      const officer = t.as(day.officerCookie);
      for (const path of [
        `/api/reports?from=${day.date}`,
        `/api/reports.csv?from=${day.date}&group=officer`,
      ]) {
        const forbidden = await officer(path);
        expect(forbidden.status).toBe(403);
        expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('forbidden');
        const anonymous = await fetch(`${t.httpUrl}${path}`);
        expect(anonymous.status).toBe(401);
        expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('not_signed_in');
      }
    });
  });
});
