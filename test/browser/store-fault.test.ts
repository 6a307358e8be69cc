// The admin page tells people when the hub's store is damaged, in real
// Chromium against a real hub whose store file is damaged under it; and when
// the outbox to the province centre grows past its alarm (hub config
// `central.alarmEvents`) or past its bound (`central.maxEvents`).

import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, pageErrors, screenshot, signIn } from '../helpers/browser.js';
import { freePort, mqttKiosk, startTestHub, type TestHub } from '../helpers/hub.js';
import { damageUnderHub } from '../helpers/store.js';

let t: TestHub;
let browser: Browser;

beforeAll(async () => {
  t = await startTestHub();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

type PageGlobal = { document: { querySelector(selector: string): { textContent: string | null } | null } };

describe('store fault banner', () => {
  it('is hidden while all is well, and says what to do once the store is damaged', async () => {
    const kiosk = await mqttKiosk(t, 'kiosk-1');
    for (let i = 0; i < 30; i++) await kiosk.issue('can-cuoc-01');

    const { page, context } = await newPage(browser);
    await signIn(page, t.httpUrl, 'admin', t.hub.initialAdminPassword!, '/admin');
    await page.waitForSelector('#tabs:not(.hidden)');
    await page.waitForSelector('#store-fault', { state: 'attached' });
    expect(await page.isVisible('#store-fault')).toBe(false);

    // Damage the tickets table in the file, and make the hub read it again.
    damageUnderHub(join(t.dataDir, 'qms.sqlite'), 'tickets');
    await expect(kiosk.issue('can-cuoc-01')).rejects.toThrow(/hub_error/);
    kiosk.client.end(true);
    expect(t.hub.storeHealth.fault?.kind).toBe('corrupt');

    // A new visit (sign-in still works) shows the banner at once.
    const second = await newPage(browser);
    await signIn(second.page, t.httpUrl, 'admin', t.hub.initialAdminPassword!, '/admin');
    await second.page.waitForSelector('#store-fault:not(.hidden)');
    const banner = await second.page.evaluate(
      () => (globalThis as unknown as PageGlobal).document.querySelector('#store-fault')?.textContent ?? '',
    );
    expect(banner).toContain('Dữ liệu của máy chủ bị hỏng');
    expect(banner).toMatch(/SQLITE_CORRUPT/);
    expect(banner).toContain('khôi phục bản sao lưu');
    await screenshot(second.page, 'admin-store-fault');
    expect(pageErrors(second.page)).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await second.context.close();
    await context.close();
  }, 60_000);
});

describe('province centre backlog in the banner', () => {
  it('says how many events wait for the centre, and how many were dropped past the bound', async () => {
    // A centre that never answers: every change waits in the outbox.
    const office = await startTestHub({
      central: {
        enabled: true,
        url: `mqtts://127.0.0.1:${await freePort()}`,
        officeId: 'office-1',
        password: 'secret',
        maxEvents: 100,
        alarmEvents: 20,
      },
    });
    try {
      const { page, context } = await newPage(browser);
      await signIn(page, office.httpUrl, 'admin', office.hub.initialAdminPassword!, '/admin');
      await page.waitForSelector('#tabs:not(.hidden)');
      await page.waitForSelector('#store-fault', { state: 'attached' });
      expect(await page.isVisible('#store-fault')).toBe(false); // the start's few events: under the alarm

      const kiosk = await mqttKiosk(office, 'kiosk-1');
      for (let i = 0; i < 120; i++) await kiosk.issue('can-cuoc-01');
      await kiosk.client.endAsync();
      const stats = office.hub.central!.outbox.stats();
      expect(stats.pending).toBe(100);

      const second = await newPage(browser);
      await signIn(second.page, office.httpUrl, 'admin', office.hub.initialAdminPassword!, '/admin');
      await second.page.waitForSelector('#store-fault:not(.hidden)');
      const banner = await second.page.evaluate(
        () => (globalThis as unknown as PageGlobal).document.querySelector('#store-fault')?.textContent ?? '',
      );
      expect(banner).toContain('Chưa gửi được 100 sự kiện lên trung tâm tỉnh');
      expect(banner).toContain('tối đa giữ 100');
      expect(banner).toMatch(/Đã bỏ \d+ sự kiện chưa gửi được/);
      expect(banner).toContain('Việc xếp hàng tại đơn vị vẫn bình thường');
      await screenshot(second.page, 'admin-central-backlog');
      expect(pageErrors(second.page)).toEqual([]);
      expect(pageErrors(page)).toEqual([]);
      await second.context.close();
      await context.close();
    } finally {
      await office.stop();
    }
  }, 60_000);
});
