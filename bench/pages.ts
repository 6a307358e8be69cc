// `npm run bench:pages`: size of each web page (HTML + scripts + styles, as
// sent) and its time to first contentful paint in Debian's Chromium, against
// a real hub on loopback. Median of --repeat loads, each in a fresh context.

import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startKiosk } from '../edge/kiosk/main.js';
import { createLogger, memorySink } from '../shared/log/logger.js';
import { launchBrowser, newPage } from '../test/helpers/browser.js';
import { startTestHub, type TestHub, tempDir } from '../test/helpers/hub.js';
import { kioskConfig } from '../test/helpers/kiosk.js';
import { median } from './helpers.js';

const { values } = parseArgs({
  options: { repeat: { type: 'string', default: '5' }, pages: { type: 'string' } },
});
const REPEAT = Number(values.repeat);
/** `kiosk:/guide`: the guide page as the touch screen opens it, through the kiosk program's loopback server. */
const ALL_PAGES = [
  '/login',
  '/console',
  '/board',
  '/admin',
  '/reports',
  '/t/unknown-ticket',
  '/guide',
  'kiosk:/guide',
];
/** `--pages /guide,/board`: only these. */
const PAGES = values.pages ? values.pages.split(',').map((p) => p.trim()) : ALL_PAGES;

async function measure(page: Page, url: string): Promise<{ bytes: number; files: number; fcpMs: number }> {
  let bytes = 0;
  let files = 0;
  // Every body is awaited before the figures are read (a body still arriving would not be counted).
  const bodies: Promise<void>[] = [];
  page.on('response', (res) => {
    if (!res.url().includes('/api/')) {
      files++;
      bodies.push(
        res.body().then(
          (body) => {
            bytes += body.length;
          },
          () => undefined,
        ),
      );
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
  await Promise.all(bodies);
  return { bytes, files, fcpMs };
}

/** A kiosk with a touch screen (simulated buttons, a file printer) on the test hub. */
async function touchKiosk(t: TestHub) {
  const dir = tempDir('qms-bench-pages-');
  const kiosk = await startKiosk(
    kioskConfig({
      deviceId: 'kiosk-bench',
      mqttUrl: t.mqttUrl,
      httpUrl: t.httpUrl,
      password: t.addDevice('kiosk-bench', 'kiosk'),
      dataDir: dir.path,
      hardware: {
        buttons: [],
        priorityButton: undefined,
        touch: { port: 0 },
        printer: { transport: { type: 'file', path: `${dir.path}/printer.escpos` } },
      },
    }),
    { log: createLogger('kiosk', { sink: memorySink(), timestamps: false }) },
  );
  return {
    url: `http://127.0.0.1:${kiosk.touch!.port}`,
    async stop() {
      await kiosk.stop();
      dir.remove();
    },
  };
}

async function main() {
  const t = await startTestHub();
  const browser = await launchBrowser();
  const password = await t.addAccount('bench-admin', 'admin');
  const kiosk = PAGES.some((p) => p.startsWith('kiosk:')) ? await touchKiosk(t) : null;
  const rows: [string, string, string, string][] = [];
  for (const path of PAGES) {
    const runs: { bytes: number; files: number; fcpMs: number }[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const { context, page } = await newPage(browser);
      if (path.startsWith('kiosk:')) {
        runs.push(await measure(page, `${kiosk!.url}${path.slice('kiosk:'.length)}`));
        await context.close();
        continue;
      }
      if (path !== '/login' && path !== '/board' && path !== '/guide' && !path.startsWith('/t/')) {
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
  await kiosk?.stop();
  await t.stop();
  console.log(`\nmedian of ${REPEAT} loads each (fresh context, loopback, uncompressed)\n`);
  console.log(['page', 'files', 'size', 'first paint'].join('\t'));
  for (const r of rows) console.log(r.join('\t'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
