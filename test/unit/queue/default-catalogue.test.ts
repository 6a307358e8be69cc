import { describe, expect, it } from 'vitest';
import {
  defaultCatalogue,
  defaultCounters,
  defaultQueueSettings,
  FORMER_DEFAULT_NAMES,
} from '../../../hub/defaults/catalogue.js';
import { addMissingDefaults } from '../../../hub/defaults/missing-defaults.js';
import { addField } from '../../../hub/queue/catalogue.js';
import { applyChanges, type Catalogue, counterReady, type QueueState } from '../../../hub/queue/index.js';
import { TestCtx } from './fixture.js';

function emptyState(
  catalogue: Catalogue = { fields: [], procedures: [], priorityCategories: [] },
): QueueState {
  return {
    serviceDate: '2025-10-01',
    settings: { ...defaultQueueSettings },
    catalogue,
    counters: new Map(),
    tickets: new Map(),
    sequences: new Map(),
    recentServiceMs: new Map(),
    leases: new Map(),
    lastSeq: 0,
  };
}

/** The catalogue as versions before Con dấu and Vũ khí loaded it. */
function formerCatalogue(): Catalogue {
  const c = defaultCatalogue();
  return {
    ...c,
    fields: c.fields.filter((f) => f.id !== 'con-dau' && f.id !== 'vu-khi'),
    procedures: c.procedures
      .filter((p) => p.fieldId !== 'con-dau' && p.fieldId !== 'vu-khi')
      .map((p) => (FORMER_DEFAULT_NAMES[p.id] ? { ...p, name: FORMER_DEFAULT_NAMES[p.id]! } : p)),
  };
}

describe('default catalogue (docs/domain.md, Fields and procedures)', () => {
  const catalogue = defaultCatalogue();
  const procedures = (fieldId: string) =>
    catalogue.procedures.filter((p) => p.fieldId === fieldId).map((p) => p.name);

  it('has the ten fields of a provincial police one-stop office', () => {
    expect(catalogue.fields.map((f) => f.name)).toEqual([
      'Căn cước',
      'Cư trú',
      'Quản lý xuất nhập cảnh',
      'Lý lịch tư pháp',
      'Đăng ký, quản lý phương tiện giao thông',
      'Giấy phép lái xe',
      'Phòng cháy, chữa cháy và cứu nạn, cứu hộ',
      'Ngành nghề kinh doanh có điều kiện về an ninh, trật tự',
      'Con dấu',
      'Vũ khí, vật liệu nổ, công cụ hỗ trợ',
    ]);
    expect(catalogue.procedures).toHaveLength(36);
    for (const name of [...catalogue.fields.map((f) => f.name), ...catalogue.procedures.map((p) => p.name)]) {
      expect(name).toBe(name.normalize('NFC'));
    }
  });

  it('names the ANTT certificates in full, and lists the common seal and weapons procedures', () => {
    expect(procedures('an-ninh-trat-tu')).toEqual([
      'Cấp giấy chứng nhận đủ điều kiện về an ninh, trật tự',
      'Cấp đổi giấy chứng nhận đủ điều kiện về an ninh, trật tự',
      'Cấp lại giấy chứng nhận đủ điều kiện về an ninh, trật tự',
    ]);
    expect(procedures('con-dau')).toEqual([
      'Đăng ký mẫu con dấu mới',
      'Đăng ký lại mẫu con dấu',
      'Đăng ký thêm con dấu',
      'Đăng ký dấu nổi, dấu thu nhỏ, dấu xi',
      'Đổi, cấp lại giấy chứng nhận đăng ký mẫu con dấu',
    ]);
    expect(procedures('vu-khi')).toEqual([
      'Cấp giấy phép sử dụng công cụ hỗ trợ',
      'Cấp lại giấy phép sử dụng công cụ hỗ trợ',
      'Cấp giấy phép vận chuyển công cụ hỗ trợ',
      'Cấp giấy phép vận chuyển vật liệu nổ công nghiệp',
    ]);
  });

  it('gives each field its own four-digit block, accepted by the administration rules (no overlap)', () => {
    expect(catalogue.fields.map((f) => [f.id, f.numbering.start, f.numbering.end])).toEqual([
      ['can-cuoc', 1001, 1999],
      ['cu-tru', 2001, 2999],
      ['xuat-nhap-canh', 3001, 3999],
      ['ly-lich-tu-phap', 4001, 4999],
      ['dang-ky-xe', 5001, 5999],
      ['giay-phep-lai-xe', 6001, 6999],
      ['pccc', 7001, 7999],
      ['an-ninh-trat-tu', 8001, 8999],
      ['con-dau', 9001, 9499],
      ['vu-khi', 9501, 9999],
    ]);
    // Every field passes the same checks an administrator's would (ids, names, ranges, overlap).
    const state = emptyState();
    const ctx = new TestCtx();
    for (const f of catalogue.fields) {
      const d = addField(state, f, ctx);
      expect(d.ok, f.id).toBe(true);
      if (d.ok) applyChanges(state, d.changes);
    }
  });

  it('starts every counter closed, and every field is served by some counter once staffed', () => {
    const counters = defaultCounters(catalogue);
    expect(counters.map((c) => c.state)).toEqual(new Array(8).fill('closed'));
    expect(counters.every((c) => c.officer === null && !counterReady(c))).toBe(true);
    const served = new Set(counters.flatMap((c) => c.serves.map((s) => s.procedureId)));
    for (const p of catalogue.procedures) expect(served.has(p.id), p.id).toBe(true);
    expect(counters.find((c) => c.id === 8)!.serves.map((s) => s.procedureId)).toContain('con-dau-01');
  });

  it('has the priority groups of Decree 107/2021 and the common local additions', () => {
    expect(catalogue.priorityCategories.map((c) => c.id)).toEqual([
      'nguoi-cao-tuoi',
      'phu-nu-mang-thai',
      'nguoi-khuyet-tat',
      'nguoi-co-cong',
      'con-nho',
    ]);
  });
});

