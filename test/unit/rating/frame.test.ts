import { describe, expect, it } from 'vitest';
import { renderFrame, unescapeFrame } from '../../../edge/rating-button/frame.js';

describe('counter display frames', () => {
  it('fills {number} with the called number; the default frame is a text line', () => {
    expect(renderFrame({ frame: '{number}\r\n' }, '1023', 3).toString('latin1')).toBe('1023\r\n');
    expect(renderFrame({ frame: '{number}\r\n' }, 'A015', 3).toString('latin1')).toBe('A015\r\n');
  });

  it('shows the idle text (blank by default) when nothing is called, right-aligned to a width', () => {
    expect(renderFrame({ frame: '[{number}]' }, null, 1).toString()).toBe('[]');
    expect(renderFrame({ frame: '[{number}]', idle: '----' }, null, 1).toString()).toBe('[----]');
    expect(renderFrame({ frame: '[{number}]', width: 5 }, '42', 1).toString()).toBe('[   42]');
  });

  it('turns text escapes into bytes: STX/ETX framing, an address with {counter}', () => {
    expect([...renderFrame({ frame: '\\x02{number}\\x03' }, '1023', 1)]).toEqual([
      0x02, 0x31, 0x30, 0x32, 0x33, 0x03,
    ]);
    expect(renderFrame({ frame: '\\x1b@{counter}:{number}\\r' }, '7', 12).toString('latin1')).toBe(
      '\x1b@12:7\r',
    );
    // Control characters given directly by the JSON file pass as they are.
    expect([...renderFrame({ frame: '\u0002{number}\u0003' }, '5', 1)]).toEqual([0x02, 0x35, 0x03]);
  });

  it('leaves a backslash that is not an escape alone', () => {
    expect(unescapeFrame('a\\qb\\\\c\\x4').toString('latin1')).toBe('a\\qb\\c\\x4');
    expect(unescapeFrame('\\n\\t').toString('latin1')).toBe('\n\t');
  });
});
