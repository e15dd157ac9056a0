// Case (a): a plain Node ES module using the compiled packages: it starts a
// server, has a reporter register, heartbeat and log, and prints what the
// server's stream then shows, with what it could resolve besides.
import { PROTOCOL_VERSION } from '@pulseboard/protocol';
import { createReporter } from '@pulseboard/reporter';
import { createApp } from '@pulseboard/server';
import { firstEvent } from './sse.mjs';

const resolvable = (name) => {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
};

const server = await createApp({ port: 0, workerTokens: ['worker-secret'], logLevel: 'silent' });
const { url } = await server.listen();
const reporter = createReporter({
  url,
  token: 'worker-secret',
  worker: { id: 'esm-1', name: 'ESM worker', queue: 'email' },
});
await reporter.start();
reporter.update({
  status: 'degraded',
  metrics: { cpu: 42, memoryBytes: 1e6, requestsPerSec: 3, responseTimeMs: 12, errorCount: 1, uptimeSec: 5 },
});
await reporter.heartbeat();
reporter.log('warn', 'hello from an ES module');
await reporter.flushLogs();
const { event, data } = await firstEvent(`${url}/events`);
await reporter.stop();
await server.close();

process.stdout.write(
  JSON.stringify({
    protocol: PROTOCOL_VERSION,
    event,
    workers: data.workers,
    logs: data.logs,
    execArgv: process.execArgv,
    resolvable: { tsx: resolvable('tsx'), typescript: resolvable('typescript') },
  }),
);
