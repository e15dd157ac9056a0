/**
 * The hub's adaptive pushes on a real registry and event log in memory: within a few ms after a
 * quiet spell; under load queue summaries once per gap (growing with open streams) and metric
 * rows once per metricsIntervalMs; only the queues that moved rebuilt and sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PulseEvent } from '@pulseboard/protocol';
import { Hub, type HubOptions } from '../src/hub.js';
import { Registry } from '../src/registry.js';
import { createMemoryStorage } from '../src/store/memory.js';
import { compareIds, queueStats } from './helpers.js';

const timings = {
  heartbeatIntervalMs: 5000,
  staleAfterMs: 15_000,
  expireAfterMs: 300_000,
  pingIntervalMs: 15_000,
  dashboardIntervalMs: 5000,
  metricsIntervalMs: 1000,
  replayWindow: 1000,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Push {
  at: number;
  event: PulseEvent<'metrics_update'> | PulseEvent<'queues_update'>;
}

/** A registry on memory storage, and a hub over it whose pushes are recorded with their time. */
function setUp(options: { clients?: number; pushGapMs?: number } = {}) {
  const storage = createMemoryStorage({ replayWindow: 1000, recentLogs: 10 });
  const registry = new Registry({ storage, staleAfterMs: 60_000, expireAfterMs: 300_000, outageGraceMs: 0 });
  const pushes: Push[] = [];
  storage.eventLog.subscribe((event) => {
    if (event.type === 'metrics_update' || event.type === 'queues_update')
      pushes.push({ at: performance.now(), event });
  });
  // The hub reads through `reader` (the registry unless a test slows its reads down).
  const start = (reader: HubOptions['registry'] = registry) =>
    new Hub({
      eventLog: storage.eventLog,
      registry: reader,
      timings,
      pushGapMs: options.pushGapMs ?? 50,
      streams: { size: options.clients ?? 0 },
    });
  const of = <K extends Push['event']['type']>(type: K) =>
    pushes.filter((push) => push.event.type === type) as { at: number; event: PulseEvent<K> }[];
  return { storage, registry, start, pushes, of };
}

/** Waits until `done()` or `ms` passed. */
async function until(done: () => boolean, ms = 1000): Promise<void> {
  const started = performance.now();
  while (!done() && performance.now() - started < ms) await sleep(1);
}

test('the push gap: pushGapMs, plus 1 ms per 50 streams, at most metricsIntervalMs (small summaries)', () => {
  const gap = (clients: number) => {
    const hub = setUp({ clients }).start();
    hub.close();
    return hub.pushGapMs;
  };
  assert.equal(gap(0), 50);
  assert.equal(gap(1000), 50);
  assert.equal(gap(10_000), 200);
  assert.equal(gap(1_000_000), 1000);
});

test('the push gap grows with the heartbeat rate: 1 ms per 16 heartbeats a second, measured over a second or more', async () => {
  const { registry, start } = setUp({ pushGapMs: 10 });
  for (let i = 0; i < 100; i++) await registry.register({ id: `w${i}`, queue: `q-${i % 4}` });
  const a0 = performance.now();
  const h = start();
  const a1 = performance.now();
  try {
    for (let k = 0; k < 440; k++) await registry.heartbeat(`w${k % 100}`, { queueStats: { depth: k } });
    await sleep(50);
    assert.equal(h.pushGapMs, 10, 'no rate before a second has passed');
    await sleep(1000 - (performance.now() - a1));
    // The first heartbeat a second after the hub started measures the rate: no dashboard_update needed.
    const b0 = performance.now();
    await registry.heartbeat('w0', { queueStats: { depth: 1000 } });
    const b1 = performance.now();
    // The hub's window lies between b0 - a1 and b1 - a0.
    const gap = (ms: number) => 10 + (441 * 1000) / ms / 16;
    assert.ok(
      h.pushGapMs <= gap(b0 - a1) + 1e-9 && h.pushGapMs >= gap(b1 - a0) - 1e-9,
      `${h.pushGapMs} between ${gap(b1 - a0)} and ${gap(b0 - a1)}`,
    );
    assert.ok(h.pushGapMs > 30);
    // A quiet second: its one heartbeat brings the short gap back.
    await sleep(1100);
    await registry.heartbeat('w1', { queueStats: { depth: 1001 } });
    assert.ok(h.pushGapMs < 10.1, `gap ${h.pushGapMs} after a quiet second`);
  } finally {
    h.close();
  }
});