describe('adding the defaults an older store lacks (only when an administrator asks)', () => {
  it('adds the two fields and their procedures switched off, and corrects the former ANTT wording', () => {
    const state = emptyState(formerCatalogue());
    const d = addMissingDefaults(state, { renameFormer: true }, new TestCtx());
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.result.fieldsAdded).toEqual([
      { id: 'con-dau', name: 'Con dấu', numbering: '9001–9499' },
      { id: 'vu-khi', name: 'Vũ khí, vật liệu nổ, công cụ hỗ trợ', numbering: '9501–9999' },
    ]);
    expect(d.result.proceduresAdded.map((p) => p.id)).toEqual([
      'con-dau-01',
      'con-dau-02',
      'con-dau-03',
      'con-dau-04',
      'con-dau-05',
      'vu-khi-01',
      'vu-khi-02',
      'vu-khi-03',
      'vu-khi-04',
    ]);
    expect(d.result.renamed).toEqual([
      {
        id: 'an-ninh-trat-tu-02',
        from: 'Cấp đổi giấy chứng nhận',
        to: 'Cấp đổi giấy chứng nhận đủ điều kiện về an ninh, trật tự',
      },
      {
        id: 'an-ninh-trat-tu-03',
        from: 'Cấp lại giấy chứng nhận',
        to: 'Cấp lại giấy chứng nhận đủ điều kiện về an ninh, trật tự',
      },
    ]);
    expect(d.result.skipped).toEqual([]);
    // The decision alone changes nothing; applied, it is one catalogue change.
    expect(state.catalogue.fields).toHaveLength(8);
    expect(d.changes.map((c) => c.kind)).toEqual(['catalogue']);
    applyChanges(state, d.changes);
    const added = state.catalogue.fields.filter((f) => f.id === 'con-dau' || f.id === 'vu-khi');
    expect(added.every((f) => !f.active)).toBe(true);
    // Asked again: nothing left to add.
    const again = addMissingDefaults(state, { renameFormer: true }, new TestCtx());
    expect(again.ok && again.changes).toEqual([]);
  });

  it('leaves the office’s own choices alone: renamed procedures, and ranges or ids it uses', () => {
    const former = formerCatalogue();
    const own: Catalogue = {
      ...former,
      fields: [
        ...former.fields,
        // The office numbered a field of its own in the 9000s.
        {
          id: 'khac',
          name: 'Khác',
          numbering: { prefix: '', start: 9001, end: 9999, wrap: true },
          position: 9,
          active: true,
        },
      ],
      procedures: former.procedures.map((p) =>
        p.id === 'an-ninh-trat-tu-03' ? { ...p, name: 'Cấp lại GCN ANTT' } : p,
      ),
    };
    const d = addMissingDefaults(emptyState(own), { renameFormer: true }, new TestCtx());
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.result.fieldsAdded).toEqual([]);
    expect(d.result.skipped.map((s) => s.id)).toEqual(['con-dau', 'vu-khi']);
    expect(d.result.skipped[0]!.reason).toMatch(/9001–9499/);
    expect(d.result.renamed.map((r) => r.id)).toEqual(['an-ninh-trat-tu-02']);
    const noRename = addMissingDefaults(emptyState(former), { renameFormer: false }, new TestCtx());
    expect(noRename.ok && noRename.result.renamed).toEqual([]);
  });
});
