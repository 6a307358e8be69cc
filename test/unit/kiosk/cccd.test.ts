import { describe, expect, it } from 'vitest';
import { LineSplitter, readCardLine } from '../../../edge/kiosk/scanner.js';
import { ageOn, maskIdNumber, parseCccdQr, parseDdmmyyyy } from '../../../shared/cccd.js';
import { localDate } from '../../../shared/local-date.js';

const EXAMPLE = '038090012345|173456789|Lê Thị Mai|05031990|Nữ|Phường Hạc Thành, Thanh Hóa|15042021';

describe('parseCccdQr', () => {
  it('reads the example from the domain reference (docs/domain.md)', () => {
    expect(parseCccdQr(EXAMPLE)).toEqual({
      ok: true,
      card: {
        idNumber: '038090012345',
        oldIdNumber: '173456789',
        name: 'Lê Thị Mai',
        dateOfBirth: '1990-03-05',
        gender: 'Nữ',
        address: 'Phường Hạc Thành, Thanh Hóa',
        issueDate: '2021-04-15',
      },
    });
  });

  it('accepts an empty old ID, extra trailing fields, CR/LF and spaces around', () => {
    const r = parseCccdQr(' 038060000111||Trần Văn Bình|01011960|Nam|Xã Đông Sơn|20052022|extra|more\r\n');
    expect(r).toMatchObject({
      ok: true,
      card: { oldIdNumber: null, gender: 'Nam', dateOfBirth: '1960-01-01' },
    });
  });

  it('normalises decomposed text to NFC', () => {
    const decomposed = EXAMPLE.normalize('NFD');
    expect(decomposed).not.toBe(EXAMPLE);
    const r = parseCccdQr(decomposed);
    expect(r.ok && r.card.name).toBe('Lê Thị Mai');
    expect(r.ok && r.card.gender).toBe('Nữ');
  });

  it.each([
    ['', 'empty'],
    ['hello world', 'fields'],
    ['https://example.com/?a=1|2|3', 'fields'],
    ['03809001234|173456789|Lê Thị Mai|05031990|Nữ|Thanh Hóa|15042021', 'ID number'],
    ['038090012345|17345|Lê Thị Mai|05031990|Nữ|Thanh Hóa|15042021', 'old ID'],
    ['038090012345||Lê Thị Mai|31021990|Nữ|Thanh Hóa|15042021', 'date of birth'],
    ['038090012345||Lê Thị Mai|05031990|X|Thanh Hóa|15042021', 'gender'],
    ['038090012345||Lê Thị Mai|05031990|Nữ|Thanh Hóa|2021', 'issue date'],
    ['038090012345||Lê 3 Mai|05031990|Nữ|Thanh Hóa|15042021', 'name'],
    ['038090012345||Lê Thị Mai|05031990|Nữ|Thanh Hóa|15041980', 'before'],
    ['\u0000\u0001\u00ff|||||||', 'ID number'],
  ])('rejects %j (%s)', (text, reason) => {
    const r = parseCccdQr(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

describe('helpers', () => {
  it('masks the ID number', () => {
    expect(maskIdNumber('038090012345')).toBe('0380******45');
    expect(maskIdNumber('123')).toBe('***');
  });

  it('computes the age on a date', () => {
    expect(ageOn('1965-11-28', '2025-11-27')).toBe(59);
    expect(ageOn('1965-11-28', '2025-11-28')).toBe(60);
    expect(ageOn('1964-02-29', '2024-02-28')).toBe(59);
    expect(ageOn('1964-02-29', '2024-02-29')).toBe(60);
    expect(ageOn('1964-02-29', '2025-02-28')).toBe(60);
  });

  it('checks calendar days and uses the office date', () => {
    expect(parseDdmmyyyy('29022024')).toBe('2024-02-29');
    expect(parseDdmmyyyy('29022025')).toBeNull();
    expect(parseDdmmyyyy('00012025')).toBeNull();
    // 2025-11-27 20:00 UTC is already the 28th in Hà Nội.
    expect(localDate(Date.UTC(2025, 10, 27, 20), 'Asia/Ho_Chi_Minh')).toBe('2025-11-28');
  });
});

describe('scanner lines', () => {
  it('splits at CR or LF on bytes, so a letter cut between two USB packets survives', () => {
    const lines = new LineSplitter();
    const bytes = Buffer.from(
      '038090012345||Lê Thị Mai|05031990|Nữ|Thanh Hóa|15042021\r\nsecond\rthird',
      'utf8',
    );
    const cut = bytes.indexOf(Buffer.from('ữ', 'utf8')) + 1; // inside the 3 bytes of "ữ"
    expect(lines.push(bytes.subarray(0, cut))).toEqual([]);
    expect(lines.push(bytes.subarray(cut))).toEqual([
      '038090012345||Lê Thị Mai|05031990|Nữ|Thanh Hóa|15042021',
      'second',
    ]);
    expect(lines.push(Buffer.from('\n'))).toEqual(['third']);
  });

  it('reads a line into a masked id and an age on the office date, nothing else', () => {
    const now = Date.UTC(2025, 10, 28, 2);
    expect(
      readCardLine('038060001234||Nguyễn Văn An|28111965|Nam|Thanh Hóa|10052021', now, 'Asia/Ho_Chi_Minh'),
    ).toEqual({
      ok: true,
      card: { maskedId: '0380******34', age: 60 },
    });
    expect(readCardLine('garbage', now, 'Asia/Ho_Chi_Minh').ok).toBe(false);
  });
});
