// A web-test-runner plugin for the BullMQ browser test: in the runner's Node
// process, a redis-server of its own, a real BullMQ Queue and Worker, and the
// @pulseboard/bullmq adapter (compiled, as users run it) reporting to a
// Pulseboard server the test started; the test reads BullMQ's own view back.
import { tsImport } from 'tsx/esm/api';

/** The Worker fails a job's first run (with a real Error and stack) and completes any later one. */
async function startRig({ server, queue: name }) {
  const { startOwnRedis } = await tsImport('../../redis-server.ts', import.meta.url);
  const { Queue, Worker } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const { watchBullMQ } = await import('@pulseboard/bullmq');
  const redis = await startOwnRedis();
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  const runs = new Map();
  const worker = new Worker(
    name,
    async (job) => {
      const run = (runs.get(job.id) ?? 0) + 1;
      runs.set(job.id, run);
      if (run === 1) throw new Error(`Invoice ${job.data.invoice}: PDF renderer timed out after 30000 ms`);
      return 'rendered';
    },
    { connection: { url: redis.url } },
  );
  const watch = watchBullMQ({ connection: redis.url, serverUrl: server, queues: [name], id: 'e2e' });
  return {
    id: `e2e:q:${name}`,
    queue,
    runs,
    async stop() {
      await watch.close();
      await worker.close();
      await queue.close();
      connection.disconnect();
      await redis.stop();
    },
  };
}

export function bullmqPlugin() {
  let rig = null;
  return {
    name: 'pulse-bullmq',
    async executeCommand({ command, payload }) {
      if (!command.startsWith('pulse-bullmq-')) return undefined;
      if (command === 'pulse-bullmq-start') {
        await rig?.stop();
        rig = await startRig(payload);
        return { id: rig.id };
      }
      if (command === 'pulse-bullmq-stop') {
        await rig?.stop();
        rig = null;
        return true;
      }
      if (!rig) throw new Error(`${command}: no BullMQ rig started`);
      if (command === 'pulse-bullmq-fail') {
        // Added and failed for good (one attempt): a dead letter.
        const job = await rig.queue.add('render-invoice', payload.data, { attempts: 1 });
        for (let i = 0; (await job.getState()) !== 'failed'; i++) {
          if (i > 200) throw new Error(`job ${job.id} did not fail`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        return job.id;
      }
      if (command === 'pulse-bullmq-job') {
        // The state before the job: read the other way round, a job read just before it completed
        // showed its state as completed beside a return value it did not have yet.
        const state = await rig.queue.getJobState(payload.id);
        const job = await rig.queue.getJob(payload.id);
        return {
          state: job ? state : null,
          runs: rig.runs.get(payload.id) ?? 0,
          returnvalue: job?.returnvalue ?? null,
        };
      }
      if (command === 'pulse-bullmq-paused') return rig.queue.isPaused();
      throw new Error(`unknown command ${command}`);
    },
    async serverStop() {
      await rig?.stop();
      rig = null;
    },
  };
}
