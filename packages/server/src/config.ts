import { z } from 'zod';

const ms = z
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
const tokens = z.array(z.string().min(1).max(512));

/** Every knob the server has, with production defaults; tests shrink the intervals. */
const configSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8090),
  host: z.string().min(1).default('127.0.0.1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Tokens that may read: `/events`, `GET /api/*`, `/metrics`. Empty: reads are open. */
  readTokens: tokens.default([]),
  /** Tokens that may write through the worker API. Empty: writes are open. */
  workerTokens: tokens.default([]),
  /**
   * Tokens that may request actions (and read), each `label=secret` or a bare secret: the audit trail
   * names the label (`operate-<n>` for a bare one), never the secret. Empty: operating is open when
   * reads are, else nobody may operate.
   */
  operateTokens: z.array(z.string().min(1).max(600)).default([]),
  /** An action not answered within this completes as `timeout`. */
  actionTimeoutMs: ms.default(30_000),
  /** Exact origins (`https://ops.example.com`) or `*`. */
  corsOrigins: z.array(z.string().min(1)).default([]),
  /** Allow binding a non-loopback address while a token list is empty. */
  allowAnonymous: z.boolean().default(false),
  heartbeatIntervalMs: ms.default(5000),
  /** Default: three heartbeat intervals. */
  staleAfterMs: ms.optional(),
  expireAfterMs: ms.default(300_000),
  sweepIntervalMs: ms.default(1000),
  /**
   * After storage was unreachable, how much longer than `staleAfterMs` the sweeper waits before judging
   * workers again: their heartbeats failed meanwhile, and a reporter backing off may take this long to
   * try again (the reporter SDK's longest backoff).
   */
  outageGraceMs: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(30_000),
  pingIntervalMs: ms.default(15_000),
  dashboardIntervalMs: ms.default(5000),
  /** The longest gap between two pushes of `metrics_update`/`queues_update` under load. */
  metricsIntervalMs: ms.default(1000),
  /**
   * The shortest gap between two `queues_update` pushes under load (`metrics_update` keeps
   * `metricsIntervalMs`). A change after a quiet spell goes out within a few ms either way; under load
   * pushes are this far apart plus 1 ms per 16 heartbeats a second (~175 ms with 10,000 workers
   * beating every 5 s), more with many dashboards or large summaries (hub.ts), at most
   * `metricsIntervalMs`. 50 ms by default: a dead-letter count reaches the screen within issue 14's
   * 100 ms with 1,000 workers beating every 5 s (docs/benchmarks.md).
   */
  pushGapMs: z.number().int().min(1).max(60_000).default(50),
  replayWindow: z.number().int().min(1).max(1_000_000).default(10_000),
  /** In memory, the replay window also keeps under this many bytes of frames (Redis trims by count). */
  replayWindowBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .default(32 * 1024 * 1024),
  /** How far back `initial_data.history` reaches, at 10 s a bucket (GET /api/history has the rest). */
  initialHistoryMs: z.number().int().min(10_000).max(3_600_000).default(300_000),
  /** Log lines kept for `initial_data`. */
  recentLogs: z.number().int().min(0).max(100_000).default(500),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(65_536),
  /** `POST /api/heartbeats` bodies at most (1,000 items of ~300 bytes; past it 413). */
  batchBodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Registered workers at most; a new one past it is refused with 429 (re-registering never is). */
  maxWorkers: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Resources at most; a new one past it is refused with 429. */
  maxResources: z.number().int().min(1).max(100_000).default(1000),
  /** Dead letters kept per queue, newest first; older ones leave the list (`dead_letters_update.removed`). */
  deadLettersMax: z.number().int().min(1).max(1_000_000).default(10_000),
  /** And at most this many bytes of their JSON per queue (stacks and payloads are clipped to 16 KiB each first). */
  deadLettersMaxBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(256 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /** Open `/events` streams at most; past it a new one is answered 503 with Retry-After. */
  maxStreams: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Open streams from one client address at most (behind a proxy every client has the proxy's). */
  maxStreamsPerClient: z.number().int().min(1).max(1_000_000).default(1000),
  /** A request's headers and body must arrive within this (then 408); streams are not affected. */
  requestTimeoutMs: ms.default(20_000),
  compress: z.boolean().default(false),
  /** Past this many bytes queued for one SSE client, superseded `metrics_update` events are skipped. */
  sseSoftLimitBytes: z
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  /** Past this many bytes queued for one SSE client, it is disconnected (it resumes by replay). */
  sseHardLimitBytes: z
    .number()
    .int()
    .min(2048)
    .default(1024 * 1024),
  /** Base `retry:` sent on connect; each connection adds up to `retryJitterMs`. */
  retryMs: ms.default(1000),
  retryJitterMs: z.number().int().min(0).max(60_000).default(2000),
  /** How long `close()` waits for in-flight requests before cutting connections. */
  shutdownTimeoutMs: ms.default(5000),
  /** `redis://host:6379[/db]`: share the registry and events with other instances. Unset: in memory. */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'expected redis://host:port or rediss://...')
    .optional(),
});

export type ServerConfigInput = z.input<typeof configSchema>;
export type ServerConfig = Omit<z.output<typeof configSchema>, 'staleAfterMs'> & { staleAfterMs: number };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function resolveConfig(input: Partial<ServerConfigInput> = {}): ServerConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`Invalid server config: ${z.prettifyError(parsed.error)}`);
  }
  const config = parsed.data;
  if (config.sseHardLimitBytes <= config.sseSoftLimitBytes) {
    throw new ConfigError('Invalid server config: sseHardLimitBytes must be greater than sseSoftLimitBytes');
  }
  return { ...config, staleAfterMs: config.staleAfterMs ?? config.heartbeatIntervalMs * 3 };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The binding rule: without both read and worker tokens the server may only listen on a loopback
 * address, unless anonymous access is explicitly allowed. A mounted server (`host` undefined) has no
 * bind address to judge, as its host app may listen anywhere: it needs the tokens or the permission.
 */
export function assertSafeBinding(config: ServerConfig, host: string | undefined): void {
  const open = config.readTokens.length === 0 || config.workerTokens.length === 0;
  if (!open || config.allowAnonymous || (host !== undefined && isLoopbackHost(host))) return;
  throw new ConfigError(
    host === undefined
      ? 'Refusing to mount without both readTokens and workerTokens: a mounted server cannot tell who can reach it; set both, or pass allowAnonymous: true'
      : `Refusing to listen on ${host} without both read and worker tokens; set tokens or pass --allow-anonymous`,
  );
}
