/**
 * `POST /api/heartbeats`: up to 1,000 workers' heartbeats in one
 * request, answered per item in order, each applied whole or not at all. Over
 * real sockets, on memory and on Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from './backends.js';
import { api, metrics, metricsItems, openStream, queueStats, type TestServer } from './helpers.js';

type Worker = {
  id: string;
  status: string;
  metrics: Record<string, number> | null;
  queueStats: Record<string, number> | null;
};

for (const backend of backends()) {
  describe(`POST /api/heartbeats (${backend.name})`, () => {
    let t: TestServer;
    const workers = async (): Promise<Map<string, Worker>> => {
      const { body } = await t.api.get('/api/workers?limit=1000');
      return new Map(body.workers.map((w: Worker) => [w.id, w]));
    };
    before(async () => {
      // metricsIntervalMs is metrics_update's gap under load (there is no metrics tick); short, so rows follow soon.
      t = await backend.start({ metricsIntervalMs: 300, dashboardIntervalMs: 60_000 });
    });
    after(() => t.close());

    test('mixed items: good ones applied, bad ones answered in order and changing nothing', async () => {
      for (const id of ['b-1', 'b-2', 'b-3']) {
        await t.api.post('/api/workers', { id, queue: 'bq', status: 'healthy', queueStats: queueStats() });
      }
      const stream = await openStream(t.url);
      const { status, body } = await t.api.post('/api/heartbeats', {
        heartbeats: [
          { id: 'b-1', queueStats: { depth: 11 }, metrics: { cpu: 5 } },
          { id: 'b-2', queueStats: { depth: -1 }, status: 'degraded' },
          { id: 'ghost', status: 'healthy' },
          { id: 'b-3', status: 'degraded', queueStats: { depth: 13 } },
          { id: 'b-1', queueStats: { depth: 99 } },
          { queueStats: { depth: 1 } },
          { id: 'b-2', metrics: { cpu: 'x' } },
          'nonsense',
        ],
      });
      assert.equal(status, 200);
      assert.equal(body.heartbeatIntervalMs, 5000);
      const results = body.results as { id: string | null; ok: boolean; error?: { code: string } }[];
      assert.deepEqual(
        results.map((r) => [r.id, r.ok, r.error?.code ?? null]),
        [
          ['b-1', true, null],
          ['b-2', false, 'invalid_body'],
          ['ghost', false, 'unknown_worker'],
          ['b-3', true, null],
          ['b-1', false, 'duplicate_item'],
          [null, false, 'invalid_body'],
          ['b-2', false, 'invalid_body'],
          [null, false, 'invalid_body'],
        ],
      );
      const stored = await workers();
      assert.equal(stored.get('b-1')?.queueStats?.depth, 11);
      assert.equal(stored.get('b-1')?.metrics?.cpu, 5);
      // The bad item's valid fields (status) were not applied either.
      assert.equal(stored.get('b-2')?.status, 'healthy');
      assert.deepEqual(stored.get('b-2')?.queueStats, queueStats());
      assert.equal(stored.get('b-3')?.status, 'degraded');
      assert.equal(stored.has('ghost'), false);
      // On the stream: b-3's status change, the rows of the applied items (one each), the queue.
      await stream.next('worker_status_change', (e) => e.data.id === 'b-3');
      const update = await stream.next('queues_update', (e) =>
        e.data.queues.some((q) => q.name === 'bq' && q.depth === 24 + queueStats().depth),
      );
      assert.ok(update);
      const rows = stream.of('metrics_update').flatMap((e) => metricsItems(e.data));
      assert.deepEqual(rows.map((r) => r.id).sort(), ['b-1', 'b-3']);
      assert.equal(stream.of('worker_status_change').filter((e) => e.data.id === 'b-2').length, 0);
      stream.close();
    });

    test('1,000 items are taken; 1,001 are 413 with the limit, and nothing is applied', async () => {
      const ids = Array.from({ length: 1000 }, (_, i) => `n-${i}`);
      for (let i = 0; i < ids.length; i += 100) {
        await Promise.all(ids.slice(i, i + 100).map((id) => t.api.post('/api/workers', { id })));
      }
      const stream = await openStream(t.url);
      const full = await t.api.post('/api/heartbeats', {
        heartbeats: ids.map((id, i) => ({ id, metrics: metrics({ cpu: i % 100 }) })),
      });
      assert.equal(full.status, 200);
      assert.equal(full.body.results.length, 1000);
      assert.ok(full.body.results.every((r: { ok: boolean }) => r.ok));
      // One row per worker, however many pushes they came in.
      await stream.until(
        () =>
          new Set(stream.of('metrics_update').flatMap((e) => e.data.items.map((row) => row[0]))).size ===
          1000,
        'every row',
      );
      const rows = stream.of('metrics_update').flatMap((e) => e.data.items);
      assert.equal(rows.length, 1000);

      const over = await t.api.post('/api/heartbeats', {
        heartbeats: [...ids, 'n-0'].map((id) => ({ id, metrics: { cpu: 77 } })),
      });
      assert.equal(over.status, 413);
      assert.equal(over.body.error.code, 'payload_too_large');
      assert.match(over.body.error.message, /1000/);
      assert.notEqual((await workers()).get('n-0')?.metrics?.cpu, 77);
      for (const id of ids) await t.api.del(`/api/workers/${id}`);
      stream.close();
    });

    test('a body over the batch limit is 413; a malformed envelope is 400', async () => {
      const small = await backend.start({ batchBodyLimitBytes: 2048 });
      try {
        await small.api.post('/api/workers', { id: 'big' });
        const heartbeats = Array.from({ length: 40 }, () => ({ id: 'big', metrics: metrics() }));
        const answer = await small.api.post('/api/heartbeats', { heartbeats });
        assert.equal(answer.status, 413);
        assert.match(answer.body.error.message, /2048/);
        for (const body of [{}, { heartbeats: {} }, { heartbeats: [], extra: 1 }, []]) {
          const bad = await small.api.post('/api/heartbeats', body);
          assert.equal(bad.status, 400, JSON.stringify(body));
          assert.equal(bad.body.error.code, 'invalid_body');
        }
        const empty = await small.api.post('/api/heartbeats', { heartbeats: [] });
        assert.deepEqual(empty.body.results, []);
      } finally {
        await small.close();
      }
    });

    test('worker tokens, as on every write (the Host rule: auth-cors.test.ts)', async () => {
      const guarded = await backend.start({ workerTokens: ['wt'], readTokens: ['rt'] });
      try {
        await api(guarded.url, 'wt').post('/api/workers', { id: 'tok' });
        const body = { heartbeats: [{ id: 'tok' }] };
        assert.equal((await guarded.api.post('/api/heartbeats', body)).status, 401);
        assert.equal((await api(guarded.url, 'rt').post('/api/heartbeats', body)).status, 403);
        const ok = await api(guarded.url, 'wt').post('/api/heartbeats', body);
        assert.equal(ok.status, 200);
        assert.equal(ok.body.results[0].ok, true);
      } finally {
        await guarded.close();
      }
    });
  });
}
