// The guide screen's search and tone keys (hub/web/assets/guide-search.js and
// guide-keyboard.js, plain browser modules with no DOM at load): procedures
// found with or without diacritics, ranked, and tones put where a typist expects.

import { describe, expect, it } from 'vitest';
import { defaultCatalogue } from '../../../hub/defaults/catalogue.js';
import { sampleGuideCards } from '../../../hub/defaults/guide-cards.js';
import { addTone, TONES } from '../../../hub/web/assets/guide-keyboard.js';
import { buildIndex, fold, search } from '../../../hub/web/assets/guide-search.js';

const catalogue = defaultCatalogue();
const samples = sampleGuideCards();
const fields = catalogue.fields.map((f) => ({
  id: f.id,
  name: f.name,
  procedures: catalogue.procedures
    .filter((p) => p.fieldId === f.id)
    .map((p) => ({ id: p.id, name: p.name, card: samples.get(p.id)?.card ?? null })),
}));
const index = buildIndex(fields);
const ids = (query: string) => search(index, query).map((e) => e.procedure.id);

describe('search', () => {
  it('folds Vietnamese text', () => {
    expect(fold('Đăng ký, cấp biển số xe lần đầu')).toBe('dang ky cap bien so xe lan dau');
    expect(fold('CĂN CƯỚC')).toBe('can cuoc');
    expect(fold('Ca\u0306n cu\u031bo\u031b\u0301c')).toBe('can cuoc'); // typed decomposed (NFD)
  });

  it('finds "căn cước" typed without or with diacritics, the same way', () => {
    const plain = ids('can cuoc');
    expect(plain.slice(0, 4).sort()).toEqual(['can-cuoc-01', 'can-cuoc-02', 'can-cuoc-03', 'can-cuoc-04']);
    expect(ids('căn cước').sort()).toEqual([...plain].sort());
    expect(ids('  CAN   CUOC ')).toEqual(plain);
  });

  it('ranks "dang ky xe" with the phrase at the start of the name first', () => {
    const found = ids('dang ky xe');
    expect(found[0]).toBe('dang-ky-xe-03'); // Đăng ký xe tạm thời
    expect(found).toEqual(expect.arrayContaining(['dang-ky-xe-01', 'dang-ky-xe-02', 'dang-ky-xe-04']));
    expect(found.every((id) => id.startsWith('dang-ky-xe-'))).toBe(true);
  });

  it('finds by prefixes, by the field, and by the cards keywords', () => {
    expect(ids('tam tr')).toContain('cu-tru-02');
    expect(ids('cu tru')).toEqual(
      expect.arrayContaining(['cu-tru-01', 'cu-tru-02', 'cu-tru-03', 'cu-tru-04']),
    );
    expect(ids('cccd')[0]).toMatch(/^can-cuoc-/);
    expect(ids('bang lai')).toEqual(expect.arrayContaining(['giay-phep-lai-xe-01', 'giay-phep-lai-xe-02']));
    expect(ids('passport')).toEqual(['xuat-nhap-canh-01']);
  });

  it('finds nothing for words no procedure has, and nothing for an empty query', () => {
    expect(ids('hon nhan')).toEqual([]);
    expect(ids('   ')).toEqual([]);
    expect(ids('!!!')).toEqual([]);
  });
});

describe('tone keys', () => {
  const tone = (name: string) => TONES.find(([n]) => n === name)![1];

  it.each([
    ['can', 'sắc', 'cán'],
    ['cươc', 'sắc', 'cước'],
    ['hoan', 'huyền', 'hoàn'],
    ['hoa', 'sắc', 'hóa'],
    ['ngoai', 'huyền', 'ngoài'],
    ['ngươi', 'huyền', 'người'],
    ['quy', 'sắc', 'quý'],
    ['gi', 'huyền', 'gì'],
    ['giương', 'huyền', 'giường'],
    ['thuy', 'hỏi', 'thủy'],
    ['mua', 'sắc', 'múa'],
    ['đăng ky', 'sắc', 'đăng ký'],
    ['xe', 'nặng', 'xẹ'],
  ])('%s + %s → %s', (text, name, want) => {
    expect(addTone(text, tone(name))).toBe(want);
  });

  it('takes a tone off when pressed again and replaces another', () => {
    expect(addTone('cán', tone('sắc'))).toBe('can');
    expect(addTone('cán', tone('huyền'))).toBe('càn');
  });

  it('leaves a word without a vowel, a trailing space and empty text alone', () => {
    expect(addTone('ng', tone('sắc'))).toBe('ng');
    expect(addTone('can ', tone('sắc'))).toBe('can ');
    expect(addTone('', tone('sắc'))).toBe('');
  });
});
