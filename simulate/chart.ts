// One picture of a simulated day (PNG, drawn with @napi-rs/canvas in DejaVu
// Sans): the waiting line and ready counters over the day, every citizen's
// wait against the target, how busy each counter was hour by hour, the
// printed estimate against the real wait (new and former), and how long
// each call waited for the loudspeaker.

import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { loadTicketFonts, TICKET_FONT_FAMILY } from '../edge/kiosk/ticket-render.js';
import { simulateText as T } from '../shared/text/vi/simulate.js';
import { fillText } from '../shared/text/vi.js';
import type { DayResult } from './day.js';
import type { DayFigures } from './metrics.js';
import { quantile } from './metrics.js';

const W = 1800;
const H = 1500;
const COLORS = {
  ink: '#1f2933',
  muted: '#67727e',
  grid: '#e4e7eb',
  line: '#2f6fde',
  ready: '#1b998b',
  bars: '#c9d6ea',
  ok: '#2a9d55',
  over: '#d64545',
  target: '#d64545',
  old: '#9aa5b1',
  short: '#e07b00',
} as const;

const font = (px: number, bold = false) => `${bold ? 'bold ' : ''}${px}px "${TICKET_FONT_FAMILY}"`;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A plot area inside a panel with axes from (x0..x1, y0..y1) data units. */
class Plot {
  constructor(
    readonly ctx: SKRSContext2D,
    readonly box: Box,
    readonly x0: number,
    readonly x1: number,
    readonly y0: number,
    readonly y1: number,
  ) {}
  px(x: number) {
    return this.box.x + ((x - this.x0) / (this.x1 - this.x0 || 1)) * this.box.w;
  }
  py(y: number) {
    return this.box.y + this.box.h - ((y - this.y0) / (this.y1 - this.y0 || 1)) * this.box.h;
  }
  grid(xTicks: number[], yTicks: number[], xLabel: (x: number) => string, yLabel: (y: number) => string) {
    const { ctx, box } = this;
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.fillStyle = COLORS.muted;
    ctx.font = font(15);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const y of yTicks) {
      ctx.beginPath();
      ctx.moveTo(box.x, this.py(y));
      ctx.lineTo(box.x + box.w, this.py(y));
      ctx.stroke();
      ctx.fillText(yLabel(y), box.x - 8, this.py(y));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const x of xTicks) {
      ctx.beginPath();
      ctx.moveTo(this.px(x), box.y);
      ctx.lineTo(this.px(x), box.y + box.h);
      ctx.stroke();
      ctx.fillText(xLabel(x), this.px(x), box.y + box.h + 6);
    }
    ctx.strokeStyle = COLORS.muted;
    ctx.strokeRect(box.x, box.y, box.w, box.h);
  }
}

function niceStep(max: number, ticks = 5): number {
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}
const range = (from: number, to: number, step: number) => {
  const out: number[] = [];
  for (let v = from; v <= to + 1e-9; v += step) out.push(Number(v.toFixed(6)));
  return out;
};
const hh = (seconds: number) => `${Math.floor(seconds / 3600)}h`;

function title(ctx: SKRSContext2D, box: Box, text: string) {
  ctx.fillStyle = COLORS.ink;
  ctx.font = font(20, true);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(text, box.x, box.y - 14);
}

function legend(ctx: SKRSContext2D, x: number, y: number, items: [string, string][]) {
  ctx.font = font(15);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let cx = x;
  for (const [color, label] of items) {
    ctx.fillStyle = color;
    ctx.fillRect(cx, y - 6, 14, 12);
    ctx.fillStyle = COLORS.ink;
    ctx.fillText(label, cx + 20, y);
    cx += 30 + ctx.measureText(label).width;
  }
}

/** The day's span on the x axis: from the first opening to the last call, whole hours. */
function daySpan(day: DayResult): [number, number] {
  const times = [...day.series.map((s) => s.at), ...day.tickets.map((t) => t.issuedAt)];
  const first = Math.min(...times);
  const last = Math.max(...times, ...day.calls.map((c) => c.spokenAt));
  return [Math.floor(first / 3600) * 3600, Math.ceil(last / 3600) * 3600];
}

