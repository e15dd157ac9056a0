import { after, before } from 'node:test';
import type { QueueStats, Worker } from '@pulseboard/protocol';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startServer, type TestServer } from '../../server/test/helpers.js';
import { startRedis, type TestRedis } from '../../server/test/redis-helpers.js';
import { toQueueStats } from '../src/index.js';
import { JOB_STATES } from '../src/stats.js';

export { eventually, startServer, type TestServer } from '../../server/test/helpers.js';
export { freePort, startRedis, type TestRedis } from '../../server/test/redis-helpers.js';

/**
 * A test file's real things, started before its tests and stopped after them: a redis-server of its own,
 * a listening Pulseboard server, a connection for the file's Queues (errors ignored: a test may stop Redis
 * under it), and `cleanup` steps run last first.
 */
export function realThings() {
  const things = {
    redis: undefined as unknown as TestRedis,
    server: undefined as unknown as TestServer,
    connection: undefined as unknown as Redis,
    cleanup: [] as (() => Promise<unknown>)[],
  };
  before(async () => {
    things.redis = await startRedis();
    things.server = await startServer();
    things.connection = new Redis(things.redis.url, { maxRetriesPerRequest: null });
    things.connection.on('error', () => {});
  });
  after(async () => {
    for (const step of things.cleanup.reverse()) await step().catch(() => {});
    things.connection.disconnect();
    await things.server.close();
    await things.redis.stop();
  });
  return things;
}

/** Every worker the server holds, page after page (GET /api/workers). */
export async function allWorkers(serverUrl: string): Promise<Worker[]> {
  const workers: Worker[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await fetch(`${serverUrl}/api/workers?limit=1000${query}`);
    const page = (await response.json()) as { workers: Worker[]; nextCursor: string | null };
    workers.push(...page.workers);
    cursor = page.nextCursor;
  } while (cursor);
  return workers;
}

/** The counts part of queue stats (the rate moves with time, not with the jobs). */
export const counts = ({ ratePerSec: _, ...rest }: QueueStats) => rest;

/** What the server should show for `queue`: BullMQ's getJobCounts, mapped. */
export async function expectedStats(queue: Queue) {
  return counts(toQueueStats(await queue.getJobCounts(...JOB_STATES), 0));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
