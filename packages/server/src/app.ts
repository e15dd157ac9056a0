import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import type { ServerTimings } from '@pulseboard/protocol';
import Koa from 'koa';
import { pino } from 'pino';
import { createAuth } from './auth.js';
import {
  assertSafeBinding,
  isLoopbackHost,
  resolveConfig,
  type ServerConfig,
  type ServerConfigInput,
} from './config.js';
import { createCors } from './cors.js';
import { DeadLetters } from './dead-letters/dead-letters.js';
import { trackRequests } from './drain.js';
import { errorHandler, logResponseError } from './errors.js';
import { checkDescriptors, serverTimeouts } from './http-limits.js';
import { Hub } from './hub.js';
import { createHeartbeatLane } from './ingest-lane.js';
import { createMetrics } from './metrics.js';
import { Registry } from './registry.js';
import { mountDeadLetterRoutes } from './routes/dead-letters.js';
import { mountEventRoutes } from './routes/events.js';
import { healthStatus, mountHealthRoutes } from './routes/health.js';
import { mountHeartbeatRoutes } from './routes/heartbeats.js';
import { mountResourceRoutes } from './routes/resources.js';
import type { Services } from './routes/types.js';
import { mountWorkerRoutes } from './routes/workers.js';
import { every } from './schedule.js';
import { Broadcaster } from './sse/broadcaster.js';
import { createMemoryStorage } from './store/memory.js';
import { type Storage, StorageUnavailableError } from './store/types.js';

export type { Storage } from './store/types.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface PulseServer {
  app: Koa;
  config: ServerConfig;
  /**
   * The one request pipeline: the heartbeat lane, then Koa. `listen()` serves it and
   * `createPulseboard` mounts it. Koa's middleware is composed at the first call.
   */
  handle: RequestHandler;
  /** Starts listening; the defaults come from the config. */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /** Whether it serves new streams and writes now (what `/healthz` answers 200 for). */
  ready(): boolean;
  /**
   * Stops accepting, tells every stream to reconnect, ends them, stops timers, waits for the
   * requests in flight (up to `shutdownTimeoutMs`). Safe to call twice.
   */
  close(): Promise<void>;
}