function linePanel(ctx: SKRSContext2D, box: Box, day: DayResult) {
  title(ctx, box, T.line);
  const [t0, t1] = daySpan(day);
  const perHour = new Map<number, number>();
  for (const t of day.tickets)
    perHour.set(Math.floor(t.issuedAt / 3600), (perHour.get(Math.floor(t.issuedAt / 3600)) ?? 0) + 1);
  const maxY = Math.max(10, ...day.series.map((s) => s.waiting), ...perHour.values());
  const step = niceStep(maxY);
  const p = new Plot(ctx, box, t0, t1, 0, Math.ceil(maxY / step) * step);
  p.grid(range(t0, t1, 3600), range(0, p.y1, step), hh, (y) => String(y));
  ctx.fillStyle = COLORS.bars;
  for (const [h, n] of perHour) {
    ctx.fillRect(p.px(h * 3600) + 4, p.py(n), p.px(3600) - p.px(0) - 8, p.py(0) - p.py(n));
  }
  ctx.strokeStyle = COLORS.line;
  ctx.lineWidth = 3;
  ctx.beginPath();
  day.series.forEach((s, i) => {
    if (i === 0) ctx.moveTo(p.px(s.at), p.py(s.waiting));
    else ctx.lineTo(p.px(s.at), p.py(s.waiting));
  });
  ctx.stroke();
  // Ready counters on their own scale, at the right.
  const maxReady = Math.max(1, ...day.series.map((x) => x.ready), day.counters.length);
  const r = new Plot(ctx, box, t0, t1, 0, maxReady * 1.25);
  ctx.fillStyle = COLORS.ready;
  ctx.font = font(15);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (let n = 0; n <= maxReady; n += Math.max(1, Math.ceil(maxReady / 5)))
    ctx.fillText(String(n), box.x + box.w + 8, r.py(n));
  ctx.strokeStyle = COLORS.ready;
  ctx.lineWidth = 2;
  ctx.beginPath();
  day.series.forEach((x, i) => {
    if (i === 0) ctx.moveTo(r.px(x.at), r.py(x.ready));
    else {
      ctx.lineTo(r.px(x.at), r.py(day.series[i - 1]!.ready));
      ctx.lineTo(r.px(x.at), r.py(x.ready));
    }
  });
  ctx.stroke();
  legend(ctx, box.x + 10, box.y + 18, [
    [COLORS.line, T.waiting],
    [COLORS.ready, `${T.ready} (${T.rightAxis})`],
    [COLORS.bars, T.arrivals],
  ]);
}

