/**
 * BullMQ's failed jobs as dead letters and the operator actions, end to end:
 * a redis-server of the test's own, real BullMQ Queues and Workers, the
 * adapter, and a listening Pulseboard server. What an operator would see is
 * read back over HTTP (GET /api/dead-letters, GET /api/actions), actions are
 * requested as a dashboard requests them (POST /api/actions), and their effect
 * is checked through BullMQ's own API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Action, DeadLetter } from '@pulseboard/protocol';
import { Queue, Worker } from 'bullmq';
import { watchBullMQ } from '../src/index.js';
import { allWorkers, eventually, realThings } from './helpers.js';

const rig = realThings();

/**
 * Queue `name` watched by an adapter (id `a-<name>`), and a Worker that fails a job while `failing` says so
 * (with a real TypeError), counting its runs per job id.
 */
async function setup(name: string, options: Partial<Parameters<typeof watchBullMQ>[0]> = {}) {
  const queue = new Queue(name, { connection: rig.connection });
  const runs = new Map<string, number>();
  const state = { failing: true };
  const worker = new Worker(
    name,
    async (job) => {
      runs.set(job.id as string, (runs.get(job.id as string) ?? 0) + 1);
      if (state.failing) throw new TypeError(`card declined for order ${job.data.order}`);
      return 'charged';
    },
    { connection: { url: rig.redis.url } },
  );
  const watch = watchBullMQ({
    connection: rig.redis.url,
    serverUrl: rig.server.url,
    queues: [name],
    id: `a-${name}`,
    // A minute between reconciliations: the changes must come from BullMQ's events and the actions.
    reconcileMs: 60_000,
    ...options,
  });
  rig.cleanup.push(
    () => watch.close(),
    () => worker.close(),
    () => queue.close(),
  );
  const id = `a-${name}:q:${name}`;
  await eventually(
    async () => (await allWorkers(rig.server.url)).find((w) => w.id === id),
    (w) => w?.status !== undefined && w.status !== 'starting',
    `${id} registered`,
  );
  return { queue, worker, runs, state, id, watch };
}

/** A job added and failed for good (two attempts); answers its id. */
async function failedJob(queue: Queue, order: number): Promise<string> {
  const job = await queue.add('charge', { order, card: '4242' }, { attempts: 2 });
  await eventually(
    () => job.getState(),
    (s) => s === 'failed',
    `job ${job.id} failed`,
  );
  return job.id as string;
}

async function deadLetters(queue: string): Promise<DeadLetter[]> {
  const response = await fetch(`${rig.server.url}/api/dead-letters?queue=${encodeURIComponent(queue)}`);
  if (response.status === 404) return [];
  return ((await response.json()) as { deadLetters: DeadLetter[] }).deadLetters;
}

