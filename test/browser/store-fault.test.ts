// The admin page tells people when the hub's store is damaged, in real
// Chromium against a real hub whose store file is damaged under it.

import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, pageErrors, screenshot, signIn } from '../helpers/browser.js';
import { mqttKiosk, startTestHub, type TestHub } from '../helpers/hub.js';
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
