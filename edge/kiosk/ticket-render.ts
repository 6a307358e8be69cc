// The printed ticket as a picture. Cheap thermal printers have no reliable
// Vietnamese code page, so the whole ticket is drawn with @napi-rs/canvas in
// DejaVu Sans (full Vietnamese coverage) and sent as a raster image (GS v 0).
// The picture is made pure black and white here, so the preview PNG a person
// looks at is exactly the dots the printer burns.

import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import QRCode from 'qrcode';
import { kioskText } from '../../shared/text/vi/kiosk.js';
import { fillText } from '../../shared/text/vi.js';
import { localTime } from '../../shared/time/local-time.js';

/** Documents printed under a ticket at most; the rest are counted ("… và 5 giấy tờ khác"). */
export const MAX_PRINTED_DOCUMENTS = 15;

/** Printable dots across the paper at 203 dpi (8 dots/mm): 48 mm on 58 mm paper, 72 mm on 80 mm. */
export const PAPER_DOTS = { 58: 384, 80: 576 } as const;
export type PaperWidthMm = keyof typeof PAPER_DOTS;

/** One paper to bring, as the guide card lists it. */
export interface TicketDocument {
  name: string;
  /** "1 bản chính, 1 bản sao"; '' when no count applies. */
  copiesText: string;
  note: string;
}

export interface TicketView {
  siteName: string;
  display: string;
  fieldName: string;
  procedureName: string;
  priorityName: string | null;
  /** When it was issued, on the hub's clock; null while the hub's time is not trusted (not printed). */
  issuedAt: number | null;
  timeZone: string;
  /** Waiting before this ticket; null when unknown. */
  ahead: number | null;
  /** Seconds; null: no open counter (online) or unknown (offline). */
  estimatedWaitSeconds: number | null;
  /** The hub's likely range in whole minutes, printed instead of the single figure when present. */
  estimatedWait?: { fromMinutes: number; toMinutes: number } | null;
  counters: { id: number; name: string }[];
  /** The hub's lookup page for this ticket, in the QR code. */
  lookupUrl: string;
  /** Printed from the number lease: the counts are the kiosk's estimate. */
  offline: boolean;
  /** Printed under the ticket, on the same paper (asked for on the touch screen); none when absent. */
  documents?: TicketDocument[] | null;
}

export interface RenderedTicket {
  width: number;
  height: number;
  /** RGBA, every pixel pure black or pure white. */
  data: Uint8ClampedArray;
  png(): Buffer;
}

// ---------------------------------------------------------------- fonts

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu'];
/** The family DejaVu Sans is registered under (the simulator's chart uses it too). */
export const TICKET_FONT_FAMILY = 'QMS Ticket Sans';
const FAMILY = TICKET_FONT_FAMILY;
let fontsReady = false;

export class FontError extends Error {
  override name = 'FontError';
}

/** Register DejaVu Sans and Sans Bold once (Debian: fonts-dejavu-core). */
export function loadTicketFonts(): void {
  if (fontsReady) return;
  const dir = FONT_DIRS.find(
    (d) => existsSync(`${d}/DejaVuSans.ttf`) && existsSync(`${d}/DejaVuSans-Bold.ttf`),
  );
  if (!dir) {
    throw new FontError(
      `DejaVuSans.ttf and DejaVuSans-Bold.ttf not found in ${FONT_DIRS.join(' or ')}: install the Debian package fonts-dejavu-core`,
    );
  }
  GlobalFonts.registerFromPath(`${dir}/DejaVuSans.ttf`, FAMILY);
  GlobalFonts.registerFromPath(`${dir}/DejaVuSans-Bold.ttf`, FAMILY);
  fontsReady = true;
}

const font = (px: number, bold = false) => `${bold ? 'bold ' : ''}${px}px "${FAMILY}"`;

// ---------------------------------------------------------------- text layout

interface Run {
  text: string;
  font: string;
}
interface Piece extends Run {
  x: number;
}
interface Line {
  pieces: Piece[];
  width: number;
}

const KEEP_TOGETHER = new Set(kioskText.keepTogether);

/**
 * The text's words, where the syllables of kioskText.keepTogether ("Bộ phận")
 * are one word joined by a no-break space; a no-break space in the text holds
 * too. (A number stays with its unit by wrapRuns' own rule.)
 */
