// The administration page in real Chromium against a real hub: who gets in,
// a procedure added through the page that a kiosk can ask for over MQTT at
// once, a refusal shown in the form, and a device registered, seen online and
// revoked from the page.

import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IssuedTicket, reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { launchBrowser, newPage, pageErrors, SCREENSHOTS, screenshot, signIn } from '../helpers/browser.js';
import { connectDevice, nextMessage, startTestHub, type TestHub } from '../helpers/hub.js';

let t: TestHub;
let browser: Browser;
const clients: MqttClient[] = [];

beforeAll(async () => {
  t = await startTestHub();
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await browser?.close();
  await t?.stop();
});

/** The page's document, typed just enough for the checks below (no DOM types in the tests). */
type PageGlobal = {
  document: { querySelector(selector: string): { textContent: string | null; value?: string } | null };
};

const text = (page: Page, selector: string) =>
  page.evaluate(
    (s) => (globalThis as unknown as PageGlobal).document.querySelector(s)?.textContent ?? null,
    selector,
  );

async function adminPage(): Promise<Page> {
  const { page } = await newPage(browser);
  await signIn(page, t.httpUrl, 'admin', t.hub.initialAdminPassword!, '/admin');
  await page.waitForSelector('[data-field="can-cuoc"]');
  return page;
}

