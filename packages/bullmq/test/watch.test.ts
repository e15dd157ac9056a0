/**
 * The adapter against the real things: a redis-server of the test's own, real
 * BullMQ Queues and Workers, and a listening Pulseboard server the adapter
 * reports to over HTTP; what the dashboard would show is read back from the
 * server (GET /api/workers) and compared with BullMQ's own getJobCounts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { Worker as PulseWorker } from '@pulseboard/protocol';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type BullMQWatch, watchBullMQ } from '../src/index.js';
import {
  allWorkers,
  counts,
  eventually,
  expectedStats,
  sleep,
  startRedis,
  startServer,
  type TestRedis,
  type TestServer,
} from './helpers.js';

let redis: TestRedis;
let server: TestServer;
let connection: Redis;
const cleanup: (() => Promise<unknown>)[] = [];

before(async () => {
  redis = await startRedis();
  server = await startServer();
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
});

after(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  connection.disconnect();
  await server.close();
  await redis.stop();
});

function watch(options: Partial<Parameters<typeof watchBullMQ>[0]> = {}): BullMQWatch {
  const handle = watchBullMQ({ connection: redis.url, serverUrl: server.url, ...options });
  cleanup.push(() => handle.close());
  return handle;
}

function queue(name: string, prefix?: string): Queue {
  const q = new Queue(name, { connection, ...(prefix ? { prefix } : {}) });
  cleanup.push(() => q.close());
  return q;
}

const byId = async (id: string) => (await allWorkers(server.url)).find((w) => w.id === id);

/** Waits until the server shows `queue`'s getJobCounts on `id`; answers how long that took after `since`. */
async function agrees(id: string, q: Queue, since: number, what: string): Promise<number> {
  const expected = await expectedStats(q);
  await eventually(
    () => byId(id),
    (worker) => worker?.queueStats != null && isDeepStrictEqual(counts(worker.queueStats), expected),
    `${what}: ${id} showing ${JSON.stringify(expected)}`,
  );
  return Date.now() - since;
}

describe('watchBullMQ', () => {
  it('shows each change as getJobCounts has it within 250 ms (events, no reconciliation)', async () => {
    const q = queue('orders');
    await q.waitUntilReady();
    // A minute between reconciliations: only BullMQ's events can bring the changes in time.
    watch({ queues: ['orders'], prefix: 'bull', id: 'live', reconcileMs: 60_000 });
    const id = 'live:q:orders';
    await eventually(
      () => byId(id),
      (w) => w?.queueStats != null,
      'the queue registered',
    );

    const lags: Record<string, number> = {};
    const step = async (what: string, change: () => Promise<unknown>) => {
      await change();
      lags[what] = await agrees(id, q, Date.now(), what);
    };
    await step('3 jobs added', () => q.addBulk([1, 2, 3].map((n) => ({ name: 'pay', data: { n } }))));
    await step('a delayed job', () => q.add('later', {}, { delay: 60_000, jobId: 'later' }));
    await step('a prioritized job', () => q.add('urgent', {}, { priority: 1 }));
    await step('paused', () => q.pause());
    await step('resumed', () => q.resume());
    await step('the delayed job promoted', async () => (await q.getJob('later'))?.promote());

    // A real Worker: the first job's attempt fails with a real error, the rest complete.
    let done = 0;
    const worker = new Worker(
      'orders',
      async (job) => {
        if (job.data.n === 1) throw new Error('card declined');
        return 'ok';
      },
      { connection: connection.duplicate(), concurrency: 1 },
    );
    cleanup.push(() => worker.close());
    const settled = new Promise<number>((resolve) => {
      const count = () => {
        done++;
        if (done === 5) resolve(Date.now());
      };
      worker.on('completed', count);
      worker.on('failed', count);
    });
    lags['worker drained the queue'] = await agrees(id, q, await settled, 'worker');
    await step('failed cleaned', () => q.clean(0, 0, 'failed'));

    const shown = await byId(id);
    assert.equal(shown?.queueStats?.processed, 4);
    assert.equal(shown?.queueStats?.failed, 0);
    process.stdout.write(`# lags (ms): ${JSON.stringify(lags)}\n`);
    for (const [what, lag] of Object.entries(lags)) assert.ok(lag <= 250, `${what}: shown after ${lag} ms`);
  });
});
