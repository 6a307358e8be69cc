// The reports page in real Chromium against a real hub holding a known day
// (test/helpers/report-day.ts): sign-in redirect, the tables against the
// API's numbers, the two SVG charts, and the CSV downloads against the
// tables on the page.

import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measures, Report } from '../../hub/reports/report.js';
import { parseProfile } from '../../simulate/profile.js';
import { launchBrowser, newPage, pageErrors, screenshot, signIn } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { buildKnownDay, type KnownDay, parseCsv } from '../helpers/report-day.js';

// ------------------------------------------------------------------ what the page should show

const integer = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });
const num = (cell: string) => (cell === '' ? null : Number(cell));

/** Seconds as m:ss, or h:mm:ss from an hour; "—" when empty. */
function duration(cell: string): string {
  const s = num(cell);
  if (s === null) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
const percent = (cell: string) => (cell === '' ? '—' : `${oneDecimal.format(Number(cell))}%`);
const share = (count: string, pct: string) =>
  pct === '' ? integer.format(Number(count)) : `${integer.format(Number(count))} (${percent(pct)})`;

/** Text columns before the counts, per table (name, and field or username). */
const TEXT_COLUMNS = { procedure: 2, counter: 1, officer: 2 } as const;
type Group = keyof typeof TEXT_COLUMNS;

/**
 * A CSV row as the page shows it: counts in Vietnamese number format,
 * seconds as m:ss, a count and its percentage in one cell.
 */
function csvRowAsPage(row: string[], group: Group, levels: number): string[] {
  const text = TEXT_COLUMNS[group];
  const counts = row.slice(text, text + 4).map((c) => integer.format(Number(c)));
  const m = row.slice(text + 4);
  const out = [...row.slice(0, text), ...counts, duration(m[0]!), duration(m[1]!), duration(m[2]!)];
  out.push(share(m[3]!, m[4]!));
  for (let i = 0; i < levels; i++) out.push(share(m[5 + 2 * i]!, m[6 + 2 * i]!));
  const rest = m.slice(5 + 2 * levels);
  out.push(integer.format(Number(rest[0])), integer.format(Number(rest[1])));
  out.push(rest[2] === '' ? '—' : twoDecimals.format(Number(rest[2])));
  return out;
}

/** A JSON row as its CSV cells (numbers as text, null as empty): the form csvRowAsPage reads. */
function jsonRowAsCsv(r: Measures & { name: string }, group: Group): string[] {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  const x = r as Measures & {
    name: string;
    fieldName?: string;
    username?: string | null;
    issued?: number;
    transferred?: number;
  };
  const lead =
    group === 'procedure'
      ? [x.name, x.fieldName ?? '', x.issued!, x.called, x.served, x.noShows]
      : group === 'counter'
        ? [x.name, x.called, x.served, x.noShows, x.transferred!]
        : [x.name, x.username ?? '', x.called, x.served, x.noShows, x.transferred!];
  return [
    ...lead.map((v) => (typeof v === 'number' ? String(v) : v)),
    cell(r.averageWaitSeconds),
    cell(r.maxWaitSeconds),
    cell(r.averageServiceSeconds),
    cell(r.overTargetCount),
    cell(r.overTargetPercent),
    ...r.ratings.flatMap((l) => [cell(l.count), cell(l.percent)]),
    cell(r.ballots),
    cell(r.scoreSum),
    cell(r.averageScore),
  ];
}

async function pageRows(page: Page, group: Group): Promise<string[][]> {
  const rows = page.locator(`#${group}-table tbody tr, #${group}-table tfoot tr`);
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    out.push((await rows.nth(i).locator('td').allTextContents()).map((c) => c.trim()));
  }
  return out;
}

// ------------------------------------------------------------------ tests

