// The touch-screen guide in real Chromium with touch emulation, portrait
// 1080×1920 and landscape 1920×1080, served as on the Pi by the kiosk
// program on its loopback port (relaying the real hub): browse fields and
// procedures, search without diacritics on the on-screen keyboard, open a
// card, take a number (the hub stores the ticket; the ESC/POS bytes with the
// documents to bring reach the kiosk's printer transport, a file), the text
// size button, the return to the start page after 60 s without a touch
// (on the page's fake clock, moved forward by the test), and a card
// edited on the administration page appearing on the screen by itself.
// Screenshots of both orientations go to test-output/screenshots.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRaster, ticketDots } from '../../edge/kiosk/escpos.js';
import type { Kiosk, PrintedTicket } from '../../edge/kiosk/kiosk.js';
import { startKiosk } from '../../edge/kiosk/main.js';
import { renderTicket } from '../../edge/kiosk/ticket-render.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { launchBrowser, newPage, pageErrors, SCREENSHOTS, screenshot, signIn } from '../helpers/browser.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { expectSameDots, waitFor } from '../helpers/pty.js';

const dir = tempDir('qms-guide-browser-');
const PRINTER = join(dir.path, 'printer.escpos');
/**
 * Seconds without a touch before the screen goes back to its start page: the
 * office's 60 where the return is tested, on the page's own clock moved
 * forward by the test (Playwright's fake clock), and an hour elsewhere so a
 * slow machine never sends a screen home in the middle of a test.
 */
const IDLE_SECONDS = 60;
const NEVER_IDLE = 3600;

let hub: TestHub;
let kiosk: Kiosk;
let browser: Browser;
let screenUrl: string;
const printed: PrintedTicket[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  browser = await launchBrowser();
  const password = hub.addDevice('kiosk-screen', 'kiosk');
  kiosk = await startKiosk(
    kioskConfig({
      deviceId: 'kiosk-screen',
      mqttUrl: hub.mqttUrl,
      httpUrl: hub.httpUrl,
      password,
      dataDir: join(dir.path, 'kiosk'),
      hardware: {
        buttons: [],
        priorityButton: undefined,
        touch: { port: 0 },
        printer: { transport: { type: 'file', path: PRINTER } },
      },
    }),
    { log: createLogger('kiosk', { sink: memorySink(), timestamps: false }) },
  );
  kiosk.on('printed', (t) => printed.push(t));
  await waitFor(() => kiosk.connection.connected && kiosk.catalogue, 5000, 'kiosk connected');
  screenUrl = `http://127.0.0.1:${kiosk.touch!.port}/guide`;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await kiosk?.stop();
  await hub?.stop();
  dir.remove();
});

const ORIENTATIONS = [
  { name: 'portrait', viewport: { width: 1080, height: 1920 } },
  { name: 'landscape', viewport: { width: 1920, height: 1080 } },
] as const;

async function screen(
  viewport: { width: number; height: number },
  { idle = NEVER_IDLE, clock = false } = {},
): Promise<Page> {
  const { page } = await newPage(browser, viewport, 'Asia/Ho_Chi_Minh', { hasTouch: true });
  // The fake clock runs at the natural pace until the test moves it forward.
  if (clock) await page.clock.install();
  await page.goto(idle === IDLE_SECONDS ? screenUrl : `${screenUrl}?idle=${idle}`);
  await page.waitForSelector('[data-field="cu-tru"]');
  return page;
}

type Doc = { querySelector(s: string): { textContent: string | null } | null };
const text = (page: Page, selector: string) =>
  page.evaluate(
    (s) => (globalThis as unknown as { document: Doc }).document.querySelector(s)?.textContent ?? null,
    selector,
  );
/** The root font size in px (the text-size button changes it). */
const rootFontSize = (page: Page) =>
  page.evaluate<number>('Number.parseFloat(getComputedStyle(document.documentElement).fontSize)');
const view = (page: Page) => page.getAttribute('body', 'data-view');
const printerBytes = () => {
  try {
    return readFileSync(PRINTER);
  } catch {
    return Buffer.alloc(0);
  }
};

/** Type on the on-screen keyboard, key by key, with touches. */
async function typeOnScreen(page: Page, words: string) {
  for (const ch of words) {
    await page.tap(`#keyboard button:text-is("${ch === ' ' ? 'Dấu cách' : ch}")`);
  }
}

