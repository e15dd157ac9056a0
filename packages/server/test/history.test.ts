import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  FLEET_HISTORY_FIELDS,
  type HistoryResponse,
  type InitialDataPayload,
  WORKER_HISTORY_FIELDS,
} from '@pulseboard/protocol';
import { backends, type TestBackend } from './backends.js';
import { metrics, openStream, queueStats, type Stream, startServer, type TestServer } from './helpers.js';
import { startRedis } from './redis-helpers.js';

/** A minute boundary, so the 10 s and the 1 min buckets both start here. */
const T0 = 1_800_000_000_000;
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

/** A clock the test moves: history files samples by it, so no test waits for time to pass. */
function fakeClock(start = T0) {
  let time = start;
  return {
    now: () => time,
    set(at: number) {
      time = at;
    },
  };
}

interface Setup {
  t: TestServer;
  clock: ReturnType<typeof fakeClock>;
  /** Streams of every instance: an instance's history has an event once its streams have it. */
  streams: Stream[];
}

async function setup(backend: TestBackend, config = {}, start = T0 + S): Promise<Setup> {
  const clock = fakeClock(start);
  const t = await backend.start(config, { now: clock.now });
  const stream = await openStream(t.url);
  after(async () => {
    stream.close();
    await t.close();
  });
  return { t, clock, streams: [stream] };
}

/** A heartbeat at `at`, waiting until its metrics_update went out (and so into history) before the clock moves. */
async function heartbeatAt(
  { t, clock, streams }: Setup,
  at: number,
  id: string,
  body: object,
): Promise<void> {
  clock.set(at);
  const seen = streams.map((stream) => stream.of('metrics_update').length);
  const response = await t.api.post(`/api/workers/${id}/heartbeat`, body);
  assert.equal(response.status, 200);
  await Promise.all(
    streams.map((stream, i) =>
      stream.until(
        () =>
          stream
            .of('metrics_update')
            .slice(seen[i])
            .some((e) => e.data.items.some((row) => row[0] === id)),
        `metrics_update for ${id}`,
      ),
    ),
  );
}