describe('the administration page', () => {
  it('sends a visitor without a session to the sign-in page and back', async () => {
    const { page, context } = await newPage(browser);
    await page.goto(`${t.httpUrl}/admin`);
    await page.waitForURL(/\/login\?next=%2Fadmin$/);
    await page.fill('#username', 'admin');
    await page.fill('#password', t.hub.initialAdminPassword!);
    await Promise.all([page.waitForURL(`${t.httpUrl}/admin`), page.click('#submit')]);
    await page.waitForSelector('#tabs:not(.hidden)');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it('tells an officer plainly that the page is for administrators', async () => {
    const password = await t.addAccount('canbo1', 'officer');
    const { page, context } = await newPage(browser);
    await signIn(page, t.httpUrl, 'canbo1', password, '/admin');
    await page.waitForSelector('#forbidden:not(.hidden)');
    expect(await text(page, '#forbidden-text')).toMatch(/canbo1.*không có quyền vào trang quản trị/);
    expect(await page.isVisible('#tabs')).toBe(false);
    expect(await page.isVisible('#tab-catalogue')).toBe(false);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });

  it('adds a procedure through the page; a kiosk gets a ticket for it at once', async () => {
    const page = await adminPage();
    // the kiosk, and the retained catalogue it follows
    const id = 'kiosk-1';
    const kiosk = await connectDevice(t.mqttUrl, id, t.addDevice(id, 'kiosk'));
    clients.push(kiosk);
    await kiosk.subscribeAsync(topics.deviceReply(id), { qos: 1 });
    const retained = nextMessage(kiosk, topics.catalogue);
    await kiosk.subscribeAsync(topics.catalogue, { qos: 1 });
    await retained;
    const republished = nextMessage(kiosk, topics.catalogue, 5000);

    await page.selectOption('#p-field', 'cu-tru');
    expect(await page.inputValue('#p-id')).toBe('cu-tru-05'); // suggested from the field
    await page.fill('#p-name', 'Xác nhận thông tin về cư trú');
    await page.fill('#p-id', 'cu-tru-xac-nhan');
    await page.check('#p-counters input[value="3"]');
    await page.click('#p-submit');
    const row = page.locator('[data-procedure="cu-tru-xac-nhan"]');
    await row.waitFor();
    expect(await row.locator('td').nth(3).textContent()).toBe('3'); // served by counter 3
    await page.screenshot({ path: join(SCREENSHOTS, 'admin.png') }); // the main view, 1366×768

    const catalogue = JSON.parse((await republished).toString()) as {
      fields: { id: string; procedures: { id: string; name: string }[] }[];
    };
    expect(catalogue.fields.find((f) => f.id === 'cu-tru')!.procedures).toContainEqual({
      id: 'cu-tru-xac-nhan',
      name: 'Xác nhận thông tin về cư trú',
    });

    const answer = nextMessage(kiosk, topics.deviceReply(id), 5000);
    kiosk.publish(
      topics.deviceRequest(id, 'issue-ticket'),
      JSON.stringify({ v: 1, requestId: 'r-admin-1', procedureId: 'cu-tru-xac-nhan' }),
      { qos: 1 },
    );
    const r = reply.parse(JSON.parse((await answer).toString()));
    expect(r).toMatchObject({ ok: true, requestId: 'r-admin-1' });
    const ticket = (r as unknown as { data: IssuedTicket }).data;
    expect(ticket).toMatchObject({
      procedureId: 'cu-tru-xac-nhan',
      procedureName: 'Xác nhận thông tin về cư trú',
      fieldName: 'Cư trú',
      display: '2001',
    });
    expect(ticket.counters).toEqual([{ id: 3, name: 'Quầy 3' }]);

    // the same id again: the hub's refusal appears in the form, nothing added
    await page.selectOption('#p-field', 'cu-tru');
    await page.fill('#p-name', 'Trùng mã');
    await page.fill('#p-id', 'cu-tru-xac-nhan');
    await page.click('#p-submit');
    await page.waitForSelector('#procedure-form .form-error:not(.hidden)');
    expect(await text(page, '#procedure-form .form-error')).toContain('Đã có thủ tục mã "cu-tru-xac-nhan"');
    expect(t.hub.service.state.catalogue.procedures.filter((p) => p.id === 'cu-tru-xac-nhan')).toHaveLength(
      1,
    );

    await screenshot(page, 'admin-full');
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('registers a device, shows it online with its version and paper, and revokes it', async () => {
    const page = await adminPage();
    // a speaker already on line, with a status
    const speakerToken = t.addDevice('speaker-1', 'speaker');
    const speaker = await connectDevice(t.mqttUrl, 'speaker-1', speakerToken);
    clients.push(speaker);
    await speaker.publishAsync(
      topics.deviceStatus('speaker-1'),
      JSON.stringify({
        v: 1,
        deviceId: 'speaker-1',
        role: 'speaker',
        state: 'online',
        version: '0.1.0',
        at: Date.now(),
      }),
      { qos: 1, retain: true },
    );

    await page.click('#devices');
    await page.waitForSelector('[data-device="speaker-1"]');
    await page.fill('#d-id', 'kiosk-sanh');
    await page.selectOption('#d-role', 'kiosk');
    await page.click('#device-form button[type=submit]');
    await page.waitForSelector('#device-secret:not(.hidden)');
    const token = (await text(page, '#device-secret .secret-value')) ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    // the credential shown once works for the device
    const kiosk = await connectDevice(t.mqttUrl, 'kiosk-sanh', token);
    clients.push(kiosk);
    await kiosk.publishAsync(
      topics.deviceStatus('kiosk-sanh'),
      JSON.stringify({
        v: 1,
        deviceId: 'kiosk-sanh',
        role: 'kiosk',
        state: 'online',
        version: '0.1.0',
        printer: 'paper_near_end',
        at: Date.now(),
      }),
      { qos: 1, retain: true },
    );
    // a rating device registered through the form too, not connected
    await page.fill('#d-id', 'rating-3');
    await page.selectOption('#d-role', 'rating');
    await page.selectOption('#d-counter', '3');
    await page.click('#device-form button[type=submit]');
    await page.waitForSelector('[data-device="rating-3"]');

    await page.click('#devices'); // reload the list
    const kioskRow = page.locator('[data-device="kiosk-sanh"]');
    await expect
      .poll(async () => kioskRow.locator('.status-dot.online').count(), { timeout: 15_000 })
      .toBe(1);
    expect(await kioskRow.textContent()).toContain('Sắp hết giấy');
    expect(await kioskRow.textContent()).toContain('0.1.0');
    expect(await page.locator('[data-device="rating-3"] .status-dot.online').count()).toBe(0);
    expect(await page.locator('[data-device="rating-3"]').textContent()).toContain('Quầy 3');
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-devices.png') });

    // revoke the speaker: two clicks, the connection is cut, the row says so
    const closed = new Promise<void>((resolve) => speaker.once('close', () => resolve()));
    const revoke = page.locator('[data-device="speaker-1"] button.danger');
    await revoke.click();
    expect(await revoke.textContent()).toMatch(/Bấm lần nữa/);
    await revoke.click();
    await closed;
    await page.waitForSelector('[data-device="speaker-1"].inactive');
    expect(await page.locator('[data-device="speaker-1"]').textContent()).toContain('Đã thu hồi');
    await expect(connectDevice(t.mqttUrl, 'speaker-1', speakerToken)).rejects.toThrow();
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('edits a procedure, a field, a counter and an account in their forms, and cancels back to adding', async () => {
    const page = await adminPage();
    const value = (selector: string) => page.locator(selector).inputValue();
    /** Open an item in its form: the form says so, its key is fixed; then save a new name. */
    const rename = async (row: string, form: string, key: string, name: string, title: string) => {
      await page.click(`${row} .row-actions button:first-child`);
      await expect.poll(() => text(page, `#${form}-form-title`), { timeout: 15_000 }).toBe(title);
      expect(await page.locator(key).isDisabled()).toBe(true);
      await page.fill(`#${form === 'account' ? 'a-display' : `${form[0]}-name`}`, name);
      await page.click(`#${form[0]}-submit`);
    };

    await rename(
      '[data-procedure="can-cuoc-02"]',
      'procedure',
      '#p-id',
      'Cấp đổi thẻ',
      'Sửa thủ tục "Cấp đổi thẻ căn cước"',
    );
    await expect
      .poll(() => t.hub.service.state.catalogue.procedures.find((p) => p.id === 'can-cuoc-02')?.name, {
        timeout: 15_000,
      })
      .toBe('Cấp đổi thẻ');
    // Saved: the form is back to adding, the id open and suggested again.
    await expect.poll(() => text(page, '#procedure-form-title'), { timeout: 15_000 }).toBe('Thêm thủ tục');
    expect(await page.locator('#p-id').isDisabled()).toBe(false);

    // A field's form filled from the field, then cancelled unchanged.
    await page.click('[data-field="cu-tru"] .row-actions button:nth-child(2)');
    await expect
      .poll(() => text(page, '#field-form-title'), { timeout: 15_000 })
      .toBe('Sửa lĩnh vực "Cư trú"');
    expect([await value('#f-id'), await value('#f-start'), await value('#f-end')]).toEqual([
      'cu-tru',
      '2001',
      '2999',
    ]);
    await page.click('#f-cancel');
    expect(await page.locator('#f-id').isDisabled()).toBe(false);
    expect(await value('#f-id')).toBe('');

    await page.click('#counters');
    await page.waitForSelector('[data-counter="2"]');
    await rename('[data-counter="2"]', 'counter', '#c-id', 'Quầy hai', 'Sửa Quầy 2');
    await expect.poll(() => t.hub.service.state.counters.get(2)?.name, { timeout: 15_000 }).toBe('Quầy hai');

    await page.click('#accounts');
    await page.waitForSelector('[data-account="admin"]');
    await rename(
      '[data-account="admin"]',
      'account',
      '#a-username',
      'Người quản trị',
      'Sửa tài khoản "admin"',
    );
    await expect
      .poll(() => t.hub.accounts.get('admin')?.displayName, { timeout: 15_000 })
      .toBe('Người quản trị');

    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('shows every tab without a script error', async () => {
    const page = await adminPage();
    for (const tab of ['counters', 'accounts', 'settings', 'audit']) {
      await page.click(`#${tab}`);
      await page.waitForSelector(`#tab-${tab}:not(.hidden)`);
    }
    await page.waitForSelector('#audit-table tbody tr');
    expect(await text(page, '#audit-table tbody')).toContain('Thêm thủ tục');
    await page.click('#settings');
    await page.waitForSelector('#hours-rows tr');
    await screenshot(page, 'admin-settings');
    await page.click('#counters');
    await page.waitForSelector('[data-counter="1"]');
    await screenshot(page, 'admin-counters');
    await page.click('#accounts');
    await page.waitForSelector('[data-account="admin"]');
    await screenshot(page, 'admin-accounts');
    expect(await page.isVisible('#catalogue-defaults')).toBe(false); // nothing of the defaults is missing
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('offers the default fields an older catalogue lacks, and adds them switched off', async () => {
    // The catalogue as an earlier version left it: no Con dấu.
    const state = t.hub.service.state;
    state.catalogue = {
      ...state.catalogue,
      fields: state.catalogue.fields.filter((f) => f.id !== 'con-dau'),
      procedures: state.catalogue.procedures.filter((p) => p.fieldId !== 'con-dau'),
    };
    const page = await adminPage();
    await page.waitForSelector('#catalogue-defaults:not(.hidden)');
    expect(await text(page, '#catalogue-defaults')).toMatch(/lĩnh vực Con dấu; 5 thủ tục/);
    await page.click('#catalogue-defaults button');
    await page.waitForSelector('[data-field="con-dau"]');
    await page.waitForSelector('#catalogue-defaults.hidden', { state: 'attached' });
    expect(t.hub.service.state.catalogue.fields.find((f) => f.id === 'con-dau')?.active).toBe(false);
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });
});
