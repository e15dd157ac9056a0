/**
 * A worker's comings and goings move its queue's summary at once (issue 14, "never lose an event"):
 * going stale, coming back with new figures in the heartbeat that recovers it, leaving and
 * registering again. `dashboard_update` is a minute away, so only a pushed `queues_update` can
 * carry them. Over real sockets, on memory and on Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PulseEvent } from '@pulseboard/protocol';
import { backends } from './backends.js';
import { compareIds, openStream, queueStats, type TestServer } from './helpers.js';

/**
 * Longer than a push gap (300 ms at most here) and then some: a worker brought back must still be live when
 * its queue's push goes out, or that push counts it offline again (200 ms failed so on a loaded machine).
 */
const STALE_MS = 1000;
/** Well past the push gap (300 ms at most here) and a sweep, well short of the dashboard interval. */
const WITHIN_MS = 1500;

const queue = (event: PulseEvent<'queues_update'>, name: string) =>
  event.data.queues.find((q) => q.name === name);

for (const backend of backends()) {
  describe(`queue summaries through recovery (${backend.name})`, () => {
    let t: TestServer;
    before(async () => {
      t = await backend.start({
        heartbeatIntervalMs: 100,
        staleAfterMs: STALE_MS,
        // Offline workers stay listed through each test.
        expireAfterMs: 60_000,
        sweepIntervalMs: 20,
        metricsIntervalMs: 300,
        dashboardIntervalMs: 60_000,
      });
    });
    after(() => t.close());
    /** Registers worker `id` (healthy) as a consumer of `queue`. */
    const join = (id: string, name: string, stats: ReturnType<typeof queueStats>) =>
      t.api.post('/api/workers', { id, queue: name, status: 'healthy', queueStats: stats });

    test('a worker going offline counts one consumer fewer, at once', async () => {
      await join('off-1', 'off', queueStats());
      const stream = await openStream(t.url);
      const offline = await stream.next(
        'worker_status_change',
        (e) => e.data.id === 'off-1' && e.data.to === 'offline',
      );
      const update = await stream.next(
        'queues_update',
        (e) => compareIds(e.id, offline.id) > 0 && queue(e, 'off')?.consumers === 0,
        WITHIN_MS,
      );
      assert.equal(queue(update, 'off')?.depth, 1);
      stream.close();
    });

    test('the heartbeat that brings a worker back with new figures pushes them with its queue', async () => {
      await join('rec-1', 'rec', queueStats());
      const stream = await openStream(t.url);
      let since = stream.of('initial_data')[0]?.id as string;
      for (const fields of [{ depth: 900_001 }, { deadLetter: 900_002 }, { depth: 7, deadLetter: 8 }]) {
        const offline = await stream.next(
          'worker_status_change',
          (e) => compareIds(e.id, since) > 0 && e.data.id === 'rec-1' && e.data.to === 'offline',
        );
        await stream.next(
          'queues_update',
          (e) => compareIds(e.id, offline.id) > 0 && queue(e, 'rec')?.consumers === 0,
        );
        const sentAt = Date.now();
        const sent = await t.api.post('/api/workers/rec-1/heartbeat', {
          status: 'healthy',
          queueStats: fields,
        });
        assert.equal(sent.status, 200);
        const recovered = await stream.next(
          'worker_status_change',
          (e) => compareIds(e.id, offline.id) > 0 && e.data.id === 'rec-1' && e.data.reason === 'recovered',
        );
        const back = await stream.next(
          'queues_update',
          (e) =>
            compareIds(e.id, offline.id) > 0 &&
            queue(e, 'rec')?.consumers === 1 &&
            Object.entries(fields).every(([field, n]) => queue(e, 'rec')?.[field as 'depth'] === n),
          WITHIN_MS,
        );
        assert.ok(Date.now() - sentAt < WITHIN_MS, `pushed after ${Date.now() - sentAt} ms`);
        assert.ok(compareIds(recovered.id, back.id) < 0, 'the status change comes first');
        since = back.id;
      }
      assert.equal(stream.of('dashboard_update').length, 0);
      stream.close();
    });

    test('a worker deregistered and registered again leaves its queue, then comes back to it', async () => {
      await join('again-1', 'again', queueStats({ depth: 3 }));
      await join('again-2', 'again', queueStats({ depth: 4 }));
      const stream = await openStream(t.url);
      const beats: Promise<unknown>[] = [];
      const beat = setInterval(() => {
        // Both stay live: consumers count only what registering and leaving do.
        for (const id of ['again-1', 'again-2']) beats.push(t.api.post(`/api/workers/${id}/heartbeat`, {}));
      }, 50);
      try {
        await t.api.del('/api/workers/again-1');
        const left = await stream.next('queues_update', (e) => queue(e, 'again')?.depth === 4, WITHIN_MS);
        assert.deepEqual(queue(left, 'again')?.workerIds, ['again-2']);
        assert.equal(queue(left, 'again')?.consumers, 1);
        await join('again-1', 'again', queueStats({ depth: 5 }));
        const back = await stream.next('queues_update', (e) => queue(e, 'again')?.depth === 9, WITHIN_MS);
        assert.deepEqual(queue(back, 'again')?.workerIds, ['again-1', 'again-2']);
        assert.equal(queue(back, 'again')?.consumers, 2);
        // The same figures as before it left: still a change on the stream, which said it had gone.
        await t.api.del('/api/workers/again-1');
        await stream.next('queues_update', (e) => queue(e, 'again')?.workerIds?.length === 1, WITHIN_MS);
        await join('again-1', 'again', queueStats({ depth: 5 }));
        await stream.next('queues_update', (e) => queue(e, 'again')?.workerIds?.length === 2, WITHIN_MS);
      } finally {
        clearInterval(beat);
        // None still in flight when the server closes after the last test.
        await Promise.all(beats);
      }
      assert.equal(stream.of('dashboard_update').length, 0);
      stream.close();
    });
  });
}
