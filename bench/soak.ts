import os from 'node:os';
import { parseArgs } from 'node:util';
import { startRedis } from '../packages/server/test/redis-helpers.js';
import { type Child, spawnChild, stopAll } from './lib/procs.js';
import { Dashboard, type Mode } from './soak/dashboard.js';
import { Fleet } from './soak/fleet.js';
import { type Entry, Observer } from './soak/observer.js';
import { addTally, emptyTally, verifySessions } from './soak/verify.js';

/**
 * `npm run soak -- --minutes N [--workers 30]`
 *
 * Two Pulseboard instances (each its own process, compiled server) on a
 * redis-server of the soak's own (persistent, in a temporary directory),
 * under churn for N minutes, one cycle a minute: workers registering,
 * deregistering and going silent; heartbeats of one worker racing through
 * both instances; log storms; slow, never-reading and short-lived dashboards;
 * then Redis stopped for 3 s and restarted with its data, or (every other
 * cycle) restarted empty. Throughout, steady workers report and flip status,
 * and dashboards of every kind resume after each disconnect.
 *
 * Then it checks every dashboard against the event stream read straight from
 * Redis (lost, duplicated and reordered events), the stream against the order
 * the registry applied changes in, and each dashboard's final view against the
 * registry, and reports RSS over time. Exits non-zero on any loss,
 * duplicate or order mismatch.
 */
const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '5' }, workers: { type: 'string', default: '30' } },
});
const minutes = Number(values.minutes);
const workerCount = Number(values.workers);
if (!(minutes > 0) || !(workerCount > 0)) throw new Error('usage: npm run soak -- --minutes N [--workers W]');

const CYCLE_MS = 60_000;
const OUTAGE_MS = 3000;
const config = {
  logLevel: 'silent',
  heartbeatIntervalMs: 1000,
  staleAfterMs: 5000,
  expireAfterMs: 15_000,
  sweepIntervalMs: 500,
  metricsIntervalMs: 1000,
  dashboardIntervalMs: 2000,
  pingIntervalMs: 5000,
  retryMs: 200,
  retryJitterMs: 300,
  // Small, so slow and never-reading dashboards reach them within seconds on loopback.
  sseSoftLimitBytes: 64 * 1024,
  sseHardLimitBytes: 256 * 1024,
};

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const elapsed = () => Math.round((Date.now() - started) / 1000);