function waitsPanel(ctx: SKRSContext2D, box: Box, day: DayResult, figures: DayFigures) {
  title(ctx, box, T.waits);
  const [t0, t1] = daySpan(day);
  const target = day.targetWaitMinutes;
  const waits = day.tickets.filter((t) => t.waitSeconds !== null);
  const maxY = Math.max(target * 1.5, ...waits.map((t) => t.waitSeconds! / 60));
  const step = niceStep(maxY);
  const p = new Plot(ctx, box, t0, t1, 0, Math.ceil(maxY / step) * step);
  p.grid(range(t0, t1, 3600), range(0, p.y1, step), hh, (y) => String(y));
  for (const t of waits) {
    const m = t.waitSeconds! / 60;
    ctx.fillStyle = m <= target ? COLORS.ok : COLORS.over;
    ctx.globalAlpha = 0.55;
    ctx.beginPath();
    ctx.arc(p.px(t.issuedAt), p.py(m), 3, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  ctx.strokeStyle = COLORS.target;
  ctx.setLineDash([8, 6]);
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(box.x, p.py(target));
  ctx.lineTo(box.x + box.w, p.py(target));
  ctx.stroke();
  ctx.setLineDash([]);
  // The 90th percentile of the waits of tickets issued in each hour.
  ctx.strokeStyle = COLORS.ink;
  ctx.lineWidth = 2;
  ctx.beginPath();
  let first = true;
  for (let h = t0 / 3600; h < t1 / 3600; h++) {
    const inHour = waits.filter((t) => Math.floor(t.issuedAt / 3600) === h).map((t) => t.waitSeconds! / 60);
    const q = quantile(inHour, 0.9);
    if (q === null) continue;
    if (first) ctx.moveTo(p.px(h * 3600 + 1800), p.py(q));
    else ctx.lineTo(p.px(h * 3600 + 1800), p.py(q));
    first = false;
  }
  ctx.stroke();
  legend(ctx, box.x + 10, box.y + 18, [
    [COLORS.ok, T.withinTarget],
    [COLORS.over, T.overTarget],
    [COLORS.target, fillText(T.target, { minutes: target })],
    [COLORS.ink, T.p90],
  ]);
  ctx.fillStyle = COLORS.ink;
  ctx.font = font(16, true);
  ctx.textAlign = 'right';
  ctx.fillText(
    fillText(T.serviceLevel, { share: percent(figures.waits.serviceLevel) }),
    box.x + box.w - 10,
    box.y + 46,
  );
}

function usePanel(ctx: SKRSContext2D, box: Box, day: DayResult) {
  title(ctx, box, T.use);
  const [t0, t1] = daySpan(day);
  const rows = day.counters;
  const labelW = 90;
  const plot: Box = { x: box.x + labelW, y: box.y, w: box.w - labelW, h: box.h };
  const p = new Plot(ctx, plot, t0, t1, 0, rows.length);
  const rowH = plot.h / rows.length;
  rows.forEach((c, i) => {
    const y = plot.y + i * rowH;
    ctx.fillStyle = COLORS.ink;
    ctx.font = font(15);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(fillText(T.counter, { id: c.id }), box.x + labelW - 8, y + rowH / 2);
    for (let h = t0 / 3600; h < t1 / 3600; h++) {
      const staffed = c.staffed[h] ?? 0;
      if (staffed < 60) continue;
      const use = Math.min(1, (c.busy[h] ?? 0) / staffed);
      ctx.fillStyle = heat(use);
      const x = p.px(h * 3600);
      const w = p.px((h + 1) * 3600) - x;
      ctx.fillRect(x + 1, y + 2, w - 2, rowH - 4);
      ctx.fillStyle = use > 0.6 ? '#ffffff' : COLORS.ink;
      ctx.textAlign = 'center';
      ctx.font = font(13);
      ctx.fillText(`${Math.round(use * 100)}%`, x + w / 2, y + rowH / 2);
    }
  });
  ctx.fillStyle = COLORS.muted;
  ctx.font = font(15);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const x of range(t0, t1, 3600)) ctx.fillText(hh(x), p.px(x), plot.y + plot.h + 6);
}

/** White (idle) to deep blue (always busy). */
function heat(use: number): string {
  const a = [235, 242, 250];
  const b = [22, 72, 160];
  const c = a.map((v, i) => Math.round(v + (b[i]! - v) * use));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

function estimatePanel(ctx: SKRSContext2D, box: Box, day: DayResult, figures: DayFigures) {
  title(ctx, box, T.estimate);
  const pairs = day.tickets.filter((t) => t.waitSeconds !== null && t.estimate !== null);
  const maxV = Math.max(
    10,
    ...pairs.map((t) => Math.max(t.waitSeconds!, t.estimate!.seconds, t.oldEstimate ?? 0) / 60),
  );
  const top = Math.min(
    maxV,
    quantile(
      pairs.map((t) => t.waitSeconds! / 60),
      0.99,
    )! * 1.3 || maxV,
  );
  const step = niceStep(top);
  const lim = Math.ceil(top / step) * step;
  const p = new Plot(ctx, box, 0, lim, 0, lim);
  p.grid(
    range(0, lim, step),
    range(0, lim, step),
    (x) => String(x),
    (y) => String(y),
  );
  // ±20 % band around the diagonal.
  ctx.fillStyle = 'rgba(42, 157, 85, 0.10)';
  ctx.beginPath();
  ctx.moveTo(p.px(0), p.py(0));
  ctx.lineTo(p.px(lim), p.py(lim / 1.2));
  ctx.lineTo(p.px(lim / 1.2), p.py(lim));
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = COLORS.muted;
  ctx.beginPath();
  ctx.moveTo(p.px(0), p.py(0));
  ctx.lineTo(p.px(lim), p.py(lim));
  ctx.stroke();
  const dot = (x: number, y: number, color: string) => {
    if (x > lim || y > lim) return;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(p.px(x), p.py(y), 3, 0, 2 * Math.PI);
    ctx.fill();
  };
  ctx.globalAlpha = 0.45;
  for (const t of pairs) if (t.oldEstimate !== null) dot(t.oldEstimate / 60, t.waitSeconds! / 60, COLORS.old);
  ctx.globalAlpha = 0.6;
  for (const t of pairs) dot(t.estimate!.seconds / 60, t.waitSeconds! / 60, COLORS.line);
  ctx.globalAlpha = 1;
  const items: [string, string][] = [
    [COLORS.line, fillText(T.estimateNew, { error: errorText(figures.estimate.new.medianAbsErrorSeconds) })],
  ];
  if (figures.estimate.old) {
    items.push([
      COLORS.old,
      fillText(T.estimateOld, { error: errorText(figures.estimate.old.medianAbsErrorSeconds) }),
    ]);
  }
  legend(ctx, box.x + 10, box.y + 18, items);
  ctx.fillStyle = COLORS.muted;
  ctx.font = font(15);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  ctx.fillText(T.estimated, box.x + box.w - 6, box.y + box.h - 6);
  ctx.save();
  ctx.translate(box.x + 16, box.y + 60);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  ctx.fillText(T.actual, 0, 0);
  ctx.restore();
}

function lagPanel(ctx: SKRSContext2D, box: Box, day: DayResult, figures: DayFigures) {
  title(ctx, box, T.lag);
  const [t0, t1] = daySpan(day);
  const spoken = day.calls.filter((c) => c.form !== 'folded');
  const maxY = Math.max(10, ...spoken.map((c) => c.spokenAt - c.at));
  const step = niceStep(maxY, 4);
  const p = new Plot(ctx, box, t0, t1, 0, Math.ceil(maxY / step) * step);
  p.grid(range(t0, t1, 3600), range(0, p.y1, step), hh, (y) => String(y));
  for (const c of spoken) {
    ctx.fillStyle = c.form === 'full' ? COLORS.line : COLORS.short;
    ctx.globalAlpha = c.form === 'full' ? 0.35 : 0.9;
    ctx.beginPath();
    ctx.arc(p.px(c.at), p.py(c.spokenAt - c.at), c.form === 'full' ? 2.5 : 4, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  legend(ctx, box.x + 10, box.y + 18, [
    [COLORS.line, T.lagFull],
    [COLORS.short, T.lagShort],
  ]);
  const a = figures.announcements;
  ctx.fillStyle = COLORS.ink;
  ctx.font = font(15);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.fillText(
    fillText(T.lagFigures, { median: a.medianLagSeconds ?? 0, max: a.maxLagSeconds ?? 0, folded: a.folded }),
    box.x + box.w - 10,
    box.y + 44,
  );
}

const percent = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1).replace('.', ',')} %`);
const errorText = (s: number | null) => (s === null ? '—' : `${(s / 60).toFixed(1).replace('.', ',')} phút`);

/** The chart of the first simulated day, with the figures of all of them. */
export function drawDayChart(day: DayResult, figures: DayFigures): Buffer {
  loadTicketFonts();
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = COLORS.ink;
  ctx.font = font(28, true);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(fillText(T.title, { name: day.profile }), 40, 48);
  ctx.font = font(17);
  ctx.fillStyle = COLORS.muted;
  ctx.fillText(
    fillText(T.subtitle, {
      date: day.date.split('-').reverse().join('/'),
      seed: day.seed,
      tickets: day.tickets.length,
      counters: day.counters.length,
      target: day.targetWaitMinutes,
    }),
    40,
    78,
  );
  const colW = (W - 3 * 80) / 2;
  const left = 80;
  const right = left + colW + 80;
  linePanel(ctx, { x: left, y: 150, w: colW, h: 330 }, day);
  waitsPanel(ctx, { x: right, y: 150, w: colW, h: 330 }, day, figures);
  usePanel(ctx, { x: left, y: 580, w: colW, h: 360 }, day);
  estimatePanel(ctx, { x: right, y: 580, w: colW, h: 360 }, day, figures);
  lagPanel(ctx, { x: left, y: 1040, w: W - 2 * left, h: 380 }, day, figures);
  return canvas.toBuffer('image/png');
}
