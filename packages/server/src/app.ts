import type { ServerTimings } from '@pulseboard/protocol';
import { pino } from 'pino';
import { Actions } from './actions/service.js';
import { createAuth } from './auth.js';
import { resolveConfig, type ServerConfig, type ServerConfigInput } from './config.js';
import { DeadLetters } from './dead-letters/dead-letters.js';
import { History } from './history/history.js';
import { HistoryRecorder } from './history/recorder.js';
import { createHttp, type Http } from './http.js';
import { Hub } from './hub.js';
import { Ingest } from './ingest.js';
import { createMetrics } from './metrics.js';
import { Registry } from './registry.js';
import { healthStatus } from './routes/health.js';
import type { Services } from './routes/types.js';
import { every } from './schedule.js';
import { Broadcaster } from './sse/broadcaster.js';
import { Sessions } from './sse/session.js';
import { SnapshotFrames } from './sse/snapshots.js';
import { createMemoryStorage } from './store/memory.js';
import { type Storage, StorageUnavailableError } from './store/types.js';

/** How often history checks for buckets to close when no event arrives. */
const HISTORY_TICK_MS = 1000;

export type { RequestHandler } from './http.js';
export type { Storage } from './store/types.js';

/** The composition root's product: the services behind one HTTP front (http.ts). */
export interface PulseServer extends Omit<Http, 'close'> {
  config: ServerConfig;
  /** Whether it serves new streams and writes now (what `/healthz` answers 200 for). */
  ready(): boolean;
  /**
   * Stops accepting, tells every stream to reconnect, ends them, stops timers, waits for the
   * requests in flight (up to `shutdownTimeoutMs`). Safe to call twice.
   */
  close(): Promise<void>;
}

/** What is not configuration: the clock, which tests set to move time without waiting for it. */
export interface AppOptions {
  now?: () => number;
}

/** Builds a server on `storage` (which it then owns), else on Redis with `redisUrl`, else in memory. */
export async function createApp(
  input: Partial<ServerConfigInput> = {},
  storage?: Storage,
  { now = Date.now }: AppOptions = {},
): Promise<PulseServer> {
  const config = resolveConfig(input);
  const logger = pino({ name: 'pulseboard', level: config.logLevel });
  const { redisUrl } = config;
  // The Redis store is loaded only when used: its client is a quarter of an in-memory server's idle memory.
  const backend =
    storage ??
    (redisUrl
      ? await (await import('./store/redis.js')).createRedisStorage({ ...config, url: redisUrl, log: logger })
      : createMemoryStorage(config));
  const { store, eventLog } = backend;
  const timings: ServerTimings = {
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    staleAfterMs: config.staleAfterMs,
    expireAfterMs: config.expireAfterMs,
    pingIntervalMs: config.pingIntervalMs,
    dashboardIntervalMs: config.dashboardIntervalMs,
    metricsIntervalMs: config.metricsIntervalMs,
    replayWindow: config.replayWindow,
  };

  // While storage is away every tick fails the same way; the connection's own log line says so once.
  const onTimerError = (err: unknown) =>
    err instanceof StorageUnavailableError
      ? logger.debug({ err }, 'periodic task skipped: storage unavailable')
      : logger.error({ err }, 'periodic task failed');

  // Each service is built after the ones it reads or listens to.
  const registry = new Registry({
    storage: backend,
    staleAfterMs: config.staleAfterMs,
    expireAfterMs: config.expireAfterMs,
    outageGraceMs: config.outageGraceMs,
    now,
  });
  const recorder = new HistoryRecorder({ eventLog, store: backend.history, now, onError: onTimerError });
  const history = new History({
    store: backend.history,
    now,
    recorder,
    initialWindowMs: config.initialHistoryMs,
  });
  const broadcaster = new Broadcaster({
    eventLog,
    limits: { softBytes: config.sseSoftLimitBytes, hardBytes: config.sseHardLimitBytes },
    pingIntervalMs: config.pingIntervalMs,
  });
  broadcaster.onDrop((reason, client) =>
    logger.warn(
      { reason, lastId: client.lastId },
      'disconnected a slow SSE client; it will resume by replay',
    ),
  );
  const metrics = createMetrics({ broadcaster, eventLog, store });
  const hub = new Hub({
    eventLog,
    registry,
    timings,
    pushGapMs: config.pushGapMs,
    streams: broadcaster,
    onError: onTimerError,
    history,
    now,
  });
  const snapshots = new SnapshotFrames({ eventLog, hub });
  // Every id the clients hold is void and their state shows what is gone: their resume gets a fresh snapshot.
  backend.onDataLost(() => broadcaster.reconnectAll('storage_reset', config.retryMs + config.retryJitterMs));

  let accepting = true;
  const auth = createAuth(config);
  const actions = new Actions({
    store: backend.actions,
    eventLog,
    registry,
    logger,
    timeoutMs: config.actionTimeoutMs,
  });
  const services: Services = {
    config,
    logger,
    registry,
    history,
    broadcaster,
    sessions: new Sessions({ config, eventLog, broadcaster, snapshots, logger }),
    snapshots,
    metrics,
    ingest: new Ingest({ config, registry, metrics, actions, logger }),
    requireAccess: auth.requireAccess,
    permissions: (ctx, allowQueryToken) =>
      auth.permissions(auth.tokenOf(ctx, allowQueryToken), ctx.get('host')),
    actions,
    deadLetters: new DeadLetters({
      store,
      bounds: { max: config.deadLettersMax, maxBytes: config.deadLettersMaxBytes },
    }),
    accepting: () => accepting,
    storage: backend,
  };
  const http = createHttp(services, auth);

  broadcaster.start();
  const stopTimers = [
    every(config.sweepIntervalMs, () => registry.sweep(), onTimerError),
    every(config.dashboardIntervalMs, () => hub.publishDashboard(), onTimerError),
    // History buckets close on the feed's events too; this closes them when it is quiet.
    every(HISTORY_TICK_MS, () => recorder.tick(), onTimerError),
    every(config.sweepIntervalMs, () => actions.expire(), onTimerError),
  ];

  let closing: Promise<void> | undefined;
  const close = async () => {
    accepting = false;
    for (const stop of stopTimers.splice(0)) stop();
    // Logged before the streams end, so resuming clients find the last metrics in the replay.
    await hub.flush().catch(onTimerError);
    // Stops listening at once, then waits for the requests in flight: the streams ended below among them.
    const stopped = http.close();
    broadcaster.close(config.retryMs + config.retryJitterMs);
    actions.close();
    hub.close();
    recorder.close();
    await stopped;
    await recorder.settled();
    await backend.close();
    logger.info('server closed');
  };

  return {
    app: http.app,
    config,
    handle: http.handle,
    listen: http.listen,
    ready: () => healthStatus(services) === 'ok',
    close() {
      closing ??= close();
      return closing;
    },
  };
}