const redis = await startRedis({ persistent: true });
process.on('exit', () => void redis.stop());
const observer = new Observer(redis.url);
await observer.start();
let servers: Child[] = [];
try {
  servers = ['a', 'b'].map(() =>
    spawnChild(
      'targets/server.ts',
      ['pulseboard', JSON.stringify({ ...config, redisUrl: redis.url })],
      ['--expose-gc'],
    ),
  );
  const urls = (await Promise.all(servers.map((server) => server.ready))).map((info) => String(info.url));
  log(`instances ${urls.join(', ')} on ${redis.url}`);
  const fleet = new Fleet(urls);
  await fleet.start(workerCount);

  const dashboards: Dashboard[] = [];
  const open = (name: string, mode: Mode) => {
    const dashboard = new Dashboard(name, mode, () => fleet.next());
    dashboards.push(dashboard);
    dashboard.open();
    return dashboard;
  };
  const lasting = [
    ...[0, 1, 2, 3].map((i) => open(`checker-${i}`, 'checker')),
    ...[0, 1].map((i) => open(`slow-${i}`, 'slow')),
    ...[0, 1].map((i) => open(`churn-${i}`, 'churn')),
  ];
  // Dropped by the servers once their kernel buffers and the hard limit are full, then back for more.
  for (const i of [0, 1]) open(`never-${i}`, 'never');

  interface Sample {
    t: number;
    rss: number[];
    heap: number[];
    redisRss: number | null;
    events: number;
  }
  const samples: Sample[] = [];
  const sample = async () => {
    const stats = await Promise.all(
      servers.map((server) => server.call<{ rss: number; heapUsed: number }>('stats')),
    );
    const info = String(await redis.command('INFO', 'memory').catch(() => ''));
    const redisRss = /used_memory_rss:(\d+)/.exec(info)?.[1];
    samples.push({
      t: elapsed(),
      rss: stats.map((s) => s.rss),
      heap: stats.map((s) => s.heapUsed),
      redisRss: redisRss ? Number(redisRss) : null,
      events: observer.byId.size,
    });
  };
  const sampleEveryMs = Math.min(60_000, Math.max(5000, minutes * 1000));
  const sampler = setInterval(() => void sample().catch(() => {}), sampleEveryMs);
  await sample();
  const flipper = setInterval(() => fleet.flip(), 1000);

  const resets: number[] = [];
  let outages = 0;
  const end = started + minutes * 60_000;
  for (let cycle = 0; Date.now() < end; cycle++) {
    const cycleEnd = Date.now() + CYCLE_MS;
    log(`cycle ${cycle + 1}: register/deregister storm`);
    await fleet.churn(Math.max(10, workerCount));
    log(`cycle ${cycle + 1}: heartbeats racing through both instances`);
    await fleet.race(5);
    log(`cycle ${cycle + 1}: log storms`);
    for (let storm = 0; storm < 4; storm++) await fleet.logStorm(100);
    log(`cycle ${cycle + 1}: short-lived dashboards`);
    const visitors = Array.from({ length: 10 }, (_, i) => open(`visitor-${cycle}-${i}`, 'churn'));
    await sleep(5000);
    if (cycle % 2 === 0) {
      log(`cycle ${cycle + 1}: Redis stopped for ${OUTAGE_MS / 1000} s, restarted with its data`);
      await redis.stop();
      await sleep(OUTAGE_MS);
      await redis.start();
      outages++;
    } else {
      log(`cycle ${cycle + 1}: Redis restarted empty`);
      await redis.stop({ wipe: true });
      await sleep(1000);
      resets.push(Date.now());
      await redis.start();
    }
    await sleep(Math.max(5000, cycleEnd - Date.now()));
    for (const visitor of visitors) visitor.close();
  }
  clearInterval(flipper);

  log('quiet: waiting for every dashboard to agree with the registry');
  const registryState = async () => {
    const lists = await Promise.all(
      urls.map(
        async (url) =>
          (await (await fetch(`${url}/api/workers`)).json()) as { workers: { id: string; status: string }[] },
      ),
    );
    const [first, second] = lists.map((list) =>
      JSON.stringify(list.workers.map((w) => [w.id, w.status]).sort()),
    );
    return first === second ? new Map(lists[0]?.workers.map((w) => [w.id, w.status])) : null;
  };
  const agrees = (dashboard: Dashboard, registry: Map<string, string>) =>
    dashboard.state.size === registry.size &&
    [...registry].every(([id, status]) => dashboard.state.get(id) === status);
  let disagreeing = lasting.map((d) => d.name);
  // What the dashboards had all received when they last agreed: the end of the stream they are checked to.
  let upTo: Entry | undefined;
  for (
    const deadline = Date.now() + 60_000;
    disagreeing.length > 0 && Date.now() < deadline;
    await sleep(500)
  ) {
    const registry = await registryState().catch(() => null);
    upTo = observer.latest();
    if (!registry) continue;
    disagreeing = lasting
      .filter((d) => !d.connected || d.lastId !== upTo?.id || !agrees(d, registry))
      .map((d) => d.name);
  }
  for (const dashboard of dashboards) dashboard.close();
  await sample();
  clearInterval(sampler);
  const dropped = await Promise.all(
    urls.map(async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/pulseboard_sse_clients_dropped_total\{reason="slow"\} (\d+)/.exec(text)?.[1] ?? 0);
    }),
  );
  await fleet.stop();

  const total = emptyTally();
  const sessions = dashboards.reduce((n, d) => n + d.sessions.length, 0);
  for (const dashboard of dashboards) {
    // Never-reading ones only had to be dropped.
    if (dashboard.mode === 'never') continue;
    // The lasting ones were read up to the end of the stream; the visitors up to when they left.
    const last = lasting.includes(dashboard) ? upTo : undefined;
    addTally(total, verifySessions(dashboard.name, dashboard.sessions, observer, resets, last));
  }
  const steadyStale = [...fleet.steady.keys()].flatMap((id) =>
    (observer.staleVerdicts.get(id) ?? []).map((at) => `${id} at ${Math.round((at - started) / 1000)} s`),
  );
  const mb = (bytes: number | null) => (bytes === null ? '–' : (bytes / 2 ** 20).toFixed(1));

  const lines = [
    `Soak: ${minutes} min on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`,
    `  two instances on one redis-server; ${workerCount} steady workers, ${Math.round(minutes * Math.max(10, workerCount))} passing ones`,
    `  Redis stopped and restarted with its data: ${outages}; restarted empty: ${resets.length}`,
    `  events logged: ${observer.byId.size} in ${observer.epochs.size} epochs (${[...observer.types].map(([type, n]) => `${type} ${n}`).join(', ')})`,
    `  dashboards: ${dashboards.length} (${sessions} connections)`,
    '',
    `lost events:                         ${total.lost}`,
    `duplicated events:                   ${total.duplicated}`,
    `order mismatches, dashboard vs stream: ${total.reordered}`,
    `order mismatches, stream vs registry:  ${observer.chainBreaks.length}`,
    `connections mixing two epochs:       ${total.mixedEpochs}`,
    `resyncs after Redis restarted empty: ${total.resyncsAfterReset}; other resyncs: ${total.resyncsOtherwise}`,
    `dashboards not agreeing with the registry at the end: ${disagreeing.length ? disagreeing.join(', ') : 'none'}`,
    `stale verdicts on steady workers (flaps): ${steadyStale.length} ${steadyStale.join(', ')}`,
    `metrics_update skipped for slow dashboards (allowed): ${total.skippedMetrics}`,
    `slow or never-reading dashboards dropped by the servers: ${dropped.join(' + ')}`,
    `events not verifiable (in flight when Redis was killed): ${total.unverifiable}`,
    `worker request errors by status: ${[...fleet.errors].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}`,
    '',
    '| t (s) | RSS A (MB) | RSS B (MB) | heap A (MB) | heap B (MB) | Redis RSS (MB) | events |',
    '| ----: | ---------: | ---------: | ----------: | ----------: | -------------: | -----: |',
    ...samples.map(
      (s) =>
        `| ${s.t} | ${mb(s.rss[0] ?? null)} | ${mb(s.rss[1] ?? null)} | ${mb(s.heap[0] ?? null)} | ${mb(s.heap[1] ?? null)} | ${mb(s.redisRss)} | ${s.events} |`,
    ),
  ];
  for (const detail of observer.chainBreaks.slice(0, 10)) lines.push(`  order: ${detail}`);
  for (const example of total.examples) lines.push(`  ${example}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const failed =
    total.lost + total.duplicated + total.reordered + total.mixedEpochs + observer.chainBreaks.length > 0 ||
    disagreeing.length > 0;
  process.exitCode = failed ? 1 : 0;
} finally {
  await stopAll(servers);
  await observer.close();
  await redis.stop();
}