describe('reports page', () => {
  let browser: Browser;
  let t: TestHub;
  let day: KnownDay;

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await startTestHub();
    day = await buildKnownDay(t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows the day in tables and SVG charts, and downloads CSV files matching the tables', async () => {
    const { context, page } = await newPage(browser, { width: 1366, height: 900 });
    try {
      // Not signed in: to the sign-in page, and back to the reports after it.
      await page.goto(`${t.httpUrl}/reports`);
      await page.waitForURL(`${t.httpUrl}/login?next=%2Freports`);
      await signIn(page, t.httpUrl, 'quantri', day.adminPassword, '/reports');
      await page.waitForSelector('#procedure-table tbody tr');

      // Today by default, the hub's target.
      expect(await page.inputValue('#from')).toBe(day.date);
      expect(await page.inputValue('#to')).toBe(day.date);
      expect(await page.inputValue('#target')).toBe('15');
      const [y, mo, d] = day.date.split('-');
      expect(await page.textContent('#heading')).toBe(`Báo cáo ngày ${d}/${mo}/${y}`);

      const res = await t.as(day.adminCookie)(`/api/reports?from=${day.date}&to=${day.date}`);
      const report = (await res.json()) as Report;
      const levels = report.ratingLevels.length;
      const tables = { procedure: report.procedures, counter: report.counters, officer: report.officers };

      // Every table row, then the totals row, shows the API's numbers.
      for (const [group, data] of Object.entries(tables) as [Group, Report['procedures']][]) {
        const expected = [...data.rows, data.total].map((r) =>
          csvRowAsPage(jsonRowAsCsv(r, group), group, levels),
        );
        expect(await pageRows(page, group), group).toEqual(expected);
      }
      // The same, written out for a person reading this test: the totals of the procedure table.
      expect((await pageRows(page, 'procedure')).at(-1)).toEqual([
        'Tổng cộng',
        '',
        '6',
        '5',
        '4',
        '1',
        '22:48', // 1368 s
        '1:05:00', // 3900 s
        '11:15', // 675 s
        '3 (60%)',
        '2 (50%)',
        '1 (25%)',
        '1 (25%)',
        '4',
        '5',
        '1,25',
      ]);
      expect(await page.locator('#procedure-table thead th').allTextContents()).toEqual([
        'Thủ tục',
        'Lĩnh vực',
        'Số phiếu cấp',
        'Đã gọi',
        'Đã phục vụ',
        'Vắng mặt',
        'Chờ TB',
        'Chờ tối đa',
        'Phục vụ TB',
        'Chờ quá 15 phút',
        'Rất hài lòng',
        'Hài lòng',
        'Không hài lòng',
        'Phiếu đánh giá',
        'Tổng điểm',
        'Điểm TB',
      ]);

      // Tickets per hour: office hours 7–17, one bar each; the bars carry the API's counts.
      const hourBars = page.locator('#hours-chart svg rect.bar');
      expect(await hourBars.count()).toBe(11);
      const hourValues: [string | null, string | null][] = [];
      for (let i = 0; i < 11; i++) {
        hourValues.push([
          await hourBars.nth(i).getAttribute('data-label'),
          await hourBars.nth(i).getAttribute('data-value'),
        ]);
      }
      expect(hourValues).toEqual(
        report.hours
          .filter((h) => h.hour >= 7 && h.hour <= 17)
          .map((h) => [String(h.hour), String(h.issued)]),
      );
      expect(hourValues.filter(([, v]) => v !== '0')).toEqual([
        ['8', '3'],
        ['9', '2'],
        ['10', '1'],
      ]);
      // Taller bar for more tickets.
      const height = async (i: number) => Number(await hourBars.nth(i).getAttribute('height'));
      expect(await height(1)).toBeGreaterThan(await height(2));
      expect(await height(2)).toBeGreaterThan(await height(3));
      expect(await height(0)).toBe(0);

      // Wait distribution: six buckets.
      const waitBars = page.locator('#waits-chart svg rect.bar');
      expect(await waitBars.count()).toBe(6);
      const waitValues: (string | null)[] = [];
      for (let i = 0; i < 6; i++) waitValues.push(await waitBars.nth(i).getAttribute('data-value'));
      expect(waitValues).toEqual(report.waitDistribution.map((b) => String(b.count)));
      expect(await page.locator('#waits-chart svg text.tick').allTextContents()).toEqual(
        expect.arrayContaining(['0–5', '5–10', '10–15', '15–30', '30–60', '60+']),
      );

      // Each CSV link downloads a file whose rows are the page's table.
      const slugs = { procedure: 'thu-tuc', counter: 'quay', officer: 'can-bo' } as const;
      for (const group of Object.keys(slugs) as Group[]) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${group}-csv`)]);
        expect(download.suggestedFilename()).toBe(`bao-cao-${day.date}_${day.date}-${slugs[group]}.csv`);
        const bytes = readFileSync((await download.path())!);
        expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
        const csv = parseCsv(bytes.subarray(3).toString('utf8'));
        expect(csv.slice(1).map((row) => csvRowAsPage(row, group, levels))).toEqual(
          await pageRows(page, group),
        );
      }

      await screenshot(page, 'reports');

      // A range that ends before it starts: the hub's message, the tables stay.
      await page.fill('#from', day.date);
      await page.fill('#to', '2020-01-01');
      await page.click('#show');
      await page.waitForSelector('#error:not(.hidden)');
      expect(await page.textContent('#error')).toBe(
        `Ngày bắt đầu (${day.date}) phải trước hoặc bằng ngày kết thúc (2020-01-01).`,
      );

      // Two days: the ticket of the day before is counted, and shows in the address.
      await page.fill('#from', day.before);
      await page.fill('#to', day.date);
      await page.click('#show');
      await page.waitForSelector('#error.hidden', { state: 'attached' });
      await expect.poll(async () => (await pageRows(page, 'procedure')).at(-1)?.[2]).toBe('7');
      expect(page.url()).toContain(`from=${day.before}&to=${day.date}`);
      expect(await page.locator('#hours-chart svg rect.bar').count()).toBe(11);
      expect(await page.getAttribute('#procedure-csv', 'href')).toBe(
        `/api/reports.csv?from=${day.before}&to=${day.date}&group=procedure&target=15`,
      );
      // The same range as a day-simulator profile, downloaded through the page's own link.
      const profileHref = `/api/reports/profile?from=${day.before}&to=${day.date}&target=15`;
      expect(await page.getAttribute('#profile-json', 'href')).toBe(profileHref);
      expect(await page.textContent('#profile-json')).toBe('Tải hồ sơ cho bộ mô phỏng (JSON)');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#profile-json')]);
      expect(download.suggestedFilename()).toBe(`profile-${day.before}-${day.date}.json`);
      const profile = parseProfile(readFileSync(await download.path(), 'utf8'), 'the downloaded profile');
      expect(profile.source).toMatch(/2 day\(s\) with tickets, 7 tickets/);
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('tells an officer that reports are for administrators', async () => {
    const { context, page } = await newPage(browser);
    try {
      const password = await t.addAccount('canbo9', 'officer');
      await signIn(page, t.httpUrl, 'canbo9', password, '/reports');
      await page.waitForSelector('#error:not(.hidden)');
      expect(await page.textContent('#error')).toBe('Chỉ tài khoản quản trị được xem báo cáo.');
      expect(await page.locator('#range').isHidden()).toBe(true);
      expect(await page.locator('#report').isHidden()).toBe(true);
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