export function unbreakableWords(text: string): string[] {
  const words = text.split(/[ \t\r\n]+/).filter(Boolean);
  const out: string[] = [];
  for (const word of words) {
    const last = out.at(-1);
    const lastSyllable = last?.split('\u00a0').at(-1);
    if (
      last !== undefined &&
      KEEP_TOGETHER.has(`${lastSyllable} ${word.replace(/[.,;:!?)]+$/, '')}`.toLocaleLowerCase('vi'))
    ) {
      out[out.length - 1] = `${last}\u00a0${word}`;
    } else out.push(word);
  }
  return out;
}

/**
 * Word wrap over runs in different fonts (a regular label followed by a bold
 * value). Vietnamese words are syllables, so any space is a valid break, but a
 * line reads better when it ends at a phrase: a line that has to break goes
 * back to the last punctuation (":", ",", "–", before "(") if that leaves it at
 * least half full, a number stays with its unit, and a short last line takes words from the line above
 * ("… thay / đổi" → "… / thay đổi"). `indent` starts every line after the
 * first further in (a numbered list's hanging indent). A word wider than the
 * line is broken by characters.
 */
export function wrapRuns(ctx: SKRSContext2D, runs: Run[], maxWidth: number, indent = 0): Line[] {
  const measure = (r: Run) => {
    ctx.font = r.font;
    return ctx.measureText(r.text).width;
  };
  const words: (Run & { width: number; space: number })[] = [];
  const add = (w: Run) => {
    ctx.font = w.font;
    words.push({ ...w, width: measure(w), space: ctx.measureText(' ').width });
  };
  const narrowest = maxWidth - indent;
  for (const run of runs) {
    for (const text of unbreakableWords(run.text)) {
      let rest: Run = { text, font: run.font };
      // A single word longer than the line (a long prefix+number, a URL): cut it.
      while (measure(rest) > narrowest && rest.text.length > 1) {
        let n = rest.text.length - 1;
        while (n > 1 && measure({ ...rest, text: rest.text.slice(0, n) }) > narrowest) n--;
        add({ ...rest, text: rest.text.slice(0, n) });
        rest = { ...rest, text: rest.text.slice(n) };
      }
      add(rest);
    }
  }
  // Width of words[from..to) on one line.
  const span = (from: number, to: number) => {
    let w = 0;
    for (let i = from; i < to; i++) w += (i > from ? words[i]!.space : 0) + words[i]!.width;
    return w;
  };
  // A phrase ends after words[i]: it ends in punctuation, or the next one opens a bracket.
  const phraseEnd = (i: number) => /[:;,.–—)]$/.test(words[i]!.text) || /^\(/.test(words[i + 1]?.text ?? '');
  // A number stays with its unit ("14 tuổi", "12 phút", "2 bản sao"), a range or
  // a decimal too ("10–15 ngày", "2,5 giờ"); "1," of a list is not a figure.
  const glued = (i: number) => /^\d(?:[\d.,–-]*\d)?$/.test(words[i - 1]?.text ?? '');
  const starts: number[] = [];
  let from = 0;
  while (from < words.length) {
    starts.push(from);
    const room = starts.length > 1 ? maxWidth - indent : maxWidth;
    let to = from + 1;
    while (to < words.length && span(from, to + 1) <= room) to++;
    if (to < words.length) {
      for (let i = to - 1; i > from; i--) {
        if (span(from, i) < room * 0.5) break;
        if (phraseEnd(i - 1)) {
          to = i;
          break;
        }
      }
      if (glued(to) && to - 1 > from) to--;
    }
    from = to;
  }
  // No short last line ("trở lên", "phút") when the line above can spare words and they still fit.
  const n = starts.length;
  const room = maxWidth - indent;
  while (n >= 2 && span(starts[n - 1]!, words.length) < room * 0.22) {
    let pull = starts[n - 1]! - 1;
    if (glued(pull)) pull--;
    if (pull - starts[n - 2]! < 2 || span(pull, words.length) > room) break;
    starts[n - 1] = pull;
  }
  return starts.map((from, li) => {
    const to = starts[li + 1] ?? words.length;
    const line: Line = { pieces: [], width: li > 0 ? indent : 0 };
    for (let i = from; i < to; i++) {
      const w = words[i]!;
      const x = i > from ? line.width + w.space : line.width;
      // A no-break space held the word together; on paper it is a space.
      line.pieces.push({ text: w.text.replaceAll('\u00a0', ' '), font: w.font, x });
      line.width = x + w.width;
    }
    return line;
  });
}

// ---------------------------------------------------------------- formatting

const pad = (n: number) => String(n).padStart(2, '0');

