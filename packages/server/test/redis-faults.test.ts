import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type EventType,
  PROTOCOL_VERSION,
  type PulseEvent,
  parseEventId,
  type Worker,
} from '@pulseboard/protocol';
import type { LoggedEventInput } from '../src/events.js';
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

const quiet = { warn() {}, info() {} };
type AnyPulseEvent = { [T in EventType]: PulseEvent<T> }[EventType];
const epochOf = (id: string | undefined) => parseEventId(id)?.epoch;
const logLine = (message: string): LoggedEventInput => ({
  type: 'log',
  data: { v: PROTOCOL_VERSION, entries: [{ workerId: 'w', level: 'info', message, at: 1 }] },
});

/**
 * Workers that report as the reporter SDK does, each alternating between the
 * servers: heartbeat every `intervalMs`, register again on a 404, back off
 * with full jitter on errors (up to `maxBackoffMs`).
 */
function reporters(
  servers: readonly TestServer[],
  ids: readonly string[],
  timing: { intervalMs: number; maxBackoffMs: number },
) {
  const stopped = new Set<string>();
  let closing = false;
  const loops = ids.map(async (id, i) => {
    let failures = 0;
    for (let n = i; !closing && !stopped.has(id); n++) {
      const via = servers[n % servers.length] as TestServer;
      let response = await via.api.post(`/api/workers/${id}/heartbeat`, {}).catch(() => null);
      if (response?.status === 404) {
        response = await via.api.post('/api/workers', { id, status: 'healthy' }).catch(() => null);
      }
      failures = response && response.status < 300 ? 0 : failures + 1;
      const backoff = Math.random() * Math.min(timing.maxBackoffMs, timing.intervalMs * 2 ** failures);
      await delay(failures ? backoff : timing.intervalMs);
    }
  });
  return {
    stop: (id: string) => stopped.add(id),
    close: async () => {
      closing = true;
      await Promise.all(loops);
    },
  };
}

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

  test('Redis away for seconds and back with its data: healthy workers stay healthy, a stopped one still goes offline', async () => {
    const kept = await startRedis({ persistent: true });
    // The grace after the outage covers these reporters' longest backoff (1 s), the other instance
    // reconnecting later (its backoff reaches 2 s), and a busy machine.
    const config = {
      redisUrl: kept.url,
      heartbeatIntervalMs: 100,
      staleAfterMs: 1000,
      sweepIntervalMs: 50,
      outageGraceMs: 3000,
    };
    const [a, b] = (await Promise.all([startServer(config), startServer(config)])) as [
      TestServer,
      TestServer,
    ];
    running.push(a, b);
    const ids = Array.from({ length: 8 }, (_, i) => `steady-${i}`);
    const fleet = reporters([a, b], [...ids, 'stops'], { intervalMs: 100, maxBackoffMs: 1000 });
    try {
      const streams = [track(await openStream(a.url)), track(await openStream(b.url))];
      await eventually(
        () => a.api.get('/api/workers'),
        (r) => r.body.workers.length === ids.length + 1,
        'every worker registered',
      );
      await delay(500);

      await kept.stop();
      fleet.stop('stops');
      await delay(3000);
      await kept.start();
      // Judging resumes a stale period plus the grace after Redis is back: the worker that stopped goes
      // offline then, and only it.
      for (const stream of streams) {
        await stream.next(
          'worker_status_change',
          (e) => e.data.id === 'stops' && e.data.to === 'offline',
          15_000,
        );
      }
      await delay(1000);
      for (const stream of streams) {
        assert.deepEqual(
          stream.of('worker_status_change').map((e) => `${e.data.id} ${e.data.from} → ${e.data.to}`),
          ['stops healthy → offline'],
          'no healthy worker went offline and came back',
        );
        assert.equal(stream.opens, 1, 'the data was kept: no resync');
      }
      const { workers } = (await b.api.get('/api/workers')).body as { workers: Worker[] };
      assert.deepEqual(
        workers.filter((w) => w.status !== 'healthy').map((w) => w.id),
        ['stops'],
      );
    } finally {
      await fleet.close();
      await Promise.all([a.close(), b.close()]);
      running = [];
      await kept.stop();
    }
  });

  test('Redis restarted empty while workers keep reporting: every dashboard resyncs and none keeps a lost worker', async () => {
    const [a, b] = await instances(2);
    const live = Array.from({ length: 6 }, (_, i) => `live-${i}`);
    const lost = ['lost-0', 'lost-1', 'lost-2', 'lost-3'];
    for (const id of lost) await a.api.post('/api/workers', { id, status: 'healthy' });
    // Fast reporters, so an instance is likely to re-register one (a write of the new epoch) before its
    // own reconnect check has told it that Redis lost its data.
    const fleet = reporters([a, b], live, { intervalMs: 20, maxBackoffMs: 50 });
    try {
      await eventually(
        () => a.api.get('/api/workers'),
        (r) => r.body.workers.length === live.length + lost.length,
        'every worker registered',
      );
      const dashboards = await Promise.all(
        [a, b, a, b, a, b, a, b].map(async (server) => track(await openStream(server.url))),
      );
      const oldEpoch = epochOf(dashboards[0]?.events[0]?.id);

      // Away long enough for the connections' backoffs to drift apart: an instance's event reader can
      // then be back, and deliver another instance's writes of the new epoch, before its own commands
      // connection has checked the epoch.
      await redis.stop();
      await delay(1000);
      await redis.start();
      const workersSeen = (stream: Stream) => {
        const ids = new Set<string>();
        // As a dashboard's store applies them: a snapshot replaces, the others add and remove.
        for (const { type, data } of stream.events as AnyPulseEvent[]) {
          if (type === 'initial_data') {
            ids.clear();
            for (const worker of data.workers) ids.add(worker.id);
          } else if (type === 'worker_registered') ids.add(data.worker.id);
          else if (type === 'worker_deregistered') ids.delete(data.id);
        }
        return ids;
      };
      for (const stream of dashboards) {
        await stream.until(
          () => stream.of('initial_data').length === 2 && live.every((id) => workersSeen(stream).has(id)),
          'a resync and every live worker back',
          15_000,
        );
      }
      let newEpoch: string | undefined;
      for (const stream of dashboards) {
        assert.deepEqual(
          stream.of('reconnect').map((e) => e.data.reason),
          ['storage_reset'],
        );
        assert.deepEqual(
          stream.of('initial_data').map((e) => e.data.resync),
          [false, true],
        );
        // Nothing of the new history reached the stream that began in the old one.
        const cut = stream.events.findIndex((e) => e.type === 'reconnect');
        assert.deepEqual([...new Set(stream.events.slice(0, cut + 1).map((e) => epochOf(e.id)))], [oldEpoch]);
        const after = new Set(stream.events.slice(cut + 1).map((e) => epochOf(e.id)));
        newEpoch ??= [...after][0];
        assert.deepEqual([...after], [newEpoch]);
        assert.notEqual(newEpoch, oldEpoch);
      }
      const keptLost = dashboards.filter((stream) => lost.some((id) => workersSeen(stream).has(id)));
      assert.equal(
        keptLost.length,
        0,
        `${keptLost.length} of ${dashboards.length} dashboards kept lost workers`,
      );
    } finally {
      await fleet.close();
    }
  });

  test('storage: the reset runs before any event of the new epoch reaches an instance, and an id of the old one resyncs', async () => {
    const open = () =>
      createRedisStorage({
        url: redis.url,
        replayWindow: 100,
        recentLogs: 10,
        dashboardIntervalMs: 1000,
        log: quiet,
      });
    const storages = [await open(), await open()] as const;
    try {
      const seen = storages.map((storage) => {
        const marks: string[] = [];
        storage.eventLog.subscribe((event) => marks.push(event.id));
        storage.onDataLost(() => marks.push('reset'));
        return marks;
      });
      const [a] = storages;
      const before = await a.eventLog.append(logLine('before'));
      await redis.stop();
      await redis.start();
      // The first write that gets through starts the new epoch, whether or not the check after the
      // reconnect came first.
      const after = await eventually(
        () => a.eventLog.append(logLine('after')).catch(() => null),
        (event) => event !== null,
        'a write after the restart',
        10_000,
      );
      assert.ok(before && after);
      for (const marks of seen) {
        await eventually(
          async () => marks,
          (m) => m.includes(after.id),
          'the new event delivered',
        );
        assert.deepEqual(marks, [before.id, 'reset', after.id]);
      }
      // The new stream may reuse stream ids the old one had; the epoch tells them apart.
      const { ms, seq } = after.position;
      for (const storage of storages) {
        await eventually(async () => storage.status().ok, Boolean, 'both connections back');
        assert.equal(
          await storage.eventLog.since(`${ms}-${seq}-${before.position.epoch}`),
          'resync',
          'an old-epoch id resyncs even where the stream id exists',
        );
        assert.deepEqual(await storage.eventLog.since(after.id), []);
      }
    } finally {
      await Promise.all(storages.map((storage) => storage.close()));
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
