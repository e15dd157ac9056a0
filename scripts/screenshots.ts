/**
 * Screenshots of the five elements against a real server with a dozen
 * simulated workers: docs/img/dashboard-light.png and dashboard-dark.png, and
 * `<dlq-monitor>`'s dialog with a dead letter opened, its worker's actions on
 * it (retry, delete) and on the queue's list (retry all, purge) offered to an
 * operator (the server has no tokens: the loopback page may operate): docs/img/dead-letters.png.
 *
 *   npx tsx scripts/screenshots.ts            # about 40 s: sparklines need history
 *   SCREENSHOT_SECONDS=10 npx tsx scripts/screenshots.ts
 *   SCREENSHOTS=dead-letters npx tsx scripts/screenshots.ts   # only these (dashboard, dead-letters)
 *
 * Bundles the widgets with esbuild, serves a small page on a loopback port,
 * starts the Pulseboard server in this process and drives it over HTTP, then
 * photographs the page with Debian's Chromium (puppeteer-core).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { HeartbeatBody, LogLevel, RegisterWorkerBody, ResourceReport } from '@pulseboard/protocol';
import { createApp } from '@pulseboard/server';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { failedJob } from '../demo/failures.js';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const shots = new Set((process.env.SCREENSHOTS ?? 'dashboard,dead-letters').split(','));
const seconds = shots.has('dashboard') ? Number(process.env.SCREENSHOT_SECONDS ?? 40) : 3;

// --- the server and a small worker simulator --------------------------------

const server = await createApp({
  logLevel: 'silent',
  heartbeatIntervalMs: 1000,
  dashboardIntervalMs: 1000,
  metricsIntervalMs: 500,
});
const { url: api } = await server.listen({ port: 0, host: '127.0.0.1' });

async function call(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

interface SimWorker {
  id: string;
  name: string;
  queue: string | null;
  status: 'healthy' | 'degraded' | 'unhealthy' | 'starting';
  /** Typical response time (ms), requests/s, CPU %, memory MiB, queue depth, dead letters. */
  rt: number;
  rps: number;
  cpu: number;
  mem: number;
  depth: number;
  dlq: number;
  /** Stops heartbeating after this many seconds, so the server marks it offline. */
  silentAfter?: number;
  errors: number;
  processed: number;
}

const fleet: SimWorker[] = [
  ['api-gateway-1', 'API gateway', null, 'healthy', 42, 310, 38, 420, 0, 0],
  ['api-gateway-2', 'API gateway (canary)', null, 'healthy', 47, 95, 22, 390, 0, 0],
  ['email-sender-1', 'Email sender', 'email', 'healthy', 120, 48, 17, 210, 34, 2],
  ['email-sender-2', 'Email sender', 'email', 'healthy', 131, 51, 19, 205, 34, 2],
  ['image-resizer-1', 'Image resizer', 'images', 'healthy', 380, 12, 71, 980, 140, 0],
  ['billing-sync-1', 'Billing sync', 'billing', 'degraded', 860, 6, 44, 350, 260, 14],
  ['search-indexer-1', 'Search indexer', 'search-index', 'healthy', 65, 140, 56, 1500, 1200, 0],
  ['webhooks-1', 'Webhook dispatcher', 'webhooks', 'unhealthy', 2400, 3, 88, 610, 890, 137],
  ['reports-1', 'Report builder', 'reports', 'starting', 0, 0, 5, 120, 12, 0],
  ['push-1', 'Push notifications', 'push', 'healthy', 28, 220, 24, 180, 8, 0],
  ['thumbnails-1', 'Thumbnailer', 'images', 'healthy', 290, 14, 63, 870, 140, 0],
  ['etl-nightly-1', 'Nightly ETL', 'etl', 'healthy', 150, 20, 35, 2048, 0, 0],
].map(([id, name, queue, status, rt, rps, cpu, mem, depth, dlq]) => ({
  id,
  name,
  queue,
  status,
  rt,
  rps,
  cpu,
  mem,
  depth,
  dlq,
  errors: Number(dlq) * 3,
  processed: Math.round(Math.random() * 90_000),
  ...(id === 'etl-nightly-1' ? { silentAfter: 4 } : {}),
})) as SimWorker[];

