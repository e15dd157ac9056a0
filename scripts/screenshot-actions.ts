/**
 * Screenshots of operator actions on the demo (its built pages, `npm run build`, and its simulated
 * fleet, on a server with no tokens, where a loopback page may operate):
 * docs/img/actions-confirm.png (the dialog asking before a purge) and docs/img/actions-done.png (the
 * dead-letter list and the queues after the purge and a pause, with their outcomes in place).
 *
 *   npx tsx scripts/screenshot-actions.ts
 */
import { fileURLToPath } from 'node:url';
import puppeteer, { type ElementHandle, type Page } from 'puppeteer-core';
import { startDemo } from '../demo/demo-app.js';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = await startDemo({
  config: { logLevel: 'silent', host: '127.0.0.1', port: 0 },
  simulate: 12,
  pagesDir: `${root}/demo/dist`,
});
const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });

/** The first element matching `selector` inside `tag`'s shadow root whose text contains `text`. */
const inside = (page: Page, tag: string, selector: string, text = '') =>
  page.waitForFunction(
    (t, s, x) =>
      [...(document.querySelector(t)?.shadowRoot?.querySelectorAll<HTMLElement>(s) ?? [])].find((e) =>
        e.textContent?.includes(x),
      ),
    { timeout: 20_000, polling: 100 },
    tag,
    selector,
    text,
  ) as Promise<ElementHandle<HTMLElement>>;

/** Opens `tag`'s actions for the row that names `row`. */
async function open(page: Page, tag: string, row: string): Promise<void> {
  const rowEl = await inside(page, tag, '[part~="row"]', row);
  const button = await rowEl.$('[part~="action"]');
  await button!.click();
  await inside(page, tag, 'dialog[open] h2');
}

try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 860, deviceScaleFactor: 1 });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.goto(`${demo.url}/`);
  await inside(page, 'dlq-monitor', '[part~="action"]');
  await page.evaluate(() => document.querySelector('dlq-monitor')!.scrollIntoView({ block: 'center' }));

  // The dead letters of "webhooks" (they pile up from the start): Retry all or Purge, then Purge's form.
  await open(page, 'dlq-monitor', 'webhooks');
  await (await inside(page, 'dlq-monitor', 'dialog[open] li button', 'Purge')).click();
  await inside(page, 'dlq-monitor', 'dialog[open] input[name="keep"]');
  await page.keyboard.type('5');
  await page.screenshot({ path: `${root}/docs/img/actions-confirm.png` });
  console.log('wrote docs/img/actions-confirm.png');

  await (await inside(page, 'dlq-monitor', 'dialog[open] button[type="submit"]')).click();
  await inside(page, 'dlq-monitor', 'dialog[open] [role="status"]', 'Purge done');
  await (await inside(page, 'dlq-monitor', 'dialog[open] button', 'Close')).click();
  // A queue paused from <queues-view>: its outcome shows there, the purge's in <dlq-monitor>.
  await open(page, 'queues-view', 'email');
  await (await inside(page, 'queues-view', 'dialog[open] li button', 'Pause')).click();
  await inside(page, 'queues-view', '[part~="action-status"]', 'Pause done');
  await (await inside(page, 'queues-view', 'dialog[open] button', 'Close')).click();
  await page.waitForFunction(
    () => !document.querySelector('queues-view')!.shadowRoot!.querySelector('dialog[open]'),
  );
  await page.evaluate(() => document.querySelector('queues-view')!.scrollIntoView({ block: 'start' }));
  // A few heartbeats, so the paused queue's rate is down to 0.
  await new Promise((r) => setTimeout(r, 4000));
  await page.screenshot({ path: `${root}/docs/img/actions-done.png` });
  console.log('wrote docs/img/actions-done.png');
} finally {
  await browser.close();
  await demo.close();
}
