/**
 * The BullMQ operations the operator actions will run, and the dead-letter
 * read, against a real redis-server with real Queues and Workers; each result
 * checked through BullMQ's own API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  cleanJobs,
  OperationError,
  pauseQueue,
  promoteJob,
  readDeadLetter,
  removeJob,
  resumeQueue,
  retryAllFailed,
  retryJob,
} from '../src/index.js';
import { eventually, startRedis, type TestRedis } from './helpers.js';

let redis: TestRedis;
let connection: Redis;
let n = 0;
const closing: { close(): Promise<unknown> }[] = [];

before(async () => {
  redis = await startRedis();
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
});

after(async () => {
  for (const item of closing) await item.close();
  connection.disconnect();
  await redis.stop();
});

/** A queue of the test's own, and a Worker on it that fails jobs whose data says so. */
async function setup() {
  const name = `ops${++n}`;
  const queue = new Queue(name, { connection });
  let runs = 0;
  const worker = new Worker(
    name,
    async (job) => {
      runs++;
      if (job.data.fail) throw new TypeError(`bad input ${job.id}`);
      return 'done';
    },
    { connection: { url: redis.url } },
  );
  closing.push(worker, queue);
  return { queue, worker, runs: () => runs };
}

/** A job that ran and failed; answers its id. */
async function failedJob(queue: Queue, data: unknown = { fail: true }): Promise<string> {
  const job = await queue.add('charge', data);
  await eventually(
    () => job.getState(),
    (state) => state === 'failed',
    `job ${job.id} failed`,
  );
  return job.id as string;
}

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof OperationError && error.code === code);

describe('BullMQ operations', () => {
  it('retryJob runs a failed job again; a missing or not-failed job is refused', async () => {
    const { queue, runs } = await setup();
    const id = await failedJob(queue);
    assert.equal(runs(), 1);
    await retryJob(queue, id);
    await eventually(
      async () => runs(),
      (count) => count === 2,
      'the job run again',
    );
    await rejectsWith(retryJob(queue, 'no-such-job'), 'job_not_found');
    const done = await queue.add('ok', {});
    await eventually(
      () => done.getState(),
      (state) => state === 'completed',
      'completed',
    );
    await rejectsWith(retryJob(queue, done.id as string), 'job_not_failed');
  });

  it('retryAllFailed moves every failed job back and answers how many', async () => {
    const { queue, runs } = await setup();
    await failedJob(queue);
    await failedJob(queue);
    assert.equal(await retryAllFailed(queue), 2);
    await eventually(
      async () => runs(),
      (count) => count === 4,
      'both run again',
    );
  });

  it('removeJob removes a job; a missing one is refused', async () => {
    const { queue, worker } = await setup();
    await worker.pause();
    const job = await queue.add('x', {});
    await removeJob(queue, job.id as string);
    assert.equal(await queue.getJob(job.id as string), undefined);
    await rejectsWith(removeJob(queue, job.id as string), 'job_not_found');
  });

  it('cleanJobs removes failed or completed jobs and answers their ids', async () => {
    const { queue } = await setup();
    const failed = await failedJob(queue);
    const ok = await queue.add('ok', {});
    await eventually(
      () => ok.getState(),
      (state) => state === 'completed',
      'completed',
    );
    assert.deepEqual(await cleanJobs(queue, 'failed'), [failed]);
    assert.equal(await queue.getFailedCount(), 0);
    assert.equal(await queue.getCompletedCount(), 1);
    assert.deepEqual(await cleanJobs(queue, 'completed'), [ok.id]);
    assert.equal(await queue.getCompletedCount(), 0);
  });

  it('promoteJob runs a delayed job now; a job not delayed is refused', async () => {
    const { queue, runs } = await setup();
    const job = await queue.add('later', {}, { delay: 60_000 });
    assert.equal(await job.getState(), 'delayed');
    await promoteJob(queue, job.id as string);
    await eventually(
      async () => runs(),
      (count) => count === 1,
      'the promoted job run',
    );
    await rejectsWith(promoteJob(queue, job.id as string), 'job_not_delayed');
    await rejectsWith(promoteJob(queue, 'nope'), 'job_not_found');
  });

  it('pauseQueue and resumeQueue, as isPaused() sees them, and jobs wait while paused', async () => {
    const { queue, runs } = await setup();
    await pauseQueue(queue);
    assert.equal(await queue.isPaused(), true);
    await queue.add('held', {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(runs(), 0);
    await resumeQueue(queue);
    assert.equal(await queue.isPaused(), false);
    await eventually(
      async () => runs(),
      (count) => count === 1,
      'run after resume',
    );
  });
});

describe('readDeadLetter', () => {
  it('reads a failed job: reason, the real stack, attempts, data', async () => {
    const { queue } = await setup();
    const id = await failedJob(queue, { fail: true, order: 42 });
    const letter = await readDeadLetter(connection, 'bull', queue.name, id);
    assert.ok(letter);
    assert.equal(letter.id, id);
    assert.equal(letter.name, 'charge');
    assert.equal(letter.error.message, `bad input ${id}`);
    assert.match(letter.error.stack ?? '', /^TypeError: bad input/);
    assert.match(letter.error.stack ?? '', /operations\.test\.ts/);
    assert.equal(letter.attempts, 1);
    assert.ok(letter.failedAt > Date.now() - 60_000);
    assert.deepEqual(letter.payload, { fail: true, order: 42 });
    assert.deepEqual(letter.clipped, []);
  });

  it('a huge payload arrives clipped, a payload that is not JSON as its text, a gone job as null', async () => {
    const { queue } = await setup();
    const huge = await failedJob(queue, { fail: true, blob: 'x'.repeat(2_000_000) });
    const letter = await readDeadLetter(connection, 'bull', queue.name, huge, 1000);
    assert.ok(letter);
    assert.equal(typeof letter.payload, 'string');
    assert.equal((letter.payload as string).length, 1000);
    assert.deepEqual(letter.clipped, ['payload']);

    const odd = await failedJob(queue);
    await connection.hset(`bull:${queue.name}:${odd}`, 'data', 'not json {');
    const text = await readDeadLetter(connection, 'bull', queue.name, odd);
    assert.equal(text?.payload, 'not json {');
    assert.deepEqual(text?.clipped, ['payload']);

    assert.equal(await readDeadLetter(connection, 'bull', queue.name, 'gone'), null);
  });
});
