import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import puppeteer, { type Browser, type CDPSession, type Page } from 'puppeteer-core';
import { type OwnRedis, startOwnRedis } from '../../demo/redis-server.js';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { type Child, spawnChild, stopAll, track } from '../lib/procs.js';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { percentileOf, sleep } from '../lib/stats.js';
import { pulseboardMissing, type Server, startServer } from '../lib/targets.js';
import { browserMissing, staticServer } from './browser.js';

/**
 * Issue 17's floors, side by side: bull-board (Express adapter, default
 * options: its page polls every 5 s) and Pulseboard (the server, the
 * `pulseboard-bullmq` CLI as installed, bench/browser/page.html with
 * `<queues-view>` and `<dlq-monitor>`) on one redis-server of the suite's own,
 * both pages open in one Chromium, each a site of its own (so a renderer of its
 * own: `localhost` and `127.0.0.1`), watching the same job changes:
 *
 * - job added → DOM shows it: a job added to the first queue, until its count
 *   on the page (`<queues-view>`'s depth; bull-board's queue card total);
 * - job failed → DOM shows it: a job a real BullMQ Worker fails, from its
 *   `failed` event until the page counts it (`<dlq-monitor>`'s row; bull-board's
 *   FAILED tab badge);
 * - cold load: navigation to every queue shown (`<queues-view>`'s "N queues"
 *   with its rows; bull-board's N queue cards), and the bytes received by then;
 * - main-thread busy while both tabs stay open, a job added every second.
 *
 * A change lands at a random moment of bull-board's 5 s poll (the next round
 * waits a random 0 to 5 s), so its figures are its polling's, not a phase.
 */
export interface BullMQBenchOptions {
  sizes: number[];
  /** Rounds of (a job added, a job failed) per size. */
  rounds: number;
  steadyMs: number;
  /** Server settings over the defaults (none in the suite's own runs: Pulseboard as installed). */
  pulseboardConfig?: Record<string, unknown>;
}

const POLL_MS = 5000;
/** The server's default gap between two queue pushes under load (docs/protocol.md, --push-gap). */
const PUSH_GAP_MS = 100;
/** How long a page may take to list every queue, or to show a change (bull-board at 1,000 queues on a loaded machine: tens of seconds). */
const LOAD_TIMEOUT_MS = 180_000;
const cliPath = fileURLToPath(new URL('../../packages/bullmq/dist/cli.js', import.meta.url));

const FIGURES = {
  added: ['job added → DOM, p95', '≤ 250 ms', 250, 'ms'],
  failed: ['job failed → DOM, p95', '≤ 250 ms', 250, 'ms'],
  load: ['cold load → all queues shown', '≤ 500 ms', 500, 'ms'],
  bytes: ['first-load bytes', '', Number.POSITIVE_INFINITY, 'B'],
  busy: ['main thread busy, tab open', '≤ 5 %', 5, '%'],
} as const;
type Figure = keyof typeof FIGURES;

/** The two pages, named as their rows' baseline is. */
type Side = 'pulseboard' | 'bull-board';

/**
 * `__arm(key, what, name, want, timeoutMs)`: `__pending[key]` resolves with the wall-clock time of
 * the first DOM mutation after which `__read[what](name)` is `want`.
 */
const ARM = `
  window.__pending = {};
  window.__arm = (key, what, name, want, timeoutMs) => {
    const pending = new Promise((resolve, reject) => {
      const observer = new MutationObserver(() => {
        if (window.__read[what](name) !== want) return;
        observer.disconnect();
        clearTimeout(timer);
        resolve(performance.timeOrigin + performance.now());
      });
      for (const root of window.__read.roots())
        observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
      const timer = setTimeout(() => {
        observer.disconnect();
        reject(new Error(what + ' of ' + name + ' never showed ' + want + ' (shows ' + window.__read[what](name) + ')'));
      }, timeoutMs);
    });
    pending.catch(() => {});
    window.__pending[key] = pending;
  };`;

/**
 * What each page shows, read from its DOM: a queue's count of jobs, the failed
 * count, the queues listed; and the nodes whose mutations can change them.
 * Installed before the page's own scripts (evaluateOnNewDocument), as source
 * text: a function would carry tsx's `__name` helper into the page.
 */
const NUMBER = `const number = (node) => node ? Number(node.textContent.replace(/[^0-9]/g, '') || NaN) : NaN;`;