/** Requests `action` of `worker` as a dashboard does, and waits for its outcome. */
async function act(worker: string, action: string, params: Record<string, unknown> = {}): Promise<Action> {
  const response = await fetch(`${rig.server.url}/api/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ worker, action, params }),
  });
  const body = (await response.json()) as { id: string };
  assert.equal(response.status, 202, JSON.stringify(body));
  return eventually(
    async () =>
      (
        (await (await fetch(`${rig.server.url}/api/actions?limit=500`)).json()) as { actions: Action[] }
      ).actions.find((a) => a.id === body.id),
    (a) => a !== undefined && ['ok', 'error', 'timeout'].includes(a.status),
    `${action} answered`,
  ) as Promise<Action>;
}

describe('BullMQ dead letters and actions', () => {
  it('reports failed jobs as dead letters, newest first, with failedReason, stack, attemptsMade and data', async () => {
    const { queue, runs, id } = await setup('payments');
    const first = await failedJob(queue, 1);
    const second = await failedJob(queue, 2);
    const letters = await eventually(
      () => deadLetters('payments'),
      (list) => list.length === 2,
      'both failed jobs as dead letters',
    );
    assert.deepEqual(
      letters.map((l) => l.id),
      [second, first],
      'newest first',
    );
    const [newest] = letters as [DeadLetter];
    assert.equal(newest.workerId, id);
    assert.equal(newest.name, 'charge');
    assert.equal(newest.attempts, 2);
    assert.equal(runs.get(second), 2);
    assert.equal(newest.error.message, 'card declined for order 2');
    assert.match(newest.error.stack ?? '', /^TypeError: card declined for order 2\n\s+at /);
    assert.deepEqual(newest.payload, { order: 2, card: '4242' });
    const job = await queue.getJob(second);
    assert.equal(newest.failedAt, job?.finishedOn);
    // Cleaned through BullMQ itself (no action): the list follows.
    await queue.clean(0, 0, 'failed');
    await eventually(
      () => deadLetters('payments'),
      (list) => list.length === 0,
      'the cleaned jobs gone',
    );
  });

  it('performs the actions through BullMQ: retry runs the job again, pause pauses, a gone job is a clear error', async () => {
    const { queue, runs, state, id } = await setup('orders');
    const registered = (await allWorkers(rig.server.url)).find((w) => w.id === id);
    assert.deepEqual(registered?.actions.map((a) => `${a.target}:${a.name}`).sort(), [
      'deadLetters:cleanFailed',
      'deadLetters:remove',
      'deadLetters:retry',
      'deadLetters:retryAll',
      'queue:cleanCompleted',
      'queue:pause',
      'queue:promote',
      'queue:removeJob',
      'queue:resume',
    ]);

    // Retry one: BullMQ runs it again, it completes, and it leaves the dead letters.
    const jobId = await failedJob(queue, 7);
    await eventually(
      () => deadLetters('orders'),
      (list) => list.some((l) => l.id === jobId),
      'the dead letter',
    );
    state.failing = false;
    const retried = await act(id, 'retry', { id: jobId });
    assert.equal(retried.status, 'ok', retried.message ?? '');
    assert.equal(retried.message, `Job ${jobId} moved back to waiting`);
    await eventually(
      async () => (await queue.getJob(jobId))?.getState(),
      (s) => s === 'completed',
      'the retried job completed',
    );
    assert.equal(runs.get(jobId), 3, 'two failed attempts, then the retried run');
    assert.equal((await queue.getJob(jobId))?.returnvalue, 'charged');
    await eventually(
      () => deadLetters('orders'),
      (list) => !list.some((l) => l.id === jobId),
      'the retried job gone from the dead letters',
    );

    // A job that no longer exists: an error outcome saying so, nothing else changed.
    state.failing = true;
    const gone = await failedJob(queue, 8);
    await queue.remove(gone);
    const missing = await act(id, 'retry', { id: gone });
    assert.equal(missing.status, 'error');
    assert.equal(missing.message, `No job "${gone}" in queue "orders"`);
    // A job that did not fail is not retried.
    const completedRetry = await act(id, 'retry', { id: jobId });
    assert.equal(completedRetry.status, 'error');
    assert.match(completedRetry.message ?? '', /is completed, not failed/);

    // Delete one: gone from BullMQ and from the dead letters.
    const doomed = await failedJob(queue, 9);
    await eventually(
      () => deadLetters('orders'),
      (list) => list.some((l) => l.id === doomed),
      'the dead letter to delete',
    );
    assert.equal((await act(id, 'remove', { id: doomed })).status, 'ok');
    assert.equal(await queue.getJob(doomed), undefined);
    await eventually(
      () => deadLetters('orders'),
      (list) => !list.some((l) => l.id === doomed),
      'the deleted job gone from the dead letters',
    );

    // Retry all, then clean failed.
    const many = [await failedJob(queue, 10), await failedJob(queue, 11)];
    state.failing = false;
    const all = await act(id, 'retryAll');
    assert.equal(all.message, '2 failed jobs moved back to waiting');
    for (const job of many)
      await eventually(
        async () => (await queue.getJob(job))?.getState(),
        (s) => s === 'completed',
        `${job} completed after retry all`,
      );
    state.failing = true;
    await failedJob(queue, 12);
    const cleaned = await act(id, 'cleanFailed', {});
    assert.equal(cleaned.message, '1 failed job removed');
    assert.equal(await queue.getFailedCount(), 0);
    await eventually(
      () => deadLetters('orders'),
      (list) => list.length === 0,
      'no dead letters after clean failed',
    );

    // Promote a delayed job: it runs now.
    state.failing = false;
    const later = await queue.add('charge', { order: 13 }, { delay: 3_600_000 });
    assert.equal((await act(id, 'promote', { id: later.id as string })).status, 'ok');
    await eventually(
      () => later.getState(),
      (s) => s === 'completed',
      'the promoted job ran',
    );

    // Pause and resume, as BullMQ says.
    assert.equal((await act(id, 'pause')).status, 'ok');
    assert.equal(await queue.isPaused(), true);
    assert.equal((await act(id, 'resume')).status, 'ok');
    assert.equal(await queue.isPaused(), false);
  });

  it('reports no dead letters with deadLettersMax 0, and declares no actions read-only', async () => {
    const { queue, id } = await setup('quiet', { deadLettersMax: 0, actions: false });
    await failedJob(queue, 1);
    await eventually(
      async () => (await allWorkers(rig.server.url)).find((w) => w.id === id)?.queueStats?.failed,
      (failed) => failed === 1,
      'the failure counted',
    );
    assert.deepEqual(await deadLetters('quiet'), []);
    assert.deepEqual((await allWorkers(rig.server.url)).find((w) => w.id === id)?.actions, []);
  });
});