/** "09:30 – 28/11/2025" in the office's time zone. */
export function formatIssuedAt(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  return `${t.hour}:${t.minute} – ${t.day}/${t.month}/${t.year}`;
}

/** Hours as people say them: 2, 2,5. */
const hours = (minutes: number) => String(Math.round((minutes / 60) * 10) / 10).replace('.', ',');

/**
 * "khoảng 15–20 phút", "dưới 5 phút", "khoảng 2–2,5 giờ" from the hub's
 * range; without one (an older hub), the single figure.
 */
export function formatWait(
  seconds: number | null,
  offline: boolean,
  range?: { fromMinutes: number; toMinutes: number } | null,
): string {
  if (seconds === null) return offline ? kioskText.unknown : kioskText.noOpenCounter;
  if (range) {
    const { fromMinutes: from, toMinutes: to } = range;
    if (from === 0) return fillText(kioskText.under, { to });
    if (to > 120) return fillText(kioskText.rangeHours, { from: hours(from), to: hours(to) });
    return fillText(kioskText.rangeMinutes, { from, to });
  }
  if (range === null) return kioskText.soon;
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return kioskText.soon;
  if (minutes < 60) return fillText(kioskText.aboutMinutes, { minutes });
  return fillText(kioskText.aboutHours, { hours: Math.floor(minutes / 60), minutes: pad(minutes % 60) });
}

/** "Quầy 1, 2, 5" when every name is "Quầy N"; the names as they are otherwise. */
export function formatCounters(counters: { id: number; name: string }[]): string {
  if (counters.length === 0) return kioskText.noOpenCounter;
  const plain = counters.every((c) => c.name === `${kioskText.counter} ${c.id}`);
  return plain
    ? `${kioskText.counter} ${counters.map((c) => c.id).join(', ')}`
    : counters.map((c) => c.name).join(', ');
}

// ---------------------------------------------------------------- layout

interface Sizes {
  margin: number;
  site: number;
  heading: number;
  number: number;
  priority: number;
  body: number;
  small: number;
  qrModule: number;
  gap: number;
}

const SIZES: Record<PaperWidthMm, Sizes> = {
  80: {
    margin: 8,
    site: 26,
    heading: 28,
    number: 170,
    priority: 26,
    body: 24,
    small: 20,
    qrModule: 5,
    gap: 10,
  },
  58: {
    margin: 4,
    site: 20,
    heading: 22,
    number: 124,
    priority: 20,
    body: 20,
    small: 17,
    qrModule: 4,
    gap: 8,
  },
};

type Block =
  | { kind: 'lines'; lines: Line[]; lineHeight: number; align: 'left' | 'center'; ascent: number }
  | { kind: 'number'; text: string; px: number; height: number; ascent: number }
  | { kind: 'inverted'; lines: Line[]; lineHeight: number; ascent: number; pad: number }
  | { kind: 'rule'; thickness: number }
  | { kind: 'space'; height: number }
  | { kind: 'qr'; size: number; modules: QRCode.BitMatrix; module: number };

function blockHeight(b: Block): number {
  switch (b.kind) {
    case 'lines':
      return b.lines.length * b.lineHeight;
    case 'number':
      return b.height;
    case 'inverted':
      return b.lines.length * b.lineHeight + 2 * b.pad;
    case 'rule':
      return b.thickness;
    case 'space':
      return b.height;
    case 'qr':
      return b.size;
  }
}

interface TicketLayout {
  width: number;
  height: number;
  margin: number;
  inner: number;
  blocks: Block[];
}

/** Where a line starts across the paper, in dots. */
const lineX = (line: Line, align: 'left' | 'center', width: number, margin: number) =>
  align === 'center' ? Math.round((width - line.width) / 2) : margin;

