import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { register } from 'prom-client';
import { backends } from './backends.js';
import {
  compareIds,
  eventually,
  metrics,
  metricsItems,
  openStream,
  promValue,
  queueStats,
  type TestServer,
} from './helpers.js';

for (const backend of backends()) {
  describe(`worker API and the events it causes (${backend.name})`, () => {
    let t: TestServer;
    before(async () => {
      t = await backend.start({ dashboardIntervalMs: 200, pingIntervalMs: 200 });
    });
    after(() => t.close());

    test('every event type reaches a real EventSource, with increasing ids', async () => {
      const stream = await openStream(t.url);
      const initial = stream.of('initial_data')[0];
      assert.ok(initial);
      assert.equal(initial.data.resync, false);
      assert.equal(initial.data.config.dashboardIntervalMs, 200);

      const created = await t.api.post('/api/workers', { id: 'w-all', name: 'All', queue: 'email' });
      assert.equal(created.status, 201);
      assert.equal(created.body.worker.status, 'starting');
      assert.equal((await stream.next('worker_registered')).data.worker.id, 'w-all');

      assert.equal((await t.api.post('/api/workers/w-all/heartbeat', { status: 'healthy' })).status, 200);
      const change = await stream.next('worker_status_change');
      assert.deepEqual(
        [change.data.from, change.data.to, change.data.reason],
        ['starting', 'healthy', 'reported'],
      );

      await t.api.post('/api/workers/w-all/heartbeat', {
        metrics: metrics({ cpu: 42 }),
        queueStats: queueStats({ deadLetter: 3 }),
        resources: [{ id: 'db', kind: 'database', status: 'healthy', latencyMs: 3 }],
      });
      const update = await stream.next('metrics_update', (e) => metricsItems(e.data)[0]?.metrics?.cpu === 42);
      const item = metricsItems(update.data)[0];
      const listed = (await t.api.get('/api/workers')).body.workers.find(
        (w: { id: string }) => w.id === 'w-all',
      );
      assert.equal(
        item?.lastHeartbeatAt,
        listed.lastHeartbeatAt,
        'the heartbeat time rides on metrics_update',
      );
      assert.equal(stream.of('worker_status_update').length, 0, 'a heartbeat is not an event of its own');
      assert.equal((await stream.next('resources_update')).data.resources[0]?.id, 'db');

      assert.equal(
        (await t.api.put('/api/resources/cache', { status: 'degraded', kind: 'cache' })).status,
        200,
      );
      await stream.next('resources_update', (e) => e.data.resources[0]?.id === 'cache');

      const logs = await t.api.post('/api/workers/w-all/logs', {
        entries: [
          { level: 'info', message: 'one' },
          { level: 'error', message: 'two', at: 5 },
          // Ahead of the server's clock, but within the day it allows.
          { level: 'info', message: 'three', at: Date.now() + 12 * 3_600_000 },
        ],
      });
      assert.equal(logs.status, 202);
      const log = await stream.next('log');
      assert.deepEqual(
        log.data.entries.map((e) => [e.workerId, e.level, e.message]),
        [
          ['w-all', 'info', 'one'],
          ['w-all', 'error', 'two'],
          ['w-all', 'info', 'three'],
        ],
      );
      assert.equal(log.data.entries[1]?.at, 5);

      // Whichever dashboard_update first reflects the heartbeat above.
      const dashboard = await stream.next(
        'dashboard_update',
        (e) => e.data.aggregates.deadLetter.total === 3,
      );
      assert.ok(stream.of('dashboard_update').some((e) => e.data.workers.some((w) => w.id === 'w-all')));
      assert.deepEqual(
        dashboard.data.queues.map((q) => [q.name, q.deadLetter, q.consumers]),
        [['email', 3, 1]],
      );
      await stream.next('ping');

      assert.equal((await t.api.del('/api/workers/w-all')).status, 204);
      const gone = await stream.next('worker_deregistered');
      assert.deepEqual([gone.data.id, gone.data.reason], ['w-all', 'requested']);

      // The next dashboard_update lists only workers that changed since the previous one: none left.
      const quiet = await stream.next('dashboard_update', (e) => compareIds(e.id, gone.id) > 0);
      assert.deepEqual(quiet.data.workers, []);
      assert.equal(quiet.data.aggregates.workers.total, 0);

      const logged = stream.events.filter((e) => e.type !== 'ping' && e.type !== 'initial_data');
      for (let i = 1; i < logged.length; i++) {
        const [a, b] = [logged[i - 1]?.id, logged[i]?.id] as [string, string];
        assert.ok(compareIds(b, a) > 0, `ids increase: ${a} < ${b}`);
      }
      stream.close();
    });

    test('registration is idempotent; heartbeats for unknown ids get 404', async () => {
      const stream = await openStream(t.url);
      assert.equal((await t.api.post('/api/workers', { id: 'w-idem', name: 'A' })).status, 201);
      const again = await t.api.post('/api/workers', { id: 'w-idem', name: 'A' });
      assert.equal(again.status, 200);
      assert.equal(again.body.heartbeatIntervalMs, 5000);
      const renamed = await t.api.post('/api/workers', { id: 'w-idem', name: 'B', labels: { region: 'eu' } });
      assert.equal(renamed.body.worker.name, 'B');
      await stream.next('worker_registered', (e) => e.data.worker.name === 'B');
      assert.equal(
        stream.of('worker_registered').length,
        2,
        'an unchanged re-registration emits no worker_registered',
      );

      const unknown = await t.api.post('/api/workers/nobody/heartbeat', {});
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'unknown_worker');
      assert.equal((await t.api.del('/api/workers/nobody')).status, 404);
      assert.equal(
        (await t.api.post('/api/workers/nobody/logs', { entries: [{ level: 'info', message: 'x' }] })).status,
        404,
      );

      const list = await t.api.get('/api/workers');
      assert.deepEqual(
        list.body.workers.map((w: { id: string }) => w.id),
        ['w-idem'],
      );
      await t.api.del('/api/workers/w-idem');
      stream.close();
    });

    test('metrics from many heartbeats within one push gap become one metrics_update', async () => {
      const slow = await backend.start({ metricsIntervalMs: 500, pushGapMs: 500 });
      try {
        const stream = await openStream(slow.url);
        for (const id of ['m1', 'm2', 'm3']) await slow.api.post('/api/workers', { id });
        await slow.api.post('/api/workers/m1/heartbeat', { metrics: metrics() });
        const first = await stream.next('metrics_update');
        // Right after a push there is a whole gap to send the next batch in.
        await Promise.all([
          slow.api.post('/api/workers/m1/heartbeat', { metrics: metrics({ cpu: 1 }) }),
          slow.api.post('/api/workers/m2/heartbeat', { metrics: metrics({ cpu: 2 }) }),
          slow.api.post('/api/workers/m3/heartbeat', { queueStats: queueStats({ depth: 9 }) }),
        ]);
        await slow.api.post('/api/workers/m1/heartbeat', { metrics: metrics({ cpu: 11 }) });
        const next = await stream.next('metrics_update', (e) => e.id !== first.id);
        assert.deepEqual(
          metricsItems(next.data)
            .map((item) => [item.id, item.metrics?.cpu ?? null, item.queueStats?.depth ?? null])
            .sort(),
          [
            ['m1', 11, null],
            ['m2', 2, null],
            ['m3', null, 9],
          ],
        );
        stream.close();
      } finally {
        await slow.close();
      }
    });

    test('queues are derived from workers that report queue stats; snapshot has recent logs', async () => {
      await t.api.post('/api/workers', { id: 'q1', queue: 'email', queueStats: queueStats({ depth: 2 }) });
      await t.api.post('/api/workers', {
        id: 'q2',
        queue: 'email',
        queueStats: queueStats({ depth: 3, deadLetter: 1 }),
      });
      await t.api.post('/api/workers', { id: 'q3', queue: 'sms' });
      await t.api.post('/api/workers/q1/logs', { entries: [{ level: 'warn', message: 'slow' }] });
      const stream = await openStream(t.url);
      const snapshot = stream.of('initial_data')[0]?.data;
      assert.ok(snapshot);
      assert.deepEqual(
        snapshot.queues.map((q) => [q.name, q.depth, q.deadLetter, q.consumers, q.workerIds]),
        [['email', 5, 1, 2, ['q1', 'q2']]],
      );
      assert.equal(snapshot.logs.at(-1)?.message, 'slow');
      assert.deepEqual(snapshot.workers.map((w) => w.id).sort(), ['q1', 'q2', 'q3']);
      for (const id of ['q1', 'q2', 'q3']) await t.api.del(`/api/workers/${id}`);
      stream.close();
    });

    test('a resource report that repeats the stored one changes nothing, updatedAt included', async () => {
      const stream = await openStream(t.url);
      const first = (await t.api.put('/api/resources/repeat', { status: 'healthy', latencyMs: 2 })).body
        .resource;
      await stream.next('resources_update', (e) => e.data.resources[0]?.id === 'repeat');
      // A later millisecond, so a refreshed updatedAt would show.
      await eventually(
        async () => Date.now(),
        (now) => now > first.updatedAt,
        'the clock to move',
      );
      const again = await t.api.put('/api/resources/repeat', { status: 'healthy' });
      assert.deepEqual(again.body.resource, first, 'left-out fields are kept, and nothing else moved');
      await t.api.post('/api/workers', { id: 'reporter' });
      await t.api.post('/api/workers/reporter/heartbeat', {
        resources: [{ id: 'repeat', status: 'healthy', latencyMs: 2 }],
      });
      const stored = (await t.api.get('/api/resources')).body.resources;
      assert.deepEqual(
        stored.find((r: { id: string }) => r.id === 'repeat'),
        first,
      );

      const changed = (await t.api.put('/api/resources/repeat', { status: 'down' })).body.resource;
      assert.ok(changed.updatedAt > first.updatedAt);
      const update = await stream.next('resources_update', (e) => e.data.resources[0]?.status === 'down');
      assert.deepEqual(update.data.resources, [changed]);
      assert.equal(stream.of('resources_update').length, 2, 'the repeats emitted nothing');
      await t.api.del('/api/workers/reporter');
      stream.close();
    });

    test('/metrics: process metrics beside the pulseboard ones, on a registry of the app', async () => {
      const stream = await openStream(t.url);
      await t.api.post('/api/workers', { id: 'scraped', status: 'healthy' });
      await t.api.post('/api/workers/scraped/heartbeat', {});
      const scrape = await t.api.get('/metrics');
      assert.equal(scrape.status, 200);
      assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain/);
      const text = scrape.body as string;
      assert.ok(promValue(text, 'process_resident_memory_bytes') > 0);
      assert.match(text, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
      assert.equal(promValue(text, 'pulseboard_sse_clients'), 1);
      assert.ok(promValue(text, 'pulseboard_workers', 'status="healthy"') >= 1);
      assert.ok(promValue(text, 'pulseboard_heartbeats_total') >= 1);
      assert.ok(promValue(text, 'pulseboard_events_logged_total', 'type="worker_registered"') >= 1);
      assert.ok(promValue(text, 'pulseboard_sse_frames_sent_total') >= 1);
      for (const name of [
        'pulseboard_sse_buffered_bytes',
        'pulseboard_sse_clients_dropped_total',
        'pulseboard_resources',
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
      }
      assert.deepEqual(await register.getMetricsAsJSON(), [], "nothing in prom-client's global registry");
      await t.api.del('/api/workers/scraped');
      stream.close();
    });
  });
}
