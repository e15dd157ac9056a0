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
      // Metrics and queues have push gaps of their own: the rows may come after the queue.
      const rowIds = () =>
        stream
          .of('metrics_update')
          .flatMap((e) => metricsItems(e.data))
          .map((r) => r.id)
          .sort();
      await stream.until(() => rowIds().length >= 2, 'the rows of the applied items');
      assert.deepEqual(rowIds(), ['b-1', 'b-3']);
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

for (const backend of backends()) {
  describe(`POST /api/workers with a batch (${backend.name})`, () => {
    let t: TestServer;
    before(async () => {
      t = await backend.start({ maxWorkers: 1003, dashboardIntervalMs: 60_000 });
    });
    after(() => t.close());
    const allIds = async (): Promise<string[]> => {
      const ids: string[] = [];
      let cursor = '';
      do {
        const { body } = await t.api.get(`/api/workers?limit=1000${cursor && `&cursor=${cursor}`}`);
        ids.push(...body.workers.map((w: Worker) => w.id));
        cursor = body.nextCursor ?? '';
      } while (cursor);
      return ids;
    };

    test('mixed items: good ones registered, bad ones answered in order and changing nothing', async () => {
      await t.api.post('/api/workers', { id: 'r-known', name: 'Known', queue: 'rq', status: 'healthy' });
      const stream = await openStream(t.url);
      const { status, body } = await t.api.post('/api/workers', {
        workers: [
          { id: 'r-1', name: 'One', queue: 'rq', queueStats: { depth: 4 } },
          { id: 'r-known', name: 'Known again', status: 'degraded' },
          { id: 'r-2', queueStats: { depth: -1 } },
          { id: 'r-1', name: 'One twice' },
          { name: 'no id' },
          { id: 'r-3', admin: true },
          'nonsense',
        ],
      });
      assert.equal(status, 200);
      assert.equal(body.heartbeatIntervalMs, 5000);
      const results = body.results as {
        id: string | null;
        ok: boolean;
        created?: boolean;
        status?: string;
        error?: { code: string };
      }[];
      assert.deepEqual(
        results.map((r) => [r.id, r.ok, r.created ?? null, r.status ?? null, r.error?.code ?? null]),
        [
          ['r-1', true, true, 'starting', null],
          ['r-known', true, false, 'degraded', null],
          ['r-2', false, null, null, 'invalid_body'],
          ['r-1', false, null, null, 'duplicate_item'],
          [null, false, null, null, 'invalid_body'],
          ['r-3', false, null, null, 'invalid_body'],
          [null, false, null, null, 'invalid_body'],
        ],
      );
      const { body: listed } = await t.api.get('/api/workers?limit=1000');
      const stored = new Map<string, Worker & { name: string }>(
        listed.workers.map((w: Worker & { name: string }) => [w.id, w]),
      );
      assert.deepEqual([...stored.keys()].sort(), ['r-1', 'r-known']);
      assert.equal(stored.get('r-1')?.name, 'One');
      assert.equal(stored.get('r-1')?.queueStats?.depth, 4);
      assert.equal(stored.get('r-known')?.status, 'degraded');
      // The stream announces each worker the batch changed, and nothing of the refused items.
      await stream.next('worker_registered', (e) => e.data.worker.id === 'r-1');
      await stream.next('worker_registered', (e) => e.data.worker.name === 'Known again');
      await stream.next('worker_status_change', (e) => e.data.id === 'r-known');
      const registered = stream.of('worker_registered').map((e) => e.data.worker.id);
      assert.deepEqual(registered.sort(), ['r-1', 'r-known']);
      stream.close();
      for (const id of ['r-1', 'r-known']) await t.api.del(`/api/workers/${id}`);
    });

    test('1,000 registrations in one request; 1,001 are 413 with the limit, and nothing is registered', async () => {
      const ids = Array.from({ length: 1000 }, (_, i) => `m-${i}`);
      const over = await t.api.post('/api/workers', { workers: [...ids, 'm-1000'].map((id) => ({ id })) });
      assert.equal(over.status, 413);
      assert.equal(over.body.error.code, 'payload_too_large');
      assert.match(over.body.error.message, /1000/);
      assert.equal((await t.api.get('/api/workers?limit=1000')).body.workers.length, 0);

      const full = await t.api.post('/api/workers', {
        workers: ids.map((id) => ({ id, queue: 'mq', queueStats: { depth: 1 } })),
      });
      assert.equal(full.status, 200);
      assert.equal(full.body.results.length, 1000);
      assert.ok(full.body.results.every((r: { ok: boolean; created: boolean }) => r.ok && r.created));
      const { body } = await t.api.get('/api/workers?limit=1000');
      assert.equal(body.workers.filter((w: Worker) => w.queueStats?.depth === 1).length, 1000);
      assert.equal((await allIds()).length, 1000);

      // Past --max-workers (1,003 here), the new ones are refused each with registry_full, the rest taken.
      const past = await t.api.post('/api/workers', {
        workers: ['m-0', 'x-1', 'x-2', 'x-3', 'x-4'].map((id) => ({ id })),
      });
      const answers = past.body.results.map(
        (r: { ok: boolean; error?: { code: string } }) => r.error?.code ?? 'ok',
      );
      assert.equal(answers[0], 'ok', 'a known worker is refreshed, full or not');
      assert.deepEqual(answers.slice(1).sort(), ['ok', 'ok', 'ok', 'registry_full']);
      assert.equal((await allIds()).length, 1003);
      for (const id of await allIds()) await t.api.del(`/api/workers/${id}`);
    });
  });
}

