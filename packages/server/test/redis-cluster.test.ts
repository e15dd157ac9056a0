import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { PulseEvent } from '@pulseboard/protocol';
import type { ServerConfigInput } from '../src/index.js';
import {
  compareIds,
  metrics,
  openStream,
  queueStats,
  Stream,
  startServer,
  type TestServer,
} from './helpers.js';
import { startRedis, storedEvents, type TestRedis } from './redis-helpers.js';

/** Several instances on one Redis, as behind a load balancer (docs/scaling.md). */
describe('several instances on one Redis', () => {
  let redis: TestRedis;
  let running: TestServer[] = [];
  const streams: Stream[] = [];

  const instances = async (count: number, config: Partial<ServerConfigInput> = {}) => {
    const started = await Promise.all(
      Array.from({ length: count }, () => startServer({ redisUrl: redis.url, ...config })),
    );
    running.push(...started);
    return started;
  };
  const track = (stream: Stream) => {
    streams.push(stream);
    return stream;
  };
  const logMessages = (stream: Stream) => stream.of('log').map((e) => Number(e.data.entries[0]?.message));

  before(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await Promise.all(running.map((server) => server.close()));
    running = [];
    await redis.command('FLUSHALL');
  });
  after(() => redis.stop());

  test('a worker registered on A reaches a client on B; alternating heartbeats keep aggregates right', async () => {
    const [a, b] = (await instances(2, { dashboardIntervalMs: 100 })) as [TestServer, TestServer];
    const onB = track(await openStream(b.url));
    const onA = track(await openStream(a.url));

    const registered = await a.api.post('/api/workers', {
      id: 'w1',
      queue: 'q',
      metrics: metrics({ cpu: 10 }),
      queueStats: queueStats({ depth: 5 }),
    });
    assert.equal(registered.status, 201);
    const seen = await onB.next('worker_registered', (e) => e.data.worker.id === 'w1');
    assert.equal(seen.data.worker.queue, 'q');
    assert.equal((await b.api.post('/api/workers', { id: 'w1' })).status, 200, 'B knows w1: idempotent');
    await b.api.post('/api/workers', {
      id: 'w2',
      queue: 'q',
      metrics: metrics({ cpu: 30 }),
      queueStats: queueStats({ depth: 7 }),
    });

    for (let i = 1; i <= 6; i++) {
      const via = i % 2 ? b : a;
      const response = await via.api.post('/api/workers/w1/heartbeat', {
        status: 'healthy',
        metrics: metrics({ cpu: 10 + i }),
        queueStats: queueStats({ depth: 5 + i }),
      });
      assert.equal(response.status, 200);
    }

    // Both instances answer from the same registry.
    const [fromA, fromB] = await Promise.all([a.api.get('/api/workers'), b.api.get('/api/workers')]);
    assert.deepEqual(fromA.body, fromB.body);
    const w1 = fromA.body.workers.find((w: { id: string }) => w.id === 'w1');
    assert.equal(w1.metrics.cpu, 16);
    assert.equal(w1.status, 'healthy');

    // The periodic update, whichever instance published it, reflects every heartbeat.
    const update = await onB.next('dashboard_update', (e) => e.data.aggregates.cpu.avg === 23);
    assert.equal(update.data.aggregates.workers.total, 2);
    assert.equal(update.data.aggregates.cpu.max, 30);
    assert.deepEqual(
      update.data.queues.map((q) => [q.name, q.depth, q.consumers]),
      [['q', 11 + 7, 2]],
    );
    await onA.next('dashboard_update', (e) => e.id === update.id);

    // A snapshot from either instance says the same.
    const snapshots = await Promise.all(
      [openStream(a.url), openStream(b.url)].map(async (s) => track(await s)),
    );
    const [initialA, initialB] = snapshots.map((s) => s.of('initial_data')[0]?.data);
    assert.deepEqual(initialA?.aggregates, initialB?.aggregates);
    assert.equal(initialA?.aggregates.cpu.avg, 23);
    assert.deepEqual(initialA?.workers, initialB?.workers);

    // One publisher per interval, not one per instance. Both instances try every tick; each entry records
    // the lease holder that logged it. Without the lease the owners would alternate about every update;
    // with it the owner changes only when a holder missed its lease period (2.5 intervals), on a loaded
    // machine at most once or twice here. No wall-clock threshold: timer drift cannot fail this.
    await onB.until(() => onB.of('dashboard_update').length >= 8, 'eight dashboard updates');
    const ownerOf = new Map((await storedEvents(redis)).map(({ id, fields }) => [id, fields.owner]));
    const owners = onB.of('dashboard_update').map((e) => ownerOf.get(e.id));
    assert.ok(
      owners.every((owner) => typeof owner === 'string' && owner.length > 0),
      'every update logged under the lease',
    );
    const changes = owners.slice(1).filter((owner, i) => owner !== owners[i]).length;
    assert.ok(changes <= 2, `publisher changed ${changes} times in ${owners.length} updates: one publisher`);
    // Every event reaches both instances' clients, once each, in the same order.
    const ids = (s: Stream) =>
      s.events.filter((e) => e.type !== 'ping' && e.type !== 'initial_data').map((e) => e.id);
    const common = ids(onA).filter((id) => ids(onB).includes(id));
    assert.deepEqual(common, ids(onA).slice(0, common.length));
    assert.equal(new Set(ids(onB)).size, ids(onB).length, 'no duplicates on B');
  });

  test('a queue change through A reaches a client on B at once as a queues_update summing both instances', async () => {
    const [a, b] = (await instances(2, { metricsIntervalMs: 60_000, dashboardIntervalMs: 60_000 })) as [
      TestServer,
      TestServer,
    ];
    await a.api.post('/api/workers', { id: 'qa', queue: 'shared', queueStats: queueStats({ depth: 1 }) });
    await b.api.post('/api/workers', { id: 'qb', queue: 'shared', queueStats: queueStats({ depth: 2 }) });
    const onB = track(await openStream(b.url));
    await a.api.post('/api/workers/qa/heartbeat', { queueStats: { depth: 40 } });
    const update = await onB.next('queues_update', (e) =>
      e.data.queues.some((q) => q.name === 'shared' && q.depth === 42),
    );
    // Its workers are listed when the pushing instance had not yet told them, else left out (unchanged).
    const ids = update.data.queues.find((q) => q.name === 'shared')?.workerIds;
    assert.ok(ids === undefined || ids.join() === 'qa,qb', `workerIds ${ids}`);
    // A worker leaving through B: the summary without it, after the departure, whichever instance pushed it.
    await b.api.del('/api/workers/qb');
    const gone = await onB.next('worker_deregistered', (e) => e.data.id === 'qb');
    const left = await onB.next('queues_update', (e) =>
      e.data.queues.some((q) => q.name === 'shared' && q.workerIds?.join() === 'qa'),
    );
    assert.ok(compareIds(gone.id, left.id) < 0);
    assert.equal(left.data.queues.find((q) => q.name === 'shared')?.depth, 40);
  });

  test('a client on B, when B stops, resumes on A with its last id: every event exactly once, in order', async () => {
    const [a, b] = (await instances(2)) as [TestServer, TestServer];
    await b.api.post('/api/workers', { id: 'flow' });
    const onB = track(await openStream(b.url));
    const total = 150;
    let sent = 0;
    const producer = (async () => {
      while (sent < total) {
        sent++;
        const response = await a.api.post('/api/workers/flow/logs', {
          entries: [{ level: 'info', message: String(sent) }],
        });
        assert.equal(response.status, 202);
      }
    })();
    await onB.until(() => logMessages(onB).length >= 40, '40 logs on B');
    await b.close();
    // The shutdown frame carries the last id B gave this client; that is what a browser resumes from.
    const farewell = await onB.next('reconnect');
    onB.close();
    const sentAtStop = sent;
    const onA = track(new Stream(a.url, { headers: { 'Last-Event-ID': farewell.id } }));
    await producer;
    await onA.until(() => logMessages(onA).at(-1) === total, `log ${total} on A`, 10_000);

    assert.ok(sentAtStop < total, 'events kept flowing across the switch');
    assert.equal(onA.of('initial_data').length, 0, 'resumed by replay, no snapshot');
    assert.deepEqual(
      [...logMessages(onB), ...logMessages(onA)],
      Array.from({ length: total }, (_, i) => i + 1),
    );
    const ordered = (events: PulseEvent[]) =>
      events
        .filter((e) => e.type !== 'ping' && e.type !== 'reconnect' && e.type !== 'initial_data')
        .map((e) => e.id);
    const all = [...ordered(onB.events), ...ordered(onA.events)];
    assert.equal(new Set(all).size, all.length, 'no id twice');
  });

  test('a burst of racing status flips through both instances: every stream has them in the order the registry applied them', async () => {
    const [a, b] = (await instances(2)) as [TestServer, TestServer];
    const ids = Array.from({ length: 12 }, (_, i) => `flip-${i}`);
    for (const id of ids) await a.api.post('/api/workers', { id, status: 'healthy' });
    const streams = [
      track(await openStream(a.url)),
      track(await openStream(b.url)),
      track(await openStream(b.url)),
    ];
    const statuses = ['healthy', 'degraded', 'unhealthy'] as const;
    // Per worker, rounds of four heartbeats at once, two through each instance, each with another
    // status than the one before: they race in the compare-and-set, and losers rerun. Each reports a
    // resource too, as workers do, which puts more round trips between a worker's write and the next.
    await Promise.all(
      ids.map(async (id, w) => {
        for (let round = 0; round < 10; round++) {
          const beats = [0, 1, 2, 3].map((k) => {
            const status = statuses[(w + round + k) % 3];
            const resources = [{ id: `db-${w % 3}`, status: k % 2 ? 'healthy' : 'degraded' }];
            return (k % 2 ? a : b).api.post(`/api/workers/${id}/heartbeat`, { status, resources });
          });
          for (const response of await Promise.all(beats)) assert.equal(response.status, 200);
        }
      }),
    );
    await a.api.post('/api/workers', { id: 'marker' });
    for (const stream of streams) {
      await stream.next('worker_registered', (e) => e.data.worker.id === 'marker', 10_000);
    }

    // The registry applies a worker's changes one after another, each from the status the previous one
    // left: in its order they form a chain, which any two swapped events would break.
    const final = new Map<string, string>(
      (await b.api.get('/api/workers')).body.workers.map((w: { id: string; status: string }) => [
        w.id,
        w.status,
      ]),
    );
    const finalResources = new Map<string, string>(
      (await b.api.get('/api/resources')).body.resources.map((r: { id: string; status: string }) => [
        r.id,
        r.status,
      ]),
    );
    const changes = (stream: Stream) => stream.of('worker_status_change');
    const reference = changes(streams[0] as Stream).map((e) => e.id);
    assert.ok(reference.length >= 200, `${reference.length} status changes raced`);
    for (const stream of streams) {
      assert.deepEqual(
        changes(stream).map((e) => e.id),
        reference,
        'every stream has the same changes in the same order',
      );
      for (const id of ids) {
        let status = 'healthy';
        for (const { data } of changes(stream).filter((e) => e.data.id === id)) {
          assert.equal(data.from, status, `${id}: ${data.from} → ${data.to} follows a change to ${status}`);
          status = data.to;
        }
        assert.equal(status, final.get(id), `${id} ends as the registry has it`);
      }
      const resources = new Map(
        stream.of('resources_update').flatMap((e) => e.data.resources.map((r) => [r.id, r.status])),
      );
      assert.deepEqual(resources, finalResources, 'resources end as the registry has them');
    }
  });

  test('20 workers expire while 3 instances sweep: each transition is emitted exactly once', async () => {
    const servers = await instances(3, { staleAfterMs: 150, expireAfterMs: 150, sweepIntervalMs: 10 });
    const [first] = servers as [TestServer];
    const stream = track(await openStream(first.url));
    const ids = Array.from({ length: 20 }, (_, i) => `exp-${i}`);
    await Promise.all(ids.map((id, i) => servers[i % 3]?.api.post('/api/workers', { id })));

    const expired = () => stream.of('worker_deregistered').filter((e) => e.data.reason === 'expired');
    await stream.until(() => expired().length >= 20, '20 expiries', 10_000);
    // Anything still in flight from a sweep would land before an event logged after it.
    await servers[2]?.api.post('/api/workers', { id: 'marker' });
    await stream.next('worker_registered', (e) => e.data.worker.id === 'marker');

    const count = (list: string[]) =>
      Object.fromEntries(ids.map((id) => [id, list.filter((x) => x === id).length]));
    const once = Object.fromEntries(ids.map((id) => [id, 1]));
    assert.deepEqual(count(expired().map((e) => e.data.id)), once, 'worker_deregistered once each');
    const offline = stream.of('worker_status_change').filter((e) => e.data.to === 'offline');
    assert.deepEqual(count(offline.map((e) => e.data.id)), once, 'stale -> offline once each');
  });
});
