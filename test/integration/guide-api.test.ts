// The guide's API on a real hub: the screen's view (fields, procedures,
// sample cards, counters, the line per procedure that moves as tickets are
// issued), the cards' editing by administrators only, with every bad input
// refused and nothing changed, and the sample cards loaded into a store made
// before guide cards existed.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guideContent, guideLines } from '../../shared/protocol/guide.js';
import { mqttKiosk, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { UNDO_SCHEMA_12 } from '../helpers/old-schema.js';

let t: TestHub;
let admin: ReturnType<TestHub['as']>;

beforeAll(async () => {
  t = await startTestHub();
  admin = t.as(await t.signIn('admin', t.hub.initialAdminPassword!));
});
afterAll(async () => t?.stop());

const get = async (path: string) => {
  const res = await fetch(`${t.httpUrl}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), res };
};
const content = async () => guideContent.parse(JSON.parse((await get('/api/guide')).body));

describe("the screen's view", () => {
  it('lists the active fields and procedures with the sample cards, marked as samples', async () => {
    const c = await content();
    expect(c.fields).toHaveLength(10);
    const procedures = c.fields.flatMap((f) => f.procedures);
    expect(procedures).toHaveLength(36);
    const withCards = procedures.filter((p) => p.card);
    expect(withCards.length).toBeGreaterThanOrEqual(10);
    expect(withCards.every((p) => p.card!.sample && p.card!.checkedOn === null)).toBe(true);
    const residence = procedures.find((p) => p.id === 'cu-tru-01')!;
    expect(residence.counters).toEqual([3, 8]);
    expect(residence.card!.documents[0]).toEqual({
      name: 'Tờ khai thay đổi thông tin cư trú (mẫu CT01)',
      originals: 1,
      copies: 0,
      note: '',
      copiesText: '1 bản chính',
    });
    expect(c.counters.map((x) => x.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(c.lines.procedures['cu-tru-01']).toEqual({ ahead: 0, waitSeconds: 0, openCounters: 2 });
  });

  it('moves the line as tickets are issued, without changing the content tag', async () => {
    const before = guideLines.parse(JSON.parse((await get('/api/guide/lines')).body));
    const kiosk = await mqttKiosk(t, 'kiosk-lines');
    await kiosk.issue('can-cuoc-01');
    await kiosk.issue('can-cuoc-02');
    const after = guideLines.parse(JSON.parse((await get('/api/guide/lines')).body));
    kiosk.client.end(true);
    expect(after.contentTag).toBe(before.contentTag);
    // Counters 1 and 2 serve every Căn cước procedure: both tickets are ahead of a new one.
    expect(after.procedures['can-cuoc-03']!.ahead).toBe(before.procedures['can-cuoc-03']!.ahead + 2);
    expect(after.procedures['can-cuoc-03']!.waitSeconds).toBe(300); // 2 × 300 s default / 2 open counters
    expect(after.procedures['cu-tru-01']!.ahead).toBe(before.procedures['cu-tru-01']!.ahead);
    expect(after.counters['1']).toBe('open');
  });

  it('serves the QR code of a card as SVG that runs nothing, and 404 for none', async () => {
    const qr = await get('/api/guide/procedures/cu-tru-01/qr.svg');
    expect(qr.status).toBe(200);
    expect(qr.type).toBe('image/svg+xml');
    expect(qr.body).toMatch(/^<svg[^>]*>/);
    expect(qr.body).not.toMatch(/<script|on\w+=/i);
    expect(qr.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const etag = qr.res.headers.get('etag')!;
    const again = await fetch(`${t.httpUrl}/api/guide/procedures/cu-tru-01/qr.svg`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect((await get('/api/guide/procedures/cu-tru-03/qr.svg')).status).toBe(404); // no card
    expect((await get('/api/guide/procedures/..%2f..%2fetc/qr.svg')).status).toBe(400);
  });
});

describe('editing a card', () => {
  const card = {
    documents: [
      { name: 'Tờ khai CT01', originals: 1, copies: 0, note: '' },
      { name: '<script>alert(1)</script>', originals: 0, copies: 2, note: 'chỉ là chữ' },
    ],
    fee: '15.000 đồng',
    timeLimit: '03 ngày làm việc',
    legalBasis: ['Luật Cư trú 2020'],
    onlineUrl: 'https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=5974',
    notes: 'Mang theo bút.',
    keywords: ['thue tro'],
    checkedOn: '2026-01-05',
  };

  it('is for administrators only, from this site, as JSON', async () => {
    const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
    expect((await officer('/api/admin/guide/cu-tru-02', { method: 'PUT', body: card })).status).toBe(403);
    const anonymous = await fetch(`${t.httpUrl}/api/admin/guide/cu-tru-02`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', origin: t.httpUrl },
      body: JSON.stringify(card),
    });
    expect(anonymous.status).toBe(401);
    const cookie = await t.signIn('admin', t.hub.initialAdminPassword!);
    const crossSite = await fetch(`${t.httpUrl}/api/admin/guide/cu-tru-02`, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify(card),
    });
    expect(crossSite.status).toBe(403);
    const form = await fetch(`${t.httpUrl}/api/admin/guide/cu-tru-02`, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'text/plain', origin: t.httpUrl },
      body: JSON.stringify(card),
    });
    expect(form.status).toBe(415);
    expect((await content()).fields[1]!.procedures[1]!.card!.sample).toBe(true);
  });

  it('refuses bad input with a sentence and changes nothing', async () => {
    const tagBefore = (await content()).contentTag;
    const cases: [string, unknown, number, RegExp][] = [
      ['cu-tru-02', { ...card, onlineUrl: 'https://evil.example/' }, 400, /Cổng Dịch vụ công/],
      ['cu-tru-02', { ...card, checkedOn: '2999-01-01' }, 400, /Ngày kiểm tra/],
      ['cu-tru-02', { ...card, documents: [{ name: '' }] }, 400, /hãy ghi tên giấy tờ/],
      ['cu-tru-02', { ...card, fee: 42 }, 400, /Dữ liệu không hợp lệ/],
      ['cu-tru-02', { ...card, html: '<b>' }, 400, /html/],
      ['cu-tru-02', { ...card, fee: 'x'.repeat(100_000) }, 413, /./],
      ['khong-co', card, 404, /Không có thủ tục "khong-co"/],
      ['BAD ID', card, 400, /./],
    ];
    for (const [id, body, status, message] of cases) {
      const res = await admin(`/api/admin/guide/${encodeURIComponent(id)}`, { method: 'PUT', body });
      const text = await res.text();
      expect([id, res.status], text).toEqual([id, status]);
      expect((JSON.parse(text) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect((await content()).contentTag).toBe(tagBefore);
  });

  it('saves the office card, no longer a sample, audited; the screen sees a new content tag', async () => {
    const before = await content();
    const res = await admin('/api/admin/guide/cu-tru-02', { method: 'PUT', body: card });
    expect(res.status).toBe(200);
    const after = await content();
    expect(after.contentTag).not.toBe(before.contentTag);
    const saved = after.fields.find((f) => f.id === 'cu-tru')!.procedures.find((p) => p.id === 'cu-tru-02')!
      .card!;
    expect(saved).toMatchObject({ sample: false, checkedOn: '2026-01-05', fee: '15.000 đồng' });
    expect(saved.documents[1]).toMatchObject({ name: '<script>alert(1)</script>', copiesText: '2 bản sao' });
    const audit = t.hub.accounts.auditLog({ limit: 5 });
    expect(JSON.stringify(audit)).toContain('guide-edit');
    const list = (await (await admin('/api/admin/guide')).json()) as {
      procedures: { id: string; sample: boolean }[];
    };
    expect(list.procedures.find((p) => p.id === 'cu-tru-02')!.sample).toBe(false);
  });

  it('removes a card; removing it again says there is none', async () => {
    expect((await admin('/api/admin/guide/cu-tru-02', { method: 'DELETE' })).status).toBe(200);
    const again = await admin('/api/admin/guide/cu-tru-02', { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('chưa có hướng dẫn');
    const c = await content();
    expect(
      c.fields.find((f) => f.id === 'cu-tru')!.procedures.find((p) => p.id === 'cu-tru-02')!.card,
    ).toBeNull();
  });
});

describe('a store made before guide cards', () => {
  it('gets the sample cards once, only where the procedure still has its default name', async () => {
    const dir = tempDir('qms-guide-old-');
    try {
      const first = await startTestHub({ dataDir: dir.path });
      await first.hub.stop();
      // Back to schema 6, as an older hub left it, with one procedure renamed by the office.
      const db = new Database(join(dir.path, 'qms.sqlite'));
      db.exec(
        "DROP TABLE procedure_guides; DROP TABLE central_outbox; DROP TABLE central_state; DELETE FROM settings WHERE key = 'guideSamplesLoaded';" +
          // and what version 9 added (counters and the counter time)
          ' DROP INDEX calls_by_ticket; ALTER TABLE tickets DROP COLUMN counter_called_at; ALTER TABLE counters DROP COLUMN free_since;' +
          // and what version 10 changed (version 11 rebuilds the ratings table from whatever form it has)
          ' ALTER TABLE tickets DROP COLUMN issue_reply; CREATE INDEX audit_log_by_time ON audit_log(at);' +
          // and what version 12 changed (events keyed by ticket)
          UNDO_SCHEMA_12,
      );
      db.prepare("UPDATE procedures SET name = 'Thủ tục khác' WHERE id = 'cu-tru-01'").run();
      db.pragma('user_version = 6');
      db.close();

      const upgraded = await startTestHub({ dataDir: dir.path });
      const res = await fetch(`${upgraded.httpUrl}/api/guide`);
      const c = guideContent.parse(await res.json());
      const procedures = c.fields.flatMap((f) => f.procedures);
      expect(procedures.find((p) => p.id === 'cu-tru-01')!.card).toBeNull();
      expect(procedures.find((p) => p.id === 'cu-tru-02')!.card?.sample).toBe(true);
      expect(upgraded.logs.lines.join('\n')).toMatch(/sample guide cards loaded/);
      // An office that removed a sample does not get it back at the next start.
      upgraded.hub.db.prepare("DELETE FROM procedure_guides WHERE procedure_id = 'cu-tru-02'").run();
      await upgraded.hub.stop();
      const again = await startTestHub({ dataDir: dir.path });
      const c2 = guideContent.parse(await (await fetch(`${again.httpUrl}/api/guide`)).json());
      expect(c2.fields.flatMap((f) => f.procedures).find((p) => p.id === 'cu-tru-02')!.card).toBeNull();
      // A card damaged by hand in the store is left out, never shown half.
      again.hub.db
        .prepare("UPDATE procedure_guides SET card = '{\"fee\": 1' WHERE procedure_id = 'cu-tru-03'")
        .run();
      await again.hub.stop();
      const last = await startTestHub({ dataDir: dir.path });
      const c3 = guideContent.parse(await (await fetch(`${last.httpUrl}/api/guide`)).json());
      expect(c3.fields.flatMap((f) => f.procedures).find((p) => p.id === 'cu-tru-03')!.card).toBeNull();
      await last.hub.stop();
    } finally {
      dir.remove();
    }
  });
});
