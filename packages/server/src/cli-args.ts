import { parseArgs } from 'node:util';
import type { ServerConfigInput } from './config.js';

export const USAGE = `Usage: pulseboard-server [options]

Every flag has an environment variable where one is named; a flag wins over it. Times are in ms.

  --port <n>                    PORT                 listen on this port (default 8090)
  --host <addr>                 HOST                 listen on this address (default 127.0.0.1)
  --read-token <t>              PULSE_READ_TOKENS    a token dashboards send to read /events and the API;
                                (comma-separated)    repeatable (default none: reads are open)
  --worker-token <t>            PULSE_WORKER_TOKENS  a token workers send to report; repeatable
                                (comma-separated)    (default none: reports are open)
  --operate-token <t>           PULSE_OPERATE_TOKENS a token that may request actions (and read);
                                (comma-separated)    repeatable. label=secret names who acted in the audit
                                                     trail, never the secret: --operate-token ops-alice=s3cret
                                                     (default none: nobody operates unless reads are open)
  --action-timeout <ms>         an action not answered this soon completes as timeout (default 30000)
  --cors-origin <origin>        PULSE_CORS_ORIGINS   a page origin allowed to call from a browser, * for
                                (comma-separated)    any; repeatable (default none: the same origin, and
                                                     pages on localhost while listening on loopback)
  --allow-anonymous             PULSE_ALLOW_ANONYMOUS=1  listen beyond loopback without tokens (default off:
                                                     an open API answers only Host localhost/127.0.0.1/[::1])
  --compress                    PULSE_COMPRESS=1     gzip /events (default off; costs memory per client)
  --redis <url>                 REDIS_URL            share state with other instances, redis://host:6379
                                                     (default none: in memory)
  --log-level <level>           LOG_LEVEL            fatal|error|warn|info|debug|trace|silent (default info)
  --heartbeat-interval <ms>     how often workers are told to heartbeat (default 5000)
  --stale-after <ms>            a worker silent this long goes offline (default 3 heartbeat intervals)
  --expire-after <ms>           a worker offline this long is removed (default 300000)
  --sweep-interval <ms>         how often workers are checked for silence (default 1000)
  --outage-grace <ms>           after Redis was unreachable, wait this much longer than --stale-after
                                before marking workers offline (default 30000: reporters back off)
  --ping-interval <ms>          ping every stream this often (default 15000)
  --dashboard-interval <ms>     dashboard_update (aggregates) this often (default 5000)
  --metrics-interval <ms>       metrics_update at most this often (default 1000)
  --push-gap <ms>               least time between two queues_update pushes under load (default 50; plus 1 ms
                                per 16 heartbeats/s, more with streams and summary bytes, up to --metrics-interval)
  --replay-window <events>      events kept to replay on a resume (default 10000)
  --replay-window-bytes <bytes> bytes of events kept to replay (default 33554432)
  --body-limit <bytes>          request bodies at most (default 65536)
  --batch-body-limit <bytes>    POST /api/heartbeats bodies at most (default 1048576)
  --initial-history-ms <ms>     how far back initial_data's history reaches (default 300000, at most 3600000)
  --max-workers <n>             PULSE_MAX_WORKERS    default 10000; a new worker past it: 429 registry_full
  --max-resources <n>           PULSE_MAX_RESOURCES  default 1000; a new resource past it: 429 registry_full
  --dead-letters-max <n>        dead letters kept per queue, newest first (default 10000)
  --dead-letters-max-bytes <bytes>  and at most this much of their JSON per queue (default 4194304)
  --max-streams <n>             PULSE_MAX_STREAMS    default 10000 open /events streams; past it: 503,
                                                     Retry-After
  --max-streams-per-client <n>  PULSE_MAX_STREAMS_PER_CLIENT  default 1000 from one address (a proxy's
                                                     counts as one)
  -h, --help                    this text

  Timeouts: a request's headers within 10 s, headers and body within 20 s (then 408); an idle
  keep-alive connection is kept the heartbeat interval plus 5 s. Streams are not cut.
`;