for (const backend of backends()) {
  describe(`DELETE /api/workers with a batch (${backend.name})`, () => {
    let t: TestServer;
    before(async () => {
      t = await backend.start({ dashboardIntervalMs: 60_000 });
    });
    after(() => t.close());
    const ids = async (): Promise<string[]> =>
      (await t.api.get('/api/workers?limit=1000')).body.workers.map((w: Worker) => w.id).sort();

    test('mixed items: known ids deregistered, the others answered in order and changing nothing', async () => {
      await t.api.post('/api/workers', { workers: ['d-1', 'd-2', 'd-3'].map((id) => ({ id, queue: 'dq' })) });
      const stream = await openStream(t.url);
      const { status, body } = await t.api.send('DELETE', '/api/workers', {
        workers: ['d-1', 'ghost', 'd-1', 'bad id!', 42, 'd-3'],
      });
      assert.equal(status, 200);
      const results = body.results as { id: string | null; ok: boolean; error?: { code: string } }[];
      assert.deepEqual(
        results.map((r) => [r.id, r.ok, r.error?.code ?? null]),
        [
          ['d-1', true, null],
          ['ghost', false, 'unknown_worker'],
          ['d-1', false, 'duplicate_item'],
          ['bad id!', false, 'invalid_body'],
          [null, false, 'invalid_body'],
          ['d-3', true, null],
        ],
      );
      assert.deepEqual(await ids(), ['d-2']);
      await stream.next('worker_deregistered', (e) => e.data.id === 'd-1');
      await stream.next('worker_deregistered', (e) => e.data.id === 'd-3');
      assert.deepEqual(
        stream.of('worker_deregistered').map((e) => [e.data.id, e.data.reason]),
        [
          ['d-1', 'requested'],
          ['d-3', 'requested'],
        ],
      );
      stream.close();
      await t.api.del('/api/workers/d-2');
    });

    test('1,000 ids in one request; 1,001 are 413 and nothing is deregistered; a bad envelope is 400', async () => {
      const all = Array.from({ length: 1000 }, (_, i) => `e-${String(i).padStart(4, '0')}`);
      await t.api.post('/api/workers', { workers: all.map((id) => ({ id })) });
      const over = await t.api.send('DELETE', '/api/workers', { workers: [...all, 'e-1000'] });
      assert.equal(over.status, 413);
      assert.equal(over.body.error.code, 'payload_too_large');
      assert.equal((await ids()).length, 1000);
      for (const bad of [{ workers: 'e-0001' }, { workers: ['e-0001'], extra: 1 }, ['e-0001']]) {
        const refused = await t.api.send('DELETE', '/api/workers', bad);
        assert.equal(refused.status, 400, JSON.stringify(bad));
        assert.equal(refused.body.error.code, 'invalid_body');
      }
      assert.equal((await ids()).length, 1000);
      const done = await t.api.send('DELETE', '/api/workers', { workers: all });
      assert.equal(done.status, 200);
      assert.ok(done.body.results.every((r: { ok: boolean }) => r.ok));
      assert.deepEqual(await ids(), []);
    });
  });
}
