import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from './backends.js';
import { compareIds, openStream } from './helpers.js';

for (const backend of backends()) {
  describe(`sweeper (${backend.name})`, () => {
    test('stale → offline, a heartbeat recovers it, then silent → offline → expired', async () => {
      const t = await backend.start({
        heartbeatIntervalMs: 50,
        staleAfterMs: 150,
        expireAfterMs: 300,
        sweepIntervalMs: 20,
      });
      try {
        const stream = await openStream(t.url);
        assert.equal(stream.of('initial_data')[0]?.data.config.staleAfterMs, 150);
        await t.api.post('/api/workers', { id: 'sleepy', status: 'degraded' });

        const offline = await stream.next('worker_status_change', (e) => e.data.to === 'offline');
        assert.deepEqual([offline.data.from, offline.data.reason], ['degraded', 'stale']);

        // Back with no status: the last reported one is restored.
        const beat = await t.api.post('/api/workers/sleepy/heartbeat', {});
        assert.deepEqual(beat.body, { status: 'degraded', heartbeatIntervalMs: 50 });
        const recovered = await stream.next('worker_status_change', (e) => e.data.reason === 'recovered');
        assert.deepEqual([recovered.data.from, recovered.data.to], ['offline', 'degraded']);

        const expired = await stream.next('worker_deregistered');
        assert.deepEqual([expired.data.id, expired.data.reason], ['sleepy', 'expired']);
        const offlines = stream.of('worker_status_change').filter((e) => e.data.to === 'offline');
        assert.equal(offlines.length, 2, 'offline once per silence');
        assert.ok(compareIds(expired.id, offlines[1]?.id as string) > 0);
        assert.deepEqual((await t.api.get('/api/workers')).body.workers, []);
        assert.equal((await t.api.post('/api/workers/sleepy/heartbeat', {})).status, 404);
        stream.close();
      } finally {
        await t.close();
      }
    });

    test('offline workers do not count as consumers or in averages', async () => {
      const t = await backend.start({ staleAfterMs: 100, sweepIntervalMs: 20, dashboardIntervalMs: 50 });
      try {
        const stream = await openStream(t.url);
        const stats = { depth: 4, inFlight: 0, processed: 0, failed: 0, deadLetter: 0, ratePerSec: 0 };
        await t.api.post('/api/workers', { id: 'gone', queue: 'q', queueStats: stats });
        await stream.next('worker_status_change', (e) => e.data.to === 'offline');
        const dashboard = await stream.next(
          'dashboard_update',
          (e) => e.data.aggregates.workers.byStatus.offline === 1,
        );
        assert.deepEqual(
          dashboard.data.queues.map((q) => [q.name, q.depth, q.consumers]),
          [['q', 4, 0]],
        );
        stream.close();
      } finally {
        await t.close();
      }
    });
  });
}
