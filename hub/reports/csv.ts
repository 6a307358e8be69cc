// One table of a report as CSV for spreadsheets: UTF-8 with a byte-order
// mark (so Excel reads the Vietnamese letters), comma-separated, CRLF line
// ends (RFC 4180). Numbers are written exactly as in the JSON report (dot
// decimals, whole seconds) so the two always agree; an empty cell is a
// number the JSON gives as null.

import { reportsText } from '../../shared/text/vi/reports.js';
import { fillText } from '../../shared/text/vi.js';
import type { CounterRow, Measures, OfficerRow, ProcedureRow, Report, ReportTable } from './report.js';

export const REPORT_GROUPS = ['procedure', 'counter', 'officer'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];

/** Part of the download's file name per group (ASCII, no diacritics). */
export const GROUP_SLUGS: Record<ReportGroup, string> = {
  procedure: 'thu-tuc',
  counter: 'quay',
  officer: 'can-bo',
};

export function csvFileName(report: Pick<Report, 'from' | 'to'>, group: ReportGroup): string {
  return `bao-cao-${report.from}_${report.to}-${GROUP_SLUGS[group]}.csv`;
}

type Cell = string | number | null;

/** Quote a cell if it holds a comma, quote or line break; numbers and null as they are. */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  // A name that starts like a formula would run as one in a spreadsheet.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const C = reportsText.columns;

function measureHeadings(report: Report): string[] {
  const target = { target: report.targetMinutes };
  return [
    C.averageWaitSeconds,
    C.maxWaitSeconds,
    C.averageServiceSeconds,
    fillText(C.overTargetCount, target),
    fillText(C.overTargetPercent, target),
    ...report.ratingLevels.flatMap((l) => [
      fillText(C.levelCount, { level: l.name }),
      fillText(C.levelPercent, { level: l.name }),
    ]),
    C.ballots,
    C.scoreSum,
    C.averageScore,
  ];
}

function measureCells(m: Measures): Cell[] {
  return [
    m.averageWaitSeconds,
    m.maxWaitSeconds,
    m.averageServiceSeconds,
    m.overTargetCount,
    m.overTargetPercent,
    ...m.ratings.flatMap((r) => [r.count, r.percent]),
    m.ballots,
    m.scoreSum,
    m.averageScore,
  ];
}

/** The keys of a row whose values are cells. */
type CellKey<R> = { [K in keyof R]: R[K] extends Cell ? K : never }[keyof R];
/** A column before the measures: its heading beside the row's key, so the two never drift apart. */
type Column<R> = readonly [heading: string, key: CellKey<R>];

/** Every table counts these for each row. */
const COUNTS: readonly Column<Measures>[] = [
  [C.called, 'called'],
  [C.served, 'served'],
  [C.noShows, 'noShows'],
];

function cellsOf<R extends Measures>(
  report: Report,
  table: ReportTable<R>,
  columns: readonly Column<R>[],
): Cell[][] {
  const cells = (r: R): Cell[] => [...columns.map(([, key]) => r[key] as Cell), ...measureCells(r)];
  return [
    [...columns.map(([heading]) => heading), ...measureHeadings(report)],
    ...table.rows.map(cells),
    cells(table.total),
  ];
}

/** Headings and cells of one table, rows then the totals row. */
export function tableCells(report: Report, group: ReportGroup): Cell[][] {
  switch (group) {
    case 'procedure':
      return cellsOf<ProcedureRow>(report, report.procedures, [
        [C.procedure, 'name'],
        [C.field, 'fieldName'],
        [C.issued, 'issued'],
        ...COUNTS,
      ]);
    case 'counter':
      return cellsOf<CounterRow>(report, report.counters, [
        [C.counter, 'name'],
        ...COUNTS,
        [C.transferred, 'transferred'],
      ]);
    case 'officer':
      return cellsOf<OfficerRow>(report, report.officers, [
        [C.officer, 'name'],
        [C.username, 'username'],
        ...COUNTS,
        [C.transferred, 'transferred'],
      ]);
  }
}

export function reportCsv(report: Report, group: ReportGroup): string {
  const lines = tableCells(report, group).map((row) => row.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
