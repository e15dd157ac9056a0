import { type Job, Queue, Worker } from 'bullmq';

/** The demo's BullMQ queues: what they do, how often a job comes, how long one takes. */
const QUEUES = [
  { name: 'emails', everyMs: 300, workMs: 120, workers: 2 },
  { name: 'payments', everyMs: 700, workMs: 250, workers: 1 },
  { name: 'thumbnails', everyMs: 200, workMs: 600, workers: 3 },
  { name: 'reports', everyMs: 2500, workMs: 1500, workers: 1 },
] as const;

export interface BullMQFleet {
  stop(): Promise<void>;
}

/**
 * Real BullMQ producers and Workers on `redisUrl`. Some jobs fail with real
 * errors (a declined card, a malformed payload, a timeout), so failed jobs
 * carry real stacks; reports are delayed, some payments prioritized, and the
 * thumbnails queue is paused now and then, so every state shows up.
 */
export function startBullMQFleet(redisUrl: string): BullMQFleet {
  const connection = { url: redisUrl };
  const queues = QUEUES.map((spec) => new Queue(spec.name, { connection }));
  const workers = QUEUES.flatMap((spec) =>
    Array.from(
      { length: spec.workers },
      (_, i) =>
        new Worker(spec.name, (job) => work(job, spec.workMs), {
          connection,
          name: `${spec.name}-${i + 1}`,
          concurrency: 2,
        }),
    ),
  );
  for (const worker of workers) worker.on('error', () => {});
  let jobNo = 0;
  const timers = QUEUES.map((spec, index) =>
    setInterval(() => {
      const queue = queues[index] as Queue;
      const n = ++jobNo;
      const opts =
        spec.name === 'reports'
          ? { delay: 5000 + Math.random() * 10_000 }
          : spec.name === 'payments' && n % 3 === 0
            ? { priority: 1 + (n % 5) }
            : {};
      queue
        .add(`${spec.name}-job`, payload(spec.name, n), { ...opts, removeOnComplete: 500 })
        .catch(() => {});
    }, spec.everyMs),
  );
  const pauser = setInterval(async () => {
    const thumbnails = queues[2] as Queue;
    await thumbnails.pause().catch(() => {});
    setTimeout(() => thumbnails.resume().catch(() => {}), 4000);
  }, 20_000);
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      clearInterval(pauser);
      await Promise.allSettled(workers.map((worker) => worker.close(true)));
      await Promise.allSettled(queues.map((queue) => queue.close()));
    },
  };
}

function payload(queue: string, n: number): Record<string, unknown> {
  switch (queue) {
    case 'emails':
      return { to: `user${n}@example.com`, template: 'welcome' };
    case 'payments':
      return { orderId: n, amountCents: 1000 + (n % 97) * 13, card: n % 11 === 0 ? 'expired' : 'ok' };
    case 'thumbnails':
      return { image: `uploads/${n}.jpg`, sizes: [64, 256], meta: n % 17 === 0 ? '{"broken":' : '{}' };
    default:
      return { report: 'daily', day: n };
  }
}

async function work(job: Job, workMs: number): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, workMs * (0.5 + Math.random())));
  if (job.queueName === 'payments' && job.data.card === 'expired') {
    throw new Error(`card declined for order ${job.data.orderId}: expired`);
  }
  // A malformed metadata blob: a real SyntaxError from JSON.parse.
  if (job.queueName === 'thumbnails') JSON.parse(job.data.meta);
  if (job.queueName === 'emails' && Math.random() < 0.03) throw new Error('SMTP 451: try again later');
  return 'done';
}