const resources: ResourceReport[] = [
  { id: 'postgres-primary', name: 'Postgres primary', kind: 'database', status: 'healthy', latencyMs: 2.4 },
  { id: 'redis-cache', name: 'Redis cache', kind: 'cache', status: 'healthy', latencyMs: 0.8 },
  {
    id: 'rabbitmq',
    name: 'RabbitMQ',
    kind: 'broker',
    status: 'degraded',
    latencyMs: 48,
    message: '2 of 3 nodes in sync',
  },
  { id: 's3-assets', name: 'S3 assets', kind: 'storage', status: 'healthy', latencyMs: 35 },
];

const wobble = (base: number, spread: number) => Math.max(0, base * (1 + (Math.random() - 0.5) * spread));

function beat(w: SimWorker, t: number): HeartbeatBody {
  const wave = 1 + 0.35 * Math.sin(t / 4 + w.rt);
  w.processed += Math.round(w.rps * 0.5);
  if (w.status === 'unhealthy') w.errors += Math.round(Math.random() * 3);
  return {
    metrics: {
      cpu: Math.min(100, wobble(w.cpu * wave, 0.25)),
      memoryBytes: Math.round(wobble(w.mem, 0.05) * 1024 ** 2),
      requestsPerSec: wobble(w.rps * wave, 0.2),
      responseTimeMs: wobble(w.rt * wave, 0.3),
      errorCount: w.errors,
      uptimeSec: 3600 * 26 + Math.round(t) + w.rt * 10,
    },
    ...(w.queue
      ? {
          queueStats: {
            depth: Math.round(wobble(w.depth, 0.4)),
            inFlight: Math.round(wobble(w.rps / 4, 0.5)),
            processed: w.processed,
            failed: Math.round(w.dlq / 2),
            deadLetter: w.dlq,
            ratePerSec: wobble(w.rps, 0.2),
          },
        }
      : {}),
  };
}

const messages: [LogLevel, string][] = [
  ['info', 'job completed in 212 ms'],
  ['info', 'batch of 50 messages acknowledged'],
  ['debug', 'cache hit ratio 0.94 over the last minute'],
  ['warn', 'retrying delivery (attempt 2 of 5): upstream returned 503'],
  ['info', 'connected to broker amqp://rabbitmq:5672'],
  ['error', 'POST https://hooks.example.com/orders failed: ETIMEDOUT after 10000 ms'],
  ['info', 'rotated credentials for the SMTP relay'],
  ['warn', 'queue depth above 1,000 for 30 s; scaling hint emitted'],
  ['debug', 'GC pause 14 ms'],
];

for (const w of fleet) {
  const body: RegisterWorkerBody = {
    id: w.id,
    name: w.name,
    queue: w.queue,
    status: w.status,
    labels: { region: 'eu-west-1', version: '2.14.0' },
  };
  // The webhooks worker can act on its dead letters: one at a time (by id), or all of them.
  if (w.id === 'webhooks-1') {
    const id = { id: { type: 'string', required: true } } as const;
    body.actions = [
      { name: 'retryOne', target: 'deadLetters', label: 'Retry', params: id },
      {
        name: 'deleteOne',
        target: 'deadLetters',
        label: 'Delete',
        confirm: 'Delete this dead letter?',
        dangerous: true,
        params: id,
      },
      { name: 'retryAll', target: 'deadLetters', label: 'Retry all' },
      {
        name: 'purge',
        target: 'deadLetters',
        label: 'Purge',
        confirm: 'Purge every dead letter?',
        dangerous: true,
      },
    ];
  }
  await call('POST', '/api/workers', body);
}
for (const r of resources) {
  const { id, ...body } = r;
  await call('PUT', `/api/resources/${id}`, body);
}
// The failing webhooks worker's dead letters, one every 40 s or so over the last hours.
let job = 208_400;
await call('POST', '/api/workers/webhooks-1/dead-letters', {
  queue: 'webhooks',
  added: Array.from({ length: 137 }, (_, i) => ({
    ...failedJob('webhooks', ++job),
    failedAt: Date.now() - i * 41_000 - 5000,
  })),
});