/** The ticket's blocks top to bottom, the text already wrapped to the paper. */
function layoutTicket(view: TicketView, paper: PaperWidthMm): TicketLayout {
  loadTicketFonts();
  const width = PAPER_DOTS[paper];
  const s = SIZES[paper];
  const inner = width - 2 * s.margin;
  const measureCanvas = createCanvas(8, 8);
  const m = measureCanvas.getContext('2d');

  const linesOf = (lines: Line[], px: number, align: 'left' | 'center' = 'left'): Block => ({
    kind: 'lines',
    lines,
    lineHeight: Math.round(px * 1.3),
    align,
    ascent: Math.round(px * 1.0),
  });
  const text = (runs: Run[], px: number, align: 'left' | 'center' = 'left'): Block =>
    linesOf(wrapRuns(m, runs, inner), px, align);
  const row = (label: string, value: string): Block =>
    text(
      [
        { text: `${label}:`, font: font(s.body) },
        { text: value, font: font(s.body, true) },
      ],
      s.body,
    );
  const space = (height: number): Block => ({ kind: 'space', height });

  // The number as large as fits the paper.
  let numberPx = s.number;
  m.font = font(numberPx, true);
  while (numberPx > 24 && m.measureText(view.display).width > inner) {
    numberPx -= 4;
    m.font = font(numberPx, true);
  }

  const qr = QRCode.create(view.lookupUrl, { errorCorrectionLevel: 'M' });
  const quiet = 4 * s.qrModule;
  const qrSize = qr.modules.size * s.qrModule + 2 * quiet;

  const blocks: Block[] = [
    space(s.gap),
    text([{ text: view.siteName, font: font(s.site, true) }], s.site, 'center'),
    space(s.gap),
    { kind: 'rule', thickness: 3 },
    space(s.gap),
    text([{ text: kioskText.number, font: font(s.heading, true) }], s.heading, 'center'),
    {
      kind: 'number',
      text: view.display,
      px: numberPx,
      height: Math.round(numberPx * 0.95),
      ascent: Math.round(numberPx * 0.82),
    },
  ];
  if (view.priorityName) {
    blocks.push(space(s.gap), {
      kind: 'inverted',
      lines: wrapRuns(
        m,
        [{ text: `${kioskText.priority}: ${view.priorityName}`, font: font(s.priority, true) }],
        inner - 2 * s.gap,
      ),
      lineHeight: Math.round(s.priority * 1.3),
      ascent: s.priority,
      pad: s.gap,
    });
  }
  const ahead =
    view.ahead === null
      ? kioskText.unknown
      : view.offline
        ? fillText(kioskText.aheadAbout, { count: view.ahead })
        : String(view.ahead);
  blocks.push(
    space(s.gap * 2),
    row(kioskText.field, view.fieldName),
    space(s.gap / 2),
    row(kioskText.procedure, view.procedureName),
    space(s.gap / 2),
    row(kioskText.counters, formatCounters(view.counters)),
    space(s.gap / 2),
    row(kioskText.ahead, ahead),
    space(s.gap / 2),
    row(kioskText.wait, formatWait(view.estimatedWaitSeconds, view.offline, view.estimatedWait)),
    ...(view.issuedAt === null
      ? []
      : [space(s.gap / 2), row(kioskText.issuedAt, formatIssuedAt(view.issuedAt, view.timeZone))]),
    space(s.gap),
    { kind: 'rule', thickness: 1 },
    space(s.gap),
    { kind: 'qr', size: qrSize, modules: qr.modules, module: s.qrModule },
    text([{ text: kioskText.scan, font: font(s.small) }], s.small, 'center'),
  );
  if (view.offline) {
    blocks.push(
      space(s.gap),
      text([{ text: kioskText.offline, font: font(s.small, true) }], s.small, 'center'),
    );
  }
  blocks.push(space(s.gap), text([{ text: kioskText.footer, font: font(s.small) }], s.small, 'center'));
  if (view.documents?.length) {
    // The documents to bring, under the ticket: numbered, the copies in bold, a note in small type.
    blocks.push(
      space(s.gap * 2),
      { kind: 'rule', thickness: 3 },
      space(s.gap),
      text([{ text: kioskText.documentsTitle, font: font(s.heading, true) }], s.heading, 'center'),
      text([{ text: view.procedureName, font: font(s.small) }], s.small, 'center'),
      space(s.gap),
    );
    // A long list stays on the screen: the paper gets the first ones and how many more there are.
    const printed = view.documents.slice(0, MAX_PRINTED_DOCUMENTS);
    // Lines after an entry's first start under its text, not under its number.
    m.font = font(s.body);
    const hang = Math.ceil(m.measureText(`${printed.length}. `).width);
    printed.forEach((d, i) => {
      const runs: Run[] = [{ text: `${i + 1}. ${d.name}`, font: font(s.body) }];
      if (d.copiesText) runs.push({ text: `– ${d.copiesText}`, font: font(s.body, true) });
      blocks.push(linesOf(wrapRuns(m, runs, inner, hang), s.body));
      if (d.note) {
        const note = wrapRuns(m, [{ text: `(${d.note})`, font: font(s.small) }], inner - hang);
        const shifted = note.map((l) => ({
          width: l.width + hang,
          pieces: l.pieces.map((p) => ({ ...p, x: p.x + hang })),
        }));
        blocks.push(linesOf(shifted, s.small));
      }
      blocks.push(space(s.gap / 2));
    });
    const more = view.documents.length - printed.length;
    if (more > 0) {
      blocks.push(
        text(
          [{ text: fillText(kioskText.documentsMore, { count: more }), font: font(s.body, true) }],
          s.body,
        ),
      );
    }
    blocks.push(
      space(s.gap / 2),
      text([{ text: kioskText.documentsFooter, font: font(s.small) }], s.small, 'center'),
    );
  }
  blocks.push(space(s.gap * 2));

  // A multiple of 8 rows: GS v 0 prints whole bytes, so nothing is padded on.
  const height = Math.ceil(blocks.reduce((h, b) => h + blockHeight(b), 0) / 8) * 8;
  return { width, height, margin: s.margin, inner, blocks };
}