const PULSEBOARD_READERS = `{
  ${NUMBER}
  ${ARM}
  const shadow = (tag) => document.querySelector(tag)?.shadowRoot ?? null;
  window.__read = {
    added: (name) => number(shadow('queues-view')?.querySelector('tr[data-pick="queue:' + name + '"] .depth')),
    failed: (name) => number(shadow('dlq-monitor')?.querySelector('li[data-pick="queue:' + name + '"] .num')),
    // "1,000 queues" in the header, once its rows are there.
    queues: () => {
      const root = shadow('queues-view');
      return root?.querySelector('tr[part~="row"]') ? number(root.querySelector('.summary')) : 0;
    },
    roots: () => [shadow('queues-view'), shadow('dlq-monitor')].filter(Boolean),
  };
}`;

const BULL_BOARD_READERS = `{
  ${NUMBER}
  ${ARM}
  window.__read = {
    // The queue's card: "6 Jobs".
    added: (name) => number(document.querySelector('ul[class^="overview-"] a[title="' + name + '"]')
      ?.closest('li')?.querySelector('[class^="total-"]')),
    // The FAILED tab's badge: every queue's failed jobs (only one queue fails here); no badge is none.
    failed: () => {
      const tab = document.querySelector('ul[class^="statusTabs-"] li[class^="failed-"]');
      return tab ? number(tab.querySelector('[class^="badge-"]')) || 0 : NaN;
    },
    queues: () => document.querySelectorAll('ul[class^="overview-"] > li').length,
    roots: () => [document.body],
  };
}`;

interface Readers {
  added(name: string): number;
  failed(name: string): number;
  queues(): number;
  roots(): Node[];
}
declare global {
  interface Window {
    __read: Readers;
    __pending: Record<string, Promise<number>>;
    __arm(key: string, what: 'added' | 'failed', name: string, want: number, timeoutMs: number): void;
  }
}

function arm(
  page: Page,
  key: string,
  what: 'added' | 'failed',
  name: string,
  want: number,
  timeoutMs: number,
) {
  return page.evaluate(
    (key, what, name, want, timeoutMs) => window.__arm(key, what, name, want, timeoutMs),
    key,
    what,
    name,
    want,
    timeoutMs,
  );
}

const settled = (page: Page, key: string) =>
  page.evaluate((key) => window.__pending[key] as Promise<number>, key);

interface Load {
  ms: number;
  bytes: number;
}

/**
 * A fresh tab's cold load: from navigation until every queue is listed (checked each frame), and the
 * bytes received by then (every response, the event stream's too, as Chromium counts them on the wire).
 */
async function coldLoad(browser: Browser, url: string, install: string, queues: number): Promise<Load> {
  const page = await browser.newPage();
  try {
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const received = new Map<string, number>();
    cdp.on('Network.dataReceived', (e) =>
      received.set(e.requestId, (received.get(e.requestId) ?? 0) + e.encodedDataLength),
    );
    cdp.on('Network.loadingFinished', (e) => received.set(e.requestId, e.encodedDataLength));
    await page.evaluateOnNewDocument(install);
    await page.goto(url);
    // A page that never lists them all within LOAD_TIMEOUT_MS reads NaN (no figure) rather than ending the run.
    const ms = await page
      .waitForFunction(
        (n) => window.__read.queues() >= n && performance.now(),
        { polling: 'raf', timeout: LOAD_TIMEOUT_MS },
        queues,
      )
      .then((shown) => shown.jsonValue() as Promise<number>)
      .catch(() => Number.NaN);
    return { ms, bytes: [...received.values()].reduce((a, b) => a + b, 0) };
  } finally {
    await page.close();
  }
}

async function openTab(browser: Browser, url: string, install: string, queues: number): Promise<Page> {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(install);
  await page.goto(url);
  try {
    await page.waitForFunction(
      (n) => window.__read.queues() >= n,
      { polling: 200, timeout: LOAD_TIMEOUT_MS },
      queues,
    );
  } catch (error) {
    const shows = await page.evaluate(() => window.__read.queues()).catch(() => Number.NaN);
    throw new Error(`${url} never listed ${queues} queues (it lists ${shows}): ${error}`);
  }
  return page;
}

async function taskTime(cdp: CDPSession): Promise<{ task: number; at: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: get('TaskDuration'), at: get('Timestamp') };
}

