// ESC/POS: the ticket picture as raster image commands (GS v 0) followed by
// a feed and a cut, encoded with @point-of-sale/receipt-printer-encoder; the
// real-time status query (DLE EOT) and its answer; and a decoder of GS v 0
// back to dots, for the tests and for checking a capture by hand.

import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import type { PrinterState } from './printer-state.js';
import type { RenderedTicket } from './ticket-render.js';

/** Lines fed before the cut, so the last printed row clears the cutter (it sits above the head). */
const FEED_BEFORE_CUT = 4;

/** Printer init, the ticket as GS v 0 raster (chunks of at most 255 rows), feed, full cut. */
export function encodeTicket(ticket: Pick<RenderedTicket, 'width' | 'height' | 'data'>): Uint8Array {
  const encoder = new ReceiptPrinterEncoder({
    language: 'esc-pos',
    imageMode: 'raster',
    // Font A is 12 dots wide: 32 columns on 58 mm paper, 48 on 80 mm (the encoder knows only paper widths).
    columns: ticket.width >= 576 ? 48 : 32,
    feedBeforeCut: FEED_BEFORE_CUT,
  });
  // A plain object with RGBA data: the encoder's own type sniffing does not know @napi-rs/canvas.
  const image = { data: ticket.data, width: ticket.width, height: ticket.height };
  return encoder
    .initialize()
    .image(image, { width: ticket.width, height: ticket.height, algorithm: 'threshold', threshold: 128 })
    .cut('full')
    .encode();
}

// ---------------------------------------------------------------- decoding (tests, tools)

export interface RasterImage {
  width: number;
  height: number;
  /** One byte per dot: 1 black, 0 white, row by row. */
  dots: Uint8Array;
}

/**
 * Every GS v 0 image in a byte stream, with consecutive chunks of the same
 * width joined into one picture (the encoder splits tall images into chunks
 * of 255 rows). Other commands are skipped.
 */
export function decodeRaster(bytes: Uint8Array): RasterImage[] {
  const pictures: { width: number; rows: Uint8Array[] }[] = [];
  let lastEnd = -1;
  for (let i = 0; i + 8 <= bytes.length; ) {
    if (bytes[i] !== 0x1d || bytes[i + 1] !== 0x76 || bytes[i + 2] !== 0x30) {
      i++;
      continue;
    }
    const xBytes = bytes[i + 4]! | (bytes[i + 5]! << 8);
    const rows = bytes[i + 6]! | (bytes[i + 7]! << 8);
    const start = i + 8;
    const end = start + xBytes * rows;
    if (end > bytes.length) throw new Error(`GS v 0 at byte ${i} runs past the end of the data`);
    const width = xBytes * 8;
    let current = pictures.at(-1);
    if (!current || current.width !== width || lastEnd !== i) {
      current = { width, rows: [] };
      pictures.push(current);
    }
    for (let r = 0; r < rows; r++) {
      const row = new Uint8Array(width);
      for (let x = 0; x < width; x++) row[x] = (bytes[start + r * xBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
      current.rows.push(row);
    }
    i = end;
    lastEnd = end;
  }
  return pictures.map(({ width, rows }) => {
    const dots = new Uint8Array(width * rows.length);
    rows.forEach((row, y) => {
      dots.set(row, y * width);
    });
    return { width, height: rows.length, dots };
  });
}

/** The dots of a rendered ticket in the same form, to compare with a decoded capture. */
export function ticketDots(ticket: Pick<RenderedTicket, 'width' | 'height' | 'data'>): RasterImage {
  const dots = new Uint8Array(ticket.width * ticket.height);
  for (let i = 0; i < dots.length; i++) dots[i] = ticket.data[i * 4]! < 128 ? 1 : 0;
  return { width: ticket.width, height: ticket.height, dots };
}

// ---------------------------------------------------------------- status (DLE EOT)

/**
 * DLE EOT n, real-time status, answered even when the printer is offline:
 * n=1 printer (bit 3 offline), n=2 offline cause (bit 2 cover open, bit 5
 * stopped at paper end, bit 6 error), n=4 paper sensors (bits 2–3 near end,
 * bits 5–6 paper out). One byte back for each.
 */
export const STATUS_QUERY = Uint8Array.from([0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04]);
export const STATUS_REPLY_BYTES = 3;

/** A status byte always has bit 1 and bit 4 set and bits 0 and 7 clear. */
const isStatusByte = (b: number) => (b & 0x93) === 0x12;

export interface ParsedStatus {
  state: PrinterState;
  /** What the bits said, for the log. */
  detail: string[];
}

/** The three answers to STATUS_QUERY, in order. */
export function parseStatus(reply: ArrayLike<number>): ParsedStatus {
  if (reply.length < STATUS_REPLY_BYTES) return { state: 'offline', detail: ['no answer to DLE EOT'] };
  const [printer, cause, paper] = [reply[0]!, reply[1]!, reply[2]!];
  if (![printer, cause, paper].every(isStatusByte)) {
    return {
      state: 'error',
      detail: [`not a status answer: ${[printer, cause, paper].map((b) => b.toString(16).padStart(2, '0'))}`],
    };
  }
  const detail: string[] = [];
  if (printer & 0x08) detail.push('offline');
  if (cause & 0x04) detail.push('cover open');
  if (cause & 0x08) detail.push('feed button pressed');
  if (cause & 0x20) detail.push('stopped at paper end');
  if (cause & 0x40) detail.push('error');
  if ((paper & 0x0c) === 0x0c) detail.push('paper near end');
  if ((paper & 0x60) === 0x60) detail.push('paper out');
  let state: PrinterState = 'ok';
  if (cause & 0x04) state = 'cover_open';
  else if ((paper & 0x60) === 0x60 || cause & 0x20) state = 'paper_out';
  else if (cause & 0x40) state = 'error';
  else if (printer & 0x08) state = 'offline';
  else if ((paper & 0x0c) === 0x0c) state = 'paper_near_end';
  return { state, detail };
}

/** Status bytes a printer in `state` answers with (for simulated printers and tests). */
export function statusReply(state: PrinterState): Uint8Array {
  const base = 0x12;
  const offline = state === 'ok' || state === 'paper_near_end' ? 0 : 0x08;
  const cause = state === 'cover_open' ? 0x04 : state === 'paper_out' ? 0x20 : state === 'error' ? 0x40 : 0;
  const paper = state === 'paper_out' ? 0x6c : state === 'paper_near_end' ? 0x0c : 0;
  return Uint8Array.from([base | offline, base | cause, base | paper]);
}
