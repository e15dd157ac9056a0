import type { QueueStats, Worker } from '@pulseboard/protocol';
import type { Queue } from 'bullmq';
import { toQueueStats } from '../src/index.js';
import { JOB_STATES } from '../src/stats.js';

export { eventually, startServer, type TestServer } from '../../server/test/helpers.js';
export { freePort, startRedis, type TestRedis } from '../../server/test/redis-helpers.js';

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
