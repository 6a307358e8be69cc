// The hub's clock in real Chromium: the banner that asks an officer to
// confirm the time after a night without a trusted clock (screenshots in
// test-output/screenshots), and every page showing times in the office's
// zone whatever the browser's (UTC and Asia/Ho_Chi_Minh side by side).

import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, pageErrors, screenshot, signIn } from '../helpers/browser.js';
import { hanoi, TestTimeSources } from '../helpers/clock.js';
import { mqttKiosk, startTestHub, type TestHub } from '../helpers/hub.js';

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').trim();

/** Poll a condition on the page (the pages' CSP forbids eval). */
async function until(page: Page, ok: () => Promise<boolean>, why: () => Promise<string>, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await ok()) return;
    if (Date.now() > deadline) throw new Error(`after ${timeout} ms: ${await why()}`);
    await page.waitForTimeout(50);
  }
}

const showsText = (page: Page, selector: string, pattern: RegExp) =>
  until(
    page,
    async () => pattern.test(await text(page, selector).catch(() => '')),
    async () => `${selector} shows "${await text(page, selector).catch(() => '?')}", not ${pattern}`,
  );

describe('the hub clock on the pages', () => {
  let browser: Browser;
  let hubs: TestHub[] = [];
  let clients: MqttClient[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const c of clients) c.end(true);
    for (const h of hubs) await h.stop();
    hubs = [];
    clients = [];
  });

  async function hubAt(src: TestTimeSources) {
    const t = await startTestHub({ clock: src.options() });
    hubs.push(t);
    const k = await mqttKiosk(t, 'kiosk-1');
    clients.push(k.client);
    return { t, k };
  }

  it('after a night on fake-hwclock the console shows the banner; one click confirms; tickets carry today', async () => {
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 5));
    const { t, k } = await hubAt(src);
    await k.issue('can-cuoc-01'); // issued this morning on yesterday's clock
    const password = await t.addAccount('canbo1', 'officer');
    const { context, page } = await newPage(browser);
    // This officer's computer says 07:30 this morning.
    await context.addInitScript(`{
      const shift = ${hanoi(2026, 11, 27, 7, 30)} - Date.now();
      const RealDate = Date;
      const now = () => RealDate.now() + shift;
      globalThis.Date = class extends RealDate {
        constructor(...a) { super(...(a.length ? a : [now()])); }
        static now() { return now(); }
      };
    }`);
    await signIn(page, t.httpUrl, 'canbo1', password);
    await page.locator('#clock-banner').waitFor({ state: 'visible' });
    expect(await text(page, '#clock-title')).toBe('Giờ của hệ thống chưa được xác nhận');
    await showsText(page, '#clock-hub-time', /^18:05:\d\d · Thứ Năm, 26\/11\/2026$/);
    await showsText(page, '#clock-own-time', /^07:30:\d\d · Thứ Sáu, 27\/11\/2026$/);
    expect(await text(page, '#clock-why')).toMatch(/chưa đồng bộ được giờ qua mạng/);
    const before = await screenshot(page, 'clock-banner-console');
    expect(before).toMatch(/clock-banner-console\.png$/);

    await page.click('#clock-confirm');
    await page.locator('#clock-banner').waitFor({ state: 'hidden' });
    await showsText(page, '#notice', /^Đã xác nhận giờ: 07:30 27\/11\/2026\.$/);
    await screenshot(page, 'clock-banner-console-confirmed');
    expect(t.hub.service.state.serviceDate).toBe('2026-11-27');
    const rows = t.hub.db.prepare('SELECT display, service_date AS d FROM tickets').all();
    expect(rows).toEqual([{ display: '1001', d: '2026-11-27' }]);
    expect((await k.issue('can-cuoc-01')).serviceDate).toBe('2026-11-27');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it('the admin page shows the banner too, and no banner while the clock is trusted', async () => {
    const src = new TestTimeSources(hanoi(2026, 11, 26, 18, 5));
    const { t } = await hubAt(src);
    const password = await t.addAccount('quantri', 'admin');
    const { context, page } = await newPage(browser);
    await signIn(page, t.httpUrl, 'quantri', password, '/admin');
    await page.locator('#clock-banner').waitFor({ state: 'visible' });
    await screenshot(page, 'clock-banner-admin');
    // NTP comes back: the banner goes at the next look.
    src.synced(true);
    await t.hub.clock.refresh();
    await page.reload();
    await page.locator('#tabs').waitFor({ state: 'visible' });
    // The page has read the hub's clock once it fills in the reason (it does
    // so whether or not the banner shows); only then does "hidden" mean trusted.
    await until(
      page,
      async () => (await text(page, '#clock-why')) !== '',
      async () => 'the page never read /api/clock',
    );
    expect(await page.locator('#clock-banner').isVisible()).toBe(false);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it('every page shows the same times in a browser set to UTC and one set to Hà Nội', {
    timeout: 90_000,
  }, async () => {
    // 09:30 in Hà Nội is 02:30 UTC: a page formatting in the browser's zone would show 02:30.
    const src = new TestTimeSources(hanoi(2026, 11, 27, 9, 30)).synced(true);
    const { t, k } = await hubAt(src);
    const ticket = await k.issue('can-cuoc-01');
    const officerPassword = await t.addAccount('canbo1', 'officer');
    const adminPassword = await t.addAccount('quantri', 'admin');

    const seen: Record<string, Record<string, string>> = {};
    for (const zone of ['UTC', 'Asia/Ho_Chi_Minh']) {
      const got: Record<string, string> = {};
      const { context, page } = await newPage(browser, undefined, zone);

      // Console: the officer calls the ticket; the call time is shown.
      await signIn(page, t.httpUrl, 'canbo1', officerPassword);
      await page.locator('#picker-list .counter-choice').first().click();
      await page.locator('#console').waitFor({ state: 'visible' });
      if (zone === 'UTC') await page.click('#act-call-next');
      await showsText(page, '#current-info', /\d\d:\d\d/);
      got.console = await text(page, '#current-info');

      // Board: date, clock, the last call's time.
      await page.goto(`${t.httpUrl}/board`);
      await showsText(page, '.call-meta', /\d\d:\d\d/);
      got.boardDate = await text(page, '#date');
      got.boardClock = await text(page, '#clock');
      got.boardCall = await text(page, '.call-meta');
      got.boardOffice = await text(page, '#app-name');
      await screenshot(page, `clock-zone-board-${zone.replace('/', '-')}`);

      // Ticket page behind the QR code.
      await page.goto(`${t.httpUrl}/t/${ticket.ticketId}`);
      await page.locator('#ticket').waitFor({ state: 'visible' });
      got.ticketIssued = await text(page, '.details .row:nth-child(3) dd');
      got.ticketOffice = await text(page, '#site-name');
      await showsText(page, '#live-text', /\d\d:\d\d/);
      got.ticketUpdated = (await text(page, '#live-text')).replace(/^.*(\d\d:\d\d).*$/, '$1');
      await screenshot(page, `clock-zone-ticket-${zone.replace('/', '-')}`);

      // Admin: the audit log's times (sign-ins and the call, all at 09:30 today).
      await page.goto(`${t.httpUrl}/login?next=/admin`);
      await signIn(page, t.httpUrl, 'quantri', adminPassword, '/admin');
      await page.click('#audit');
      await showsText(page, '#audit-table tbody td', /\d\d:\d\d/);
      got.audit = await text(page, '#audit-table tbody td');

      // Reports: "today" is the office's date on the hub's clock.
      await page.goto(`${t.httpUrl}/reports`);
      await page.locator('#report').waitFor({ state: 'visible' });
      await page.click('#quick-today');
      await until(
        page,
        async () => (await page.inputValue('#from')) !== '',
        async () => 'no date',
      );
      got.reportsToday = await page.inputValue('#from');
      expect(pageErrors(page)).toEqual([]);
      await screenshot(page, `clock-zone-reports-${zone.replace('/', '-')}`);
      await context.close();
      seen[zone] = got;
    }
    // The hub's clock stands still at 09:30:00 here, so every time shown is 09:30 (or a few seconds on).
    expect(seen.UTC).toEqual(seen['Asia/Ho_Chi_Minh']);
    expect(seen.UTC).toMatchObject({
      console: expect.stringMatching(/09:30/),
      boardDate: 'Thứ Sáu, 27/11/2026',
      boardClock: '09:30',
      boardCall: '09:30',
      boardOffice: 'Test office',
      ticketIssued: '09:30',
      ticketOffice: 'Test office',
      ticketUpdated: '09:30',
      audit: expect.stringMatching(/^09:30:\d\d$/),
      reportsToday: '2026-11-27',
    });
  });
});
