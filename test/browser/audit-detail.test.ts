// The audit log's "Chi tiết" column reads as Vietnamese "tên: giá trị" text,
// not as raw JSON.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, pageErrors, signIn } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

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

describe('the audit log', () => {
  it('shows details as readable text', { timeout: 60_000 }, async () => {
    const { page, context } = await newPage(browser);
    await signIn(page, t.httpUrl, 'admin', t.hub.initialAdminPassword!, '/admin');
    // An audited change with a detail: a device registered through the API.
    const cookie = await t.signIn('admin', t.hub.initialAdminPassword!);
    const added = await t.as(cookie)('/api/admin/devices', {
      method: 'POST',
      body: { id: 'kiosk-9', role: 'kiosk' },
    });
    expect(added.status).toBeLessThan(300);
    await page.click('#audit');
    await page.waitForSelector('#audit-table tbody tr');
    const details = await page.locator('#audit-table td.detail').allTextContents();
    expect(details.join('\n')).toMatch(/mã: kiosk-9; vai trò: kiosk; thay thiết bị cũ: không/);
    expect(details.join('\n')).toMatch(/địa chỉ IP: /);
    for (const d of details) expect(d).not.toMatch(/[{}"]/);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
