// The guide card checker (hub/guide/card.ts): what an administrator types is
// cleaned (NFC, control characters, spaces), bounded, and refused with a
// Vietnamese sentence when it cannot be a card; markup stays plain text.

import { describe, expect, it } from 'vitest';
import { defaultCatalogue } from '../../../hub/defaults/catalogue.js';
import { sampleGuideCards } from '../../../hub/defaults/guide-cards.js';
import {
  checkGuide,
  cleanLine,
  cleanLines,
  copiesText,
  GUIDE_LIMITS,
  isCheckDate,
  isPortalUrl,
} from '../../../hub/guide/card.js';

const TODAY = '2026-03-12';

describe('a guide card', () => {
  it('is cleaned: NFC, no control characters, spaces collapsed, empty lines dropped', () => {
    const result = checkGuide(
      {
        documents: [{ name: '  To\u0300 khai\u0000  CT01\u202e ', originals: 1, copies: 0 }],
        fee: 'Miễn\tphí\r\n',
        legalBasis: ['  Luật Cư trú  ', '', '   '],
        notes: 'Dòng 1\r\n\r\n\r\n\r\nDòng 2\u0007',
        keywords: ['cccd, hộ khẩu', 'cccd'],
        onlineUrl: ' https://dichvucong.gov.vn/p/home/x.html?ma_thu_tuc=1 ',
        checkedOn: '2026-03-12',
      },
      TODAY,
    );
    expect(result).toEqual({
      ok: true,
      checkedOn: '2026-03-12',
      card: {
        documents: [{ name: 'Tò khai CT01', originals: 1, copies: 0, note: '' }],
        fee: 'Miễn phí',
        timeLimit: '',
        legalBasis: ['Luật Cư trú'],
        onlineUrl: 'https://dichvucong.gov.vn/p/home/x.html?ma_thu_tuc=1',
        notes: 'Dòng 1\n\nDòng 2',
        keywords: ['cccd', 'hộ khẩu'],
      },
    });
    expect(cleanLine('a\u200bb')).toBe('ab');
    expect(cleanLines(' a \n b ')).toBe('a\nb');
  });

  it('keeps markup as the characters typed (the pages show text, never HTML)', () => {
    const result = checkGuide(
      { documents: [{ name: '<img src=x onerror=alert(1)>' }], fee: '<b>30.000</b> & "đồng"' },
      TODAY,
    );
    expect(result.ok && result.card.documents[0]!.name).toBe('<img src=x onerror=alert(1)>');
    expect(result.ok && result.card.fee).toBe('<b>30.000</b> & "đồng"');
  });

  it.each([
    [{ documents: [{ name: '   ' }] }, 'empty_document', 'Giấy tờ số 1: hãy ghi tên giấy tờ.'],
    [
      { documents: [{ name: 'A', originals: 21 }] },
      'bad_copies',
      'Giấy tờ số 1: số bản chính và bản sao là số nguyên từ 0 đến 20.',
    ],
    [{ documents: [{ name: 'A', copies: 1.5 }] }, 'bad_copies', undefined],
    [
      { documents: Array.from({ length: 41 }, () => ({ name: 'A' })) },
      'too_many',
      'Thành phần hồ sơ: tối đa 40 mục.',
    ],
    [{ fee: 'x'.repeat(301) }, 'bad_text', 'Lệ phí: dài tối đa 300 ký tự.'],
    [{ notes: 'x'.repeat(2001) }, 'bad_text', undefined],
    [{ legalBasis: Array.from({ length: 21 }, (_, i) => `Luật ${i}`) }, 'too_many', undefined],
    [{ keywords: ['x'.repeat(61)] }, 'bad_text', undefined],
    [{ onlineUrl: 'http://dichvucong.gov.vn/' }, 'bad_url', undefined],
    [{ onlineUrl: 'https://dichvucong.gov.vn.example.com/' }, 'bad_url', undefined],
    [{ onlineUrl: 'https://example.com/dichvucong.gov.vn' }, 'bad_url', undefined],
    [{ onlineUrl: 'javascript:alert(1)' }, 'bad_url', undefined],
    [
      { checkedOn: '2026-03-13' },
      'bad_date',
      'Ngày kiểm tra "2026-03-13" không hợp lệ: chọn một ngày từ năm 2000 đến hôm nay.',
    ],
    [{ checkedOn: '2026-02-30' }, 'bad_date', undefined],
    [{ checkedOn: '12/03/2026' }, 'bad_date', undefined],
  ])('refuses %j with %s', (input, code, message) => {
    const result = checkGuide(input, TODAY);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    if (message) expect(result.message).toBe(message);
  });

  it('takes the portal and other .gov.vn sites over https only, without credentials or ports', () => {
    expect(
      isPortalUrl('https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1'),
    ).toBe(true);
    expect(isPortalUrl('https://dichvucong.bocongan.gov.vn/')).toBe(true);
    expect(isPortalUrl('https://dichvucong.thanhhoa.gov.vn/x')).toBe(true);
    expect(isPortalUrl('https://user:pw@dichvucong.gov.vn/')).toBe(false);
    expect(isPortalUrl('https://dichvucong.gov.vn:8443/')).toBe(false);
    expect(isPortalUrl('https://gov.vn.attacker.net/')).toBe(false);
    expect(isPortalUrl('not a url')).toBe(false);
  });

  it('takes check dates from 2000 to today on the office calendar', () => {
    expect(isCheckDate('2000-01-01', TODAY)).toBe(true);
    expect(isCheckDate(TODAY, TODAY)).toBe(true);
    expect(isCheckDate('1999-12-31', TODAY)).toBe(false);
    expect(isCheckDate('2024-02-29', TODAY)).toBe(true);
    expect(isCheckDate('2025-02-29', TODAY)).toBe(false);
  });

  it('says how many copies to bring', () => {
    expect(copiesText({ originals: 1, copies: 0 })).toBe('1 bản chính');
    expect(copiesText({ originals: 1, copies: 2 })).toBe('1 bản chính, 2 bản sao');
    expect(copiesText({ originals: 0, copies: 0 })).toBe('');
  });
});

describe('the sample cards', () => {
  it('belong to procedures of the default catalogue by id and name, and pass the checker', () => {
    const procedures = new Map(defaultCatalogue().procedures.map((p) => [p.id, p.name]));
    const samples = sampleGuideCards();
    expect(samples.size).toBeGreaterThanOrEqual(10);
    for (const [id, sample] of samples) {
      expect(procedures.get(id), id).toBe(sample.name);
      const checked = checkGuide(sample.card, TODAY);
      expect(checked.ok, id).toBe(true);
      if (checked.ok) expect(checked.card, id).toEqual(sample.card);
      expect(sample.card.documents.length, id).toBeLessThanOrEqual(GUIDE_LIMITS.documents);
    }
  });
});
