// Real 58 mm tickets, read back line by line as they are printed: every
// procedure of the default catalogue with its sample documents, the office
// header "… – Bộ phận một cửa" at lengths that put the break in every place,
// and each form of the wait figure ("khoảng 12 phút", "khoảng 10–15 phút",
// "dưới 5 phút", hours). The lines must fit the paper (checked on the dots
// too), keep a number with its unit, keep the two-syllable words of
// kioskText.keepTogether whole, and never leave one syllable alone on the
// last line of a wrapped paragraph.

import { describe, expect, it } from 'vitest';
import { sampleTicket } from '../../../edge/kiosk/sample.js';
import {
  PAPER_DOTS,
  type PrintedLine,
  printedLines,
  renderTicket,
  type TicketView,
} from '../../../edge/kiosk/ticket-render.js';
import { defaultCatalogue } from '../../../hub/defaults/catalogue.js';
import { sampleGuideCards } from '../../../hub/defaults/guide-cards.js';
import { copiesText } from '../../../hub/guide/card.js';
import { kioskText } from '../../../shared/text/vi/kiosk.js';

const PAPER = 58;
const WIDTH = PAPER_DOTS[PAPER];
/** The 58 mm layout's side margin (SIZES[58].margin in ticket-render.ts). */
const MARGIN = 4;

const catalogue = defaultCatalogue();
const cards = sampleGuideCards();

/** One ticket per procedure of the default catalogue, with its sample card's documents where it has one. */
function catalogueTickets(): TicketView[] {
  return catalogue.procedures.map((p) => {
    const card = cards.get(p.id)?.card;
    return sampleTicket({
      fieldName: catalogue.fields.find((f) => f.id === p.fieldId)?.name ?? '',
      procedureName: p.name,
      documents: card?.documents.map((d) => ({ name: d.name, copiesText: copiesText(d), note: d.note })),
    });
  });
}

/** The office header with 0 to 11 words in front of "Bộ phận một cửa", so the wrap meets it at every place. */
function headerTickets(): TicketView[] {
  const words = 'Công an phường Điện Biên quận Ba Đình thành phố Hà Nội mới'.split(' ');
  return words.map((_, n) =>
    sampleTicket({ siteName: `${words.slice(0, n + 1).join(' ')} – Bộ phận một cửa` }),
  );
}

/** Every form the wait figure takes, online and offline, beside long counter lists. */
function waitTickets(): TicketView[] {
  const counters = Array.from({ length: 14 }, (_, i) => ({ id: i + 1, name: `Quầy ${i + 1}` }));
  const views: TicketView[] = [];
  for (const seconds of [30, 300, 720, 2700, 3660, 9000]) {
    views.push(sampleTicket({ estimatedWaitSeconds: seconds, estimatedWait: undefined }));
    views.push(sampleTicket({ estimatedWaitSeconds: seconds, estimatedWait: undefined, offline: true }));
  }
  for (const [fromMinutes, toMinutes] of [
    [0, 5],
    [10, 15],
    [12, 18],
    [95, 130],
    [150, 200],
  ] as const) {
    views.push(sampleTicket({ estimatedWait: { fromMinutes, toMinutes } }));
    views.push(sampleTicket({ estimatedWait: { fromMinutes, toMinutes }, counters }));
  }
  return views;
}

/**
 * Figures at every place of a line: procedure names and document names of
 * growing length, each followed by a number and its unit ("14 tuổi",
 * "1 bản chính, 2 bản sao", "10–15 ngày", "2,5 giờ"), so some wrap meets the
 * figure at the line's end.
 */
function figureTickets(): TicketView[] {
  const words =
    'Cấp đổi giấy xác nhận thông tin cư trú và giấy tờ kèm theo của công dân khi thay đổi nơi ở hoặc địa chỉ hành chính mới'.split(
      ' ',
    );
  return words.map((_, n) => {
    const lead = words.slice(0, n + 1).join(' ');
    return sampleTicket({
      procedureName: `${lead} cho người từ đủ 14 tuổi trở lên`,
      documents: [
        {
          name: lead,
          copiesText: '1 bản chính, 2 bản sao',
          note: `${lead} trong 10–15 ngày làm việc kể từ ngày nhận`,
        },
        { name: `${lead} (mẫu CT01)`, copiesText: '3 bản sao', note: `${lead} khoảng 2,5 giờ` },
      ],
    });
  });
}

const TICKETS = [...catalogueTickets(), ...headerTickets(), ...waitTickets(), ...figureTickets()];

