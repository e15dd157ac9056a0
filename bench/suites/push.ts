import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { type Child, spawnChild, stopAll } from '../lib/procs.js';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { percentileOf, sleep } from '../lib/stats.js';
import { type Server, startServer, type TargetOptions } from '../lib/targets.js';
import { ALL_TAGS, browserMissing, openPage, staticServer } from './browser.js';

/**
 * 8. Every change pushed (issue 14): a change at the source, a worker's or a
 * resource's HTTP request, until a MutationObserver sees the page's element
 * show it, for each kind of change a dashboard shows. The page holds all five
 * elements under one connection while a fleet of `fleet` workers heartbeats
 * every 5 s (the default interval; 10,000 in batches of 100, as a fleet reporter per host sends them,
 * the way the browser suite beats them), with the server's default timings (dashboard_update every 5 s).
 * Changes are measured from the fleet's second beat on, with each probe's worker beaten live first.
 * Each change has a probe of its own, so what changes is the only thing the
 * element has to show: a worker flipping degraded ↔ unhealthy (it stays
 * above the healthy fleet, inside the cards' window), a queue of its own whose
 * depth or dead letters go to 900,000 + k (the deepest, so the first row), a
 * resource flipping degraded ↔ down, a log line.
 */
export interface PushOptions extends TargetOptions {
  fleets: number[];
  samples: number;
  /** A change not on screen by then counts as this latency (and the row fails). */
  timeoutMs: number;
}

type Kind = 'status' | 'queue' | 'dlq' | 'resource' | 'log';
const KINDS: Record<Kind, string> = {
  status: 'worker status',
  queue: 'queue depth',
  dlq: 'dead-letter count',
  resource: 'resource status',
  log: 'a log line',
};
/** The issue's floors: p95 at 1,000 workers and at 10,000. */
const floorFor = (fleet: number) => (fleet <= 1000 ? 100 : 250);
const figure = (fleet: number, kind: Kind) =>
  `push ${fleet.toLocaleString('en-US')} workers: ${KINDS[kind]} → DOM, p95`;

const stats = (fields: Record<string, number>) =>
  JSON.stringify({ depth: 0, inFlight: 0, processed: 0, failed: 0, deadLetter: 0, ratePerSec: 0, ...fields });

/** `<queues-view>`: the row of queue `name` shows `depth` in its depth column (digits only: locales group them). */
const depthShows = (name: string, depth: number) => `
  const r = [...root.querySelectorAll('tbody tr[part~="row"]')].find((r) => r.cells[0].textContent.trim() === '${name}');
  return !!r && r.cells[1].textContent.replace(/\\D/g, '') === '${depth}';`;

/** `<dlq-monitor>`: the row of queue `name` shows `count` dead letters. */
const deadLettersShow = (name: string, count: number) => `
  const r = [...root.querySelectorAll('[part~="row"]')].find((r) => r.querySelector('.pick')?.textContent === '${name}');
  return !!r && r.querySelector('[part~="value"]').textContent.replace(/\\D/g, '') === '${count}';`;

const cardShows = (id: string, want: string) => `
  const card = root.querySelector('[part~="card"][data-id="${id}"]');
  return !!card && (card.querySelector('[part~="status"]')?.textContent ?? '').toLowerCase().includes('${want}');`;

/** A change: the probe whose connection sends it, its request, and the element and check that show it. */
interface Change {
  id: string;
  method: string;
  path: string;
  body: string;
  tag: string;
  check: string;
}

const heartbeat = (id: string, body: string) => ({
  id,
  method: 'POST',
  path: `/api/workers/${id}/heartbeat`,
  body,
});

/** The k-th change of each kind. */
function change(kind: Kind, k: number): Change {
  const value = 900_000 + k;
  const want = k % 2 ? ['unhealthy', 'down'] : ['degraded', 'degraded'];
  const queueStats = (fields: Record<string, number>) => `{"status":"healthy","queueStats":${stats(fields)}}`;
  const message = `push probe ${k} ${Date.now()}`;
  const changes: Record<Kind, () => Change> = {
    status: () => ({
      ...heartbeat('probe-status', JSON.stringify({ status: want[0] })),
      tag: 'health-cards',
      check: cardShows('probe-status', want[0]!),
    }),
    queue: () => ({
      ...heartbeat('probe-queue', queueStats({ depth: value })),
      tag: 'queues-view',
      check: depthShows('probe-q', value),
    }),
    dlq: () => ({
      ...heartbeat('probe-dlq', queueStats({ deadLetter: value })),
      tag: 'dlq-monitor',
      check: deadLettersShow('probe-d', value),
    }),
    resource: () => ({
      id: 'probe-resource',
      method: 'PUT',
      path: '/api/resources/probe-db',
      body: JSON.stringify({ name: 'Probe DB', kind: 'database', status: want[1] }),
      tag: 'health-cards',
      check: cardShows('probe-db', want[1]!),
    }),
    log: () => ({
      id: 'probe-log',
      method: 'POST',
      path: '/api/workers/probe-log/logs',
      body: JSON.stringify({ entries: [{ level: 'info', message }] }),
      tag: 'logs-view',
      check: `return root.textContent.includes(${JSON.stringify(message)});`,
    }),
  };
  return changes[kind]();
}

