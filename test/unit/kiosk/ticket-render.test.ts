import { createCanvas } from '@napi-rs/canvas';
import jsQRModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import { sampleTicket } from '../../../edge/kiosk/sample.js';
import {
  formatCounters,
  formatIssuedAt,
  formatWait,
  loadTicketFonts,
  PAPER_DOTS,
  renderTicket,
  wrapRuns,
} from '../../../edge/kiosk/ticket-render.js';

// jsqr is CommonJS with an ES-style `default` in its types only.
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsQRModule as unknown as { default?: Decode }).default ?? jsQRModule) as unknown as Decode;

describe('renderTicket', () => {
  it.each([58, 80] as const)('draws %i mm paper at its printable width, pure black and white', (paper) => {
    const ticket = renderTicket(sampleTicket(), paper);
    expect(ticket.width).toBe(PAPER_DOTS[paper]);
    expect(ticket.height % 8).toBe(0);
    expect(ticket.height).toBeGreaterThan(600);
    const values = new Set<number>();
    for (let i = 0; i < ticket.data.length; i += 4) values.add(ticket.data[i]!);
    expect([...values].sort()).toEqual([0, 255]);
    // The picture is not empty and not solid: 5–40 % black.
    let black = 0;
    for (let i = 0; i < ticket.data.length; i += 4) if (ticket.data[i] === 0) black++;
    const share = black / (ticket.width * ticket.height);
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.4);
  });

  it('is deterministic', () => {
    const a = renderTicket(sampleTicket(), 80);
    const b = renderTicket(sampleTicket(), 80);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });

  it.each([58, 80] as const)('carries a QR code that reads back as the lookup URL (%i mm)', (paper) => {
    const view = sampleTicket();
    const ticket = renderTicket(view, paper);
    const found = jsQR(ticket.data, ticket.width, ticket.height);
    expect(found?.data).toBe(view.lookupUrl);
  });

  it('writes a PNG of the same size', async () => {
    const ticket = renderTicket(sampleTicket(), 58);
    const png = ticket.png();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const { loadImage } = await import('@napi-rs/canvas');
    const image = await loadImage(png);
    expect([image.width, image.height]).toEqual([ticket.width, ticket.height]);
    const canvas = createCanvas(image.width, image.height);
    canvas.getContext('2d').drawImage(image, 0, 0);
    const back = canvas.getContext('2d').getImageData(0, 0, image.width, image.height).data;
    expect(Buffer.from(back).equals(Buffer.from(ticket.data))).toBe(true);
  });

  it.each([58, 80] as const)(
    'adds the documents to bring under the ticket, at most %i mm wide, the QR still reading',
    (paper) => {
      const view = sampleTicket();
      const plain = renderTicket(view, paper);
      const documents = Array.from({ length: 3 }, (_, i) => ({
        name: `Giấy tờ số ${i + 1} có tên rất dài để xuống dòng trên giấy khổ hẹp của máy in nhiệt`,
        copiesText: '1 bản chính, 2 bản sao',
        note: i === 0 ? 'xuất trình bản chính' : '',
      }));
      const withDocs = renderTicket({ ...view, documents }, paper);
      expect(withDocs.width).toBe(plain.width);
      expect(withDocs.height).toBeGreaterThan(plain.height + 150);
      // The ticket above the list is the same picture, dot for dot.
      const top = plain.width * (plain.height - 40) * 4;
      expect(
        Buffer.from(withDocs.data.subarray(0, top)).equals(Buffer.from(plain.data.subarray(0, top))),
      ).toBe(true);
      expect(jsQR(withDocs.data, withDocs.width, withDocs.height)?.data).toBe(view.lookupUrl);
      // No list asked for, or an empty one: the plain ticket.
      expect(renderTicket({ ...view, documents: [] }, paper).height).toBe(plain.height);
    },
  );

  describe('Vietnamese line breaks', () => {
    loadTicketFonts();
    const ctx = createCanvas(8, 8).getContext('2d');
    const lines = (text: string, width: number, indent = 0) =>
      wrapRuns(ctx, [{ text, font: '20px "QMS Ticket Sans"' }], width, indent).map((l) =>
        l.pieces.map((p) => p.text).join(' '),
      );

    it('ends a line at a phrase (after a colon or a dash, before a bracket) when it has to break', () => {
      expect(lines('Thời gian chờ dự kiến: khoảng 12 phút', 376)).toEqual([
        'Thời gian chờ dự kiến:',
        'khoảng 12 phút',
      ]);
      expect(lines('Công an tỉnh Thanh Hóa – Bộ phận một cửa', 376)).toEqual([
        'Công an tỉnh Thanh Hóa –',
        'Bộ phận một cửa',
      ]);
      expect(lines('Người cao tuổi (từ 60 tuổi)', 250)).toEqual(['Người cao tuổi', '(từ 60 tuổi)']);
    });

    it('keeps a number with its unit and leaves no one-syllable last line', () => {
      for (const width of [150, 200, 250, 300, 350]) {
        const out = lines('Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên', width);
        expect(
          out.some((l) => l.endsWith(' 14') || l === '14'),
          out.join(' / '),
        ).toBe(false);
        expect(out.at(-1)!.split(' ').length, out.join(' / ')).toBeGreaterThan(1);
      }
      expect(lines('Giấy tờ chứng minh thông tin thay đổi', 330).at(-1)).toBe('thay đổi');
    });

    it('indents the lines after the first, and every line fits', () => {
      const out = wrapRuns(
        ctx,
        [
          {
            text: '1. Tờ khai thu nhận thông tin căn cước (mẫu CC01) – 1 bản chính',
            font: '20px "QMS Ticket Sans"',
          },
        ],
        376,
        24,
      );
      expect(out.length).toBeGreaterThan(1);
      expect(out[0]!.pieces[0]!.x).toBe(0);
      for (const l of out.slice(1)) expect(l.pieces[0]!.x).toBe(24);
      for (const l of out) expect(l.width).toBeLessThanOrEqual(376);
      // A word wider than the line is still cut, never dropped.
      const long = wrapRuns(ctx, [{ text: 'x'.repeat(200), font: '20px "QMS Ticket Sans"' }], 100);
      expect(long.map((l) => l.pieces[0]!.text).join('')).toBe('x'.repeat(200));
    });
  });

  it('prints at most 15 documents and counts the rest', () => {
    const view = sampleTicket();
    const doc = (i: number) => ({ name: `Giấy tờ ${i}`, copiesText: '1 bản sao', note: '' });
    const fifteen = renderTicket({ ...view, documents: Array.from({ length: 15 }, (_, i) => doc(i)) }, 80);
    const forty = renderTicket({ ...view, documents: Array.from({ length: 40 }, (_, i) => doc(i)) }, 80);
    // One more line ("… và 25 giấy tờ khác"), not 25.
    expect(forty.height - fifteen.height).toBeGreaterThan(0);
    expect(forty.height - fifteen.height).toBeLessThan(80);
  });

  it('grows with a priority and a long procedure, and fits a long number on 58 mm', () => {
    const plain = renderTicket(
      sampleTicket({ priorityName: null, procedureName: 'Cấp đổi thẻ căn cước' }),
      58,
    );
    const full = renderTicket(sampleTicket(), 58);
    expect(full.height).toBeGreaterThan(plain.height);
    const long = renderTicket(sampleTicket({ display: 'XNC-10234' }), 58);
    // Nothing drawn outside: the left and right columns stay white next to the number.
    for (let y = 0; y < long.height; y++) {
      expect(long.data[(y * long.width + 0) * 4]).toBe(255);
      expect(long.data[(y * long.width + long.width - 1) * 4]).toBe(255);
    }
  });
});