const words = (line: PrintedLine) => line.text.split(' ').filter(Boolean);
/** A figure as the ticket prints it: 12, 10–15, 2,5. */
const FIGURE = /^\d(?:[\d.,–-]*\d)?$/;
/** The units the ticket prints after a figure. */
const UNITS = /^(phút|giờ|tuổi|bản|người|ngày|đồng)/;

function paragraphs(lines: PrintedLine[]): PrintedLine[][] {
  const out = new Map<number, PrintedLine[]>();
  for (const l of lines) out.set(l.paragraph, [...(out.get(l.paragraph) ?? []), l]);
  return [...out.values()];
}

describe('58 mm ticket lines as printed', () => {
  it('the tickets under test are real and long: every procedure, documents, the header, the waits', () => {
    expect(catalogue.procedures.length).toBeGreaterThan(10);
    const withDocuments = [...cards.values()].filter((c) => c.card.documents.length > 0).length;
    expect(withDocuments).toBeGreaterThan(5);
    expect(catalogueTickets().filter((v) => v.documents?.length).length).toBe(withDocuments);
    const all = TICKETS.flatMap((v) => printedLines(v, PAPER)).map((l) => l.text);
    // The wrap had work to do: some paragraphs run over several lines.
    expect(paragraphs(TICKETS.flatMap((v) => printedLines(v, PAPER))).some((p) => p.length >= 3)).toBe(true);
    for (const figure of ['khoảng 12 phút', 'khoảng 10–15 phút', 'dưới 5 phút', 'giờ']) {
      expect(
        all.some((t) => t.includes(figure)),
        figure,
      ).toBe(true);
    }
  });

  it('no line is wider than the paper inside its margins', () => {
    for (const view of TICKETS) {
      for (const line of printedLines(view, PAPER)) {
        expect(line.left, line.text).toBeGreaterThanOrEqual(MARGIN);
        expect(line.right, line.text).toBeLessThanOrEqual(WIDTH - MARGIN);
      }
    }
  });

  it('the printed dots stay inside the margins too', () => {
    // Every 4th ticket: drawing is the slow part, and each kind is in the list several times.
    for (const view of TICKETS.filter((_, i) => i % 4 === 0)) {
      const t = renderTicket(view, PAPER);
      expect(t.width).toBe(WIDTH);
      for (let y = 0; y < t.height; y++) {
        for (const x of [0, 1, 2, 3, WIDTH - 4, WIDTH - 3, WIDTH - 2, WIDTH - 1]) {
          expect(t.data[(y * WIDTH + x) * 4], `ink at x=${x}, y=${y} of "${view.siteName}"`).toBe(255);
        }
      }
    }
  });

  it('a number never ends a line when its unit starts the next', () => {
    for (const view of TICKETS) {
      for (const para of paragraphs(printedLines(view, PAPER))) {
        for (let i = 0; i + 1 < para.length; i++) {
          const last = words(para[i]!).at(-1)!;
          const next = words(para[i + 1]!)[0]!;
          const split = FIGURE.test(last) && UNITS.test(next);
          expect(split, `"${para[i]!.text}" / "${para[i + 1]!.text}"`).toBe(false);
        }
      }
    }
  });

  it('"Bộ phận", "hiển thị" and the other listed words are never split across lines', () => {
    const pairs = kioskText.keepTogether.map((w) => w.split(' ') as [string, string]);
    expect(pairs.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['bộ phận', 'hiển thị']));
    let seen = 0;
    for (const view of TICKETS) {
      const lines = printedLines(view, PAPER);
      for (const l of lines) if (/Bộ phận|hiển thị/.test(l.text)) seen++;
      for (let i = 0; i + 1 < lines.length; i++) {
        const last = words(lines[i]!).at(-1)!.toLocaleLowerCase('vi');
        const next = words(lines[i + 1]!)[0]!
          .replace(/[.,;:!?)]+$/, '')
          .toLocaleLowerCase('vi');
        const split = pairs.some(([a, b]) => last === a && next === b);
        expect(split, `"${lines[i]!.text}" / "${lines[i + 1]!.text}"`).toBe(false);
      }
    }
    // Every ticket has the header and the footer ("… bảng hiển thị.").
    expect(seen).toBeGreaterThanOrEqual(2 * TICKETS.length);
  });

  it('the last line of a wrapped paragraph is never a single syllable', () => {
    for (const view of TICKETS) {
      for (const para of paragraphs(printedLines(view, PAPER))) {
        if (para.length < 2) continue;
        const last = para.at(-1)!;
        expect(words(last).length, `${para.map((l) => `"${l.text}"`).join(' / ')}`).toBeGreaterThanOrEqual(2);
      }
    }
  });
});
