import { describe, expect, it } from 'vitest';
import {
  decodeRaster,
  encodeTicket,
  parseStatus,
  STATUS_QUERY,
  statusReply,
  ticketDots,
} from '../../../edge/kiosk/escpos.js';
import type { PrinterState } from '../../../edge/kiosk/printer-state.js';
import { sampleTicket } from '../../../edge/kiosk/sample.js';
import { renderTicket } from '../../../edge/kiosk/ticket-render.js';
import { expectSameDots } from '../../helpers/pty.js';

/** A picture with a known pattern: a diagonal line and a filled corner. */
function pattern(width: number, height: number) {
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  const black = (x: number, y: number) => {
    data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  };
  for (let y = 0; y < height; y++) black(Math.floor((y * (width - 1)) / (height - 1)), y);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) black(x, y);
  return { width, height, data };
}

describe('encodeTicket', () => {
  it('starts with ESC @, ends with a feed and a full cut, and carries the picture as GS v 0', () => {
    const picture = pattern(384, 600);
    const bytes = encodeTicket(picture);
    expect([...bytes.subarray(0, 2)]).toEqual([0x1b, 0x40]);
    const cut = bytes.lastIndexOf(0x1d);
    expect([...bytes.subarray(cut, cut + 3)]).toEqual([0x1d, 0x56, 0x00]);
    // Fed before the cut so the last rows clear the cutter.
    expect(bytes.subarray(0, cut).filter((b) => b === 0x0a).length).toBeGreaterThanOrEqual(4);
    const images = decodeRaster(bytes);
    // Taller than 255 rows: sent in chunks, joined again by the decoder.
    expect(images).toHaveLength(1);
    expectSameDots(images[0], ticketDots(picture));
  });

  it('round-trips a rendered ticket on both paper widths', () => {
    for (const paper of [58, 80] as const) {
      const ticket = renderTicket(sampleTicket(), paper);
      const [decoded] = decodeRaster(encodeTicket(ticket));
      expectSameDots(decoded, ticketDots(ticket));
      // And the comparison does see a one-digit difference.
      const other = renderTicket(sampleTicket({ display: '1024' }), paper);
      expect(() => expectSameDots(decoded, ticketDots(other))).toThrow(/dots differ/);
    }
  });

  it('reports a truncated raster command', () => {
    const bytes = encodeTicket(pattern(64, 16));
    const start = bytes.indexOf(0x76) - 1;
    expect(() => decodeRaster(bytes.subarray(0, start + 20))).toThrow(/runs past the end/);
  });
});

describe('DLE EOT status', () => {
  it('asks printer, offline cause and paper sensor', () => {
    expect([...STATUS_QUERY]).toEqual([0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04]);
  });

  it.each<[PrinterState, number[]]>([
    ['ok', [0x12, 0x12, 0x12]],
    ['paper_near_end', [0x12, 0x12, 0x1e]],
    ['paper_out', [0x1a, 0x32, 0x72]],
    ['paper_out', [0x1a, 0x32, 0x12]], // stopped at paper end, sensor not reported
    ['cover_open', [0x1a, 0x16, 0x12]],
    ['cover_open', [0x1a, 0x36, 0x72]], // cover open wins over paper out
    ['error', [0x1a, 0x52, 0x12]],
    ['offline', [0x1a, 0x12, 0x12]],
  ])('%s from %j', (state, bytes) => {
    expect(parseStatus(bytes).state).toBe(state);
  });

  it('round-trips the simulated answers', () => {
    for (const state of ['ok', 'paper_near_end', 'paper_out', 'cover_open', 'offline', 'error'] as const) {
      expect(parseStatus(statusReply(state)).state).toBe(state);
    }
  });

  it('treats silence as offline and garbage as an error', () => {
    expect(parseStatus([]).state).toBe('offline');
    expect(parseStatus([0x12, 0x12]).state).toBe('offline');
    expect(parseStatus([0x41, 0x42, 0x43])).toMatchObject({ state: 'error' });
  });
});
