/**
 * Bounds over real sockets, on both backends: the registry's row limits (429
 * registry_full, nothing stored or announced), the paged worker list, and an
 * `initial_data` of megabytes that arrives whole.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeFrame, encodeFramePieces } from '../src/sse/frame.js';
import { backends } from './backends.js';
import { openStream } from './helpers.js';

for (const backend of backends()) {
  describe(`limits: ${backend.name}`, () => {
    test('past --max-workers and --max-resources: 429 registry_full, nothing stored or announced; known ids are never refused', async () => {
      const t = await backend.start({ maxWorkers: 3, maxResources: 2 });
      try {
        const stream = await openStream(t.url);
        for (const id of ['w1', 'w2', 'w3'])
          assert.equal((await t.api.post('/api/workers', { id })).status, 201);
        const refused = await t.api.post('/api/workers', { id: 'w4', name: 'Fourth' });
        assert.equal(refused.status, 429);
        assert.equal(refused.body.error.code, 'registry_full');
        assert.match(refused.body.error.message, /maximum of 3 workers.*--max-workers/);
        assert.equal((await t.api.post('/api/workers', { id: 'w1', name: 'Renamed' })).status, 200);

        assert.equal((await t.api.put('/api/resources/db', { status: 'healthy' })).status, 200);
        assert.equal((await t.api.put('/api/resources/cache', { status: 'healthy' })).status, 200);
        const resource = await t.api.put('/api/resources/broker', { status: 'down' });
        assert.equal(resource.status, 429);
        assert.match(resource.body.error.message, /maximum of 2 resources.*--max-resources/);
        assert.equal((await t.api.put('/api/resources/db', { status: 'degraded' })).status, 200);

        // A heartbeat that reports a new resource past the limit is refused; what it did store (the
        // heartbeat and the resources before it) is announced, so every dashboard still agrees with the server.
        const heartbeat = await t.api.post('/api/workers/w2/heartbeat', {
          status: 'healthy',
          resources: [
            { id: 'cache', status: 'down' },
            { id: 'queue', status: 'healthy' },
          ],
        });
        assert.equal(heartbeat.status, 429);
        await stream.next('worker_status_change', (e) => e.data.id === 'w2' && e.data.to === 'healthy');
        await stream.next('resources_update', (e) => e.data.resources.some((r) => r.id === 'cache'));

        assert.equal((await t.api.del('/api/workers/w3')).status, 204);
        assert.equal((await t.api.post('/api/workers', { id: 'w4' })).status, 201, 'a removal makes room');
        await stream.next('worker_registered', (e) => e.data.worker.id === 'w4');

        const listed = (await t.api.get('/api/workers')).body.workers.map((w: { id: string }) => w.id);
        assert.deepEqual(listed, ['w1', 'w2', 'w4']);
        const resources = (await t.api.get('/api/resources')).body.resources.map((r: { id: string }) => r.id);
        assert.deepEqual(resources.sort(), ['cache', 'db']);
        assert.equal(
          stream.of('worker_registered').filter((e) => e.data.worker.name === 'Fourth').length,
          0,
          'the refused registration was never announced',
        );
        assert.ok(
          stream
            .of('resources_update')
            .every((e) => e.data.resources.every((r) => r.id !== 'broker' && r.id !== 'queue')),
        );
        stream.close();
      } finally {
        await t.close();
      }
    });

    test('GET /api/workers pages by id with ?limit= and ?cursor=; a bad one is 400 invalid_query', async () => {
      const t = await backend.start();
      try {
        const ids = ['m', 'c', 'x', 'a', 'q', 'f', 'z'];
        for (const id of ids) await t.api.post('/api/workers', { id });
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
          const { status, body } = await t.api.get(`/api/workers${query}`);
          assert.equal(status, 200);
          assert.ok(body.workers.length <= 3);
          seen.push(...body.workers.map((w: { id: string }) => w.id));
          cursor = body.nextCursor;
          pages++;
        } while (cursor);
        assert.deepEqual(seen, [...ids].sort());
        assert.equal(pages, 3);
        // A cursor whose worker is gone still pages on from where it was.
        await t.api.del('/api/workers/f');
        assert.deepEqual(
          (await t.api.get('/api/workers?limit=2&cursor=f')).body.workers.map((w: { id: string }) => w.id),
          ['m', 'q'],
        );
        const all = (await t.api.get('/api/workers')).body;
        assert.equal(all.workers.length, 6, 'the default page (500) holds them all');
        assert.equal(all.nextCursor, null);
        for (const query of ['limit=0', 'limit=1001', 'limit=two', 'limit=1&limit=2', 'cursor=a%20b']) {
          const bad = await t.api.get(`/api/workers?${query}`);
          assert.equal(bad.status, 400, query);
          assert.equal(bad.body.error.code, 'invalid_query', query);
        }
      } finally {
        await t.close();
      }
    });

    test('an initial_data of megabytes arrives whole, as one message', async () => {
      const t = await backend.start();
      try {
        const labels = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'.repeat(256)]));
        for (let i = 0; i < 400; i++) {
          assert.equal((await t.api.post('/api/workers', { id: `big-${i}`, labels })).status, 201);
        }
        const stream = await openStream(t.url);
        const [snapshot] = stream.of('initial_data');
        assert.equal(snapshot?.data.workers.length, 400);
        assert.deepEqual(snapshot?.data.workers.find((w) => w.id === 'big-7')?.labels, labels);
        await t.api.post('/api/workers', { id: 'after' });
        await stream.next('worker_registered', (e) => e.data.worker.id === 'after');
        stream.close();
      } finally {
        await t.close();
      }
    });
  });
}

describe('a frame in pieces', () => {
  test('is byte for byte the frame JSON.stringify would give, cut into pieces of about 64 KiB', () => {
    const payload = {
      v: 1,
      skipped: undefined,
      workers: Array.from({ length: 2000 }, (_, i) => ({
        id: `w${i}`,
        name: 'n'.repeat(100),
        gone: undefined,
      })),
      empty: [],
      holes: [undefined, null, 1],
      config: { a: [1, 2], b: 'x\ny' },
    };
    const pieces = encodeFramePieces('5-1', 'initial_data', payload);
    assert.ok(pieces.length > 3, `${pieces.length} pieces`);
    assert.ok(pieces.every((piece) => piece.length < 70 * 1024));
    assert.deepEqual(Buffer.concat(pieces), encodeFrame('5-1', 'initial_data', JSON.stringify(payload)));
  });
});
