import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import { createApp, type Storage } from './app.js';
import {
  assertSafeBinding,
  ConfigError,
  resolveConfig,
  type ServerConfig,
  type ServerConfigInput,
} from './config.js';
import { errorBody, HttpError, shuttingDown } from './errors.js';
import { writeJson } from './json-response.js';

export interface PulseboardOptions extends Omit<Partial<ServerConfigInput>, 'port' | 'host'> {
  /**
   * The path the browser and the workers see, e.g. `/pulse` (the stream is then `/pulse/events`).
   * Matched against the request's original URL, so it is the same wherever the host mounts the
   * handler. `/` takes every path.
   */
  basePath: string;
}

/** A connect-style `next`: Express, Fastify's middie. */
export type Next = (err?: unknown) => void;

export interface Pulseboard {
  readonly config: ServerConfig;
  /** The normalized base path (`''` for `/`). */
  readonly basePath: string;
  /** Koa middleware: `app.use(pulse.middleware)`. Paths outside `basePath` go on to `next()`. */
  readonly middleware: Middleware;
  /**
   * A Node handler for Express (`app.use('/pulse', pulse.handler)`), Fastify's middleware
   * (`fastify.use(pulse.handler)` with @fastify/middie) and `http.createServer(pulse.handler)`.
   * Paths outside `basePath` go to `next`, or get a 404 when there is none.
   */
  readonly handler: (req: IncomingMessage, res: ServerResponse, next?: Next) => void;
  /** Whether it serves new streams and writes now (what its `/healthz` answers 200 for). */
  ready(): boolean;
  /**
   * Tells every stream to reconnect and ends it, waits for the requests in flight (up to
   * `shutdownTimeoutMs`), stops timers and closes storage. From the call on, requests under
   * `basePath` get a 503; the host's server and its other routes are left alone. Safe to call twice.
   */
  close(): Promise<void>;
}

function parseBasePath(path: unknown): string {
  if (typeof path !== 'string' || !/^\/[^\s?#]*$/.test(path) || path.includes('//')) {
    throw new ConfigError(
      `Invalid mount: basePath must be a path such as "/pulse" (a leading /, no query, no //), got ${JSON.stringify(path)}`,
    );
  }
  return path.replace(/\/$/, '');
}

/**
 * Pulseboard inside an existing Koa, Express, Fastify or node:http app. The
 * requests under `basePath` run through the standalone server's own pipeline
 * (`PulseServer.handle`: heartbeat lane, tokens, CORS, body limits); only the
 * path changes. Rejects with a ConfigError without both kinds of tokens unless
 * `allowAnonymous` is set. Resolves once storage is connected and the timers run.
 */
export async function createPulseboard(options: PulseboardOptions, storage?: Storage): Promise<Pulseboard> {
  // Plain JavaScript callers get a clear message instead of a TypeError from destructuring.
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(
      'createPulseboard expects an options object with at least basePath, e.g. { basePath: "/pulse" }',
    );
  }
  const { basePath: base, ...input } = options;
  const basePath = parseBasePath(base);
  if ('port' in input || 'host' in input) {
    throw new ConfigError(
      "Invalid mount: port and host are the host app's to choose; a mounted server does not listen",
    );
  }
  const config = resolveConfig(input);
  assertSafeBinding(config, undefined);
  const server = await createApp(config, storage);
  let closing = false;

  /** The path and query inside the mount, or undefined when the request is outside it. */
  function within(url: string): string | undefined {
    if (!url.startsWith('/') || !url.startsWith(basePath)) return undefined;
    const rest = url.slice(basePath.length);
    if (rest === '' || rest[0] === '?') return `/${rest}`;
    return rest[0] === '/' ? rest : undefined;
  }

  /** Why a request under basePath cannot go through the pipeline, if it cannot. */
  function refusal(req: IncomingMessage): HttpError | undefined {
    if (closing) return shuttingDown();
    // A body parser ahead of the mount (express.json(), koa-bodyparser) took the body: reading it would wait forever.
    if (req.readableEnded) {
      return new HttpError(
        500,
        'body_consumed',
        'The host app read the request body before Pulseboard; mount Pulseboard ahead of body parsers',
      );
    }
    return undefined;
  }

  function serve(req: IncomingMessage, res: ServerResponse, url: string): void {
    const refused = refusal(req);
    if (refused) writeJson(res, refused.status, errorBody(refused), refused.headers);
    else {
      req.url = url;
      server.handle(req, res);
    }
  }

  return {
    config: server.config,
    basePath,
    middleware: (ctx, next) => {
      const url = within(ctx.originalUrl);
      if (url === undefined) return next();
      ctx.respond = false;
      // Settles when the answer is done, so the host's middleware around it sees the request's real end.
      return new Promise<void>((resolve) => {
        ctx.res.once('close', resolve);
        serve(ctx.req, ctx.res, url);
      });
    },
    handler: (req, res, next) => {
      // Express and middie strip their mount path from req.url and keep the original.
      const original = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
      const url = within(original);
      if (url !== undefined) serve(req, res, url);
      else if (next) next();
      else {
        const error = new HttpError(404, 'not_found', `No route for ${req.method} ${original.split('?')[0]}`);
        writeJson(res, 404, errorBody(error));
      }
    },
    ready: () => server.ready(),
    close() {
      closing = true;
      return server.close();
    },
  };
}
