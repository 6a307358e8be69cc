// The waiting-room board in real Chromium against a real hub: a ticket from
// a kiosk over MQTT, a call by an officer over HTTP, and what the TV shows.

import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, pageErrors, screenshot } from '../helpers/browser.js';
import { mqttKiosk, staffCounters, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

const TV = { width: 1920, height: 1080 };

type Officer = ReturnType<TestHub['as']>;

async function officerOf(t: TestHub, username = 'canbo1'): Promise<Officer> {
  return t.as(await t.signIn(username, await t.addAccount(username, 'officer')));
}

async function post(officer: Officer, path: string, body?: unknown) {
  const res = await officer(path, { method: 'POST', ...(body === undefined ? {} : { body }) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ ticket?: { display: string }; display?: string }>;
}

/** The number a call answered with. */
const displayOf = (r: { ticket?: { display: string }; display?: string }) => r.ticket?.display ?? r.display;

/** The page's document, typed just enough for the checks below (the test's TS has no DOM types). */
type PageGlobal = { document: { querySelector(selector: string): { textContent: string | null } | null } };

/**
 * Wait (in the page, every frame) until an element's text is `text`. A
 * function, not a string: the pages' CSP forbids eval, even for the test.
 */
function textIs(page: Page, selector: string, text: string, timeout = 15_000) {
  return page.waitForFunction(
    ([sel, want]) => (globalThis as unknown as PageGlobal).document.querySelector(sel)?.textContent === want,
    [selector, text] as const,
    { polling: 'raf', timeout },
  );
}

/** Elements of the board drawn outside their tile, panel or the screen. */
const OVERFLOWING = `[...document.querySelectorAll('.tile-number, .tile-name, .tile-note, .side-block, .last-calls li, .field-row, .invite, .board-time, .board-status')]
  .map((el) => {
    const r = el.getBoundingClientRect();
    const box = (el.closest('.tile') ?? el.closest('.side-block') ?? el.closest('.board-main') ?? document.body).getBoundingClientRect();
    const clipped = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    const outside = r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1
      || r.right > innerWidth || r.bottom > innerHeight;
    return clipped || outside
      ? el.className + ' "' + el.textContent.trim().slice(0, 40) + '" ' + (clipped ? 'clipped ' + [el.scrollWidth, el.clientWidth, el.scrollHeight, el.clientHeight] : 'outside')
      : null;
  })
  .filter(Boolean)`;

const tileNumber = (page: Page, counterId: number) =>
  page.locator(`[data-counter="${counterId}"] .tile-number`);
const waitingCount = (page: Page, fieldId: string) => page.locator(`[data-field="${fieldId}"] .field-count`);

async function openBoard(page: Page, url: string) {
  await page.goto(url);
  await page.waitForSelector('#status-dot.online');
  await page.waitForSelector('[data-field="can-cuoc"]');
}

describe('display board', () => {
  let browser: Browser;
  let t: TestHub | undefined;
  const clients: MqttClient[] = [];
  const cleanup: (() => void)[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
    await t?.stop();
    t = undefined;
    for (const f of cleanup.splice(0)) f();
  });

  it('shows a call, highlights it, counts waiting, and reconnects after a hub restart', async () => {
    const data = tempDir();
    cleanup.push(data.remove);
    t = await startTestHub({ dataDir: data.path });
    const httpPort = t.hub.httpPort;
    const officer = await officerOf(t);
    const k = await mqttKiosk(t, 'kiosk-a');
    clients.push(k.client);

    const { context, page } = await newPage(browser, TV);
    await openBoard(page, `${t.httpUrl}/board`);
    // Every counter of the default set is open, with nothing called yet.
    await expect.poll(() => page.locator('.tile').count()).toBe(8);
    expect(await tileNumber(page, 1).textContent()).toBe('—');
    expect(await waitingCount(page, 'can-cuoc').textContent()).toBe('0');

    // A ticket from the kiosk raises the waiting count of "Căn cước".
    const ticket = await k.issue('can-cuoc-01');
    expect(ticket.display).toBe('1001');
    await textIs(page, '[data-field="can-cuoc"] .field-count', '1');
    expect(await page.locator('[data-field="can-cuoc"] .field-name').textContent()).toBe('Căn cước');
    expect(await page.locator('.tile.flash').count()).toBe(0);

    // The officer calls; the board shows the number (the one-second figure is
    // held by officer-to-board.test.ts; here only the result counts).
    const started = performance.now();
    const called = await post(officer, '/api/counters/1/call-next');
    expect(displayOf(called)).toBe('1001');
    await textIs(page, '[data-counter="1"] .tile-number', '1001', 15_000);
    const elapsed = Math.round(performance.now() - started);
    console.log(`board: call-next POST → number on the board in ${elapsed} ms`);

    // Highlighted: the new call's tile, its line in "last calls", and the sentence.
    expect(await page.locator('[data-counter="1"]').getAttribute('class')).toContain('flash');
    expect(await page.locator('[data-counter="2"]').getAttribute('class')).not.toContain('flash');
    const first = page.locator('#last-calls li').first();
    expect(await first.locator('.call-number').textContent()).toBe('1001');
    expect(await first.locator('.call-counter').textContent()).toBe('Quầy 1');
    expect(await first.getAttribute('class')).toContain('flash');
    expect(await page.locator('#invite').textContent()).toBe('Xin mời công dân có số 1001 đến Quầy 1');
    expect(await waitingCount(page, 'can-cuoc').textContent()).toBe('0');

    // A paused counter is dimmed; a closed one leaves the board.
    await post(officer, '/api/counters/7/state', { state: 'paused' });
    await post(officer, '/api/counters/8/state', { state: 'closed' });
    await expect.poll(() => page.locator('[data-counter="7"]').getAttribute('class')).toContain('paused');
    await expect.poll(() => page.locator('[data-counter="8"]').count()).toBe(0);
    expect(await page.locator('[data-counter="7"] .tile-note').textContent()).toBe('Tạm dừng');

    // A busier moment for the screenshot: calls at several counters, people waiting.
    for (const p of ['can-cuoc-02', 'cu-tru-01', 'xuat-nhap-canh-01', 'dang-ky-xe-01', 'can-cuoc-03']) {
      await k.issue(p);
    }
    for (const id of [2, 3, 4, 6]) await post(officer, `/api/counters/${id}/call-next`);
    await post(officer, '/api/counters/4/start');
    for (const p of ['can-cuoc-01', 'can-cuoc-01', 'cu-tru-02', 'giay-phep-lai-xe-01', 'pccc-01']) {
      await k.issue(p);
    }
    // A highlight ends by itself (6 s); then one more call for the picture.
    await page.waitForSelector('.flash', { state: 'detached', timeout: 10_000 });
    await post(officer, '/api/counters/6/recall');
    await expect.poll(() => page.locator('#last-calls li').first().textContent()).toContain('gọi lại');
    expect(await page.locator('#last-calls li').count()).toBe(5);
    expect(await waitingCount(page, 'can-cuoc').textContent()).toBe('3');
    expect(await tileNumber(page, 6).textContent()).toBe('5001');
    await screenshot(page, 'board');
    // Nothing spills out of its tile, its panel or the screen.
    expect(await page.evaluate(OVERFLOWING)).toEqual([]);

    // The hub stops: the board says so, and keeps what it showed.
    await t.stop();
    t = undefined;
    await page.waitForSelector('body.offline', { timeout: 15_000 });
    expect(await page.locator('#status-text').textContent()).toBe('Mất kết nối, đang kết nối lại…');
    expect(await tileNumber(page, 1).textContent()).toBe('1001');

    // The hub comes back on the same data and port: the board reconnects by itself.
    t = await startTestHub({ dataDir: data.path, httpPort });
    await page.waitForSelector('body:not(.offline) #status-dot.online', { timeout: 15_000 });
    expect(await tileNumber(page, 1).textContent()).toBe('1001');
    const again = await officerOf(t, 'canbo2');
    const k2 = await mqttKiosk(t, 'kiosk-b');
    clients.push(k2.client);
    await post(again, '/api/counters/1/no-show');
    const late = await k2.issue('can-cuoc-04');
    expect(late.display).toBe('1006');
    // The oldest waiting "Căn cước" ticket comes next.
    const next = await post(again, '/api/counters/1/call-next');
    expect(displayOf(next)).toBe('1003');
    await textIs(page, '[data-counter="1"] .tile-number', '1003', 15_000);
    expect(await page.locator('[data-counter="1"]').getAttribute('class')).toContain('flash');
    expect(await page.locator('#last-calls li .call-number').first().textContent()).toBe('1003');
    expect(await waitingCount(page, 'can-cuoc').textContent()).toBe('3');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
    // A 6 s highlight and a hub restart: 14 s alone, more beside other suites.
  }, 45_000);

  it('keeps its DOM bounded over 100 calls', async () => {
    t = await startTestHub();
    const officer = await officerOf(t);
    const k = await mqttKiosk(t, 'kiosk-a');
    clients.push(k.client);
    const { context, page } = await newPage(browser, TV);
    await openBoard(page, `${t.httpUrl}/board`);
    const nodes = () => page.evaluate<number>("document.querySelectorAll('*').length");

    // Warm up until every list is full (5 last calls), then count.
    const callOnce = async (counterId: number) => {
      await post(officer, `/api/counters/${counterId}/call-next`);
      await post(officer, `/api/counters/${counterId}/no-show`);
    };
    for (let i = 0; i < 120; i++) await k.issue(i % 2 ? 'can-cuoc-01' : 'cu-tru-01');
    for (let i = 0; i < 8; i++) await callOnce(i % 2 ? 1 : 3);
    await expect.poll(() => page.locator('#last-calls li').count()).toBe(5);
    const before = await nodes();

    for (let i = 0; i < 100; i++) await callOnce(i % 2 ? 1 : 3);
    // The board has caught up: the last call is the newest line.
    await post(officer, '/api/counters/2/call-next');
    // 54 "Căn cước" calls at counter 1 so far (1001–1054).
    await textIs(page, '[data-counter="2"] .tile-number', '1055');
    const after = await nodes();
    console.log(`board: ${before} DOM nodes before 100 calls, ${after} after`);
    expect(after).toBeLessThanOrEqual(before);
    expect(await page.locator('#last-calls li').count()).toBe(5);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it('shows only the counters of a zone', async () => {
    t = await startTestHub();
    const officer = await officerOf(t);
    const k = await mqttKiosk(t, 'kiosk-a');
    clients.push(k.client);
    await k.issue('can-cuoc-01');
    await k.issue('cu-tru-01');
    const { context, page } = await newPage(browser, TV);
    await openBoard(page, `${t.httpUrl}/board?zone=3,4`);
    await expect.poll(() => page.locator('.tile').count()).toBe(2);
    expect(
      await page.locator('.tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-counter'))),
    ).toEqual(['3', '4']);
    // A call elsewhere is not this zone's news; a call here is.
    await post(officer, '/api/counters/1/call-next');
    await post(officer, '/api/counters/3/call-next');
    await expect.poll(() => tileNumber(page, 3).textContent()).toBe('2001');
    expect(await page.locator('#last-calls li .call-number').allTextContents()).toEqual(['2001']);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
  it('shows only staffed counters as serving: closed ones are off the board, an open one with nobody says so', async () => {
    // A first start: every counter closed, nobody at any.
    t = await startTestHub({ staffed: false });
    const { context, page } = await newPage(browser, TV);
    await openBoard(page, `${t.httpUrl}/board`);
    expect(await page.locator('.tile').count()).toBe(0);
    // An officer takes counter 1: it joins the board, ready.
    staffCounters(t.hub, [1]);
    await expect.poll(() => page.locator('.tile').count()).toBe(1);
    expect(await page.locator('[data-counter="1"] .tile-note').textContent()).toBe('Sẵn sàng');
    // Counter 2 "open" with nobody at it, as a store from an earlier version
    // may hold: shown as not serving, dimmed, never "Sẵn sàng".
    const counters = t.hub.service.state.counters;
    counters.set(2, { ...counters.get(2)!, state: 'open', officer: null });
    staffCounters(t.hub, [3]); // any change sends the board a new picture
    await expect.poll(() => page.locator('.tile').count()).toBe(3);
    expect(await page.locator('[data-counter="2"] .tile-note').textContent()).toBe('Chưa có cán bộ');
    expect(await page.locator('[data-counter="2"]').getAttribute('class')).toContain('paused');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
