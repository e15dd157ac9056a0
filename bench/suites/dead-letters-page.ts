import type { DeadLetterInput } from '@pulseboard/protocol';
import type { Browser, Page } from 'puppeteer-core';
import { sleep } from '../lib/stats.js';
import { openPage } from './browser.js';

const QUEUE = 'bench-dlq';
const WORKER = 'bench-dlq-1';

/** A realistic dead letter: a one-line error, a stack of a dozen frames, a small payload. */
function letter(i: number, now: number): DeadLetterInput {
  const message = `HTTPError: Response code 502 (Bad Gateway) from https://hooks.acme.example/pulse (job ${i})`;
  const frames = Array.from(
    { length: 12 },
    (_, f) => `    at step${f} (/app/src/webhooks/dispatcher.ts:${70 + f}:9)`,
  );
  return {
    id: String(100_000 + i),
    name: 'deliver-webhook',
    failedAt: now - i * 1000,
    attempts: 5,
    error: { message, stack: [message, ...frames].join('\n') },
    payload: { event: 'order.created', id: `evt_${i}`, data: { order: `ord_${i}`, total: i / 100 } },
  };
}

async function post(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
}

/** Focuses `selector` in `<dlq-monitor>`'s shadow root. */
const focus = (page: Page, selector: string) =>
  page.evaluate(
    (s) =>
      (document.querySelector('dlq-monitor')?.shadowRoot?.querySelector(s) as HTMLElement | null)?.focus(),
    selector,
  );

/**
 * `<dlq-monitor>` opening a queue with `count` dead letters (issue 16), then
 * the user paging through them, jumping to the end, searching, and opening
 * one: the long tasks (over 50 ms) the page ran meanwhile, and how long the
 * list took to load.
 */
export async function deadLetterRun(
  browser: Browser,
  origin: string,
  serverUrl: string,
  count: number,
  log: (s: string) => void,
): Promise<{ loadMs: number; longTasks: number[]; longest: number }> {
  await post(serverUrl, '/api/workers', { id: WORKER, queue: QUEUE, queueStats: { deadLetter: count } });
  const now = Date.now();
  for (let from = 0; from < count; from += 1000) {
    const added = Array.from({ length: Math.min(1000, count - from) }, (_, i) => letter(from + i, now));
    await post(serverUrl, `/api/workers/${WORKER}/dead-letters`, { queue: QUEUE, added });
  }
  const page = await openPage(browser, origin, {
    src: `${serverUrl}/events`,
    tags: 'dlq-monitor',
    workers: 1,
  });
  try {
    await page.evaluate(() => {
      window.__bench.longTasks.length = 0;
    });
    const started = Date.now();
    await page.evaluate((queue) => {
      (
        document.querySelector('dlq-monitor') as HTMLElement & { openDeadLetters(q: string): void }
      ).openDeadLetters(queue);
    }, QUEUE);
    const shown = `${count.toLocaleString('en-US')} dead letters`;
    await page.waitForFunction(
      (text) =>
        document.querySelector('dlq-monitor')?.shadowRoot?.querySelector('.dl-count')?.textContent === text,
      { timeout: 60_000, polling: 10 },
      shown,
    );
    const loadMs = Date.now() - started;
    // What a user does next: page down through the list, jump to its end, search, open an entry.
    await focus(page, '.dl-list');
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('PageDown');
      await sleep(30);
    }
    await page.keyboard.press('End');
    await sleep(100);
    await page.keyboard.press('Enter');
    await sleep(100);
    await focus(page, 'input[type=search]');
    await page.keyboard.type('job 99', { delay: 50 });
    await sleep(300);
    const longTasks = await page.evaluate(() => window.__bench.longTasks);
    const longest = longTasks.length ? Math.max(...longTasks) : 0;
    log(
      `  <dlq-monitor>, ${shown}: loaded in ${loadMs} ms; ${longTasks.length} long tasks, longest ${longest.toFixed(0)} ms`,
    );
    return { loadMs, longTasks, longest };
  } finally {
    await page.close();
  }
}
