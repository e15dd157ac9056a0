/**
 * The adapter against the real things: a redis-server of the test's own, real
 * BullMQ Queues and Workers, and a listening Pulseboard server the adapter
 * reports to over HTTP; what the dashboard would show is read back from the
 * server (GET /api/workers) and compared with BullMQ's own getJobCounts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Worker as PulseWorker } from '@pulseboard/protocol';
import { Queue, Worker } from 'bullmq';
import { type BullMQWatch, toQueueStats, watchBullMQ } from '../src/index.js';
import { allWorkers, counts, eventually, expectedStats, realThings, sleep } from './helpers.js';

/** The CLI as installed: compiled (npm run build:tests builds it). */
const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const rig = realThings();

function watch(options: Partial<Parameters<typeof watchBullMQ>[0]> = {}): BullMQWatch {
  const handle = watchBullMQ({ connection: rig.redis.url, serverUrl: rig.server.url, ...options });
  rig.cleanup.push(() => handle.close());
  return handle;
}

function queue(name: string, prefix?: string): Queue {
  const q = new Queue(name, { connection: rig.connection, ...(prefix ? { prefix } : {}) });
  rig.cleanup.push(() => q.close());
  return q;
}

const byId = async (id: string) => (await allWorkers(rig.server.url)).find((w) => w.id === id);

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
    await eventually(
      () => byId(id),
      (w) => w?.status === 'degraded',
      'a paused queue degraded',
    );
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
      { connection: { url: rig.redis.url }, concurrency: 1 },
    );
    rig.cleanup.push(() => worker.close());
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
    await worker.close();

    const shown = await byId(id);
    assert.equal(shown?.queueStats?.processed, 4);
    assert.equal(shown?.queueStats?.failed, 0);
    process.stdout.write(`# lags (ms): ${JSON.stringify(lags)}\n`);
    for (const [what, lag] of Object.entries(lags)) assert.ok(lag <= 250, `${what}: shown after ${lag} ms`);
  });

  it('discovers and registers 1,000 queues in a few seconds, each agreeing with getJobCounts; finds a queue created later, drops one deleted', async () => {
    const prefix = 'many';
    const names = Array.from({ length: 1000 }, (_, i) => `q${String(i).padStart(4, '0')}`);
    const queues = names.map((name) => queue(name, prefix));
    // Different counts per queue (1 to 3 waiting, every seventh with a delayed job), so a mix-up shows.
    await Promise.all(
      queues.map(async (q, i) => {
        await q.addBulk(Array.from({ length: 1 + (i % 3) }, () => ({ name: 'job', data: { i } })));
        if (i % 7 === 0) await q.add('later', {}, { delay: 600_000 });
      }),
    );
    const expected = new Map<string, ReturnType<typeof counts>>(
      await Promise.all(queues.map(async (q, i) => [`many:q:${names[i]}`, await expectedStats(q)] as const)),
    );
    const started = Date.now();
    const handle = watch({ prefix, id: 'many', reconcileMs: 60_000 });
    const shown = await eventually(
      // Each look is 1,000 workers' JSON: a few a second, not a hundred.
      async () => {
        await sleep(100);
        return allWorkers(rig.server.url);
      },
      (workers) =>
        workers.filter((w) => w.queueStats && isDeepStrictEqual(counts(w.queueStats), expected.get(w.id)))
          .length === 1000,
      '1,000 queues, each with its getJobCounts',
      30_000,
    );
    const tookMs = Date.now() - started;
    process.stdout.write(`# 1,000 queues discovered, registered and counted in ${tookMs} ms\n`);
    // A generous bound for a 2-core machine shared with other work (1.3 to 5 s there, by its load; 4 to 18 s
    // before registrations were batched and each Queue stopped sending its own INFO).
    assert.ok(tookMs < 10_000, `1,000 queues took ${tookMs} ms`);
    assert.equal(handle.queues.length, 1000);
    const one = shown.find((w) => w.id === 'many:q:q0042') as PulseWorker;
    assert.equal(one.queue, 'q0042');
    assert.equal(one.labels.prefix, prefix);
    // Every queue's actions on the fleet's one stream (`GET /api/fleets/many/actions`), not one each.
    assert.ok(shown.filter((w) => w.id.startsWith('many:q:')).every((w) => w.fleet === 'many'));

    const later = queue('created-later', prefix);
    await later.add('job', {});
    await handle.reconcile();
    await eventually(
      () => byId('many:q:created-later'),
      (w) => w?.queueStats?.depth === 1,
      'the queue created later',
    );

    await later.obliterate();
    await handle.reconcile();
    await eventually(
      () => byId('many:q:created-later'),
      (w) => w === undefined,
      'the deleted queue gone',
    );
  });

  it('a named queue deleted while watched: shown empty as getJobCounts has it, not brought back, no error', async () => {
    const q = queue('doomed');
    await q.addBulk([
      { name: 'a', data: {} },
      { name: 'b', data: {} },
    ]);
    const errors: Error[] = [];
    const handle = watch({
      queues: ['doomed'],
      id: 'doomed',
      reconcileMs: 200,
      onError: (e) => errors.push(e),
    });
    await agrees('doomed:q:doomed', q, Date.now(), 'watched');
    await q.obliterate();
    await agrees('doomed:q:doomed', q, Date.now(), 'deleted');
    assert.deepEqual(await expectedStats(q), counts(toQueueStats({}, 0)));
    // Reconciliations go on reading it: none of them writes its keys back.
    await handle.reconcile();
    await sleep(500);
    assert.deepEqual(await rig.connection.keys('bull:doomed:*'), []);
    assert.deepEqual(errors, []);
  });

  it('shows BullMQ workers as they connect and leave, and a queue nobody works as unhealthy', async () => {
    const q = queue('mail');
    await q.add('send', {}, { delay: 60_000 });
    await q.add('send', {});
    watch({ queues: ['mail'], id: 'conn', reconcileMs: 200 });
    await eventually(
      () => byId('conn:q:mail'),
      (w) => w?.status === 'unhealthy',
      'jobs waiting, no worker',
    );

    const worker = new Worker('mail', async () => 'sent', {
      connection: { url: rig.redis.url },
      name: 'mailer-1',
    });
    rig.cleanup.push(() => worker.close());
    const shown = await eventually(
      () => allWorkers(rig.server.url),
      (workers) => workers.some((w) => w.id.startsWith('conn:q:mail:w:')),
      'the BullMQ worker shown',
    );
    const card = shown.find((w) => w.id.startsWith('conn:q:mail:w:')) as PulseWorker;
    const [connected] = await q.getWorkers();
    assert.equal(card.queue, 'mail');
    assert.equal(card.name, 'mail · mailer-1');
    assert.equal(card.labels.client, connected?.id);
    await eventually(
      () => byId('conn:q:mail'),
      (w) => w?.status === 'healthy',
      'worked: healthy',
    );

    await worker.close();
    await eventually(
      () => allWorkers(rig.server.url),
      (workers) => !workers.some((w) => w.id.startsWith('conn:q:mail:w:')),
      'the BullMQ worker gone',
    );
  });

  it('survives Redis going away: degraded while it is, counts right again after', async () => {
    const q = queue('restart');
    await q.add('job', {});
    const handle = watch({ queues: ['restart'], id: 'restart', reconcileMs: 200 });
    await eventually(
      () => byId('restart:q:restart'),
      (w) => w?.queueStats?.depth === 1,
      'watched',
    );
    assert.equal(handle.redisUp, true);

    await rig.redis.stop();
    await eventually(
      () => byId('restart'),
      (w) => w?.status === 'degraded',
      'the adapter degraded',
    );
    assert.equal((await byId('restart:q:restart'))?.status, 'degraded');
    const resources = (await (await fetch(`${rig.server.url}/api/resources`)).json()) as {
      resources: { id: string; status: string }[];
    };
    assert.equal(resources.resources.find((r) => r.id.startsWith('redis-'))?.status, 'down');
    await sleep(500);

    // Back without its data (no persistence): the queue is empty, then gets two jobs.
    await rig.redis.start();
    await eventually(
      () => byId('restart'),
      (w) => w?.status === 'healthy',
      'the adapter healthy again',
    );
    await eventually(
      () => byId('restart:q:restart'),
      (w) => w?.queueStats?.depth === 0,
      'the emptied queue',
    );
    await q.addBulk([
      { name: 'a', data: {} },
      { name: 'b', data: {} },
    ]);
    await agrees('restart:q:restart', q, Date.now(), 'after the restart');
  });

  it('starts with Redis unreachable: registers degraded, reports the error, never throws, closes cleanly', async () => {
    const errors: Error[] = [];
    const handle = watch({
      connection: 'redis://127.0.0.1:1',
      queues: ['nowhere'],
      id: 'nowhere',
      onError: (error) => errors.push(error),
    });
    await eventually(
      () => byId('nowhere'),
      (w) => w?.status === 'degraded',
      'registered degraded',
    );
    await sleep(300);
    assert.equal(handle.redisUp, false);
    assert.ok(
      errors.some((error) => /ECONNREFUSED/.test(error.message)),
      'the connection error reported',
    );
    await handle.close();
    await eventually(
      () => byId('nowhere'),
      (w) => w === undefined,
      'deregistered on close',
    );
  });

  it('pulseboard-bullmq (the compiled CLI) watches the named queues and deregisters on SIGTERM', async () => {
    const q = queue('cli-q');
    await q.add('job', {});
    const cli = spawn(
      process.execPath,
      [cliPath, '--redis', rig.redis.url, '--server', rig.server.url, '--queues', 'cli-q', '--id', 'cli'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    rig.cleanup.push(async () => cli.kill('SIGKILL'));
    let output = '';
    cli.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // A process of its own loading BullMQ: seconds on a busy machine.
    await eventually(
      () => byId('cli:q:cli-q'),
      (w) => w?.queueStats?.depth === 1,
      'the CLI reporting',
      20_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nstderr: ${output}`);
    });
    cli.kill('SIGTERM');
    const [code] = await once(cli, 'exit');
    assert.equal(code, 0);
    assert.equal(await byId('cli:q:cli-q'), undefined);
    assert.equal(await byId('cli'), undefined);
  });
});
