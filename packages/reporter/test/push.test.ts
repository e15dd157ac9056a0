/**
 * Reporters push changes as they happen (issue 14), coalesced to at most one
 * request per 100 ms, against a real server; and the fleet reporter's batches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFleetReporter, createReporter, mergeHeartbeat } from '@pulseboard/reporter';
import { eventually, openStream, queueStats, startServer } from '../../server/test/helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The global fetch, counting requests by method and path. */
function countingFetch() {
  const counts = new Map<string, number>();
  const counted: typeof fetch = (input, init) => {
    const key = `${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return fetch(input, init);
  };
  return { fetch: counted, count: (key: string) => counts.get(key) ?? 0 };
}

test('mergeHeartbeat: latest value per field, resources by id', () => {
  assert.deepEqual(
    mergeHeartbeat(
      {
        status: 'healthy',
        queueStats: { depth: 1, failed: 2 },
        resources: [{ id: 'db', status: 'healthy' }],
      },
      { queueStats: { depth: 5 }, metrics: { cpu: 3 }, resources: [{ id: 'db', status: 'down' }] },
    ),
    {
      status: 'healthy',
      queueStats: { depth: 5, failed: 2 },
      metrics: { cpu: 3 },
      resources: [{ id: 'db', status: 'down' }],
    },
  );
});

test('a reporter pushing queue stats 1,000 times a second sends about 10 requests a second, the latest values, other fields kept', async () => {
  const t = await startServer();
  const counter = countingFetch();
  const reporter = createReporter({
    url: t.url,
    worker: { id: 'push-1', queue: 'pushq' },
    // Interval heartbeats far apart: every heartbeat request here is a push.
    heartbeatIntervalMs: 60_000,
    fetch: counter.fetch,
  });
  try {
    reporter.update({ queueStats: queueStats({ failed: 4 }) });
    reporter.reportQueue({ deadLetter: 2 });
    await reporter.start();
    const stream = await openStream(t.url);
    const started = Date.now();
    // A fixed number of reports, a millisecond apart as timers allow: a loaded machine takes longer, and
    // the bound on requests follows the time it took.
    let depth = 0;
    while (depth < 1500) {
      reporter.reportQueue({ depth: ++depth });
      await sleep(1);
    }
    const seconds = (Date.now() - started) / 1000;
    await stream.next('queues_update', (e) =>
      e.data.queues.some((q) => q.name === 'pushq' && q.depth === depth),
    );
    const sent = counter.count('POST /api/workers/push-1/heartbeat');
    // Reports come at least ten times faster than requests may go, or coalescing is not under test.
    assert.ok(depth / seconds > 100, `${depth} reports in ${seconds} s`);
    assert.ok(sent <= seconds * 10 + 2, `${sent} requests in ${seconds} s for ${depth} reports`);
    assert.ok(sent >= 2, `${sent} requests`);
    const { body } = await t.api.get('/api/workers');
    const stored = body.workers.find((w: { id: string }) => w.id === 'push-1');
    // The registration carried what was pushed before start(); the pushes only the depth.
    assert.deepEqual(stored.queueStats, queueStats({ failed: 4, deadLetter: 2, depth }));
    stream.close();
  } finally {
    await reporter.stop();
    await t.close();
  }
});

test('fleet reporter: one batch for many workers, pushes coalesced, unknown workers registered again', async () => {
  const t = await startServer({ heartbeatIntervalMs: 200 });
  const counter = countingFetch();
  const ids = ['f-1', 'f-2', 'f-3', 'f-4', 'f-5'];
  const errors: Error[] = [];
  const fleet = createFleetReporter({
    url: t.url,
    workers: ids.map((id) => ({ id, queue: 'fleetq', status: 'healthy' as const })),
    collect: (id) => ({ metrics: { uptimeSec: id === 'f-1' ? 7 : 1 } }),
    fetch: counter.fetch,
    onError: (error) => errors.push(error),
  });
  try {
    await fleet.start();
    // Every registration in one batch.
    assert.equal(counter.count('POST /api/workers'), 1);
    // Interval batches: every worker's heartbeat, one request each time.
    await eventually(
      () => t.api.get('/api/workers'),
      ({ body }) => body.workers.find((w: { id: string }) => w.id === 'f-1')?.metrics?.uptimeSec === 7,
      'an interval batch',
    );
    const before = counter.count('POST /api/heartbeats');
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 500) {
      n++;
      for (const id of ids.slice(0, 3)) fleet.reportQueue(id, { depth: n });
      await sleep(1);
    }
    const elapsed = (Date.now() - started) / 1000;
    await eventually(
      () => t.api.get('/api/workers'),
      ({ body }) =>
        ids
          .slice(0, 3)
          .every((id) => body.workers.find((w: { id: string }) => w.id === id)?.queueStats?.depth === n),
      'the latest depths',
    );
    const batches = counter.count('POST /api/heartbeats') - before;
    // Pushes at most every 100 ms, plus the interval's batches (every 200 ms).
    assert.ok(batches <= elapsed * 15 + 3, `${batches} batches in ${elapsed} s for ${n * 3} reports`);
    assert.equal(counter.count('POST /api/workers/f-1/heartbeat'), 0);

    // The server forgets a worker: its next item is unknown_worker, and the fleet registers it again.
    await t.api.del('/api/workers/f-2');
    fleet.reportQueue('f-2', { depth: 1234 });
    await eventually(
      () => t.api.get('/api/workers'),
      ({ body }) => body.workers.find((w: { id: string }) => w.id === 'f-2')?.queueStats?.depth === 1234,
      're-registration with the state',
    );
    assert.deepEqual(errors, []);
  } finally {
    await fleet.stop();
  }
  try {
    const { body } = await t.api.get('/api/workers');
    assert.deepEqual(body.workers, [], 'stop() deregisters every worker');
    assert.throws(() => fleet.push('nobody', {}), /No worker "nobody"/);
  } finally {
    await t.close();
  }
});

test('fleet reporter: a worker two heartbeat batches find unknown at once is registered once', async () => {
  const t = await startServer({ heartbeatIntervalMs: 150 });
  const registered: string[] = [];
  const errors: Error[] = [];
  // Once armed, the answers to the next two heartbeat batches are held until both are in, then given
  // back together (read already): both name the forgotten worker unknown_worker in the same turn.
  let armed = false;
  const gated = { count: 0, waiting: [] as (() => void)[] };
  const gatedFetch: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    if (init?.method === 'POST' && path === '/api/workers')
      for (const w of JSON.parse(String(init.body)).workers) registered.push(w.id);
    const gate = armed && path === '/api/heartbeats' && gated.count < 2;
    if (gate) gated.count++;
    const response = await fetch(input, init);
    if (!gate) return response;
    const answer = new Response(await response.text(), response);
    await new Promise<void>((resolve) => {
      gated.waiting.push(resolve);
      if (gated.waiting.length === 2) for (const release of gated.waiting) release();
    });
    return answer;
  };
  const fleet = createFleetReporter({
    url: t.url,
    workers: ['g-1', 'g-2'].map((id) => ({ id, queue: 'gq', status: 'healthy' as const })),
    fetch: gatedFetch,
    onError: (error) => errors.push(error),
  });
  try {
    await fleet.start();
    await t.api.del('/api/workers/g-2');
    registered.length = 0;
    armed = true;
    // A push now and the interval's batch within 150 ms: two batches in flight, both with g-2.
    fleet.reportQueue('g-2', { depth: 77 });
    await eventually(
      () => t.api.get('/api/workers'),
      ({ body }) => body.workers.find((w: { id: string }) => w.id === 'g-2')?.queueStats?.depth === 77,
      're-registration with the state',
    );
    assert.deepEqual(registered, ['g-2']);
    assert.deepEqual(errors, []);
  } finally {
    await fleet.stop();
    await t.close();
  }
});

test('fleet reporter: a worker added to a running fleet is registered and heartbeated, one removed deregistered', async () => {
  const t = await startServer({ heartbeatIntervalMs: 200 });
  const fleet = createFleetReporter({ url: t.url, workers: [{ id: 'g-1', queue: 'gq' }] });
  const ids = async () =>
    ((await t.api.get('/api/workers')).body.workers as { id: string; queueStats: unknown }[]).map(
      (w) => w.id,
    );
  try {
    // Added before start(): registered by it.
    await fleet.add({ id: 'g-2', queue: 'gq' });
    await fleet.start();
    assert.deepEqual(await ids(), ['g-1', 'g-2']);
    await fleet.add({ id: 'g-3', queue: 'gq' });
    assert.deepEqual(await ids(), ['g-1', 'g-2', 'g-3']);
    await assert.rejects(fleet.add({ id: 'g-3' }), /is in this fleet already/);
    fleet.reportQueue('g-3', { depth: 9 });
    await eventually(
      () => t.api.get('/api/workers'),
      ({ body }) => body.workers.find((w: { id: string }) => w.id === 'g-3')?.queueStats?.depth === 9,
      'the added worker pushed to',
    );
    await fleet.remove('g-2');
    assert.deepEqual(await ids(), ['g-1', 'g-3']);
    assert.throws(() => fleet.reportQueue('g-2', { depth: 1 }), /No worker "g-2"/);
    // Interval batches no longer name it: it stays gone.
    await sleep(500);
    assert.deepEqual(await ids(), ['g-1', 'g-3']);
  } finally {
    await fleet.stop();
    await t.close();
  }
});

test('fleet reporter: 1,000 workers added together register in one request; a refused one fails only its own add', async () => {
  const t = await startServer({ heartbeatIntervalMs: 60_000 });
  const counter = countingFetch();
  const fleet = createFleetReporter({ url: t.url, workers: [], fetch: counter.fetch });
  try {
    await fleet.start();
    // 1,000 in all: the most one request takes.
    const ids = Array.from({ length: 999 }, (_, i) => `h-${i}`);
    const outcomes = await Promise.allSettled([
      ...ids.map((id) => fleet.add({ id, queue: 'hq', queueStats: { depth: 2 } })),
      fleet.add({ id: 'h-bad', name: 'x'.repeat(500) }),
    ]);
    assert.equal(counter.count('POST /api/workers'), 1);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 999);
    const refused = outcomes.at(-1) as PromiseRejectedResult;
    assert.match(String(refused.reason), /registration of h-bad: invalid_body/);
    const shown = (await t.api.get('/api/workers?limit=1000')).body.workers as {
      id: string;
      queueStats: { depth: number } | null;
    }[];
    assert.equal(shown.filter((w) => w.queueStats?.depth === 2).length, 999);
    assert.ok(!shown.some((w) => w.id === 'h-bad'));
  } finally {
    await fleet.stop();
    await t.close();
  }
});

test('fleet reporter: workers removed together, and every worker at stop, leave in one DELETE /api/workers', async () => {
  const t = await startServer({ heartbeatIntervalMs: 60_000 });
  const counter = countingFetch();
  const ids = Array.from({ length: 1000 }, (_, i) => `s-${i}`);
  const fleet = createFleetReporter({
    url: t.url,
    workers: ids.map((id) => ({ id, queue: 'sq' })),
    fetch: counter.fetch,
  });
  const count = async () => (await t.api.get('/api/workers?limit=1000')).body.workers.length;
  try {
    await fleet.start();
    assert.equal(await count(), 1000);
    // One of them gone already (expired, say): its removal still settles.
    await t.api.del('/api/workers/s-1');
    await Promise.all(['s-0', 's-1', 's-2'].map((id) => fleet.remove(id)));
    assert.equal(counter.count('DELETE /api/workers'), 1);
    assert.equal(await count(), 997);
  } finally {
    await fleet.stop();
  }
  assert.equal(counter.count('DELETE /api/workers'), 2);
  assert.equal(await count(), 0);
  await t.close();
});