async function history(t: TestServer, query: string): Promise<HistoryResponse> {
  const response = await t.api.get(`/api/history${query}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

/** Every column of an answer: as long as the range has buckets, and only numbers or null (JSON has no NaN). */
function assertGrid(answer: HistoryResponse, fields: readonly string[]): void {
  const buckets = (answer.to - answer.from) / answer.stepMs;
  assert.ok(Number.isInteger(buckets) && buckets >= 0, `whole buckets: ${answer.from}..${answer.to}`);
  assert.deepEqual(Object.keys(answer.values).sort(), [...fields].sort());
  for (const [field, column] of Object.entries(answer.values)) {
    assert.equal(column.length, buckets, `${field} has a value per bucket`);
    for (const value of column) assert.ok(value === null || Number.isFinite(value), `${field}: ${value}`);
  }
}

for (const backend of backends()) {
  describe(`history (${backend.name})`, () => {
    test("a worker's heartbeats become 10 s and 1 min buckets: avg, max or last per field", async () => {
      const s = await setup(backend);
      await s.t.api.post('/api/workers', { id: 'w1', queue: 'q' });
      const beat = (cpu: number, memoryBytes: number, errorCount: number, depth: number) => ({
        metrics: metrics({ cpu, memoryBytes, errorCount }),
        queueStats: queueStats({ depth }),
      });
      await heartbeatAt(s, T0 + 1 * S, 'w1', beat(10, 100, 1, 5));
      await heartbeatAt(s, T0 + 5 * S, 'w1', beat(30, 300, 2, 2));
      await heartbeatAt(s, T0 + 12 * S, 'w1', beat(50, 50, 3, 4));
      // Silent from 20 s to 40 s: a gap.
      await heartbeatAt(s, T0 + 41 * S, 'w1', beat(70, 70, 4, 1));
      s.clock.set(T0 + 55 * S);

      const fine = await history(s.t, `?worker=w1&from=${T0}&to=${T0 + 50 * S}`);
      assertGrid(fine, WORKER_HISTORY_FIELDS);
      assert.equal(fine.stepMs, 10_000);
      assert.equal(fine.from, T0);
      assert.equal(fine.to, T0 + 50 * S);
      assert.deepEqual(fine.values.cpu, [20, 50, null, null, 70], 'average');
      assert.deepEqual(fine.values.memoryBytes, [300, 50, null, null, 70], 'peak');
      assert.deepEqual(fine.values.errorCount, [2, 3, null, null, 4], 'last');
      assert.deepEqual(fine.values.depth, [5, 4, null, null, 1], 'peak');
      assert.equal(fine.worker, 'w1');

      // An hour later the range is answered a bucket per minute.
      s.clock.set(T0 + 2 * HOUR);
      const coarse = await history(s.t, `?worker=w1&from=${T0}&to=${T0 + 2 * MIN}`);
      assertGrid(coarse, WORKER_HISTORY_FIELDS);
      assert.equal(coarse.stepMs, 60_000);
      assert.deepEqual(coarse.values.cpu, [40, null]);
      assert.deepEqual(coarse.values.memoryBytes, [300, null]);
      assert.deepEqual(coarse.values.errorCount, [4, null]);
    });

    test("the fleet's aggregates are sampled from dashboard_update; status changes are kept with their reason", async () => {
      // Registered in the bucket before: the first bucket has only samples with both workers.
      const s = await setup(backend, { dashboardIntervalMs: 50 }, T0 - 5 * S);
      await s.t.api.post('/api/workers', { id: 'a', status: 'healthy', metrics: metrics({ cpu: 10 }) });
      await s.t.api.post('/api/workers', { id: 'b', status: 'healthy', metrics: metrics({ cpu: 30 }) });
      const [stream] = s.streams as [Stream];
      // Dashboards run one at a time: once one has both workers, none read before b registered is in flight
      // (one of those, stamped after the clock moved, put a sample of a alone into the first bucket).
      await stream.next('dashboard_update', (e) => e.data.aggregates.workers.total === 2);
      const dashboardAt = async (at: number) => {
        s.clock.set(at);
        await stream.next('dashboard_update', (e) => e.data.at === at);
      };
      await dashboardAt(T0 + 2 * S);
      s.clock.set(T0 + 3 * S);
      await s.t.api.post('/api/workers/b/heartbeat', { status: 'degraded' });
      await stream.next('worker_status_change', (e) => e.data.id === 'b');
      await dashboardAt(T0 + 4 * S);
      await dashboardAt(T0 + 11 * S);
      s.clock.set(T0 + 21 * S);

      const fleet = await history(s.t, `?from=${T0}&to=${T0 + 20 * S}`);
      assertGrid(fleet, FLEET_HISTORY_FIELDS);
      assert.equal(fleet.worker, null);
      assert.deepEqual(fleet.values.workers, [2, 2]);
      assert.deepEqual(fleet.values.cpuAvg, [20, 20]);
      assert.deepEqual(fleet.values.cpuMax, [30, 30]);
      assert.deepEqual(fleet.values.healthy, [1, 1], 'last: b was degraded before the bucket closed');
      assert.deepEqual(fleet.values.degraded, [1, 1]);
      assert.deepEqual(fleet.statusChanges, []);

      const b = await history(s.t, `?worker=b&from=${T0}&to=${T0 + 20 * S}`);
      assert.deepEqual(b.statusChanges, [
        { at: T0 + 3 * S, from: 'healthy', to: 'degraded', reason: 'reported' },
      ]);
    });

    test('initial_data carries the recent window: the fleet and a sparkline row per worker with samples', async () => {
      const s = await setup(backend, { initialHistoryMs: 60_000 });
      await s.t.api.post('/api/workers', { id: 'w1' });
      await s.t.api.post('/api/workers', { id: 'quiet' });
      for (let i = 0; i < 4; i++) {
        await heartbeatAt(s, T0 + i * 10 * S + S, 'w1', {
          metrics: metrics({ responseTimeMs: 10 * (i + 1) }),
        });
      }
      s.clock.set(T0 + 45 * S);
      const page = await openStream(s.t.url);
      const { history: recent } = (page.of('initial_data')[0] as { data: InitialDataPayload }).data;
      page.close();
      assert.ok(recent);
      assert.equal(recent.stepMs, 10_000);
      assert.equal(recent.buckets, 6);
      assert.equal(recent.from, T0 - 20 * S, 'six closed buckets, ending where the open one starts');
      assert.deepEqual(recent.fields, ['responseTimeMs']);
      assert.deepEqual(recent.workers, [['w1', [null, null, 10, 20, 30, 40]]]);
      assert.deepEqual(Object.keys(recent.fleet).sort(), [...FLEET_HISTORY_FIELDS].sort());
      for (const column of Object.values(recent.fleet)) assert.equal(column.length, 6);

      // Filtered to some workers, it carries only theirs.
      const filtered = await openStream(s.t.url, { query: { workers: 'quiet' } });
      const data = (filtered.of('initial_data')[0] as { data: InitialDataPayload }).data;
      filtered.close();
      assert.deepEqual(data.history?.workers, []);
    });

    test('bad ranges: clear 400s and 404s; absurd ones answered bounded', async () => {
      const s = await setup(backend);
      await s.t.api.post('/api/workers', { id: 'w1' });
      const now = T0 + S;
      const cases: [query: string, status: number, code: string][] = [
        [`?from=${now}&to=${now - 1}`, 400, 'invalid_range'],
        [`?from=${now}&to=${now}`, 400, 'invalid_range'],
        [`?from=${now - 25 * HOUR}&to=${now}`, 400, 'invalid_range'],
        ['?from=abc', 400, 'invalid_query'],
        ['?from=1.5', 400, 'invalid_query'],
        ['?from=-1', 400, 'invalid_query'],
        ['?to=1e15', 400, 'invalid_query'],
        ['?to=99999999999999999', 400, 'invalid_query'],
        ['?to=9000000000000000', 400, 'invalid_query'],
        [`?from=${now - HOUR}&from=${now - MIN}`, 400, 'invalid_query'],
        ['?worker=not%20an%20id', 400, 'invalid_query'],
        ['?worker=nobody', 404, 'unknown_worker'],
      ];
      for (const [query, status, code] of cases) {
        const response = await s.t.api.get(`/api/history${query}`);
        assert.equal(response.status, status, query);
        assert.equal(response.body.error.code, code, query);
      }

      // Defaults: the last hour at 10 s, up to the bucket still open.
      const plain = await history(s.t, '');
      assertGrid(plain, FLEET_HISTORY_FIELDS);
      assert.equal(plain.stepMs, 10_000);
      assert.equal(plain.to, T0);
      assert.equal((plain.to - plain.from) / plain.stepMs, 360);
      // A day, partly older than what is kept: from 24 h ago, a bucket per minute, never more than 1,440.
      const day = await history(s.t, `?worker=w1&from=${now - 24 * HOUR - 5 * MIN}&to=${now - 5 * MIN}`);
      assertGrid(day, WORKER_HISTORY_FIELDS);
      assert.equal(day.stepMs, 60_000);
      assert.ok(day.from >= now - 24 * HOUR - MIN && (day.to - day.from) / day.stepMs <= 1440);
      // Wholly in the future, or wholly older than a day: no buckets.
      for (const query of [
        `?from=${now + HOUR}&to=${now + 2 * HOUR}`,
        `?from=${now - 30 * HOUR}&to=${now - 25 * HOUR}`,
      ]) {
        const empty = await history(s.t, query);
        assertGrid(empty, FLEET_HISTORY_FIELDS);
        assert.equal(empty.to - empty.from, 0, query);
      }
    });

    test('a clock that jumps: buckets already written stay as they were, and none is answered ahead of now', async () => {
      const s = await setup(backend);
      await s.t.api.post('/api/workers', { id: 'w1' });
      await heartbeatAt(s, T0 + 1 * S, 'w1', { metrics: metrics({ cpu: 10 }) });
      await heartbeatAt(s, T0 + 11 * S, 'w1', { metrics: metrics({ cpu: 20 }) });
      // Back five minutes: nothing is recorded over the buckets already written.
      await heartbeatAt(s, T0 - 5 * MIN, 'w1', { metrics: metrics({ cpu: 99 }) });
      await heartbeatAt(s, T0 + 12 * S, 'w1', { metrics: metrics({ cpu: 99 }) });
      // Forward half an hour: a gap, then the new samples.
      await heartbeatAt(s, T0 + 30 * MIN + S, 'w1', { metrics: metrics({ cpu: 30 }) });
      s.clock.set(T0 + 30 * MIN + 15 * S);
      const answer = await history(s.t, `?worker=w1&from=${T0 - 10 * MIN}&to=${T0 + 31 * MIN}`);
      assertGrid(answer, WORKER_HISTORY_FIELDS);
      assert.equal(answer.to, T0 + 30 * MIN + 10 * S, 'up to the bucket still open');
      const cpu = answer.values.cpu as (number | null)[];
      const at = (time: number) => cpu[(time - answer.from) / answer.stepMs];
      assert.equal(at(T0), 10);
      assert.equal(at(T0 + 10 * S), 20);
      assert.equal(at(T0 - 5 * MIN), null, 'samples while the clock was behind are dropped');
      assert.equal(at(T0 + 30 * MIN), 30);
      assert.equal(cpu.filter((v) => v !== null).length, 3);
    });

    test('a worker that leaves takes its history with it', async () => {
      const s = await setup(backend);
      await s.t.api.post('/api/workers', { id: 'w1' });
      await heartbeatAt(s, T0 + S, 'w1', { metrics: metrics({ cpu: 10 }) });
      s.clock.set(T0 + 11 * S);
      assert.deepEqual((await history(s.t, `?worker=w1&from=${T0}&to=${T0 + 10 * S}`)).values.cpu, [10]);
      assert.equal((await s.t.api.del('/api/workers/w1')).status, 204);
      await (s.streams[0] as Stream).next('worker_deregistered');
      assert.equal((await s.t.api.get(`/api/history?worker=w1`)).status, 404);
      await s.t.api.post('/api/workers', { id: 'w1' });
      assert.deepEqual((await history(s.t, `?worker=w1&from=${T0}&to=${T0 + 10 * S}`)).values.cpu, [null]);
    });
  });
}

test('Redis: another instance answers the same, and a restarted instance keeps history', async () => {
  const redis = await startRedis();
  after(() => redis.stop());
  const clock = fakeClock(T0 + S);
  const config = { redisUrl: redis.url };
  const a = await startServer(config, 0, { now: clock.now });
  const b = await startServer(config, 0, { now: clock.now });
  const streams = [await openStream(a.url), await openStream(b.url)];
  await a.api.post('/api/workers', { id: 'w1' });
  // Heartbeats through both instances: every instance sees every sample on the feed.
  await heartbeatAt({ t: a, clock, streams }, T0 + S, 'w1', { metrics: metrics({ cpu: 10 }) });
  await heartbeatAt({ t: b, clock, streams }, T0 + 2 * S, 'w1', { metrics: metrics({ cpu: 30 }) });
  await heartbeatAt({ t: b, clock, streams }, T0 + 11 * S, 'w1', { metrics: metrics({ cpu: 50 }) });
  for (const stream of streams) stream.close();
  clock.set(T0 + 21 * S);
  const query = `?worker=w1&from=${T0}&to=${T0 + 20 * S}`;
  const fromA = await history(a, query);
  assert.deepEqual(fromA.values.cpu, [20, 50]);
  assert.deepEqual(await history(b, query), fromA);

  await a.close();
  await b.close();
  const restarted = await startServer(config, 0, { now: clock.now });
  after(() => restarted.close());
  assert.deepEqual(await history(restarted, query), fromA);
  // A ring is one string, which goes when it is not written for its span (and a bucket).
  const ttl = Number(await redis.command('PTTL', 'pulseboard:history:10000:w:w1'));
  assert.ok(ttl > 3_600_000 && ttl <= 3_610_000, `ttl ${ttl}`);
  assert.ok(Number(await redis.command('STRLEN', 'pulseboard:history:10000:w:w1')) <= 360 * 52);
});
