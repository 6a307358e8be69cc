// Reports page (/reports), for administrators: a range of service dates, the
// totals, two bar charts drawn as inline SVG (tickets per hour of day, wait
// distribution) and the tables per procedure, counter and officer, each
// with a CSV download of the same numbers. The hub computes every number
// (GET /api/reports); this page only lays them out.
import {
  $,
  ApiError,
  api,
  applyTexts,
  currentAccount,
  fill,
  fillText as fill1,
  h,
  officeDate,
  T,
  toSignIn,
} from '/assets/common.js';
import pageText from '/assets/text-reports.js';

/** @typedef {import('../../../shared/api/reports.js').Report} Report */

// This page's own words come in their own module, not in every page's text.js.
Object.assign(T, pageText);
const R = T.reports;
const C = R.columns;
const SVG = 'http://www.w3.org/2000/svg';

const form = $('range');
const errorBox = $('error');
const reportBox = $('report');

// ------------------------------------------------------------------ formatting

const integer = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });
const DASH = '—';

const fmt = {
  count: (n) => integer.format(n),
  /** Seconds as m:ss, or h:mm:ss from one hour. */
  duration(seconds) {
    if (seconds === null || seconds === undefined) return DASH;
    const s = Math.round(seconds);
    const hh = Math.floor(s / 3600);
    const mm = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
  },
  percent: (p) => (p === null || p === undefined ? DASH : `${oneDecimal.format(p)}%`),
  /** "3 (60%)": a count and its share; the share left out when there is nothing to share. */
  share: (count, percent) =>
    percent === null ? fmt.count(count) : `${fmt.count(count)} (${fmt.percent(percent)})`,
  score: (n) => (n === null || n === undefined ? DASH : twoDecimals.format(n)),
  /** 2026-11-30 → 30/11/2026 */
  date: (iso) => iso.split('-').reverse().join('/'),
};

// ------------------------------------------------------------------ dates

/** Hub time minus this browser's, from the last report (its generatedAt). */
let hubOffset = 0;

/** Today in the office's time zone (on the hub's clock), YYYY-MM-DD, whatever the browser's zone. */
function localDate() {
  return officeDate(Date.now() + hubOffset);
}

