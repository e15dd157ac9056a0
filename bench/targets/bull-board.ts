import type { Server } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { ready, serve } from '../lib/child.js';

/**
 * bull-board as its users run it, alone in its process (the baseline of the
 * bullmq suite): the Express adapter, a `BullMQAdapter` per queue, default
 * options (its UI polls every 5 s), on loopback under `localhost` so its page
 * is another site than Pulseboard's and Chromium gives it a renderer of its own.
 */
let server: Server | undefined;
let queues: Queue[] = [];
let connection: Redis | undefined;

async function stop(): Promise<void> {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await Promise.all(queues.map((queue) => queue.close()));
  queues = [];
  connection?.disconnect();
}

serve({
  async start(args) {
    await stop();
    const { redis, names } = args as { redis: string; names: string[] };
    // One connection for every queue, as BullMQ's docs advise (a Queue given options opens its own).
    connection = new Redis(redis, { maxRetriesPerRequest: null });
    const shared = connection;
    queues = names.map((name) => new Queue(name, { connection: shared }));
    const adapter = new ExpressAdapter();
    adapter.setBasePath('/ui');
    createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: adapter });
    const app = express();
    app.use('/ui', adapter.getRouter());
    const listening = app.listen(0, '127.0.0.1');
    server = listening;
    await new Promise((resolve) => listening.once('listening', resolve));
    const { port } = listening.address() as { port: number };
    return { url: `http://localhost:${port}/ui` };
  },
  stop,
  exit: stop,
});
ready();