/** The CLI as installed, reporting every queue under `bull` to the server. */
function startAdapter(redisUrl: string, serverUrl: string): ChildProcess {
  const child = track(
    spawn(process.execPath, [cliPath, '--redis', redisUrl, '--server', serverUrl], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
}

interface SizeResult {
  queues: number;
  added: Record<Side, number[]>;
  failed: Record<Side, number[]>;
  load: Record<Side, Load>;
  busyPct: Record<Side, number>;
}

async function measureSize(
  browser: Browser,
  redis: OwnRedis,
  site: { origin: string },
  board: Child,
  size: number,
  opts: BullMQBenchOptions,
  log: (s: string) => void,
): Promise<SizeResult> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  await connection.flushall();
  const names = Array.from({ length: size }, (_, i) => `q${String(i).padStart(4, '0')}`);
  const [target, failing] = names as [string, string];
  const queues = names.map((name) => new Queue(name, { connection }));
  let server: Server | undefined;
  let adapter: ChildProcess | undefined;
  let worker: Worker | undefined;
  const pages: Page[] = [];
  try {
    // The first queue holds the most jobs, so it is the first row of <queues-view> (sorted by depth) and the
    // first card of bull-board's (in the order it was given).
    await queues[0]?.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'seed', data: { i } })));
    await Promise.all(queues.slice(2).map((queue) => queue.add('seed', {})));
    await queues[1]?.waitUntilReady();
    const failer = new Worker(
      failing,
      async (): Promise<unknown> => {
        throw new Error('card declined');
      },
      { connection: { url: redis.url } },
    );
    worker = failer;
    await failer.waitUntilReady();

    server = await startServer('pulseboard', {
      pulseboardConfig: { maxWorkers: 20_000, ...opts.pulseboardConfig },
    });
    adapter = startAdapter(redis.url, server.url);
    const { url: boardUrl } = await board.call<{ url: string }>(
      'start',
      { redis: redis.url, names },
      120_000,
    );
    const pulseUrl = `${site.origin}/page.html?${new URLSearchParams({ src: `${server.url}/events`, tags: 'queues-view,dlq-monitor' })}`;
    const urls: Record<Side, [string, string]> = {
      pulseboard: [pulseUrl, PULSEBOARD_READERS],
      'bull-board': [boardUrl, BULL_BOARD_READERS],
    };

    // Every queue registered before anything is timed (the adapter's start is measured by its own test).
    const warm = await openTab(browser, pulseUrl, PULSEBOARD_READERS, size);
    await warm.close();

    const load = {} as Record<Side, Load>;
    for (const side of ['pulseboard', 'bull-board'] as const) {
      const [url, install] = urls[side];
      load[side] = await coldLoad(browser, url, install, size);
      log(
        `  ${size} queues, ${side}: all shown ${load[side].ms.toFixed(0)} ms after navigation, ${load[side].bytes} B`,
      );
    }

    const tabs = {} as Record<Side, Page>;
    for (const side of ['pulseboard', 'bull-board'] as const) {
      const [url, install] = urls[side];
      tabs[side] = await openTab(browser, url, install, size);
      pages.push(tabs[side]);
    }

    const added: Record<Side, number[]> = { pulseboard: [], 'bull-board': [] };
    const failed: Record<Side, number[]> = { pulseboard: [], 'bull-board': [] };
    let depth = 5;
    let failures = 0;
    for (let round = 0; round < opts.rounds; round++) {
      depth++;
      failures++;
      for (const side of ['pulseboard', 'bull-board'] as const) {
        await arm(tabs[side], 'added', 'added', target, depth, LOAD_TIMEOUT_MS);
        await arm(tabs[side], 'failed', 'failed', failing, failures, LOAD_TIMEOUT_MS);
      }
      const addedAt = await (queues[0] as Queue).add('job', { round }).then(() => Date.now());
      // The failure a push gap later (the server's default, 100 ms): each change is pushed on its own, as
      // changes a second apart are, rather than the second waiting out the gap the first opened.
      await sleep(Number(opts.pulseboardConfig?.pushGapMs ?? PUSH_GAP_MS) + 200);
      const failedAt = once(failer, 'failed').then(() => Date.now());
      await (queues[1] as Queue).add('job', { round }, { attempts: 1 });
      const failedTime = await failedAt;
      for (const side of ['pulseboard', 'bull-board'] as const) {
        added[side].push((await settled(tabs[side], 'added')) - addedAt);
        failed[side].push((await settled(tabs[side], 'failed')) - failedTime);
      }
      // The next change at a random moment of bull-board's poll.
      await sleep(Math.random() * POLL_MS);
    }
    for (const side of ['pulseboard', 'bull-board'] as const) {
      log(
        `  ${size} queues, ${side}: added p50 ${percentileOf(added[side], 50).toFixed(0)} p95 ${percentileOf(added[side], 95).toFixed(0)} ms; failed p50 ${percentileOf(failed[side], 50).toFixed(0)} p95 ${percentileOf(failed[side], 95).toFixed(0)} ms`,
      );
    }

    // Both tabs open at once for steadyMs, a job added to a random queue every second.
    const sessions = {} as Record<Side, CDPSession>;
    const before = {} as Record<Side, { task: number; at: number }>;
    for (const side of ['pulseboard', 'bull-board'] as const) {
      sessions[side] = await tabs[side].createCDPSession();
      await sessions[side].send('Performance.enable');
      before[side] = await taskTime(sessions[side]);
    }
    const started = Date.now();
    while (Date.now() - started < opts.steadyMs) {
      const queue = queues[Math.floor(Math.random() * queues.length)] as Queue;
      await queue.add('tick', {});
      await sleep(1000);
    }
    const busyPct = {} as Record<Side, number>;
    for (const side of ['pulseboard', 'bull-board'] as const) {
      const after = await taskTime(sessions[side]);
      busyPct[side] = ((after.task - before[side].task) / (after.at - before[side].at)) * 100;
      log(
        `  ${size} queues, ${side}: main thread ${busyPct[side].toFixed(1)} % busy over ${opts.steadyMs / 1000} s`,
      );
    }
    return { queues: size, added, failed, load, busyPct };
  } finally {
    for (const page of pages) await page.close().catch(() => {});
    await worker?.close();
    await board.call('stop').catch(() => {});
    await stopProcess(adapter);
    if (server) await stopAll([server.child]);
    await Promise.all(queues.map((queue) => queue.close()));
    connection.disconnect();
  }
}

