// The officer's counter console in real Chromium against a real hub: tickets
// come from a kiosk over MQTT, the officer signs in through the sign-in page
// and works with buttons and keyboard shortcuts; changes made elsewhere show
// up without reload.

import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Hub, startHub } from '../../hub/app.js';
import { hashPassword } from '../../hub/auth/passwords.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { type IssuedTicket, reply } from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { consoleText } from '../../shared/text/vi/console.js';
import { fillText } from '../../shared/text/vi.js';
import { launchBrowser, newPage, pageErrors, screenshot, signIn } from '../helpers/browser.js';
import { connectDevice, freePort, startTestHub, type TestHub, tempDir } from '../helpers/hub.js';

/** A kiosk over MQTT that issues tickets and waits for the hub's reply. */
async function kiosk(mqttUrl: string, id: string, password: string) {
  const client = await connectDevice(mqttUrl, id, password);
  await client.subscribeAsync(topics.deviceReply(id), { qos: 1 });
  let n = 0;
  const issue = (procedureId: string, priority?: string) =>
    new Promise<IssuedTicket>((resolve, reject) => {
      const requestId = `${id}-${++n}`;
      const timer = setTimeout(() => reject(new Error(`no reply to ${requestId}`)), 5000);
      const onMessage = (topic: string, payload: Buffer) => {
        if (topic !== topics.deviceReply(id)) return;
        const r = reply.parse(JSON.parse(payload.toString()));
        if (r.requestId !== requestId) return;
        clearTimeout(timer);
        client.off('message', onMessage);
        if (!r.ok) reject(new Error(JSON.stringify(r)));
        else resolve((r as { data: IssuedTicket }).data);
      };
      client.on('message', onMessage);
      client.publish(
        topics.deviceRequest(id, 'issue-ticket'),
        JSON.stringify({ v: 1, requestId, procedureId, ...(priority ? { priority } : {}) }),
        { qos: 1 },
      );
    });
  return { client, issue };
}

/**
 * How long a page may take to show what it must, before the test fails: a
 * bound on a hang, not a latency target (figures live in bench/ and in
 * officer-to-board.test.ts, the one the issue names).
 */
const DEADLINE_MS = 15_000;

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).textContent()) ?? '').trim();

/** Poll a condition on the page (the pages' CSP forbids eval, so no waitForFunction with strings). */
async function until(page: Page, ok: () => Promise<boolean>, timeout: number, why: () => Promise<string>) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await ok()) return;
    if (Date.now() > deadline) throw new Error(`after ${timeout} ms: ${await why()}`);
    await page.waitForTimeout(50);
  }
}

/** Wait until an element shows exactly `value`. */
async function shows(page: Page, selector: string, value: string, timeout = DEADLINE_MS) {
  await until(
    page,
    async () => (await page.locator(selector).textContent())?.trim() === value,
    timeout,
    () => text(page, selector).then((seen) => `${selector} shows "${seen}", not "${value}"`),
  );
}

/**
 * Wait for this error notice: not whatever notice is on screen (the one of
 * an earlier refusal may still be there when the next action is taken).
 */
async function noticeSays(page: Page, pattern: RegExp) {
  await until(
    page,
    async () =>
      (await page.locator('#notice.error').isVisible()) && pattern.test(await text(page, '#notice')),
    DEADLINE_MS,
    () => text(page, '#notice').then((seen) => `the notice shows "${seen}", not ${pattern}`),
  );
}

