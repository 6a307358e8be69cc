// The ticket lookup page (/t/<id>, the QR code on a ticket) on a phone-sized
// Chromium against a real hub: waiting, then called, then an unknown id.

import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, pageErrors, screenshot } from '../helpers/browser.js';
import { mqttKiosk, startTestHub, type TestHub } from '../helpers/hub.js';

const PHONE = { width: 390, height: 844 };

const text = (page: Page, selector: string) => page.locator(selector).first().textContent();

describe('ticket lookup page', () => {
  let browser: Browser;
  let t: TestHub;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    t = await startTestHub();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
    await t.stop();
  });

  it('shows people ahead and the wait, then the counter once the ticket is called', async () => {
    const k = await mqttKiosk(t, 'kiosk-a');
    clients.push(k.client);
    // Same procedure: the hub's estimate counts people ahead per procedure.
    await k.issue('can-cuoc-01');
    await k.issue('can-cuoc-01');
    const mine = await k.issue('can-cuoc-01');
    expect(mine.display).toBe('1003');
    expect(mine.lookupPath).toBe(`/t/${mine.ticketId}`);

    const { context, page } = await newPage(browser, PHONE);
    await page.goto(`${t.httpUrl}${mine.lookupPath}`);
    await page.waitForSelector('#ticket:not(.hidden) #number');
    expect(await text(page, '#number')).toBe('1003');
    expect(await text(page, '#status')).toBe('Đang chờ');
    expect(await text(page, '#ahead')).toBe('2');
    // Two ahead, 300 s each by default, two staffed counters serve "Căn cước":
    // about 5 minutes, shown as an honest range.
    expect(await text(page, '#wait')).toBe('khoảng 5–10 phút');
    const details = await page.locator('.details').textContent();
    expect(details).toContain('Căn cước');
    expect(details).toContain('Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên');
    await page.waitForSelector('#live-dot.online');
    const fits = await page.evaluate<boolean>('document.documentElement.scrollWidth <= innerWidth');
    expect(fits).toBe(true);
    await screenshot(page, 'ticket');

    // Calls at other counters move it forward, live.
    const officer = t.as(await t.signIn('canbo', await t.addAccount('canbo', 'officer')));
    const post = async (path: string) => {
      const res = await officer(path, { method: 'POST' });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    await post('/api/counters/1/call-next');
    await expect.poll(() => text(page, '#ahead'), { timeout: 15_000 }).toBe('1');
    await post('/api/counters/2/call-next');
    await expect.poll(() => text(page, '#ahead'), { timeout: 15_000 }).toBe('0');
    // Nobody ahead, but both counters have a citizen just called: it waits
    // until one of them is done, not "sắp đến lượt". Which range depends on
    // how long ago those two were called (the low end nears 0 as time passes),
    // so either form of a range is right here.
    expect(await text(page, '#wait')).toMatch(/^(khoảng \d+–\d+|dưới \d+) phút$/);

    // Its turn: the page names the counter (the time is printed, not bounded).
    await post('/api/counters/1/no-show');
    const started = performance.now();
    await post('/api/counters/1/call-next');
    await page.waitForSelector('#call-counter', { timeout: 15_000 });
    console.log(`ticket page: call → counter shown in ${Math.round(performance.now() - started)} ms`);
    expect(await text(page, '#call-counter')).toBe('Quầy 1');
    expect(await text(page, '#status')).toBe('Đã gọi');
    expect(await page.locator('#call').textContent()).toContain('Mời bạn đến');
    expect(await page.locator('#ahead').count()).toBe(0);
    await screenshot(page, 'ticket-called');

    // Served and finished: the page says so.
    await post('/api/counters/1/start');
    await expect.poll(() => text(page, '#status'), { timeout: 15_000 }).toBe('Đang phục vụ');
    await post('/api/counters/1/finish');
    await expect.poll(() => text(page, '#status'), { timeout: 15_000 }).toBe('Đã xong');
    expect(await page.locator('#call').count()).toBe(0);

    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it('says plainly when a ticket does not exist', async () => {
    const { context, page } = await newPage(browser, PHONE);
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not a ticket']) {
      await page.goto(`${t.httpUrl}/t/${encodeURIComponent(id)}`);
      await page.waitForSelector('#not-found:not(.hidden)', { timeout: 15_000 });
      expect(await text(page, '#not-found h2')).toBe('Không tìm thấy số thứ tự này');
      expect(await page.locator('#ticket').getAttribute('class')).toContain('hidden');
    }
    await screenshot(page, 'ticket-not-found');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