export async function bullmqSuite(opts: BullMQBenchOptions, log: (s: string) => void): Promise<SuiteResult> {
  const missing = browserMissing() ?? pulseboardMissing();
  if (missing) {
    return {
      rows: opts.sizes.flatMap((size) =>
        Object.values(FIGURES).map(([figure, target]) =>
          skipped(`bullmq ${size} queues: ${figure}`, target, missing),
        ),
      ),
      details: {},
    };
  }
  const redis = await startOwnRedis();
  const site = await staticServer();
  const board = spawnChild('targets/bull-board.ts');
  let browser: Browser | undefined;
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  try {
    await board.ready;
    browser = await puppeteer.launch({
      executablePath: chromiumPath,
      headless: true,
      // Both tabs run as a visible one would: no timer throttling or backgrounding of the one behind.
      args: [
        ...chromiumArgs,
        '--disable-background-timer-throttling',
        '--disable-renderer-backgrounding',
        '--disable-backgrounding-occluded-windows',
      ],
    });
    for (const size of opts.sizes) {
      const result = await measureSize(browser, redis, site, board, size, opts, log);
      details[`queues${size}`] = result;
      const label = (figure: Figure) =>
        `bullmq ${size.toLocaleString('en-US')} queues: ${FIGURES[figure][0]}`;
      const sideRow = (figure: Figure, ours: number, baseline: number, note: string) => {
        const [, target, floor, unit] = FIGURES[figure];
        return row({
          figure: label(figure),
          unit,
          ours,
          baseline,
          baselineName: 'bull-board',
          target,
          status: Number.isFinite(floor) ? judge(ours <= floor) : 'info',
          note,
        });
      };
      const p = (values: number[], q: number) => percentileOf(values, q);
      const rounds = `${opts.rounds} rounds`;
      rows.push(
        sideRow(
          'added',
          p(result.added.pulseboard, 95),
          p(result.added['bull-board'], 95),
          `p50 ${p(result.added.pulseboard, 50).toFixed(0)} ms (bull-board ${p(result.added['bull-board'], 50).toFixed(0)} ms), ${rounds}`,
        ),
        sideRow(
          'failed',
          p(result.failed.pulseboard, 95),
          p(result.failed['bull-board'], 95),
          `p50 ${p(result.failed.pulseboard, 50).toFixed(0)} ms (bull-board ${p(result.failed['bull-board'], 50).toFixed(0)} ms), ${rounds}`,
        ),
        sideRow(
          'load',
          result.load.pulseboard.ms,
          result.load['bull-board'].ms,
          'navigation → every queue listed',
        ),
        sideRow(
          'bytes',
          result.load.pulseboard.bytes,
          result.load['bull-board'].bytes,
          'received by then, uncompressed',
        ),
        sideRow(
          'busy',
          result.busyPct.pulseboard,
          result.busyPct['bull-board'],
          `${opts.steadyMs / 1000} s, a job a second`,
        ),
      );
    }
    return { rows, details };
  } finally {
    await browser?.close().catch(() => {});
    site.close();
    await stopAll([board]);
    await redis.stop();
  }
}