const started = Date.now();
let tick = 0;
const simulate = setInterval(() => {
  const t = (Date.now() - started) / 1000;
  tick++;
  for (const w of fleet) {
    if (w.silentAfter !== undefined && t > w.silentAfter) continue;
    call('POST', `/api/workers/${w.id}/heartbeat`, { status: w.status, ...beat(w, t) }).catch(() => {});
  }
  if (tick % 2 === 0) {
    const live = fleet.filter((w) => w.silentAfter === undefined || t <= w.silentAfter);
    const w = live[Math.floor(Math.random() * live.length)]!;
    // Only the failing worker logs the failure; the others chat.
    const pool =
      w.status === 'unhealthy'
        ? messages.filter(([l]) => l === 'error')
        : messages.filter(([l]) => l !== 'error');
    const [level, message] = pool[Math.floor(Math.random() * pool.length)]!;
    call('POST', `/api/workers/${w.id}/logs`, { entries: [{ level, message }] }).catch(() => {});
  }
}, 500);

// --- the page ----------------------------------------------------------------

const bundle = await build({
  stdin: { contents: "import './packages/widgets/src/define.ts';", resolveDir: root, loader: 'ts' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  write: false,
  tsconfig: `${root}/tsconfig.json`,
  // The package's `sideEffects` names only the built dist/define.js; this bundles the sources.
  ignoreAnnotations: true,
});
const script = bundle.outputFiles[0]!.text;

const page = (events: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pulseboard</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; background: #f3f4f6; font-family: system-ui, sans-serif; color: #111827; }
  @media (prefers-color-scheme: dark) { body { background: #07080b; color: #e8eaef; } }
  .top { display: flex; align-items: center; gap: 12px; padding: 18px 28px 0; font-size: 15px; font-weight: 600; }
  .top small { color: #6b7280; font-weight: 400; font-size: 13px; }
  .grid { display: grid; grid-template-columns: 3fr 2fr; align-items: start; gap: 16px; padding: 16px 28px 28px; }
  .wide { grid-column: 1 / -1; }
</style>
</head>
<body>
<div class="top">Pulseboard <small>production · eu-west-1</small></div>
<sse-connection src="${events}">
  <div class="grid">
    <system-metrics class="wide" window="60"></system-metrics>
    <health-cards class="wide"></health-cards>
    <queues-view></queues-view>
    <dlq-monitor warning="50" critical="500"></dlq-monitor>
    <logs-view class="wide"></logs-view>
  </div>
</sse-connection>
<script type="module">${script.replaceAll('</script', '<\\/script')}</script>
</body>
</html>`;

const http = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page(`${api}/events`));
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;

const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });

try {
  const tab = await browser.newPage();
  tab.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') console.log(`[page] ${m.text()}`);
  });
  await tab.setViewport({ width: 1440, height: 900, deviceScaleFactor: 1 });
  await tab.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await tab.goto(pageUrl);
  console.log(`collecting ${seconds} s of history…`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  // The log list renders only rows inside the viewport: make the viewport the whole page.
  const height = await tab.evaluate(() => document.documentElement.scrollHeight);
  await tab.setViewport({ width: 1440, height, deviceScaleFactor: 1 });
  for (const scheme of ['light', 'dark'] as const) {
    if (!shots.has('dashboard')) break;
    await tab.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    await new Promise((r) => setTimeout(r, 800));
    const path = `${root}/docs/img/dashboard-${scheme}.png`;
    await tab.screenshot({ path: path as `${string}.png`, fullPage: true });
    console.log(`wrote ${path}`);
  }
  if (shots.has('dead-letters')) {
    // The webhooks queue's dead letters, the third one opened, in a viewport the dialog fills.
    await tab.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await tab.setViewport({ width: 1200, height: 900, deviceScaleFactor: 1 });
    await tab.evaluate(() => document.querySelector('dlq-monitor')?.openDeadLetters('webhooks'));
    await tab.waitForFunction(
      () => document.querySelector('dlq-monitor')?.shadowRoot?.querySelectorAll('.dl-row').length,
    );
    await tab.evaluate(() =>
      document.querySelector('dlq-monitor')?.shadowRoot?.querySelectorAll<HTMLElement>('.dl-row')[2]?.click(),
    );
    await new Promise((r) => setTimeout(r, 500));
    const path = `${root}/docs/img/dead-letters.png`;
    await tab.screenshot({ path: path as `${string}.png` });
    console.log(`wrote ${path}`);
  }
} finally {
  clearInterval(simulate);
  await browser.close();
  http.close();
  await server.close();
}