/** Builds a server on `storage` (which it then owns), else on Redis with `redisUrl`, else in memory. */
export async function createApp(
  input: Partial<ServerConfigInput> = {},
  storage?: Storage,
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

  // The closures below run only after every const here is initialized.
  const registry = new Registry({
    store,
    onHeartbeat: (item) => hub.heartbeat(item),
    reachable: () => backend.reachable(),
    staleAfterMs: config.staleAfterMs,
    expireAfterMs: config.expireAfterMs,
    outageGraceMs: config.outageGraceMs,
  });
  const hub = new Hub({
    eventLog,
    snapshot: () => registry.snapshot(),
    workers: () => registry.workers(),
    timings,
    pushGapMs: config.pushGapMs,
    clients: () => broadcaster.size,
    onError: (err) => onTimerError(err),
  });

  const metrics = createMetrics({ broadcaster: () => broadcaster, store });
  const broadcaster = new Broadcaster({
    eventLog,
    limits: { softBytes: config.sseSoftLimitBytes, hardBytes: config.sseHardLimitBytes },
    pingIntervalMs: config.pingIntervalMs,
    onSent: (frames) => metrics.framesSent.inc(frames),
    onDrop: (reason, client) => {
      metrics.clientsDropped.inc({ reason });
      logger.warn(
        { reason, lastId: client.lastId },
        'disconnected a slow SSE client; it will resume by replay',
      );
    },
  });
  eventLog.subscribe((event) => metrics.eventsLogged.inc({ type: event.type }));
  // Every id the clients hold is void and their state shows what is gone: their resume gets a fresh snapshot.
  backend.onDataLost(() => broadcaster.reconnectAll('storage_reset', config.retryMs + config.retryJitterMs));

  let server: Server | undefined;
  const requests = trackRequests();
  // Unknown until listen(): a mounted server does not know where its host listens.
  let boundHost: string | undefined;
  let accepting = true;
  const auth = createAuth(config);
  const services: Services = {
    config,
    logger,
    registry,
    deadLetters: new DeadLetters({
      store,
      bounds: { max: config.deadLettersMax, maxBytes: config.deadLettersMaxBytes },
    }),
    hub,
    eventLog,
    broadcaster,
    metrics,
    requireAccess: auth.requireAccess,
    accepting: () => accepting,
    storage: () => backend.status(),
  };

  const app = new Koa();
  app.silent = true;
  app.on('error', logResponseError(logger));
  // Outermost, so failures are logged with the status the error handler gave them. Only at debug:
  // a closure and a clock read per request are not worth paying for lines that are discarded.
  if (logger.isLevelEnabled('debug')) {
    app.use(async (ctx, next) => {
      const started = performance.now();
      await next();
      // ctx.path, not ctx.url: the query may carry an access_token.
      logger.debug(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: performance.now() - started },
        'request',
      );
    });
  }
  app.use(errorHandler(logger));
  app.use(createCors(config.corsOrigins, () => boundHost !== undefined && isLoopbackHost(boundHost)));
  const router = new Router();
  for (const mount of [
    mountHealthRoutes,
    mountWorkerRoutes,
    mountHeartbeatRoutes,
    mountResourceRoutes,
    mountDeadLetterRoutes,
    mountEventRoutes,
  ]) {
    mount(router, services);
  }
  app.use(router.routes());
  app.use(router.allowedMethods());

  let pipeline: RequestHandler | undefined;
  // Composed at the first request, so middleware added to `app` after createApp (the demo's) is in it.
  const compose = (): RequestHandler => {
    const koa = app.callback();
    const heartbeatLane = createHeartbeatLane(services, auth.authorize);
    return (req, res) => {
      // Counted before any handler: the heartbeat lane answers some at once.
      requests.track(res);
      if (!heartbeatLane(req, res)) void koa(req, res);
    };
  };
  const handle: RequestHandler = (req, res) => {
    pipeline ??= compose();
    pipeline(req, res);
  };

  // While storage is away every tick fails the same way; the connection's own log line says so once.
  const onTimerError = (err: unknown) =>
    err instanceof StorageUnavailableError
      ? logger.debug({ err }, 'periodic task skipped: storage unavailable')
      : logger.error({ err }, 'periodic task failed');
  const stopTimers: (() => void)[] = [];
  const startTimers = () => {
    broadcaster.start();
    stopTimers.push(
      every(config.sweepIntervalMs, () => registry.sweep(), onTimerError),
      every(config.dashboardIntervalMs, () => hub.publishDashboard(), onTimerError),
    );
  };
  startTimers();

  let closing: Promise<void> | undefined;
  const close = async () => {
    accepting = false;
    for (const stop of stopTimers.splice(0)) stop();
    // Logged before the streams end, so resuming clients find the last metrics in the replay.
    await hub.flush().catch(onTimerError);
    const closed = server?.listening
      ? new Promise<void>((resolve) => server?.close(() => resolve()))
      : undefined;
    broadcaster.close(config.retryMs + config.retryJitterMs);
    hub.close();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, config.shutdownTimeoutMs).unref();
    });
    await Promise.race([requests.idle(), grace]);
    clearTimeout(timer);
    if (closed && server) {
      // server.close() ends idle keep-alive connections but not one a client opened and never used
      // (undici does that after an aborted request): Node counts it as active, and close() would wait
      // for the client to drop it, about 4 s. With no request in flight, no connection is worth waiting for.
      // A mounted server leaves the host's connections alone.
      server.closeAllConnections();
      await closed;
    }
    await backend.close();
    logger.info('server closed');
  };

  return {
    app,
    config,
    handle,
    async listen(options = {}) {
      const host = options.host ?? config.host;
      assertSafeBinding(config, host);
      checkDescriptors(config.maxStreams, logger);
      server = createServer(serverTimeouts(config), handle);
      // Node's default accept queue (511) overflows when thousands of dashboards reconnect at once, and
      // each dropped handshake costs the client a kernel retry 1, 3, 7 s later (capped by net.core.somaxconn).
      server.listen({ port: options.port ?? config.port, host, backlog: 4096 });
      await once(server, 'listening');
      boundHost = host;
      const { port } = server.address() as AddressInfo;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      logger.info({ url, compress: config.compress, auth: config.readTokens.length > 0 }, 'listening');
      return { url, port };
    },
    ready: () => healthStatus(services) === 'ok',
    close() {
      closing ??= close();
      return closing;
    },
  };
}
