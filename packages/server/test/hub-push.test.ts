/**
 * The hub's adaptive pushes on a real in-memory event log: within a few ms after
 * a quiet spell, one per gap under load, the gap growing with open streams.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricsItem } from '@pulseboard/protocol';
import { Hub } from '../src/hub.js';
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

function hub(clients: number, pushGapMs = 50) {
  const { eventLog } = createMemoryStorage({ replayWindow: 1000, recentLogs: 10 });
  const pushes: { at: number; ids: string[] }[] = [];
  eventLog.subscribe((event) => {
    if (event.type === 'metrics_update')
      pushes.push({ at: performance.now(), ids: event.data.items.map((r) => r[0]) });
  });
  const instance = new Hub({
    eventLog,
    snapshot: async () => ({ workers: [], resources: [], logs: [] }),
    workers: async () => [],
    timings,
    pushGapMs,
    clients: () => clients,
  });
  return { hub: instance, pushes };
}

test('the push gap: pushGapMs, plus 1 ms per 50 streams, at most metricsIntervalMs', () => {
  assert.equal(hub(0).hub.pushGapMs, 50);
  assert.equal(hub(1000).hub.pushGapMs, 50);
  assert.equal(hub(10_000).hub.pushGapMs, 200);
  assert.equal(hub(1_000_000).hub.pushGapMs, 1000);
});

test('after a quiet spell a heartbeat is pushed within a few ms; under load once per gap, latest value per worker', async () => {
  const { hub: h, pushes } = hub(0);
  try {
    const sent = performance.now();
    h.heartbeat(item('a', 1));
    await sleep(30);
    assert.equal(pushes.length, 1);
    assert.ok((pushes[0]?.at ?? Infinity) - sent < 25, `pushed after ${(pushes[0]?.at ?? 0) - sent} ms`);
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < 500) {
      h.heartbeat(item(`w${n % 10}`, n));
      n++;
      await sleep(1);
    }
    await sleep(120);
    const load = pushes.slice(1);
    // ~500 ms of heartbeats at least 50 ms apart: about 10 pushes, not hundreds.
    assert.ok(load.length <= 12, `${load.length} pushes for ${n} heartbeats`);
    for (let i = 1; i < load.length; i++) {
      const gap = (load[i]?.at ?? 0) - (load[i - 1]?.at ?? 0);
      assert.ok(gap >= 45, `pushes ${gap} ms apart`);
    }
    for (const push of load) assert.equal(new Set(push.ids).size, push.ids.length);
  } finally {
    h.close();
  }
});
