// `npm run bench:pages`: size of each web page (HTML + scripts + styles, as
// sent) and its time to first contentful paint in Debian's Chromium, against
// a real hub on loopback. Median of --repeat loads, each in a fresh context.

import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser, newPage } from '../test/helpers/browser.js';
import { startTestHub } from '../test/helpers/hub.js';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '5' } } });
const REPEAT = Number(values.repeat);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(page: Page, url: string): Promise<{ bytes: number; files: number; fcpMs: number }> {
  let bytes = 0;
  let files = 0;
  page.on('response', async (res) => {
    if (!res.url().includes('/api/')) {
      bytes += (await res.body().catch(() => Buffer.alloc(0))).length;
      files++;
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  const fcpMs = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            if (entry.name === 'first-contentful-paint') resolve(entry.startTime);
          }
        }).observe({ type: 'paint', buffered: true } as unknown as { type: 'function' });
      }),
  );
  return { bytes, files, fcpMs };
}

async function main() {
  const t = await startTestHub();
  const browser = await launchBrowser();
  const password = await t.addAccount('bench-admin', 'admin');
  const rows: [string, string, string, string][] = [];
  const pages = ['/login', '/console', '/board', '/admin', '/reports', '/t/unknown-ticket'];
  for (const path of pages) {
    const runs: { bytes: number; files: number; fcpMs: number }[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const { context, page } = await newPage(browser);
      if (path !== '/login' && path !== '/board' && !path.startsWith('/t/')) {
        // A session cookie set directly, so no page asset is cached before the measured load.
        const [name, value] = (await t.signIn('bench-admin', password)).split('=') as [string, string];
        await context.addCookies([{ name, value, url: t.httpUrl }]);
      }
      runs.push(await measure(page, `${t.httpUrl}${path}`));
      await context.close();
    }
    rows.push([
      path,
      String(runs[0]!.files),
      `${(median(runs.map((r) => r.bytes)) / 1024).toFixed(1)} KiB`,
      `${median(runs.map((r) => r.fcpMs)).toFixed(0)} ms`,
    ]);
  }
  await browser.close();
  await t.stop();
  console.log(`\nmedian of ${REPEAT} loads each (fresh context, loopback, uncompressed)\n`);
  console.log(['page', 'files', 'size', 'first paint'].join('\t'));
  for (const r of rows) console.log(r.join('\t'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
