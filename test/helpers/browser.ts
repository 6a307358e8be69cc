// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for
// the page tests. Screenshots go to test-output/screenshots (git ignores it)
// so a person can look at them after a run.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';

export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--lang=vi-VN',
    ],
  });
}

/**
 * A fresh browser context (own cookies) at a given screen size, in a time zone (default Hà Nội's);
 * `extra` adds context options (e.g. `hasTouch` for a touch screen).
 */
export async function newPage(
  browser: Browser,
  viewport = { width: 1366, height: 768 },
  timezoneId = 'Asia/Ho_Chi_Minh',
  extra: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId, ...extra });
  const page = await context.newPage();
  // A script error on a page fails the test that opened it.
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  return { context, page };
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Sign in through the real sign-in page. */
export async function signIn(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
  next = '/console',
) {
  await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${baseUrl}${next}*`), page.click('#submit')]);
}