/** One printed line of text: its words as printed and where its ink is meant to start and end, in dots. */
export interface PrintedLine {
  text: string;
  left: number;
  right: number;
  /** Lines of one paragraph (a wrapped text) share this index. */
  paragraph: number;
}

/** The ticket's text as it is printed, line by line: what the wrap decided, in the places it is drawn. */
export function printedLines(view: TicketView, paper: PaperWidthMm): PrintedLine[] {
  const { width, margin, blocks } = layoutTicket(view, paper);
  return blocks.flatMap((b, paragraph) =>
    b.kind === 'lines' || b.kind === 'inverted'
      ? b.lines.map((line) => {
          const left = lineX(line, b.kind === 'lines' ? b.align : 'center', width, margin);
          return {
            text: line.pieces.map((p) => p.text).join(' '),
            left,
            right: left + line.width,
            paragraph,
          };
        })
      : [],
  );
}

/** Draw the ticket for 58 or 80 mm paper. Deterministic: the same view gives the same dots. */
export function renderTicket(view: TicketView, paper: PaperWidthMm): RenderedTicket {
  const { width, height, margin, inner, blocks } = layoutTicket(view, paper);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#000';
  ctx.textBaseline = 'alphabetic';

  const drawLine = (line: Line, y: number, align: 'left' | 'center', color = '#000') => {
    const x0 = lineX(line, align, width, margin);
    ctx.fillStyle = color;
    for (const p of line.pieces) {
      ctx.font = p.font;
      ctx.fillText(p.text, x0 + p.x, y);
    }
  };

  let y = 0;
  for (const b of blocks) {
    switch (b.kind) {
      case 'lines':
        b.lines.forEach((line, i) => {
          drawLine(line, y + i * b.lineHeight + b.ascent, b.align);
        });
        break;
      case 'number': {
        ctx.font = font(b.px, true);
        const w = ctx.measureText(b.text).width;
        ctx.fillStyle = '#000';
        ctx.fillText(b.text, Math.round((width - w) / 2), y + b.ascent);
        break;
      }
      case 'inverted': {
        ctx.fillStyle = '#000';
        ctx.fillRect(margin, y, inner, blockHeight(b));
        b.lines.forEach((line, i) => {
          drawLine(line, y + b.pad + i * b.lineHeight + b.ascent, 'center', '#fff');
        });
        break;
      }
      case 'rule':
        ctx.fillStyle = '#000';
        ctx.fillRect(margin, y, inner, b.thickness);
        break;
      case 'qr': {
        const x0 = Math.round((width - b.size) / 2) + 4 * b.module;
        const y0 = y + 4 * b.module;
        ctx.fillStyle = '#000';
        for (let r = 0; r < b.modules.size; r++) {
          for (let c = 0; c < b.modules.size; c++) {
            if (b.modules.get(r, c)) ctx.fillRect(x0 + c * b.module, y0 + r * b.module, b.module, b.module);
          }
        }
        break;
      }
      case 'space':
        break;
    }
    y += blockHeight(b);
  }

  // Pure black and white, as the printer burns it (anti-aliased edges at 50 %).
  const image = ctx.getImageData(0, 0, width, height);
  const data = image.data;
  for (let i = 0; i < data.length; i += 4) {
    const v = data[i]! * 299 + data[i + 1]! * 587 + data[i + 2]! * 114 < 128_000 ? 0 : 255;
    data[i] = v;
    data[i + 1] = v;
    data[i + 2] = v;
    data[i + 3] = 255;
  }
  return {
    width,
    height,
    data,
    png() {
      const out = createCanvas(width, height);
      out.getContext('2d').putImageData(image, 0, 0);
      return out.toBuffer('image/png');
    },
  };
}
