// End to end, as people use it: a citizen's ticket, an officer's click on
// the console in one browser, the waiting-room board in another.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../shared/protocol/topics.js';
import { launchBrowser, newPage, pageErrors, screenshot, signIn } from '../helpers/browser.js';
import { connectDevice, nextMessage, startTestHub, type TestHub } from '../helpers/hub.js';

describe('officer calls on the console, the board shows it', () => {
  let t: TestHub;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestHub();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('shows the call on the board within one second of the click', async () => {
    const kiosk = await connectDevice(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
    await kiosk.subscribeAsync(topics.deviceReply('kiosk-1'), { qos: 1 });
    const reply = nextMessage(kiosk, topics.deviceReply('kiosk-1'));
    kiosk.publish(
      topics.deviceRequest('kiosk-1', 'issue-ticket'),
      JSON.stringify({ v: 1, requestId: 'r1', procedureId: 'can-cuoc-01' }),
      { qos: 1 },
    );
    expect(JSON.parse((await reply).toString())).toMatchObject({ ok: true, data: { display: '1001' } });
    await kiosk.endAsync();

    const officer = await newPage(browser);
    const board = await newPage(browser, { width: 1920, height: 1080 });
    await board.page.goto(`${t.httpUrl}/board`);
    await board.page.locator('[data-counter="1"] .tile-number').waitFor();

    await signIn(officer.page, t.httpUrl, 'canbo1', await t.addAccount('canbo1', 'officer'));
    await officer.page.locator('#picker [data-counter="1"]').click();
    await officer.page.locator('#act-call-next:not([disabled])').waitFor();

    const clicked = Date.now();
    await officer.page.locator('#act-call-next').click();
    await board.page
      .locator('[data-counter="1"] .tile-number', { hasText: '1001' })
      .waitFor({ timeout: 1000 });
    const ms = Date.now() - clicked;
    console.log(`console click → board shows the call: ${ms} ms`);
    expect(ms).toBeLessThan(1000);
    expect(await officer.page.locator('#current-display').textContent()).toBe('1001');

    await screenshot(officer.page, 'e2e-console');
    await screenshot(board.page, 'e2e-board');
    expect(pageErrors(officer.page)).toEqual([]);
    expect(pageErrors(board.page)).toEqual([]);
    await officer.context.close();
    await board.context.close();
  });
});
