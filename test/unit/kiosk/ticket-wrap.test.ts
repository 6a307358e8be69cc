// 58 mm tickets: a line never breaks inside the two-syllable words of
// kioskText.keepTogether (a number stays with its unit by wrapRuns' own rule).

import { describe, expect, it } from 'vitest';
import { sampleTicket } from '../../../edge/kiosk/sample.js';
import { renderTicket, unbreakableWords } from '../../../edge/kiosk/ticket-render.js';

const NBSP = '\u00a0';

describe('ticket wrap', () => {
  it('keeps the syllables of listed words together, whatever the case and punctuation', () => {
    expect(unbreakableWords('Công an tỉnh Thanh Hóa – Bộ phận một cửa')).toEqual([
      'Công',
      'an',
      'tỉnh',
      'Thanh',
      'Hóa',
      '–',
      `Bộ${NBSP}phận`,
      `một${NBSP}cửa`,
    ]);
    expect(unbreakableWords('bảng hiển thị. Phiếu')).toEqual(['bảng', `hiển${NBSP}thị.`, 'Phiếu']);
  });

  it('keeps a no-break space written in the text', () => {
    expect(unbreakableWords(`Phòng${NBSP}A  tầng 2`)).toEqual([`Phòng${NBSP}A`, 'tầng', '2']);
  });

  it('the 58 mm sample ticket still renders (the layout is checked by eye in npm run ticket:preview)', () => {
    const ticket = renderTicket(sampleTicket(), 58);
    expect(ticket.width).toBeGreaterThan(0);
    expect(ticket.height).toBeGreaterThan(0);
  });
});