/** The office's date `days` before today: calendar arithmetic on the date itself. */
function daysBefore(days) {
  const [y, m, d] = localDate().split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

// ------------------------------------------------------------------ charts

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A round top for the value axis (1, 2, 5, 10, 20, 50…) and a step giving at most five grid lines. */
function scale(max) {
  const rounds = [];
  for (let magnitude = 1; rounds.length < 40; magnitude *= 10)
    rounds.push(magnitude, 2 * magnitude, 5 * magnitude);
  const top = rounds.find((r) => r >= max) ?? max;
  const step = rounds.find((r) => top / r <= 5) ?? top;
  return { top, step };
}

/**
 * A bar chart as SVG built from DOM calls (no chart library, no inline
 * style). `bars`: [{ label, value, title }]; every bar is a rect.bar, also
 * those of height 0, so the chart always shows the full axis.
 */
function barChart(bars, { label, axis }) {
  const W = 560;
  const H = 260;
  const left = 40;
  const right = 10;
  const top = 16;
  const bottom = axis ? 44 : 30;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const { top: max, step } = scale(Math.max(0, ...bars.map((b) => b.value)));
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(4, slot * 0.68);
  const y = (v) => top + plotH - (v / max) * plotH;

  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': label,
    class: 'bar-chart',
  });
  chart.append(svg('title', {}, label));
  // Grid lines with their values, from 0 to the top.
  for (let v = 0; v <= max; v += step) {
    chart.append(
      svg('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }),
    );
    chart.append(
      svg('text', { x: left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmt.count(v)),
    );
  }
  bars.forEach((b, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    const height = (b.value / max) * plotH;
    const rect = svg('rect', {
      x,
      y: top + plotH - height,
      width: barW,
      height,
      class: b.value > 0 ? 'bar' : 'bar zero',
      'data-label': b.label,
      'data-value': b.value,
    });
    rect.append(svg('title', {}, b.title));
    chart.append(rect);
    if (b.value > 0) {
      chart.append(
        svg(
          'text',
          { x: x + barW / 2, y: top + plotH - height - 4, class: 'value', 'text-anchor': 'middle' },
          fmt.count(b.value),
        ),
      );
    }
    chart.append(
      svg('text', { x: x + barW / 2, y: top + plotH + 16, class: 'tick', 'text-anchor': 'middle' }, b.label),
    );
  });
  if (axis)
    chart.append(
      svg('text', { x: left + plotW / 2, y: H - 6, class: 'axis-label', 'text-anchor': 'middle' }, axis),
    );
  return chart;
}

/** Office hours at least (7:00–17:59), widened to every hour that has tickets. */
function hoursChart(hours) {
  const busy = hours.filter((x) => x.issued > 0).map((x) => x.hour);
  const first = Math.min(7, ...busy);
  const last = Math.max(17, ...busy);
  const bars = hours
    .filter((x) => x.hour >= first && x.hour <= last)
    .map((x) => ({
      label: String(x.hour),
      value: x.issued,
      title: `${x.hour}:00–${x.hour}:59: ${fmt.count(x.issued)} ${R.charts.tickets}`,
    }));
  return barChart(bars, { label: R.charts.hours, axis: R.charts.hoursAxis });
}

function waitsChart(buckets) {
  const bars = buckets.map((b) => {
    const label = b.toMinutes === null ? `${b.fromMinutes}+` : `${b.fromMinutes}–${b.toMinutes}`;
    return {
      label,
      value: b.count,
      title: `${label} ${T.common.minutes}: ${fmt.count(b.count)} ${R.charts.tickets}`,
    };
  });
  return barChart(bars, { label: R.charts.waits, axis: T.common.minutes });
}

// ------------------------------------------------------------------ tables

/** Columns of the measures every table shares (the CSV has the same, split into count and %). */
function measureColumns(report) {
  return [
    { head: C.averageWait, cell: (r) => fmt.duration(r.averageWaitSeconds), num: true },
    { head: C.maxWait, cell: (r) => fmt.duration(r.maxWaitSeconds), num: true },
    { head: C.averageService, cell: (r) => fmt.duration(r.averageServiceSeconds), num: true },
    {
      head: fill1(C.overTarget, { target: report.targetMinutes }),
      cell: (r) => fmt.share(r.overTargetCount, r.overTargetPercent),
      num: true,
    },
    ...report.ratingLevels.map((l, i) => ({
      head: l.name,
      cell: (r) => fmt.share(r.ratings[i].count, r.ratings[i].percent),
      num: true,
    })),
    { head: C.ballots, cell: (r) => fmt.count(r.ballots), num: true },
    { head: C.scoreSum, cell: (r) => fmt.count(r.scoreSum), num: true },
    { head: C.averageScore, cell: (r) => fmt.score(r.averageScore), num: true },
  ];
}

/** Per table: the columns naming a row, then the counts (each column headed by its key's text). */
const GROUPS = {
  procedure: {
    names: [
      { head: C.procedure, cell: (r) => r.name, cls: 'name' },
      { head: C.field, cell: (r) => r.fieldName, cls: 'muted' },
    ],
    counts: ['issued', 'called', 'served', 'noShows'],
  },
  counter: {
    names: [{ head: C.counter, cell: (r) => r.name, cls: 'name' }],
    counts: ['called', 'served', 'noShows', 'transferred'],
  },
  officer: {
    names: [
      { head: C.officer, cell: (r) => r.name, cls: 'name' },
      { head: C.username, cell: (r) => r.username ?? '', cls: 'muted' },
    ],
    counts: ['called', 'served', 'noShows', 'transferred'],
  },
};

function columnsFor(group, report) {
  const { names, counts } = GROUPS[group];
  return [
    ...names,
    ...counts.map((key) => ({ head: C[key], cell: (r) => fmt.count(r[key]), num: true })),
    ...measureColumns(report),
  ];
}

function table(el, group, report, data) {
  const columns = columnsFor(group, report);
  const row = (r, cls) =>
    h(
      'tr',
      { class: cls },
      columns.map((c) =>
        h('td', { class: [c.num ? 'num' : '', c.cls ?? ''].join(' ').trim() || undefined }, c.cell(r)),
      ),
    );
  fill(
    el,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.head)),
      ),
    ),
    h(
      'tbody',
      {},
      data.rows.map((r) => row(r)),
    ),
    h('tfoot', {}, row(data.total, 'total')),
  );
}

// ------------------------------------------------------------------ page

function csvHref(report, group) {
  const q = new URLSearchParams({
    from: report.from,
    to: report.to,
    group,
    target: String(report.targetMinutes),
  });
  return `/api/reports.csv?${q}`;
}

/** The range as a day-simulator profile (GET /api/reports/profile; the hub names the file). */
function profileHref(report) {
  const q = new URLSearchParams({ from: report.from, to: report.to, target: String(report.targetMinutes) });
  return `/api/reports/profile?${q}`;
}

