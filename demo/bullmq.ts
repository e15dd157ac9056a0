/**
 * `npm run demo:bullmq`: real BullMQ, watched live. Starts a redis-server of
 * its own (from PATH, a free port, a temporary directory, nothing saved), real
 * BullMQ producers and Workers on it (some jobs fail with real errors), the
 * Pulseboard server with the demo pages, and the @pulseboard/bullmq adapter
 * reporting every queue to it; the dashboard is /bullmq.html.
 *
 *   npm run demo:bullmq
 *   npm run demo:bullmq -- --port 9000
 *   npm run demo:bullmq -- --redis redis://127.0.0.1:6379   # watch your Redis instead (no producers)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { npmRun } from './npm-run.js';
import { root } from './root.js';

const USAGE = `Usage: npm run demo:bullmq -- [--port <n>] [--redis <url>] [--prefix <p>] [--no-build]

  --port <n>      the server and dashboard port (default 8090)
  --redis <url>   watch this Redis instead of starting one with demo producers and workers
  --prefix <p>    BullMQ's key prefix in that Redis (default bull)
  --no-build      serve what is built, even if sources changed
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      port: { type: 'string', default: '8090' },
      redis: { type: 'string' },
      prefix: { type: 'string' },
      'no-build': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port expects a port, got "${values.port}"`);
  // The server and the adapter run compiled, like installed ones.
  if (!values['no-build']) await npmRun('build');
  const { startDemo } = await import('./demo-app.js');
  const { watchBullMQ } = await import('@pulseboard/bullmq');
  const { startOwnRedis } = await import('./redis-server.js');
  const { startBullMQFleet } = await import('./bullmq-fleet.js');

  const ownRedis = values.redis ? undefined : await startOwnRedis();
  const redisUrl = values.redis ?? (ownRedis?.url as string);
  const fleet = ownRedis ? startBullMQFleet(redisUrl) : undefined;
  const demo = await startDemo({
    config: { logLevel: 'warn', port, heartbeatIntervalMs: 5000 },
    simulate: 0,
    pagesDir: join(root, 'demo/dist'),
  });
  const said = new Set<string>();
  const watch = watchBullMQ({
    connection: redisUrl,
    serverUrl: demo.url,
    prefix: values.prefix,
    reconcileMs: 2000,
    onError: (error) => {
      if (said.has(error.message)) return;
      said.add(error.message);
      process.stderr.write(`pulseboard-bullmq: ${error.message}\n`);
    },
  });
  process.stdout.write(
    `BullMQ on ${redisUrl}${ownRedis ? " (the demo's own redis-server)" : ''}; dashboard on http://localhost:${demo.port}/bullmq.html\n`,
  );

  const shutdown = async (signal: string) => {
    process.stdout.write(`${signal}: stopping\n`);
    process.once(signal, () => process.exit(1));
    await fleet?.stop();
    await watch.close();
    await demo.close();
    await ownRedis?.stop();
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void shutdown(signal));
  process.once('SIGTERM', (signal) => void shutdown(signal));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(1);
});
