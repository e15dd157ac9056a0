/**
 * The hub's adaptive pushes on a real in-memory event log: within a few ms after
 * a quiet spell; under load queue summaries once per gap (growing with open
 * streams) and metric rows once per metricsIntervalMs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricsItem, Worker } from '@pulseboard/protocol';
import { Hub } from '../src/hub.js';
import { Listeners } from '../src/listeners.js';
import { createMemoryStorage } from '../src/store/memory.js';

const timings = {
  heartbeatIntervalMs: 5000,
  staleAfterMs: 15_000,
  expireAfterMs: 300_000,
  pingIntervalMs: 15_000,
  dashboardIntervalMs: 5000,
  metricsIntervalMs: 1000,
  replayWindow: 1000,
};
const item = (id: string, cpu: number): MetricsItem => ({
  id,
  lastHeartbeatAt: Date.now(),
  metrics: { cpu, memoryBytes: 0, requestsPerSec: 0, responseTimeMs: 0, errorCount: 0, uptimeSec: 0 },
  queueStats: null,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The registry's side of the hub: its heartbeat notices (sent with `heartbeat`) and `workers`. */
function registry(workers: () => Worker[] = () => []) {
  const heartbeats = new Listeners<[MetricsItem]>();
  return {
    heartbeat: (item: MetricsItem) => heartbeats.emit(item),
    source: {
      subscribeHeartbeats: (listener: (item: MetricsItem) => void) => heartbeats.subscribe(listener),
      snapshot: async () => ({ workers: workers(), resources: [], logs: [] }),
      workers: async () => workers(),
    },
  };
}

function hub(clients: number, pushGapMs = 50) {
  const { eventLog } = createMemoryStorage({ replayWindow: 1000, recentLogs: 10 });
  const pushes: { at: number; ids: string[] }[] = [];
  eventLog.subscribe((event) => {
    if (event.type === 'metrics_update')
      pushes.push({ at: performance.now(), ids: event.data.items.map((r) => r[0]) });
  });
  const source = registry();
  const instance = new Hub({
    eventLog,
    registry: source.source,
    timings,
    pushGapMs,
    streams: { size: clients },
  });
  return { hub: instance, heartbeat: source.heartbeat, pushes };
}

test('the push gap: pushGapMs, plus 1 ms per 50 streams, at most metricsIntervalMs (small summaries)', () => {
  assert.equal(hub(0).hub.pushGapMs, 50);
  assert.equal(hub(1000).hub.pushGapMs, 50);
  assert.equal(hub(10_000).hub.pushGapMs, 200);
  assert.equal(hub(1_000_000).hub.pushGapMs, 1000);
});

test('after a quiet spell a heartbeat is pushed within a few ms; under load metrics once per metricsIntervalMs, latest value per worker', async () => {
  const { hub: h, heartbeat, pushes } = hub(0);
  try {
    const sent = performance.now();
    heartbeat(item('a', 1));
    while (pushes.length === 0 && performance.now() - sent < 1000) await sleep(1);
    assert.equal(pushes.length, 1);
    // Soon (SOON_MS), not after the metrics interval (1 s); the bound leaves room for a loaded machine.
    assert.ok((pushes[0]?.at ?? Infinity) - sent < 500, `pushed after ${(pushes[0]?.at ?? 0) - sent} ms`);
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < 1500) {
      heartbeat(item(`w${n % 10}`, n));
      n++;
      await sleep(1);
    }
    await sleep(1100);
    const load = pushes.slice(1);
    // ~1.5 s of heartbeats, rows at most once per metricsIntervalMs (1 s): two pushes, not hundreds.
    assert.ok(load.length >= 1 && load.length <= 2, `${load.length} pushes for ${n} heartbeats`);
    const times = pushes.map((push) => push.at);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      assert.ok(gap >= 950, `metrics pushes ${gap} ms apart`);
    }
    for (const push of load) assert.equal(new Set(push.ids).size, push.ids.length);
  } finally {
    h.close();
  }
});

test('under load queues_update goes out once per push gap while metrics_update waits for its interval', async () => {
  const { eventLog } = createMemoryStorage({ replayWindow: 1000, recentLogs: 10 });
  const seen: { type: string; at: number }[] = [];
  eventLog.subscribe((event) => {
    if (event.type === 'metrics_update' || event.type === 'queues_update')
      seen.push({ type: event.type, at: performance.now() });
  });
  let depth = 0;
  const worker = (): Worker => ({
    id: 'q-1',
    name: 'Q',
    queue: 'q',
    status: 'healthy',
    registeredAt: 0,
    lastHeartbeatAt: 0,
    statusChangedAt: 0,
    metrics: null,
    queueStats: { depth, inFlight: 0, processed: 0, failed: 0, deadLetter: 0, ratePerSec: 0 },
    labels: {},
    actions: [],
  });
  const source = registry(() => [worker()]);
  const h = new Hub({ eventLog, registry: source.source, timings, pushGapMs: 50 });
  try {
    const started = performance.now();
    while (performance.now() - started < 600) {
      depth++;
      source.heartbeat({ ...item('q-1', depth), queueStats: worker().queueStats });
      await sleep(2);
    }
    await sleep(100);
    const queues = seen.filter((e) => e.type === 'queues_update');
    const metrics = seen.filter((e) => e.type === 'metrics_update');
    // ~600 ms at a push gap of 50 ms: about a dozen queue pushes; rows once, after the quiet spell.
    assert.ok(queues.length >= 8 && queues.length <= 14, `${queues.length} queues_update`);
    for (let i = 1; i < queues.length; i++) {
      const gap = queues[i]!.at - queues[i - 1]!.at;
      assert.ok(gap >= 45, `queues_update ${gap} ms apart`);
    }
    assert.equal(metrics.length, 1, `${metrics.length} metrics_update in 700 ms`);
  } finally {
    h.close();
  }
});

test('the push gap grows with the bytes of queue summaries sent to every stream', async () => {
  const { eventLog } = createMemoryStorage({ replayWindow: 1000, recentLogs: 10 });
  let sent = 0;
  eventLog.subscribe((event) => {
    if (event.type === 'queues_update')
      for (const queue of event.data.queues) sent += JSON.stringify(queue).length;
  });
  const fleet = Array.from(
    { length: 1000 },
    (_, i): Worker => ({
      id: `worker-${String(i).padStart(5, '0')}`,
      name: 'W',
      queue: `q-${i % 4}`,
      status: 'healthy',
      registeredAt: 0,
      lastHeartbeatAt: 0,
      statusChangedAt: 0,
      metrics: null,
      queueStats: { depth: i, inFlight: 0, processed: 0, failed: 0, deadLetter: 0, ratePerSec: 0 },
      labels: {},
      actions: [],
    }),
  );
  const source = registry(() => fleet);
  const h = new Hub({ eventLog, registry: source.source, timings, pushGapMs: 50, streams: { size: 100 } });
  try {
    // Streams alone: 100 / 50 per ms = 2 ms, under the push gap.
    assert.equal(h.pushGapMs, 50);
    source.heartbeat({ ...item('worker-00000', 1), queueStats: fleet[0]!.queueStats });
    await h.flush();
    // Four summaries of 250 workers, ~16 KB, to 100 streams: ~160 ms at 10,000 bytes per ms.
    assert.ok(sent > 10_000, `${sent} bytes of summaries`);
    assert.equal(h.pushGapMs, (100 * sent) / 10_000);
  } finally {
    h.close();
  }
});