function tile(label, value, detail) {
  return h(
    'div',
    { class: 'tile card' },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value' }, value),
    detail ? h('div', { class: 'tile-detail muted' }, detail) : null,
  );
}

/** @param {Report} report */
function render(report) {
  const p = report.procedures.total;
  $('heading').textContent =
    report.from === report.to
      ? fill1(R.headingOneDay, { from: fmt.date(report.from) })
      : fill1(R.heading, { from: fmt.date(report.from), to: fmt.date(report.to) });
  $('target-note').textContent = fill1(R.targetNote, { target: report.targetMinutes });
  const empty = $('empty');
  empty.textContent = R.empty;
  empty.hidden = p.issued > 0 || p.ballots > 0;

  fill(
    $('tiles'),
    tile(R.tiles.issued, fmt.count(p.issued)),
    tile(R.tiles.served, fmt.count(p.served)),
    tile(R.tiles.noShows, fmt.count(p.noShows)),
    tile(R.tiles.averageWait, fmt.duration(p.averageWaitSeconds)),
    tile(
      R.tiles.overTarget,
      fmt.percent(p.overTargetPercent),
      `${fmt.count(p.overTargetCount)} / ${fmt.count(p.waitCount)} ${R.charts.tickets}`,
    ),
    tile(
      R.tiles.averageScore,
      fmt.score(p.averageScore),
      `${fmt.count(p.ballots)} ${C.ballots.toLowerCase()}`,
    ),
  );

  fill($('hours-chart'), hoursChart(report.hours));
  fill($('waits-chart'), waitsChart(report.waitDistribution));

  const tables = { procedure: report.procedures, counter: report.counters, officer: report.officers };
  for (const [group, data] of Object.entries(tables)) {
    table($(`${group}-table`), group, report, data);
    const link = $(`${group}-csv`);
    // The hub names the file (Content-Disposition), e.g. bao-cao-2026-11-01_2026-11-30-thu-tuc.csv.
    link.href = csvHref(report, group);
  }

  $('profile-json').href = profileHref(report);

  const levels = report.ratingLevels.map((l) => `${l.name} ${l.score}`).join(', ');
  fill(
    $('notes'),
    [...R.notes, fill1(R.scoresNote, { levels })].map((n) => h('li', {}, n)),
  );
  reportBox.hidden = false;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.className = message ? 'notice error' : 'notice error hidden';
}

let loading = 0;
async function load(params) {
  const mine = ++loading;
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  $('show').disabled = true;
  try {
    const query = q.toString();
    /** @type {Report} */
    const report = await api('GET', query ? `/api/reports?${query}` : '/api/reports');
    if (mine !== loading) return;
    hubOffset = report.generatedAt - Date.now();
    showError('');
    form.from.value = report.from;
    form.to.value = report.to;
    $('target').value = String(report.targetMinutes);
    render(report);
  } catch (e) {
    if (mine !== loading) return;
    if (e instanceof ApiError && e.status === 401) return toSignIn();
    showError(e instanceof Error ? e.message : String(e));
  } finally {
    if (mine === loading) $('show').disabled = false;
  }
}

function submit(from, to) {
  const params = { from, to, target: $('target').value.trim() };
  history.replaceState(
    null,
    '',
    `/reports?${new URLSearchParams(Object.entries(params).filter(([, v]) => v))}`,
  );
  return load(params);
}

async function start() {
  document.title = `${R.title} · ${T.common.appName}`;
  applyTexts();
  const account = await currentAccount().catch(() => null);
  if (!account) return toSignIn();
  $('who').textContent = account.displayName;
  $('sign-out').addEventListener('click', async () => {
    await api('DELETE', '/api/session').catch(() => {});
    location.href = '/login?next=/reports';
  });
  if (account.role !== 'admin') {
    showError(R.adminOnly);
    return;
  }
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(form.from.value, form.to.value);
  });
  $('quick-today').addEventListener('click', () => submit(localDate(), localDate()));
  $('quick-week').addEventListener('click', () => submit(daysBefore(6), localDate()));
  $('quick-month').addEventListener('click', () => submit(`${localDate().slice(0, 8)}01`, localDate()));

  // The range from the address (so a report can be bookmarked), else the hub's today.
  const q = new URLSearchParams(location.search);
  await load({ from: q.get('from') ?? '', to: q.get('to') ?? '', target: q.get('target') ?? '' });
}

start();