describe.each(ORIENTATIONS)('the guide screen, $name', ({ name, viewport }) => {
  it('browse, open a card, take a number: the hub stores it, the printer gets it with the documents', async () => {
    const page = await screen(viewport);
    await screenshot(page, `guide-${name}-start`);
    expect(await page.locator('.g-tile').count()).toBe(10); // the ten default fields

    await page.tap('[data-field="cu-tru"]');
    await page.waitForSelector('[data-procedure="cu-tru-01"]');
    expect(await view(page)).toBe('field');
    await page.tap('[data-procedure="cu-tru-01"]');
    await page.waitForSelector('#card-title');
    expect(await text(page, '#card-title')).toBe('Đăng ký thường trú');
    expect(await page.locator('#documents li').count()).toBe(3);
    expect(await text(page, '#documents li:first-child')).toContain('1 bản chính');
    expect(await text(page, '.g-pairs')).toContain('20.000 đồng');
    expect(await page.locator('.g-chip').allTextContents()).toEqual(['Quầy 3', 'Quầy 8']);
    expect(await text(page, '#checked')).toBe('Thông tin tham khảo, cơ quan đang kiểm tra lại.');
    // The QR code of the portal page loaded as a picture.
    await page.waitForFunction(
      () =>
        ((
          globalThis as unknown as {
            document: { getElementById(id: string): { naturalWidth: number } | null };
          }
        ).document.getElementById('qr')?.naturalWidth ?? 0) > 0,
    );
    await page.waitForSelector('#take:not([disabled])');
    await screenshot(page, `guide-${name}-card`);

    const bytesBefore = printerBytes().length;
    await page.tap('#take');
    await page.waitForSelector('#number');
    const display = (await text(page, '#number'))!;
    expect(await page.isVisible('#printed-documents')).toBe(true);
    // The number over the card, as the screen shows it (the dialog covers the screen, not the whole page).
    await page.screenshot({ path: join(SCREENSHOTS, `guide-${name}-printed.png`) });
    // On the hub, from this screen's kiosk.
    const ticket = [...hub.hub.service.state.tickets.values()].find((t) => t.display === display);
    expect(ticket).toMatchObject({
      procedureId: 'cu-tru-01',
      status: 'waiting',
      source: { deviceId: 'kiosk-screen' },
    });
    // At the printer: the ticket and, under it, the documents to bring.
    await waitFor(() => printerBytes().length > bytesBefore, 5000, 'bytes at the printer');
    const images = decodeRaster(printerBytes().subarray(bytesBefore));
    const last = printed.at(-1)!;
    expect(last.view.display).toBe(display);
    expect(last.view.documents).toHaveLength(3);
    expect(images).toHaveLength(1);
    expectSameDots(images[0], ticketDots(renderTicket(last.view, 80)));

    // Done: back to the start.
    await page.tap('#close');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { body: { dataset: { view?: string } } } }).document.body
          .dataset.view === 'fields',
    );
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('search without diacritics on the on-screen keyboard; the text size; back to the start when left alone', async () => {
    const page = await screen(viewport, { idle: IDLE_SECONDS, clock: true });
    await page.tap('#search');
    await page.waitForSelector('#keyboard:not(.hidden)');
    await typeOnScreen(page, 'dang ky xe');
    await page.waitForSelector('#results');
    expect(await page.inputValue('#search')).toBe('dang ky xe');
    const found = await page
      .locator('#results [data-procedure]')
      .evaluateAll((els) =>
        els.map((e) => (e as unknown as { dataset: { procedure: string } }).dataset.procedure),
      );
    expect(found[0]).toBe('dang-ky-xe-03');
    expect(found).toEqual(expect.arrayContaining(['dang-ky-xe-01', 'dang-ky-xe-02', 'dang-ky-xe-04']));
    await screenshot(page, `guide-${name}-search`);

    // With diacritics typed on the keyboard's own keys: "căn cước".
    await page.tap('#keyboard button:text-is("Xoá")');
    await typeOnScreen(page, 'că');
    await page.tap('#keyboard button[aria-label="sắc"]');
    await page.tap('#keyboard button[aria-label="sắc"]'); // pressed twice: off again
    await typeOnScreen(page, 'n cươc');
    await page.tap('#keyboard button[aria-label="sắc"]');
    expect(await page.inputValue('#search')).toBe('căn cước');
    await page.waitForSelector('#results [data-procedure="can-cuoc-01"]');

    await page.tap('#keyboard button.hide');
    await page.tap('#results [data-procedure="can-cuoc-02"]');
    await page.waitForSelector('#card-title');
    const before = await rootFontSize(page);
    await page.tap('#text-size');
    const after = await rootFontSize(page);
    expect(after).toBeGreaterThan(before * 1.1);
    await screenshot(page, `guide-${name}-large-text`);

    // Nobody touches the screen (the default 60 s, no ?idle): 55 s later on the page's clock
    // it still shows the card (the margin covers real time passing on a busy machine); past
    // 60 s it is back at the start, normal text size, keyboard closed.
    await page.clock.runFor((IDLE_SECONDS - 5) * 1000);
    expect(await view(page)).toBe('card');
    expect(await page.isVisible('#card-title')).toBe(true);
    await page.clock.runFor(6_000);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { body: { dataset: { view?: string } } } }).document.body
          .dataset.view === 'fields',
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.inputValue('#search')).toBe('');
    expect(await page.isVisible('#keyboard')).toBe(false);
    const reset = await rootFontSize(page);
    expect(reset).toBe(before);
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('content edited on the administration page', () => {
  it('appears on the screen by itself, as plain text', async () => {
    const screenPage = await screen({ width: 1080, height: 1920 });
    await screenPage.tap('[data-field="cu-tru"]');
    await screenPage.tap('[data-procedure="cu-tru-02"]');
    await screenPage.waitForSelector('#card-title');
    expect(await text(screenPage, '.g-pairs')).toContain('15.000 đồng');

    const { page: adminPage, context } = await newPage(browser);
    await signIn(adminPage, hub.httpUrl, 'admin', hub.hub.initialAdminPassword!, '/admin#guide');
    await adminPage.waitForSelector('[data-guide="cu-tru-02"]');
    expect(await adminPage.locator('[data-guide="cu-tru-02"] td').nth(1).textContent()).toContain('Mẫu');
    await adminPage.click('[data-guide="cu-tru-02"] button');
    await adminPage.waitForSelector('#guide-form:not(.hidden)');
    await adminPage.fill('#g-fee', '16.000 đồng/lần đăng ký (kiểm tra lại)');
    await adminPage.click('#g-add-document');
    await adminPage.fill('.guide-document:last-child .g-doc-name', '<b>Giấy hẹn</b> của cơ quan');
    await adminPage.click('#g-today');
    await adminPage.screenshot({ path: join(SCREENSHOTS, 'guide-admin-form.png') });
    await adminPage.click('#g-submit');
    await adminPage.waitForSelector('#guide-form.hidden', { state: 'attached' });
    await adminPage.waitForFunction(() =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
      ).document
        .querySelector('[data-guide="cu-tru-02"]')
        ?.textContent.includes('của cơ quan'),
    );
    await screenshot(adminPage, 'guide-admin');

    // The screen, untouched, shows the new content: the fee, the document typed with markup as text.
    await screenPage.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
        ).document
          .querySelector('.g-pairs')
          ?.textContent.includes('16.000 đồng'),
      undefined,
      { timeout: 30_000 },
    );
    expect(await text(screenPage, '#documents li:last-child')).toContain('<b>Giấy hẹn</b> của cơ quan');
    expect(await screenPage.locator('#documents b').count()).toBe(0);
    expect(await text(screenPage, '#checked')).toMatch(
      /^Thông tin được cơ quan kiểm tra ngày \d\d\/\d\d\/\d{4}\.$/,
    );
    expect(pageErrors(screenPage)).toEqual([]);
    expect(pageErrors(adminPage)).toEqual([]);
    await context.close();
    await screenPage.context().close();
  }, 120_000);

  it('the hub serves the same page without a printer: no "Lấy số", the line and the card only', async () => {
    const { page, context } = await newPage(browser, { width: 1080, height: 1920 }, 'Asia/Ho_Chi_Minh', {
      hasTouch: true,
    });
    await page.goto(`${hub.httpUrl}/guide`);
    await page.waitForSelector('[data-field="cu-tru"]');
    await page.tap('[data-field="cu-tru"]');
    await page.tap('[data-procedure="cu-tru-01"]');
    await page.waitForSelector('#card-title');
    expect(await page.locator('#take').count()).toBe(0);
    expect(await text(page, '#ahead')).toMatch(/^\d+$/);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 120_000);
});