async function setUpProbes(worker: Child): Promise<void> {
  const send = async (id: string, method: string, path: string, body: string) => {
    const r = await worker.call<{ status: number }>('send', { id, method, path, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status}`);
  };
  for (const [id, queue] of [
    ['probe-status', 'probe-s'],
    ['probe-queue', 'probe-q'],
    ['probe-dlq', 'probe-d'],
    ['probe-log', null],
  ] as const) {
    await send(id, 'POST', '/api/workers', JSON.stringify({ id, name: id, queue, status: 'healthy' }));
    await send(id, 'POST', `/api/workers/${id}/heartbeat`, `{"status":"healthy","queueStats":${stats({})}}`);
  }
  await send(
    'probe-resource',
    'PUT',
    '/api/resources/probe-db',
    JSON.stringify({ name: 'Probe DB', kind: 'database', status: 'healthy' }),
  );
}

export async function pushSuite(opts: PushOptions, log: (s: string) => void): Promise<SuiteResult> {
  const missing = browserMissing();
  if (missing) {
    return {
      rows: opts.fleets.flatMap((fleet) =>
        (Object.keys(KINDS) as Kind[]).map((kind) =>
          skipped(figure(fleet, kind), `≤ ${floorFor(fleet)} ms`, missing),
        ),
      ),
      details: {},
    };
  }
  const workers = [spawnChild('load/workers.ts'), spawnChild('load/workers.ts')];
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const site = await staticServer();
  const details: Record<string, unknown> = {};
  const rows: Row[] = [];
  try {
    await Promise.all(workers.map((w) => w.ready));
    browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
    for (const fleet of opts.fleets) {
      // A fresh server per fleet; no worker of the fleet may go stale while the rest registers.
      server = await startServer('pulseboard', {
        ...opts,
        // Room for the probes too: the default maxWorkers is 10,000.
        pulseboardConfig: { staleAfterMs: 120_000, maxWorkers: fleet + 100, ...opts.pulseboardConfig },
      });
      await Promise.all(workers.map((w) => w.call('target', { url: server!.url })));
      await setUpProbes(workers[0]!);
      const ids = Array.from({ length: fleet }, (_, i) => `w-${i}`);
      const halves = [ids.slice(0, fleet / 2), ids.slice(fleet / 2)];
      const t0 = Date.now();
      const reg = await Promise.all(
        workers.map((w, i) =>
          w.call<{ failed: number }>('register', { ids: halves[i], offset: i * halves[0]!.length }, 600_000),
        ),
      );
      const failed = reg.reduce((a, r) => a + r.failed, 0);
      if (failed) throw new Error(`${failed} of ${fleet} workers failed to register`);
      log(`  push ${fleet}: fleet registered in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      page = await openPage(browser, site.origin, {
        src: `${server.url}/events`,
        tags: ALL_TAGS,
        workers: fleet + 4,
      });
      // The fleet beats every 5 s, phases spread, for as long as the probes run. 10,000 single requests
      // every 5 s from two load processes fell behind on two cores: a probe's request waited 8 s for its
      // answer behind the fleet's (issue 14, "never lose an event"), measuring the backlog, not the push.
      const batch = fleet > 1000 ? 100 : 0;
      const steady = workers.map((w, i) =>
        w
          .call('steady', { ids: halves[i], intervalMs: 5000, batch, durationMs: 3_600_000 }, 3_700_000)
          .catch(() => null),
      );
      // From the second beat on: the first moves every worker's figures at once.
      await sleep(5000);
      const perKind: Record<string, { p50: number; p95: number; timeouts: number; samples: number[] }> = {};
      for (const kind of Object.keys(KINDS) as Kind[]) {
        const latencies: number[] = [];
        let timeouts = 0;
        // The probe's worker beat last before the fleet registered, maybe longer ago than staleAfterMs: live
        // again before its changes are timed, so none of them is a recovery (a status change and a log line more).
        const probe = change(kind, 0);
        if (probe.path.endsWith('/heartbeat')) {
          await workers[1]!.call('send', { ...probe, body: '{}' });
          await sleep(500);
        }
        for (let k = 0; k < opts.samples; k++) {
          const c = change(kind, k);
          await page.evaluate(
            (tag, check, ms) => window.__bench.armCheck(tag, check, ms),
            c.tag,
            c.check,
            opts.timeoutMs,
          );
          const { sentAt, status } = await workers[1]!.call<{ sentAt: number; status: number }>('send', {
            id: c.id,
            method: c.method,
            path: c.path,
            body: c.body,
          });
          if (status >= 300) throw new Error(`${c.method} ${c.path}: ${status}`);
          const at = await page.evaluate(() => window.__bench.pending).catch(() => null);
          if (at === null) timeouts++;
          latencies.push(at === null ? opts.timeoutMs : at - sentAt);
          // Not in step with the server's ticks: a random pause before the next change.
          await sleep(50 + Math.random() * 950);
        }
        const p95 = percentileOf(latencies, 95);
        const p50 = percentileOf(latencies, 50);
        perKind[kind] = { p50, p95, timeouts, samples: latencies };
        log(
          `  push ${fleet}: ${KINDS[kind]}: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms${timeouts ? `, ${timeouts} not shown within ${opts.timeoutMs} ms` : ''}`,
        );
        const floor = floorFor(fleet);
        rows.push(
          row({
            figure: figure(fleet, kind),
            unit: 'ms',
            ours: p95,
            target: `≤ ${floor} ms`,
            status: judge(p95 <= floor && timeouts === 0),
            note: `p50 ${p50.toFixed(0)} ms, ${latencies.length} changes${timeouts ? `, ${timeouts} timed out` : ''}`,
          }),
        );
      }
      await Promise.all(workers.map((w) => w.call('stopSteady')));
      await Promise.all(steady);
      details[String(fleet)] = perKind;
      await page.close();
      page = undefined;
      await stopAll([server.child]);
      server = undefined;
    }
    return { rows, details };
  } finally {
    await page?.close().catch(() => {});
    await browser?.close().catch(() => {});
    site.close();
    await stopAll([...workers, server?.child] as (Child | undefined)[]);
  }
}