test('after a quiet spell a heartbeat is pushed within a few ms; under load metrics once per metricsIntervalMs, latest value per worker', async () => {
  const { registry, start, of } = setUp();
  for (let i = 0; i < 10; i++) await registry.register({ id: `w${i}` });
  const h = start();
  try {
    const sent = performance.now();
    await registry.heartbeat('w0', { metrics: { cpu: 1 } });
    await until(() => of('metrics_update').length > 0);
    assert.equal(of('metrics_update').length, 1);
    // Soon (SOON_MS), not after the metrics interval (1 s); the bound leaves room for a loaded machine.
    const first = of('metrics_update')[0]!.at - sent;
    assert.ok(first < 500, `pushed after ${first} ms`);
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < 1500) {
      await registry.heartbeat(`w${n % 10}`, { metrics: { cpu: n % 100 } });
      n++;
      await sleep(1);
    }
    await sleep(1100);
    const load = of('metrics_update').slice(1);
    // ~1.5 s of heartbeats, rows at most once per metricsIntervalMs (1 s): two pushes, not hundreds.
    assert.ok(load.length >= 1 && load.length <= 2, `${load.length} pushes for ${n} heartbeats`);
    const times = of('metrics_update').map((push) => push.at);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      assert.ok(gap >= 950, `metrics pushes ${gap} ms apart`);
    }
    for (const push of load) {
      const ids = push.event.data.items.map((row) => row[0]);
      assert.equal(new Set(ids).size, ids.length);
    }
  } finally {
    h.close();
  }
});

test('under load queues_update goes out once per push gap while metrics_update waits for its interval', async () => {
  const { registry, start, of } = setUp();
  await registry.register({ id: 'q-1', queue: 'q', queueStats: queueStats({ depth: 0 }) });
  const h = start();
  try {
    const started = performance.now();
    let depth = 0;
    while (performance.now() - started < 600) {
      await registry.heartbeat('q-1', { queueStats: { depth: ++depth } });
      await sleep(2);
    }
    await sleep(100);
    const queues = of('queues_update');
    // ~600 ms at a push gap of 50 ms: about a dozen queue pushes; rows once, after the quiet spell.
    assert.ok(queues.length >= 8 && queues.length <= 14, `${queues.length} queues_update`);
    for (let i = 1; i < queues.length; i++) {
      const gap = queues[i]!.at - queues[i - 1]!.at;
      assert.ok(gap >= 45, `queues_update ${gap} ms apart`);
    }
    assert.equal(queues.at(-1)?.event.data.queues[0]?.depth, depth, 'the last depth goes out');
    assert.equal(of('metrics_update').length, 1, `${of('metrics_update').length} metrics_update in 700 ms`);
  } finally {
    h.close();
  }
});

test('heartbeats that repeat the queue stats spend no push gap: a change after them goes out at once', async () => {
  const { registry, start, of } = setUp({ pushGapMs: 1000 });
  for (const id of ['a', 'b']) await registry.register({ id, queue: 'q', queueStats: queueStats() });
  const h = start();
  try {
    await h.flush();
    const before = of('queues_update').length;
    // 600 ms of heartbeats with the same stats (and moving metrics): the queue is still.
    const started = performance.now();
    for (let n = 0; performance.now() - started < 600; n++) {
      await registry.heartbeat(n % 2 ? 'a' : 'b', { metrics: { cpu: n % 100 }, queueStats: queueStats() });
      await sleep(2);
    }
    assert.equal(of('queues_update').length, before, 'no queues_update for stats that did not change');
    const sent = performance.now();
    await registry.heartbeat('a', { queueStats: { depth: 9 } });
    await until(() => of('queues_update').length > before);
    // The leading edge (~5 ms), not the 1 s gap; the bound leaves room for a loaded machine.
    const after = (of('queues_update')[before]?.at ?? Infinity) - sent;
    assert.ok(after < 300, `pushed after ${after} ms`);
    assert.equal(of('queues_update')[before]?.event.data.queues[0]?.depth, 10);
  } finally {
    h.close();
  }
});

