import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { ServerConfigInput } from '../src/index.js';
import { ActionStream, declaringWorker, requestAction } from './action-helpers.js';
import { eventually, openStream, type Stream, startServer, type TestServer } from './helpers.js';
import { startRedis, storedEvents, type TestRedis } from './redis-helpers.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

/** Two instances on one Redis, as behind a load balancer: actions cross from one to the other once. */
describe('actions across instances on one Redis', () => {
  let redis: TestRedis;
  let running: TestServer[] = [];
  const closers: { close(): void }[] = [];

  const instances = async (config: Partial<ServerConfigInput> = {}) => {
    const started = await Promise.all([0, 1].map(() => startServer({ redisUrl: redis.url, ...config })));
    running.push(...started);
    return started as [TestServer, TestServer];
  };
  const track = <T extends { close(): void }>(closer: T) => {
    closers.push(closer);
    return closer;
  };

  before(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const closer of closers.splice(0)) closer.close();
    await Promise.all(running.map((server) => server.close()));
    running = [];
    await redis.command('FLUSHALL');
  });
  after(() => redis.stop());

  test("a fleet's workers registered on A, its stream on B: each action requested on A delivered on B once", async () => {
    const [a, b] = await instances();
    await a.api.post('/api/workers', {
      workers: ['f-1', 'f-2'].map((id) => declaringWorker(id, { fleet: 'fleet-x' })),
    });
    const onB = track(await ActionStream.open(b.url, 'fleet-x', { fleet: true }));
    const one = await requestAction(a.api, 'f-1', 'pause');
    const two = await requestAction(a.api, 'f-2', 'drain');
    await onB.until(() => onB.actions.length >= 2, 'both actions');
    await settle();
    assert.deepEqual(
      onB.actions.map((x) => [x.id, x.worker]),
      [
        [one, 'f-1'],
        [two, 'f-2'],
      ],
    );
  });

  test('requested on A, delivered on B exactly once, across a reconnect to B and a move to A', async () => {
    const [a, b] = await instances();
    await a.api.post('/api/workers', declaringWorker('w1'));
    const onB = track(await ActionStream.open(b.url, 'w1'));
    const first = await requestAction(a.api, 'w1', 'pause');
    await onB.next('action', (f) => (f.data as { id: string }).id === first);
    const resume = onB.lastEventId as string;
    onB.close();

    const whileAway = await requestAction(a.api, 'w1', 'drain');
    const backOnB = track(await ActionStream.open(b.url, 'w1', { lastEventId: resume }));
    await backOnB.next('action', (f) => (f.data as { id: string }).id === whileAway);
    const live = await requestAction(a.api, 'w1', 'pause');
    await backOnB.next('action', (f) => (f.data as { id: string }).id === live);
    await settle();
    assert.deepEqual(
      backOnB.actions.map((x) => x.id),
      [whileAway, live],
    );
    // The worker got both and says so by resuming from the last: moving to A, it gets nothing again.
    const resumeAgain = backOnB.lastEventId as string;
    backOnB.close();
    const onA = track(await ActionStream.open(a.url, 'w1', { lastEventId: resumeAgain }));
    const next = await requestAction(b.api, 'w1', 'drain');
    await onA.next('action', (f) => (f.data as { id: string }).id === next);
    await settle();
    assert.deepEqual(
      onA.actions.map((x) => x.id),
      [next],
    );
    // Every answer lands once, wherever it is posted.
    for (const [id, server] of [
      [first, a],
      [whileAway, b],
      [live, a],
      [next, b],
    ] as const) {
      assert.equal((await server.api.post(`/api/actions/${id}/result`, { ok: true })).status, 200);
    }
    const completed = (await storedEvents(redis)).filter((e) => e.fields.type === 'action_completed');
    assert.equal(completed.length, 4);
  });

  test('one worker streaming on both instances: 40 actions requested on both, each delivered once', async () => {
    const [a, b] = await instances();
    await a.api.post('/api/workers', declaringWorker('w1'));
    const onA = track(await ActionStream.open(a.url, 'w1'));
    const onB = track(await ActionStream.open(b.url, 'w1'));
    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        requestAction((i % 2 ? a : b).api, 'w1', i % 3 ? 'pause' : 'drain'),
      ),
    );
    const received = () => [...onA.actions, ...onB.actions].map((x) => x.id);
    await eventually(
      async () => received().length,
      (n) => n >= 40,
      '40 deliveries',
    );
    await settle();
    assert.equal(received().length, 40, 'no action twice');
    assert.deepEqual([...received()].sort(), [...ids].sort());
  });

  test('an unanswered action times out once, though both instances sweep', async () => {
    const [a, b] = await instances({ actionTimeoutMs: 200, sweepIntervalMs: 10 });
    const dashboards: Stream[] = [track(await openStream(a.url)), track(await openStream(b.url))];
    await a.api.post('/api/workers', declaringWorker('w1'));
    const ids = await Promise.all(Array.from({ length: 10 }, () => requestAction(b.api, 'w1', 'pause')));
    for (const dashboard of dashboards) {
      await dashboard.until(() => dashboard.of('action_completed').length >= 10, 'ten timeouts');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const dashboard of dashboards) {
      const completed = dashboard.of('action_completed');
      assert.equal(completed.length, 10, 'each once');
      assert.deepEqual(completed.map((e) => e.data.action.id).sort(), [...ids].sort());
      assert.ok(completed.every((e) => e.data.action.status === 'timeout'));
    }
    const stored = (await storedEvents(redis)).filter((e) => e.fields.type === 'action_completed');
    assert.equal(stored.length, 10);
  });
});
