/**
 * Screenshots of the demo as it is now (`npm run build` first: it serves
 * demo/dist), for the README and docs/embedding.md:
 *
 * - docs/img/demo.png: the Dashboard page at 1,440 px (the README's hero);
 * - docs/img/phone.png and phone-lists.png: the same page on a 390 px phone, its top and its lists;
 * - docs/img/sidebar.png: a hand-made admin page that loads only the
 *   script-tag bundle and embeds elements in a 260 px sidebar, one of them
 *   pointed at a wrong `src` (a 404), with the page's `color-scheme: light`.
 *
 *   npx tsx scripts/demo-screenshots.ts        # about 40 s: sparklines need history
 *   SCREENSHOT_SECONDS=10 npx tsx scripts/demo-screenshots.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Page } from 'puppeteer-core';
import { startDemo } from '../demo/demo-app.js';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env.SCREENSHOT_SECONDS ?? 40);

const demo = await startDemo({
  config: { port: 0, host: '127.0.0.1', logLevel: 'silent', expireAfterMs: 60_000 },
  simulate: 12,
  pagesDir: join(root, 'demo/dist'),
});
const base = `http://localhost:${demo.port}`;

// An admin page of another origin (a loopback one, which a server on loopback allows), as a user writes it.
const sidebar = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme admin</title>
<style>
  :root { color-scheme: light; font-family: system-ui, sans-serif; font-size: 14px; }
  body { margin: 0; display: grid; grid-template-columns: 260px 1fr; min-height: 100vh; background: #f5f5f4; }
  aside { display: grid; gap: 12px; align-content: start; padding: 12px 10px; background: #fff; border-right: 1px solid #e7e5e4; }
  aside h2 { margin: 4px 4px 0; font-size: 13px; color: #57534e; text-transform: uppercase; letter-spacing: .04em; }
  main { padding: 24px 32px; color: #1c1917; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  td, th { padding: 8px 10px; border-bottom: 1px solid #e7e5e4; text-align: left; }
</style>
</head>
<body>
<aside>
  <h2>Operations</h2>
  <sse-connection src="${base}/events">
    <health-cards status="degraded unhealthy offline" heading="Needs attention"></health-cards>
    <dlq-monitor warning="10" critical="100"></dlq-monitor>
    <logs-view level="warn" max-lines="200"></logs-view>
  </sse-connection>
  <sse-connection src="${base}/event">
    <queues-view heading="Staging queues"></queues-view>
  </sse-connection>
</aside>
<main>
  <h1>Orders</h1>
  <table>
    <tr><th>Order</th><th>Customer</th><th>Total</th><th>Status</th></tr>
    <tr><td>#10231</td><td>Northwind</td><td>€1,204.00</td><td>Paid</td></tr>
    <tr><td>#10230</td><td>Contoso</td><td>€88.50</td><td>Refunded</td></tr>
    <tr><td>#10229</td><td>Fabrikam</td><td>€412.90</td><td>Paid</td></tr>
  </table>
</main>
<script src="${base}/pulseboard.iife.js"></script>
</body>
</html>`;

const http = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(sidebar);
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const sidebarUrl = `http://localhost:${(http.address() as AddressInfo).port}/`;

const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });

/** Opens `url` at `width`, light, and reports the page's own errors. */
async function open(url: string, width: number, height: number): Promise<Page> {
  const tab = await browser.newPage();
  tab.on('pageerror', (error) => console.log(`[page] ${error}`));
  await tab.setViewport({ width, height, deviceScaleFactor: 1 });
  await tab.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await tab.goto(url);
  return tab;
}

/**
 * A full-page screenshot, or of the page from the top of the first of `from` to the bottom of the last; the
 * log lists render only rows in view, so the viewport becomes the page.
 */
async function shoot(tab: Page, name: string, from: string[] = []): Promise<void> {
  const { width, height } = await tab.evaluate(() => ({
    width: window.innerWidth,
    height: document.documentElement.scrollHeight,
  }));
  const wide = await tab.evaluate(() => document.documentElement.scrollWidth);
  if (wide > width) throw new Error(`${name}: the page is ${wide} px wide in a ${width} px window`);
  await tab.setViewport({ width, height, deviceScaleFactor: 1 });
  await new Promise((r) => setTimeout(r, 800));
  const path = `${root}/docs/img/${name}.png` as const;
  if (from.length === 0) await tab.screenshot({ path, fullPage: true });
  else {
    const [top, bottom] = await tab.evaluate(
      (first, last) => [
        document.querySelector(first)!.getBoundingClientRect().top + window.scrollY - 8,
        document.querySelector(last)!.getBoundingClientRect().bottom + window.scrollY + 8,
      ],
      from[0]!,
      from.at(-1)!,
    );
    // At most two phone screens' worth: a picture, not the whole page.
    await tab.screenshot({ path, clip: { x: 0, y: top!, width, height: Math.min(bottom! - top!, 1700) } });
  }
  console.log(`wrote ${path}`);
}

try {
  const tabs = {
    demo: await open(`${base}/`, 1440, 900),
    phone: await open(`${base}/`, 390, 844),
    sidebar: await open(sidebarUrl, 1100, 900),
  };
  console.log(`collecting ${seconds} s of history…`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await shoot(tabs.demo, 'demo');
  await shoot(tabs.sidebar, 'sidebar');
  // A phone: the cards at the top, then the lists further down.
  await shoot(tabs.phone, 'phone', ['.topbar', 'health-cards']);
  await shoot(tabs.phone, 'phone-lists', ['dlq-monitor', 'logs-view']);
} finally {
  await browser.close();
  http.close();
  await demo.close();
}