const NUMERIC = {
  'heartbeat-interval': 'heartbeatIntervalMs',
  'stale-after': 'staleAfterMs',
  'expire-after': 'expireAfterMs',
  'sweep-interval': 'sweepIntervalMs',
  'outage-grace': 'outageGraceMs',
  'ping-interval': 'pingIntervalMs',
  'dashboard-interval': 'dashboardIntervalMs',
  'metrics-interval': 'metricsIntervalMs',
  'push-gap': 'pushGapMs',
  'replay-window': 'replayWindow',
  'initial-history-ms': 'initialHistoryMs',
  'replay-window-bytes': 'replayWindowBytes',
  'body-limit': 'bodyLimitBytes',
  'batch-body-limit': 'batchBodyLimitBytes',
  'max-workers': 'maxWorkers',
  'max-resources': 'maxResources',
  'dead-letters-max': 'deadLettersMax',
  'dead-letters-max-bytes': 'deadLettersMaxBytes',
  'max-streams': 'maxStreams',
  'max-streams-per-client': 'maxStreamsPerClient',
  'action-timeout': 'actionTimeoutMs',
} as const satisfies Record<string, keyof ServerConfigInput>;

const csv = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

function toNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new Error(`--${flag} expects a number, got "${value}"`);
  return n;
}

/** Flags win over environment variables; the config schema validates the result. */
export function parseCliArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { help: true } | { help: false; config: Partial<ServerConfigInput> } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'read-token': { type: 'string', multiple: true },
      'worker-token': { type: 'string', multiple: true },
      'operate-token': { type: 'string', multiple: true },
      'cors-origin': { type: 'string', multiple: true },
      'allow-anonymous': { type: 'boolean' },
      compress: { type: 'boolean' },
      redis: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(Object.keys(NUMERIC).map((flag) => [flag, { type: 'string' as const }])),
    },
  });
  if (values.help) return { help: true };
  const flag = (name: string) => values[name as keyof typeof values] as string | undefined;
  const config: Partial<ServerConfigInput> = {
    port: toNumber('port', (values.port as string | undefined) ?? env.PORT ?? '8090'),
    host: (values.host as string | undefined) ?? env.HOST ?? '127.0.0.1',
    readTokens: (values['read-token'] as string[] | undefined) ?? csv(env.PULSE_READ_TOKENS),
    workerTokens: (values['worker-token'] as string[] | undefined) ?? csv(env.PULSE_WORKER_TOKENS),
    operateTokens: (values['operate-token'] as string[] | undefined) ?? csv(env.PULSE_OPERATE_TOKENS),
    corsOrigins: (values['cors-origin'] as string[] | undefined) ?? csv(env.PULSE_CORS_ORIGINS),
    allowAnonymous: Boolean(values['allow-anonymous']) || env.PULSE_ALLOW_ANONYMOUS === '1',
    compress: Boolean(values.compress) || env.PULSE_COMPRESS === '1',
  };
  const redisUrl = (values.redis as string | undefined) ?? env.REDIS_URL;
  if (redisUrl) config.redisUrl = redisUrl;
  const logLevel = (values['log-level'] as string | undefined) ?? env.LOG_LEVEL;
  if (logLevel) config.logLevel = logLevel as ServerConfigInput['logLevel'];
  // The numeric flags an environment variable can set too.
  const fromEnv: Partial<Record<string, string>> = {
    'max-workers': env.PULSE_MAX_WORKERS,
    'max-resources': env.PULSE_MAX_RESOURCES,
    'max-streams': env.PULSE_MAX_STREAMS,
    'max-streams-per-client': env.PULSE_MAX_STREAMS_PER_CLIENT,
  };
  for (const [name, key] of Object.entries(NUMERIC)) {
    const value = flag(name) ?? fromEnv[name];
    if (value !== undefined) config[key] = toNumber(name, value);
  }
  return { help: false, config };
}
