// An office that has run an earlier version keeps its catalogue: the new
// default fields (Con dấu; Vũ khí, vật liệu nổ, công cụ hỗ trợ) and the
// corrected ANTT wording reach its store only when an administrator asks,
// first as a preview, then added switched off, audited.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_FILE } from '../../hub/store/db.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

describe('default catalogue on an existing store', () => {
  const dir = tempDir('qms-defaults-');
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    dir.remove();
  });

  it('is not changed at start; an administrator previews, then adds what is missing', async () => {
    // A store as an earlier version left it: eight fields, the short ANTT names.
    t = await startTestHub({ dataDir: dir.path });
    await t.stop();
    const db = new Database(join(dir.path, STORE_FILE));
    db.exec(`
      DELETE FROM procedures WHERE field_id IN ('con-dau', 'vu-khi');
      DELETE FROM fields WHERE id IN ('con-dau', 'vu-khi');
      UPDATE procedures SET name = 'Cấp đổi giấy chứng nhận' WHERE id = 'an-ninh-trat-tu-02';
      UPDATE procedures SET name = 'Cấp lại giấy chứng nhận' WHERE id = 'an-ninh-trat-tu-03';
    `);
    db.close();

    t = await startTestHub({ dataDir: dir.path });
    const fieldIds = () => t!.hub.service.state.catalogue.fields.map((f) => f.id);
    expect(fieldIds()).not.toContain('con-dau');
    expect(t.hub.service.state.catalogue.procedures.find((p) => p.id === 'an-ninh-trat-tu-02')!.name).toBe(
      'Cấp đổi giấy chứng nhận',
    );

    const admin = t.as(await t.signIn('quantri', await t.addAccount('quantri', 'admin')));
    const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
    expect((await officer('/api/admin/catalogue/defaults', { method: 'POST' })).status).toBe(403);

    const preview = await admin('/api/admin/catalogue/defaults', { method: 'POST', body: {} });
    expect(preview.status).toBe(200);
    const seen = (await preview.json()) as {
      applied: boolean;
      fieldsAdded: { id: string }[];
      proceduresAdded: unknown[];
      renamed: unknown[];
    };
    expect(seen).toMatchObject({ applied: false });
    expect(seen.fieldsAdded.map((f) => f.id)).toEqual(['con-dau', 'vu-khi']);
    expect(seen.proceduresAdded).toHaveLength(9);
    expect(seen.renamed).toHaveLength(2);
    expect(fieldIds()).not.toContain('con-dau'); // a preview changes nothing

    const applied = await admin('/api/admin/catalogue/defaults', { method: 'POST', body: { apply: true } });
    expect(applied.status).toBe(200);
    expect(await applied.json()).toMatchObject({ applied: true, skipped: [] });
    const catalogue = t.hub.service.state.catalogue;
    expect(
      catalogue.fields.filter((f) => f.id === 'con-dau' || f.id === 'vu-khi').map((f) => f.active),
    ).toEqual([false, false]);
    expect(catalogue.procedures.find((p) => p.id === 'an-ninh-trat-tu-03')!.name).toBe(
      'Cấp lại giấy chứng nhận đủ điều kiện về an ninh, trật tự',
    );
    // Switched off: the kiosks' catalogue does not offer them yet.
    const offered = (await (await fetch(`${t.httpUrl}/api/catalogue`)).json()) as {
      fields: { id: string }[];
    };
    expect(offered.fields.map((f) => f.id)).not.toContain('con-dau');
    const audit = t.hub.db
      .prepare("SELECT username FROM audit_log WHERE action = 'catalogue-defaults'")
      .all() as { username: string }[];
    expect(audit).toEqual([{ username: 'quantri' }]);

    // Kept across a restart, and asking again adds nothing.
    await t.stop();
    t = await startTestHub({ dataDir: dir.path });
    expect(fieldIds()).toContain('vu-khi');
    const admin2 = t.as(await t.signIn('quantri2', await t.addAccount('quantri2', 'admin')));
    const again = await admin2('/api/admin/catalogue/defaults', { method: 'POST', body: { apply: true } });
    expect(await again.json()).toEqual({
      applied: true,
      fieldsAdded: [],
      proceduresAdded: [],
      renamed: [],
      skipped: [],
    });
  });
});
