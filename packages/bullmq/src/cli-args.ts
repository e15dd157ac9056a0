import { parseArgs } from 'node:util';
import type { WatchBullMQOptions } from './watch.js';

export const USAGE = `Usage: pulseboard-bullmq --redis <url> --server <url> [options]

Watches BullMQ queues in Redis and reports them to a Pulseboard server, live.

  --redis <url>          REDIS_URL           the Redis BullMQ uses (required), e.g. redis://127.0.0.1:6379
  --server <url>         PULSE_SERVER_URL    the Pulseboard server's base URL (required), e.g. http://127.0.0.1:8090
  --queues <a,b>         PULSE_BULLMQ_QUEUES these queues only (comma-separated); default: every queue under
                                             --prefix, found again every --reconcile ms (queues created later too)
  --prefix <p>           PULSE_BULLMQ_PREFIX BullMQ's key prefix (default bull)
  --worker-token <t>     PULSE_WORKER_TOKEN  the server's worker token, when it requires one (default none)
  --id <id>                                  the adapter's worker id (default bullmq-<prefix>); its queues'
                                             and BullMQ workers' ids start with it
  --reconcile <ms>                           read every count (getJobCounts), find queues and list BullMQ
                                             workers every this many ms (default 5000); events push changes
                                             in between
  --rate-window <ms>                         ratePerSec is the completions over this window (default 60000)
  --dead-letters <n>                         the newest failed jobs of each queue shown as its dead letters
                                             (default 1000; 0: none)
  --read-only                                declare no operator actions (retry, remove, clean, promote,
                                             pause, resume); by default each queue declares them
  -h, --help
`;

const toNumber = (flag: string, value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new Error(`--${flag} expects a positive number of ms, got "${value}"`);
  }
  return n;
};

const toCount = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new Error(`--dead-letters expects a whole number, 0 or more, got "${value}"`);
  }
  return n;
};

/** Flags win over environment variables. */
export function parseCliArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { help: true } | { help: false; options: WatchBullMQOptions } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      redis: { type: 'string' },
      server: { type: 'string' },
      queues: { type: 'string' },
      prefix: { type: 'string' },
      'worker-token': { type: 'string' },
      id: { type: 'string' },
      reconcile: { type: 'string' },
      'rate-window': { type: 'string' },
      'dead-letters': { type: 'string' },
      'read-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  const redis = values.redis ?? env.REDIS_URL;
  const server = values.server ?? env.PULSE_SERVER_URL;
  if (!redis) throw new Error('--redis is required (or REDIS_URL)');
  if (!server) throw new Error('--server is required (or PULSE_SERVER_URL)');
  const queues = (values.queues ?? env.PULSE_BULLMQ_QUEUES)
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (queues?.length === 0) throw new Error('--queues names no queue');
  return {
    help: false,
    options: {
      connection: redis,
      serverUrl: server,
      queues,
      prefix: values.prefix ?? env.PULSE_BULLMQ_PREFIX,
      token: values['worker-token'] ?? env.PULSE_WORKER_TOKEN,
      id: values.id,
      reconcileMs: values.reconcile === undefined ? undefined : toNumber('reconcile', values.reconcile),
      rateWindowMs:
        values['rate-window'] === undefined ? undefined : toNumber('rate-window', values['rate-window']),
      deadLettersMax: values['dead-letters'] === undefined ? undefined : toCount(values['dead-letters']),
      actions: !values['read-only'],
    },
  };
}
