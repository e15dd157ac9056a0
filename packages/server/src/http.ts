import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import type { Auth } from './auth.js';
import { assertSafeBinding, isLoopbackHost } from './config.js';
import { createCors } from './cors.js';
import { trackRequests } from './drain.js';
import { errorHandler, logResponseError } from './errors.js';
import { checkDescriptors, serverTimeouts } from './http-limits.js';
import { createHeartbeatLane } from './ingest-lane.js';
import { mountActionRoutes } from './routes/actions.js';
import { mountEventRoutes } from './routes/events.js';
import { mountHealthRoutes } from './routes/health.js';
import { mountHeartbeatRoutes } from './routes/heartbeats.js';
import { mountHistoryRoutes } from './routes/history.js';
import { mountResourceRoutes } from './routes/resources.js';
import type { Services } from './routes/types.js';
import { mountWorkerRoutes } from './routes/workers.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Http {
  app: Koa;
  /**
   * The one request pipeline: the heartbeat lane, then Koa. `listen()` serves it and
   * `createPulseboard` mounts it. Koa's middleware is composed at the first call.
   */
  handle: RequestHandler;
  /** Starts listening; the defaults come from the config. */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /**
   * Stops listening, waits for the requests in flight (up to `shutdownTimeoutMs`), then
   * closes the connections left. A mounted server leaves the host's connections alone.
   */
  close(): Promise<void>;
}

/** Koa with the routes, the heartbeat lane ahead of it, and the listening server, on `services`. */
export function createHttp(services: Services, auth: Pick<Auth, 'authorize'>): Http {
  const { config, logger } = services;
  let server: Server | undefined;
  const requests = trackRequests();
  // Unknown until listen(): a mounted server does not know where its host listens.
  let boundHost: string | undefined;

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
    mountEventRoutes,
    mountHistoryRoutes,
    mountActionRoutes,
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

  return {
    app,
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
    async close() {
      const closed = server?.listening
        ? new Promise<void>((resolve) => server?.close(() => resolve()))
        : undefined;
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
        server.closeAllConnections();
        await closed;
      }
    },
  };
}
