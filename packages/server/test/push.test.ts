/**
 * Every reported change is pushed at once: queue summaries in their
 * own `queues_update` (only the queues that changed), metrics within a few ms
 * of a heartbeat after a quiet spell and coalesced under load, partial
 * heartbeats. Over real sockets, on memory and on Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PulseEvent } from '@pulseboard/protocol';
import { backends } from './backends.js';
import {
  compareIds,
  metrics,
  metricsItems,
  openStream,
  queueStats,
  Stream,
  type TestServer,
} from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const zeros = (figures: Record<string, number>) =>
  Object.fromEntries(Object.keys(figures).map((key) => [key, 0]));

const queue = (event: PulseEvent<'queues_update'>, name: string) =>
  event.data.queues.find((q) => q.name === name);

for (const backend of backends()) {
  describe(`pushed changes (${backend.name})`, () => {
    let t: TestServer;
    before(async () => {
      // No dashboard_update within the tests' timeouts: what they see was pushed by the change itself.
      // metricsIntervalMs is metrics_update's gap under load (there is no metrics tick); short, so rows follow soon.
      t = await backend.start({ metricsIntervalMs: 300, dashboardIntervalMs: 60_000 });
    });
    after(() => t.close());

    test('a heartbeat changing one queue pushes a queues_update with that queue only, within ms', async () => {
      await t.api.post('/api/workers', { id: 'q-a1', queue: 'alpha', queueStats: queueStats() });
      await t.api.post('/api/workers', { id: 'q-b1', queue: 'beta', queueStats: queueStats() });
      const stream = await openStream(t.url);
      // Past the push gap (300 ms here), so the registrations' own queues_update has gone out.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const started = Date.now();
      await t.api.post('/api/workers/q-a1/heartbeat', { queueStats: { depth: 12 } });
      const update = await stream.next('queues_update', (e) => queue(e, 'alpha')?.depth === 12, 2000);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 1000, `pushed after ${elapsed} ms`);
      assert.deepEqual(
        update.data.queues.map((q) => q.name),
        ['alpha'],
      );
      // Without its worker ids: the registrations' push listed them, and they are the same.
      assert.deepEqual(queue(update, 'alpha'), { name: 'alpha', ...queueStats({ depth: 12 }), consumers: 1 });
      // The worker's own row follows within the metrics gap (queues do not wait for it).
      const row = await stream.next(
        'metrics_update',
        (e) => metricsItems(e.data).some((i) => i.id === 'q-a1' && i.queueStats?.depth === 12),
        2000,
      );
      // A heartbeat that changes nothing in a queue sends no queues_update.
      const count = stream.of('queues_update').length;
      await t.api.post('/api/workers/q-a1/heartbeat', { metrics: metrics() });
      await stream.next('metrics_update', (e) => compareIds(e.id, row.id) > 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(stream.of('queues_update').length, count);
      stream.close();
    });

    test('a partial heartbeat changes the named fields and keeps the others', async () => {
      await t.api.post('/api/workers', {
        id: 'p-1',
        queue: 'partial',
        metrics: metrics({ cpu: 40 }),
        queueStats: queueStats({ depth: 5, deadLetter: 2 }),
      });
      const stream = await openStream(t.url);
      assert.equal(
        (await t.api.post('/api/workers/p-1/heartbeat', { queueStats: { depth: 12 } })).status,
        200,
      );
      assert.equal((await t.api.post('/api/workers/p-1/heartbeat', { metrics: { cpu: 3 } })).status, 200);
      const { body } = await t.api.get('/api/workers?limit=1000');
      const worker = body.workers.find((w: { id: string }) => w.id === 'p-1');
      assert.deepEqual(worker.queueStats, queueStats({ depth: 12, deadLetter: 2 }));
      assert.deepEqual(worker.metrics, metrics({ cpu: 3 }));
      const update = await stream.next('queues_update', (e) => queue(e, 'partial')?.depth === 12);
      assert.equal(queue(update, 'partial')?.deadLetter, 2);
      // A first partial on a worker with no figures yet: the others are 0 (registering too).
      const registered = await t.api.post('/api/workers', { id: 'p-0', metrics: { cpu: 9 } });
      assert.deepEqual(registered.body.worker.metrics, { ...zeros(metrics()), cpu: 9 });
      await t.api.post('/api/workers', { id: 'p-2', queue: 'partial' });
      await t.api.post('/api/workers/p-2/heartbeat', { queueStats: { deadLetter: 7 } });
      const second = await stream.next('queues_update', (e) => queue(e, 'partial')?.deadLetter === 9);
      assert.deepEqual(queue(second, 'partial')?.workerIds, ['p-1', 'p-2']);
      assert.equal(queue(second, 'partial')?.depth, 12);
      stream.close();
    });

    test("a queues_update lists a queue's workers only when they changed", async () => {
      const stream = await openStream(t.url);
      await t.api.post('/api/workers', { id: 'l-1', queue: 'listed', queueStats: queueStats({ depth: 1 }) });
      const first = await stream.next('queues_update', (e) => queue(e, 'listed') !== undefined);
      assert.deepEqual(queue(first, 'listed')?.workerIds, ['l-1']);
      // Numbers only: the list the stream carried stands.
      await t.api.post('/api/workers/l-1/heartbeat', { queueStats: { depth: 2 } });
      const moved = await stream.next('queues_update', (e) => queue(e, 'listed')?.depth === 2);
      assert.equal(queue(moved, 'listed')?.workerIds, undefined);
      // A worker joining: listed again, whole.
      await t.api.post('/api/workers', { id: 'l-2', queue: 'listed', queueStats: queueStats({ depth: 3 }) });
      const joined = await stream.next('queues_update', (e) => queue(e, 'listed')?.depth === 5);
      assert.deepEqual(queue(joined, 'listed')?.workerIds, ['l-1', 'l-2']);
      stream.close();
    });

    test('partial figures are still validated', async () => {
      await t.api.post('/api/workers', { id: 'p-bad', queueStats: queueStats({ depth: 4 }) });
      for (const body of [
        { queueStats: { depth: -1 } },
        { queueStats: { depth: '12' } },
        { queueStats: { depth: null } },
        { queueStats: { depth: 1, extra: 1 } },
        { metrics: { cpu: -3 } },
        { metrics: { cpu: 1e9 } },
        { metrics: { uptimeSec: Number.NaN } },
      ]) {
        const answer = await t.api.post('/api/workers/p-bad/heartbeat', body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.code, 'invalid_body');
      }
      const { body } = await t.api.get('/api/workers?limit=1000');
      assert.equal(body.workers.find((w: { id: string }) => w.id === 'p-bad').queueStats.depth, 4);
    });

    test('a status change comes before the queues_update it causes, which counts the consumers anew', async () => {
      await t.api.post('/api/workers', {
        id: 'o-1',
        queue: 'order',
        status: 'healthy',
        queueStats: queueStats(),
      });
      await t.api.post('/api/workers', {
        id: 'o-2',
        queue: 'order',
        status: 'healthy',
        queueStats: queueStats(),
      });
      const stream = await openStream(t.url);
      await t.api.post('/api/workers/o-1/heartbeat', { status: 'stopping', queueStats: { depth: 30 } });
      const change = await stream.next('worker_status_change', (e) => e.data.id === 'o-1');
      const update = await stream.next('queues_update', (e) => queue(e, 'order')?.depth === 31);
      assert.ok(compareIds(change.id, update.id) < 0);
      // Leaving moves the summary too: one worker fewer.
      await t.api.del('/api/workers/o-1');
      const left = await stream.next('queues_update', (e) => queue(e, 'order')?.workerIds?.length === 1);
      const gone = stream.of('worker_deregistered').find((e) => e.data.id === 'o-1');
      assert.ok(gone && compareIds(gone.id, left.id) < 0);
      assert.equal(queue(left, 'order')?.depth, 1);
      // The last worker leaving: the queue comes once more, empty, so clients drop it.
      await t.api.del('/api/workers/o-2');
      const empty = await stream.next('queues_update', (e) => queue(e, 'order')?.workerIds?.length === 0);
      assert.equal(queue(empty, 'order')?.consumers, 0);
      stream.close();
    });

    test('queues_update is replayed on resume, filtered by ?types=, kept by ?workers=, and a resync starts over', async () => {
      await t.api.post('/api/workers', { id: 'r-1', queue: 'replay', queueStats: queueStats() });
      await t.api.post('/api/workers', { id: 'r-2', queue: 'other', queueStats: queueStats() });
      const first = await openStream(t.url);
      const typed = await openStream(t.url, { query: { types: 'queues_update' } });
      const untyped = await openStream(t.url, { query: { types: 'worker_status_change' } });
      const filtered = await openStream(t.url, { query: { workers: 'r-2' } });
      const lastId = first.of('initial_data')[0]?.id as string;
      await t.api.post('/api/workers/r-1/heartbeat', { queueStats: { depth: 77 } });
      const live = await first.next('queues_update', (e) => queue(e, 'replay')?.depth === 77);
      await typed.next('queues_update', (e) => e.id === live.id);
      // A queue summary concerns no worker in particular: a worker filter keeps it whole.
      const kept = await filtered.next('queues_update', (e) => e.id === live.id);
      assert.deepEqual(kept.data, live.data);
      assert.ok(typed.events.every((e) => e.type === 'initial_data' || e.type === 'queues_update'));
      await t.api.post('/api/workers/r-1/heartbeat', { status: 'degraded' });
      await untyped.next('worker_status_change', (e) => e.data.id === 'r-1');
      assert.equal(untyped.of('queues_update').length, 0);

      // Resuming from before the change replays it, in order, exactly once.
      const resumed = await openStreamResumed(t.url, lastId);
      const replayed = await resumed.next('queues_update', (e) => e.id === live.id);
      assert.deepEqual(replayed.data, live.data);
      assert.equal(resumed.of('initial_data').length, 0);
      assert.equal(resumed.of('queues_update').filter((e) => e.id === live.id).length, 1);

      // An id the server cannot resume from: a fresh snapshot with the current queues, then deltas.
      const resync = new Stream(t.url, { query: { lastEventId: '1-1' } });
      const snapshot = await resync.next('initial_data');
      assert.equal(snapshot.data.resync, true);
      assert.equal(snapshot.data.queues.find((q) => q.name === 'replay')?.depth, 77);
      await t.api.post('/api/workers/r-1/heartbeat', { queueStats: { depth: 78 } });
      const after = await resync.next('queues_update', (e) => queue(e, 'replay')?.depth === 78);
      assert.ok(compareIds(snapshot.id, after.id) < 0);
      for (const stream of [first, typed, untyped, filtered, resumed, resync]) stream.close();
    });

    test('metrics after a quiet spell go out within ms; a burst is coalesced, latest value per worker', async () => {
      await t.api.post('/api/workers', { id: 'm-1' });
      await t.api.post('/api/workers', { id: 'm-2' });
      const stream = await openStream(t.url);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await t.api.post('/api/workers/m-1/heartbeat', { metrics: { cpu: 1 } });
      await stream.next('metrics_update', (e) => metricsItems(e.data).some((i) => i.metrics?.cpu === 1));
      assert.ok(Date.now() - started < 1000);
      const before = stream.of('metrics_update').length;
      const beats = [];
      for (let i = 2; i <= 200; i++) {
        beats.push(t.api.post(`/api/workers/m-${(i % 2) + 1}/heartbeat`, { metrics: { cpu: i } }));
      }
      await Promise.all(beats);
      // In parallel they may land in any order; this one lands last.
      await t.api.post('/api/workers/m-1/heartbeat', { metrics: { cpu: 1000 } });
      await stream.next('metrics_update', (e) => metricsItems(e.data).some((i) => i.metrics?.cpu === 1000));
      const pushes = stream.of('metrics_update').slice(before);
      // 200 heartbeats, far fewer pushes; each names a worker once.
      assert.ok(pushes.length < 100, `${pushes.length} pushes`);
      for (const push of pushes) {
        const ids = push.data.items.map((row) => row[0]);
        assert.equal(new Set(ids).size, ids.length);
      }
      stream.close();
    });
  });
}

for (const backend of backends()) {
  describe(`adaptive pushes (${backend.name})`, () => {
    const GAP = 1500;
    let t: TestServer;
    before(async () => {
      // A gap long enough that a leading edge (~5 ms) and a batched push cannot be mistaken for each other.
      t = await backend.start({ pushGapMs: GAP, metricsIntervalMs: GAP, dashboardIntervalMs: 60_000 });
    });
    after(() => t.close());

    test('a queue change after a quiet spell reaches a client within ms, heartbeats repeating the stats notwithstanding', async () => {
      await t.api.post('/api/workers', { id: 'e-1', queue: 'edge', queueStats: queueStats() });
      const stream = await openStream(t.url);
      // A gap of heartbeats that move the metrics but not the queue: the queue stays quiet.
      const quietUntil = Date.now() + GAP + 100;
      for (let n = 0; Date.now() < quietUntil; n++) {
        await t.api.post('/api/workers/e-1/heartbeat', {
          metrics: metrics({ cpu: n % 100 }),
          queueStats: queueStats(),
        });
        await sleep(20);
      }
      const started = Date.now();
      await t.api.post('/api/workers/e-1/heartbeat', { queueStats: { depth: 50 } });
      await stream.next('queues_update', (e) => queue(e, 'edge')?.depth === 50, 3 * GAP);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < GAP / 3, `on screen after ${elapsed} ms (push gap ${GAP} ms)`);
      stream.close();
    });

    test('a burst of heartbeats reaches a client as at most one queues_update and one metrics_update per gap, the last values included', async () => {
      const ids = Array.from({ length: 10 }, (_, i) => `b-${i}`);
      for (const id of ids)
        await t.api.post('/api/workers', { id, queue: 'burst', queueStats: queueStats({ depth: 0 }) });
      const stream = await openStream(t.url);
      await sleep(GAP + 100);
      const from = { queues: stream.of('queues_update').length, metrics: stream.of('metrics_update').length };
      const started = Date.now();
      const N = 300;
      // Ten workers beating in parallel, each changing its depth: N changes in well under two gaps.
      await Promise.all(
        ids.map(async (id, w) => {
          for (let k = w; k < N; k += ids.length) {
            assert.equal(
              (await t.api.post(`/api/workers/${id}/heartbeat`, { queueStats: { depth: k } })).status,
              200,
            );
          }
        }),
      );
      const burstMs = Date.now() - started;
      // Each worker's last depth is its largest k: the summary of the last one comes.
      const last = ids.reduce((sum, _, w) => sum + (N - ids.length + w), 0);
      await stream.next('queues_update', (e) => queue(e, 'burst')?.depth === last, 3 * GAP);
      await stream.next(
        'metrics_update',
        (e) => metricsItems(e.data).some((i) => i.id === 'b-9' && i.queueStats?.depth === N - 1),
        3 * GAP,
      );
      const spanMs = Date.now() - started;
      for (const [type, skip] of [
        ['queues_update', from.queues],
        ['metrics_update', from.metrics],
      ] as const) {
        const pushes = stream.of(type).slice(skip);
        // The leading edge, then one a gap for as long as the burst and the last push lasted.
        assert.ok(
          pushes.length >= 1 && pushes.length <= 1 + Math.ceil(spanMs / GAP),
          `${pushes.length} ${type} for ${N} heartbeats in ${burstMs} ms (${spanMs} ms to the last)`,
        );
        for (let i = 1; i < pushes.length; i++) {
          const gap = pushes[i]!.data.at - pushes[i - 1]!.data.at;
          assert.ok(gap >= GAP - 1, `${type} ${gap} ms apart`);
        }
      }
      stream.close();
    });
  });
}

async function openStreamResumed(url: string, lastEventId: string) {
  const stream = new Stream(url, { headers: { 'last-event-id': lastEventId } });
  await stream.until(() => stream.opens > 0, 'open');
  return stream;
}