test('only the queues that moved are read and sent; moves, departures and status changes of workers met before the hub are followed', async () => {
  const { registry, start, of } = setUp();
  for (let i = 0; i < 1000; i++) {
    const id = `worker-${String(i).padStart(5, '0')}`;
    await registry.register({ id, queue: `q-${i % 4}`, queueStats: queueStats({ depth: 1 }) });
  }
  const reads: string[] = [];
  const read = registry.queueWorkers.bind(registry);
  registry.queueWorkers = (queue) => {
    reads.push(queue);
    return read(queue);
  };
  const h = start();
  const last = () => of('queues_update').at(-1)?.event.data.queues;
  try {
    await registry.heartbeat('worker-00001', { queueStats: { depth: 5 } });
    await h.flush();
    // q-1 alone, whole (its 250 workers registered before the hub), from one read of that queue.
    assert.deepEqual(
      last()?.map((q) => [q.name, q.depth, q.workerIds?.length]),
      [['q-1', 254, 250]],
    );
    assert.deepEqual(reads, ['q-1']);
    // The same workers, other numbers: the summary without its worker ids (the stream just listed them).
    await registry.heartbeat('worker-00001', { queueStats: { depth: 6 } });
    await h.flush();
    assert.deepEqual(
      last()?.map((q) => [q.name, q.depth, q.workerIds]),
      [['q-1', 255, undefined]],
    );

    // A status change of a worker the hub never met: its queue is read, then rebuilt.
    await registry.heartbeat('worker-00000', { status: 'degraded' });
    await h.flush();
    assert.deepEqual(
      last()?.map((q) => q.name),
      ['q-0'],
    );

    // A queue moved through re-registration: both summaries, one worker fewer and one more.
    await registry.register({ id: 'worker-00002', queue: 'q-3' });
    await h.flush();
    assert.deepEqual(
      last()?.map((q) => [q.name, q.workerIds?.length]),
      [
        ['q-2', 249],
        ['q-3', 251],
      ],
    );
    // The last worker of a queue leaving: the queue once more, empty.
    await registry.register({ id: 'lone', queue: 'solo', queueStats: queueStats() });
    await h.flush();
    await registry.deregister('lone');
    await h.flush();
    assert.deepEqual(last(), [{ ...queueStats({ depth: 0 }), name: 'solo', consumers: 0, workerIds: [] }]);
    // Nothing moved: nothing read, nothing sent.
    const count = of('queues_update').length;
    reads.length = 0;
    await registry.heartbeat('worker-00003', { metrics: { cpu: 3 } });
    await h.flush();
    assert.equal(of('queues_update').length, count);
    assert.deepEqual(reads, []);
  } finally {
    h.close();
  }
});

test('the push gap grows with the bytes of queue summaries sent to every stream', async () => {
  const { registry, start, of } = setUp({ clients: 100 });
  for (let i = 0; i < 1000; i++) {
    const id = `worker-${String(i).padStart(5, '0')}`;
    await registry.register({ id, queue: `q-${i % 4}`, queueStats: queueStats({ depth: i }) });
  }
  const h = start();
  try {
    // Streams alone: 100 / 50 per ms = 2 ms, under the push gap.
    assert.equal(h.pushGapMs, 50);
    for (let i = 0; i < 4; i++) await registry.heartbeat(`worker-0000${i}`, { queueStats: { depth: 1e6 } });
    await h.flush();
    const push = of('queues_update').at(-1)?.event.data.queues ?? [];
    const sent = push.reduce((bytes, queue) => bytes + JSON.stringify(queue).length, 0);
    // Four summaries of 250 workers, ~16 KB, to 100 streams: ~160 ms at 10,000 bytes per ms.
    assert.equal(push.length, 4);
    assert.ok(sent > 10_000, `${sent} bytes of summaries`);
    assert.equal(h.pushGapMs, (100 * sent) / 10_000);
  } finally {
    h.close();
  }
});

test('a dashboard_update whose snapshot was read before a queues_update went out does not hold the queue back', async () => {
  const { storage, registry, start, of } = setUp();
  await registry.register({ id: 'd-1', queue: 'dash', queueStats: queueStats({ depth: 1 }) });
  const dashboards: PulseEvent<'dashboard_update'>[] = [];
  storage.eventLog.subscribe((event) => {
    if (event.type === 'dashboard_update') dashboards.push(event);
  });
  // A snapshot that takes a while to come back, as a read of 10,000 workers on Redis does.
  let read!: () => void;
  const snapshotRead = new Promise<void>((resolve) => (read = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const slow: HubOptions['registry'] = {
    subscribeHeartbeats: (listener) => registry.subscribeHeartbeats(listener),
    workersById: (ids) => registry.workersById(ids),
    queueWorkers: (queue) => registry.queueWorkers(queue),
    snapshot: async () => {
      const snapshot = await registry.snapshot();
      read();
      await released;
      return snapshot;
    },
  };
  const h = start(slow);
  const depthPushed = (depth: number) =>
    of('queues_update').filter(({ event }) =>
      event.data.queues.some((q) => q.name === 'dash' && q.depth === depth),
    );
  try {
    await registry.heartbeat('d-1', { queueStats: { depth: 2 } });
    await until(() => depthPushed(2).length > 0);
    const dashboard = h.publishDashboard();
    await snapshotRead;
    await registry.heartbeat('d-1', { queueStats: { depth: 3 } });
    await until(() => depthPushed(3).length > 0);
    assert.equal(depthPushed(3).length, 1);
    release();
    await dashboard;
    // The stream now says depth 2 last: the hub tells depth 3 again, within a push gap.
    assert.equal(dashboards[0]?.data.queues.find((q) => q.name === 'dash')?.depth, 2);
    await until(() => depthPushed(3).length > 1, 500);
    const again = depthPushed(3)[1]?.event;
    assert.ok(
      again && compareIds(again.id, dashboards[0]!.id) > 0,
      'depth 3 pushed again after the dashboard_update',
    );
    // A dashboard_update that agrees with the stream brings no push.
    const before = of('queues_update').length;
    await h.publishDashboard();
    await sleep(100);
    assert.equal(of('queues_update').length, before);
  } finally {
    release();
    h.close();
  }
});
