import { createCanvas } from '@napi-rs/canvas';
import jsQRModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import { sampleTicket } from '../../../edge/kiosk/sample.js';
import {
  formatCounters,
  formatIssuedAt,
  formatWait,
  PAPER_DOTS,
  renderTicket,
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