describe('formatting', () => {
  it('words the wait', () => {
    expect(formatWait(20, false)).toBe('sắp đến lượt');
    expect(formatWait(720, false)).toBe('khoảng 12 phút');
    expect(formatWait(3900, false)).toBe('khoảng 1 giờ 05 phút');
    expect(formatWait(null, false)).toBe('chưa có quầy mở');
    expect(formatWait(null, true)).toBe('đang cập nhật');
  });

  it('prints the hub’s range when it sends one: minutes, under five, hours', () => {
    expect(formatWait(1050, false, { fromMinutes: 15, toMinutes: 20 })).toBe('khoảng 15–20 phút');
    expect(formatWait(150, false, { fromMinutes: 0, toMinutes: 5 })).toBe('dưới 5 phút');
    expect(formatWait(4200, false, { fromMinutes: 60, toMinutes: 80 })).toBe('khoảng 60–80 phút');
    expect(formatWait(9000, false, { fromMinutes: 120, toMinutes: 180 })).toBe('khoảng 2–3 giờ');
    expect(formatWait(9000, false, { fromMinutes: 150, toMinutes: 180 })).toBe('khoảng 2,5–3 giờ');
    // Next in line: no range.
    expect(formatWait(40, false, null)).toBe('sắp đến lượt');
    expect(formatWait(null, false, null)).toBe('chưa có quầy mở');
  });

  it('shortens plain counter names', () => {
    expect(
      formatCounters([
        { id: 1, name: 'Quầy 1' },
        { id: 5, name: 'Quầy 5' },
      ]),
    ).toBe('Quầy 1, 5');
    expect(formatCounters([{ id: 2, name: 'Quầy ưu tiên' }])).toBe('Quầy ưu tiên');
  });

  it('prints the office time', () => {
    expect(formatIssuedAt(Date.UTC(2025, 10, 28, 2, 30), 'Asia/Ho_Chi_Minh')).toBe('09:30 – 28/11/2025');
  });
});