describe('officer counter console', () => {
  let browser: Browser;
  const hubs: TestHub[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
    await Promise.all(hubs.splice(0).map((h) => h.stop()));
  });

  /** A hub with an officer's account and a kiosk that has issued tickets for these procedures. */
  async function officeWithTickets(officer: string, procedures: string[]) {
    const t = await startTestHub();
    hubs.push(t);
    const password = await t.addAccount(officer, 'officer');
    const k = await kiosk(t.mqttUrl, 'kiosk-1', t.addDevice('kiosk-1', 'kiosk'));
    clients.push(k.client);
    const tickets = [];
    for (const p of procedures) tickets.push(await k.issue(p));
    return { t, password, k, tickets };
  }

  it('signs in, takes a counter, calls, serves and transfers with buttons and shortcuts, live', async () => {
    const { t, password, k, tickets } = await officeWithTickets('canbo1', ['can-cuoc-01', 'can-cuoc-02']);
    const [first, second] = tickets as [(typeof tickets)[0], (typeof tickets)[0]];
    expect([first.display, second.display]).toEqual(['1001', '1002']);

    const { context, page } = await newPage(browser);
    try {
      // Not signed in: to the sign-in page, coming back afterwards.
      await page.goto(`${t.httpUrl}/console`);
      await page.waitForURL(`${t.httpUrl}/login?next=%2Fconsole`);
      await signIn(page, t.httpUrl, 'canbo1', password);
      expect(await text(page, '#officer-name')).toBe('canbo1');

      // First visit on this machine: pick a counter.
      await page.locator('#picker [data-counter="1"]').waitFor();
      await screenshot(page, 'console-picker');
      await page.locator('#picker [data-counter="1"]').click();
      await shows(page, '#counter-name', 'Quầy 1');
      expect(await text(page, '#counter-state')).toBe('Đang mở');
      expect(t.hub.service.state.counters.get(1)!.officer).toBe('canbo1');
      await shows(page, '#waiting-count', '2');
      expect(await page.locator('#waiting-list .waiting-row').count()).toBe(2);
      expect(await page.locator('#act-finish').isDisabled()).toBe(true);
      expect(await page.locator('#act-recall').isDisabled()).toBe(true);
      expect(await text(page, '#act-call-next kbd')).toBe('N');

      // Call next with the button: the big number, the line shrinks, the clock runs.
      await page.locator('#act-call-next').click();
      await shows(page, '#current-display', '1001');
      await shows(page, '#waiting-count', '1');
      expect(await text(page, '#current-title')).toBe('Đang mời lên quầy');
      expect(await page.locator('#act-call-next').isDisabled()).toBe(true);
      expect(await page.locator('#act-start').isEnabled()).toBe(true);
      const before = await text(page, '#elapsed');
      await until(
        page,
        async () => (await text(page, '#elapsed')) !== before,
        2500,
        async () => 'clock stopped',
      );
      expect(await text(page, '#elapsed')).toMatch(/^\d\d:\d\d$/);

      // Start and finish with the buttons.
      await page.locator('#act-start').click();
      await shows(page, '#current-title', 'Đang phục vụ');
      expect(await page.locator('#act-finish').isEnabled()).toBe(true);
      expect(await page.locator('#act-no-show').isDisabled()).toBe(true);
      await page.locator('#act-finish').click();
      await shows(page, '#current-display', '—');
      // The counter is empty: its title names the number just finished, not "nobody called yet".
      await shows(page, '#current-title', fillText(consoleText.lastDone.finish!, { display: first.display }));
      expect(await text(page, '#current-title')).not.toBe(consoleText.nothingCurrent);
      expect(t.hub.service.state.tickets.get(first.ticketId)).toMatchObject({
        status: 'done',
        officer: 'canbo1',
      });

      // Shortcuts do nothing while the officer types in a field...
      await page.locator('#call-number-input').focus();
      await page.keyboard.press('n');
      expect(await page.locator('#call-number-input').inputValue()).toBe('n');
      await page.locator('#call-number-input').fill('');
      await page.locator('#call-number-input').blur();
      expect(await text(page, '#current-display')).toBe('—');
      // ...and act otherwise: N calls, S starts, F finishes.
      await page.keyboard.press('n');
      await shows(page, '#current-display', '1002');
      await shows(page, '#waiting-count', '0');
      await page.keyboard.press('s');
      await shows(page, '#current-title', 'Đang phục vụ');
      await page.keyboard.press('f');
      await shows(page, '#current-display', '—');
      await shows(page, '#current-title', fillText(consoleText.lastDone.finish!, { display: '1002' }));
      expect(t.hub.service.state.tickets.get(second.ticketId)!.status).toBe('done');

      // A refusal: the finish button is off, and its shortcut shows the hub's reason,
      // naming the counter (there is no ticket to name).
      expect(await page.locator('#act-finish').isDisabled()).toBe(true);
      await page.keyboard.press('f');
      await noticeSays(page, /^Quầy 1 chưa có số nào đang được gọi hoặc phục vụ\.$/);

      // Live: a new ticket from the kiosk, then another officer at counter 2
      // takes it through the API; this console follows within a second.
      const third = await k.issue('can-cuoc-03');
      await shows(page, '#waiting-count', '1');
      const other = t.as(await t.signIn('canbo2', await t.addAccount('canbo2', 'officer')));
      expect((await other('/api/counters/2/take', { method: 'POST' })).status).toBe(200);
      const called = await other('/api/counters/2/call-next', { method: 'POST' });
      expect(((await called.json()) as { ticket: { display: string } }).ticket.display).toBe(third.display);
      await shows(page, '#waiting-count', '0');

      // Transfer through the dialog: the ticket goes to counter 2's line.
      const fourth = await k.issue('can-cuoc-01');
      await shows(page, '#waiting-count', '1');
      await page.keyboard.press('n');
      await shows(page, '#current-display', fourth.display);
      await page.keyboard.press('c');
      await page.locator('#transfer-dialog').waitFor({ state: 'visible' });
      await page.locator('#transfer-counter option[value="2"]').waitFor({ state: 'attached' });
      // Shortcuts are off while the dialog is open.
      await page.keyboard.press('f');
      await page.locator('#transfer-counter').selectOption('2');
      await screenshot(page, 'console-transfer');
      await page.locator('#transfer-submit').click();
      await page.locator('#transfer-dialog').waitFor({ state: 'hidden' });
      await shows(page, '#current-display', '—');
      expect(t.hub.service.state.tickets.get(fourth.ticketId)).toMatchObject({
        status: 'waiting',
        assignedCounterId: 2,
      });

      // Call a given number from the field; a number that does not exist is refused.
      await page.locator('#call-number-input').fill('1999');
      await page.locator('#call-number-input').press('Enter');
      await noticeSays(page, /Không tìm thấy số 1999/);
      await page.locator('#call-number-input').press('Escape'); // back to the shortcuts

      // Pause (P) and reopen (M): calls are off while paused.
      await page.keyboard.press('p');
      await shows(page, '#counter-state', 'Tạm dừng');
      expect(t.hub.service.state.counters.get(1)!.state).toBe('paused');
      expect(await page.locator('#act-call-next').isDisabled()).toBe(true);
      await page.keyboard.press('n');
      await noticeSays(page, /Quầy 1 đang tạm dừng/);
      await page.keyboard.press('m');
      await shows(page, '#counter-state', 'Đang mở');

      // A screen with something going on for the screenshot: one serving, a line with a priority ticket.
      await k.issue('can-cuoc-02');
      await k.issue('can-cuoc-04', 'nguoi-cao-tuoi');
      await k.issue('can-cuoc-01', 'phu-nu-mang-thai');
      await k.issue('can-cuoc-01');
      await shows(page, '#waiting-count', '4');
      await page.keyboard.press('n');
      await shows(page, '#waiting-count', '3');
      await page.keyboard.press('s');
      await shows(page, '#current-title', 'Đang phục vụ');
      expect(await page.locator('#waiting-list .priority-mark').count()).toBeGreaterThan(0);
      // The screenshot shows the clocks once they have ticked (the elapsed time is filled in).
      await until(
        page,
        async () => (await text(page, '#elapsed')) !== '',
        DEADLINE_MS,
        async () => 'the elapsed-time clock never ticked',
      );
      await screenshot(page, 'console');

      // Out of turn from the list: finish, then call the last one in line with its own button.
      await page.keyboard.press('f');
      await shows(page, '#current-display', '—');
      const last = page.locator('#waiting-list .waiting-row').last();
      expect(await last.getAttribute('data-display')).toBe('1008');
      await last.locator('button').click();
      await shows(page, '#current-display', '1008');
      await shows(page, '#waiting-count', '2');

      // The choice is remembered: a reload goes straight to counter 1.
      await page.reload();
      await shows(page, '#counter-name', 'Quầy 1');
      expect(await page.locator('#picker').isHidden()).toBe(true);

      // Sign-out with a citizen at the desk: the counter cannot be left, the
      // page says why and stays; once nobody is at the desk, sign-out frees
      // the counter and ends the session.
      await page.locator('#sign-out').click();
      await noticeSays(
        page,
        /^Quầy 1 đang có số 1008: hãy kết thúc, đánh dấu vắng mặt hoặc chuyển số này trước\. Bấm "Đăng xuất" lần nữa để vẫn đăng xuất: quầy vẫn đứng tên bạn\.$/,
      );
      expect(new URL(page.url()).pathname).toBe('/console');
      expect(t.hub.service.state.counters.get(1)!.officer).toBe('canbo1');
      await page.keyboard.press('s');
      await shows(page, '#current-title', 'Đang phục vụ');
      await page.keyboard.press('f');
      await shows(page, '#current-display', '—');
      await page.locator('#sign-out').click();
      await page.waitForURL(`${t.httpUrl}/login?next=%2Fconsole`);
      expect(t.hub.service.state.counters.get(1)!.officer).toBeNull();

      expect(pageErrors(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('signs out on a second press with a citizen at the desk, the counter still on the officer', async () => {
    const { t, password, tickets } = await officeWithTickets('canbo2', ['can-cuoc-01']);
    expect(tickets.map((x) => x.display)).toEqual(['1001']);
    const { context, page } = await newPage(browser);
    try {
      await signIn(page, t.httpUrl, 'canbo2', password, '/console');
      await page.locator('#picker [data-counter="1"]').click();
      await shows(page, '#counter-name', 'Quầy 1');
      await page.locator('#act-call-next').click();
      await shows(page, '#current-display', '1001');

      await page.locator('#sign-out').click();
      await noticeSays(page, /^Quầy 1 đang có số 1001: .* Bấm "Đăng xuất" lần nữa/);
      await page.locator('#sign-out').click();
      await page.waitForURL(`${t.httpUrl}/login?next=%2Fconsole`);
      // The session is over; the citizen is still called at counter 1, on this officer's name.
      const counter = t.hub.service.state.counters.get(1)!;
      expect(counter.officer).toBe('canbo2');
      expect(t.hub.service.state.tickets.get(counter.currentTicketId!)?.display).toBe('1001');
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('shows an offline banner while the hub is down and recovers by itself after it restarts', async () => {
    const dir = tempDir();
    const httpPort = await freePort();
    const options = {
      dataDir: dir.path,
      mqtt: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: httpPort },
      site: { name: 'Test office', timeZone: 'Asia/Ho_Chi_Minh' },
      dailyResetTime: '00:00',
    };
    const quiet = () => createLogger('hub', { sink: memorySink(), level: 'error', timestamps: false });
    let hub: Hub | null = await startHub(options, quiet());
    const url = `http://127.0.0.1:${httpPort}`;
    hub.accounts.create(
      {
        username: 'canbo1',
        displayName: 'Nguyễn Văn An',
        role: 'officer',
        passwordHash: await hashPassword('mat-khau-1'),
      },
      Date.now(),
    );
    const { context, page } = await newPage(browser);
    try {
      await signIn(page, url, 'canbo1', 'mat-khau-1');
      expect(await text(page, '#officer-name')).toBe('Nguyễn Văn An');
      await page.locator('#picker [data-counter="3"]').click();
      await shows(page, '#counter-name', 'Quầy 3');
      await shows(page, '#waiting-count', '0');
      expect(await page.locator('#offline').isHidden()).toBe(true);

      await hub.stop();
      hub = null;
      await page.locator('#offline').waitFor({ state: 'visible', timeout: DEADLINE_MS });
      expect(await page.locator('#act-pause').isDisabled()).toBe(true);

      hub = await startHub(options, quiet());
      await page.locator('#offline').waitFor({ state: 'hidden', timeout: DEADLINE_MS });
      // Live again without reload: a pause made elsewhere shows up.
      const res = await fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'canbo1', password: 'mat-khau-1' }),
      });
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const paused = await fetch(`${url}/api/counters/3/state`, {
        method: 'POST',
        headers: { cookie, origin: url, 'content-type': 'application/json' },
        body: JSON.stringify({ state: 'paused' }),
      });
      expect(paused.status).toBe(200);
      await shows(page, '#counter-state', 'Tạm dừng');
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await context.close();
      await hub?.stop();
      dir.remove();
    }
  }, 60_000);
});
