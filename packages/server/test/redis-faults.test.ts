import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createRedisStorage } from '../src/store/redis.js';
import {
  type ApiResponse,
  eventually,
  metrics,
  metricsItems,
  openStream,
  Stream,
  startServer,
  type TestServer,
} from './helpers.js';
import { freePort, startRedis, storedEvents, type TestRedis } from './redis-helpers.js';

/** Redis going away under load: clear errors while it is gone, no loss or duplicate when it comes back. */
describe('Redis faults', () => {
  let redis: TestRedis;
  let running: TestServer[] = [];
  const streams: Stream[] = [];
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  const instances = async (count: number) => {
    const started = await Promise.all(
      Array.from({ length: count }, () => startServer({ redisUrl: redis.url })),
    );
    running.push(...started);
    return started as [TestServer, TestServer];
  };
  const track = (stream: Stream) => {
    streams.push(stream);
    return stream;
  };

  before(async () => {
    redis = await startRedis();
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await Promise.all(running.map((server) => server.close()));
    running = [];
    await redis.command('FLUSHALL');
    assert.deepEqual(crashes, [], 'no unhandled error or rejection');
  });
  after(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await redis.stop();
  });

  test('connections dropped under load: every client gets exactly the stream, in order', async () => {
    const [a, b] = await instances(2);
    await a.api.post('/api/workers', { id: 'flow' });
    const onA = track(await openStream(a.url));
    const onB = track(await openStream(b.url));
    const total = 200;
    const accepted: number[] = [];
    const producer = (async () => {
      for (let n = 1; n <= total; n++) {
        // A 503 means "not stored, send again": the same line is retried until it is accepted.
        for (;;) {
          const via = n % 2 ? a : b;
          const response = await via.api.post('/api/workers/flow/logs', {
            entries: [{ level: 'info', message: String(n) }],
          });
          if (response.status === 202) break;
          assert.equal(response.status, 503, JSON.stringify(response.body));
          await delay(20);
        }
        accepted.push(n);
      }
    })();
    for (const at of [40, 90, 140]) {
      await onB.until(() => onB.of('log').length >= at, `${at} logs`, 10_000);
      await redis.command('CLIENT', 'KILL', 'TYPE', 'normal');
    }
    await producer;

    // The truth is the stream itself: every log entry in it, in order, once (a write cut off mid-flight
    // may be stored and also retried, and then both copies are real events).
    const logIds = (await storedEvents(redis))
      .filter(({ fields }) => fields.type === 'log')
      .map(({ id }) => id);
    for (const stream of [onA, onB]) {
      await stream.until(() => stream.of('log').length >= logIds.length, 'every logged line', 10_000);
      assert.deepEqual(
        stream.of('log').map((e) => e.id),
        logIds,
      );
      assert.equal(stream.opens, 1, 'the SSE connection itself never dropped');
    }
    const delivered = new Set(onB.of('log').map((e) => Number(e.data.entries[0]?.message)));
    assert.deepEqual(
      accepted.filter((n) => !delivered.has(n)),
      [],
      'every accepted line was delivered',
    );
  });

  test('Redis stopped and started under load: 503 + Retry-After and degraded health, then everything resumes', async () => {
    const [a, b] = await instances(2);
    const workers = ['h1', 'h2', 'h3'];
    for (const id of workers) await a.api.post('/api/workers', { id });
    const onA = track(await openStream(a.url));
    const statuses = new Map<number, number>();
    let lastUnavailable: ApiResponse | undefined;
    let stop = false;
    // Reporters as in production: heartbeat, re-register on 404, back off on 503.
    const load = Promise.all(
      workers.map(async (id, i) => {
        for (let n = i; !stop; n++) {
          const via = n % 2 ? a : b;
          let response = await via.api.post(`/api/workers/${id}/heartbeat`, {
            metrics: metrics({ cpu: n % 100 }),
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 404) response = await via.api.post('/api/workers', { id });
          if (response.status === 503) lastUnavailable = response;
          await delay(response.status === 503 ? 50 : 5);
        }
      }),
    );
    let beforeOutage = '';
    try {
      await onA.until(() => onA.of('metrics_update').length >= 3, 'heartbeats flowing');
      beforeOutage = onA.events.at(-1)?.id as string;

      await redis.stop();
      for (const server of [a, b]) {
        const health = await eventually(
          () => server.api.get('/healthz'),
          (r) => r.status === 503,
          'degraded health',
        );
        assert.equal(health.body.status, 'degraded');
        assert.equal(health.body.storage, 'redis');
        assert.match(health.body.reason, /Redis is unreachable/);
      }
      await eventually(
        async () => statuses.get(503) ?? 0,
        (count) => count >= 6,
        'heartbeats answered 503',
      );
      assert.equal(lastUnavailable?.headers.get('retry-after'), '2');
      assert.equal(lastUnavailable?.body.error.code, 'storage_unavailable');
      assert.match(lastUnavailable?.body.error.message, /Redis is unavailable/);

      const restarted = Date.now();
      await redis.start();
      for (const server of [a, b]) {
        await eventually(
          () => server.api.get('/healthz'),
          (r) => r.status === 200,
          'healthy again',
          10_000,
        );
      }
      // The restarted Redis has no data: the stream on A is told to resync, reporters get 404 and
      // register again, and the client learns of each one from its resync snapshot or as an event.
      assert.equal((await onA.next('reconnect')).data.reason, 'storage_reset');
      const back = (id: string) =>
        onA
          .of('worker_registered')
          .some((e) => e.data.worker.id === id && e.data.worker.registeredAt >= restarted) ||
        onA
          .of('initial_data')
          .some(
            (e) => e.data.resync && e.data.workers.some((w) => w.id === id && w.registeredAt >= restarted),
          );
      await onA.until(() => workers.every(back), 'every worker registered again', 10_000);
      await onA.next('metrics_update', (e) =>
        metricsItems(e.data).some((item) => item.lastHeartbeatAt >= restarted + 100),
      );
    } finally {
      stop = true;
      await load;
    }
    assert.ok((statuses.get(404) ?? 0) > 0, 're-registered after the data loss');
    assert.equal(onA.opens, 2, 'the client on A reconnected once, when told to');

    // A client resuming from before the outage finds its id gone and gets a fresh snapshot.
    const resumed = track(new Stream(b.url, { headers: { 'Last-Event-ID': beforeOutage } }));
    const initial = await resumed.next('initial_data');
    assert.equal(initial.data.resync, true);
    assert.deepEqual(initial.data.workers.map((w) => w.id).sort(), workers);
  });

  test('Redis restarted empty: connected streams are told to reconnect and resync without the lost workers', async () => {
    const [a, b] = await instances(2);
    await a.api.post('/api/workers', { id: 'ghost' });
    const onA = track(await openStream(a.url));
    const onB = track(await openStream(b.url));
    for (const stream of [onA, onB]) {
      assert.deepEqual(
        stream.of('initial_data')[0]?.data.workers.map((w) => w.id),
        ['ghost'],
      );
    }

    await redis.stop();
    await redis.start();
    for (const stream of [onA, onB]) {
      const reconnect = await stream.next('reconnect', undefined, 10_000);
      assert.equal(reconnect.data.reason, 'storage_reset');
      const resync = await stream.next('initial_data', (e) => e.data.resync);
      assert.deepEqual(resync.data.workers, [], 'the lost worker is gone from the client');
      assert.equal(stream.opens, 2);
    }
    // Once, not on every later reconnect: the instances agreed on the new data's generation.
    const killedUpTo = Number(await redis.command('CLIENT', 'ID'));
    await redis.command('CLIENT', 'KILL', 'TYPE', 'normal');
    // Both connections of both instances are back; each checked the generation on its first command.
    await eventually(
      async () => String(await redis.command('CLIENT', 'LIST', 'TYPE', 'normal')),
      (list) =>
        list
          .split('\n')
          .filter(
            (line) => Number(/^id=(\d+) /.exec(line)?.[1]) > killedUpTo && !line.includes('cmd=client|list'),
          ).length >= 4,
      'every connection back',
    );
    // 503 until A's command connection is ready, just after it is listed.
    await eventually(
      () => a.api.post('/api/workers', { id: 'after' }),
      (r) => r.status === 201,
      'a registration on A',
    );
    for (const stream of [onA, onB]) {
      await stream.next('worker_registered', (e) => e.data.worker.id === 'after');
      assert.equal(stream.of('reconnect').length, 1);
      assert.equal(stream.opens, 2);
    }
  });

  test('an unreachable Redis at startup fails fast, and the log does not call it a lost connection', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const warnings: string[] = [];
    const log = { warn: (_: object, message: string) => warnings.push(message), info() {} };
    await assert.rejects(
      createRedisStorage({
        url,
        replayWindow: 10,
        recentLogs: 10,
        dashboardIntervalMs: 1000,
        log,
      }),
      new RegExp(`Cannot reach Redis at ${url}`),
    );
    assert.ok(warnings.includes('Cannot connect to Redis; retrying'), warnings.join('; '));
    assert.ok(!warnings.some((message) => /lost/.test(message)), warnings.join('; '));
  });
});
