/**
 * The demo: the real Pulseboard server (`createApp`) plus, on the same Koa
 * app and port, the built demo pages and a tiny API for the Scale page to
 * resize the simulated fleet, with the simulator reporting to that server.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { createApp, type ServerConfigInput } from '@pulseboard/server';
import type { Middleware } from 'koa';
import { createSimulator, type Simulator } from './simulator.js';

/** Largest fleet the Scale page may ask for. */
export const MAX_SIMULATED = 2000;

export interface DemoOptions {
  config: Partial<ServerConfigInput>;
  /** Simulated workers to start with (0: none). */
  simulate: number;
  /** The built pages (demo/dist). */
  pagesDir: string;
  onError?: (error: Error) => void;
}

export interface Demo {
  /** The server's own address, e.g. http://127.0.0.1:8090. */
  url: string;
  port: number;
  simulator: Simulator;
  close(): Promise<void>;
}

/**
 * The file `urlPath` names in `root` (a real path): itself, with `.html`, or
 * its `index.html`. Symlinks are followed before the check, so only a file
 * really inside `root` is served; a link out of it, like `..`, finds nothing.
 */
async function pageFile(root: string, urlPath: string): Promise<string | undefined> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const named = join(root, path);
  for (const candidate of [named, `${named}.html`, join(named, 'index.html')]) {
    const real = await realpath(candidate).catch(() => undefined);
    if (real?.startsWith(root + sep) && (await stat(real)).isFile()) return real;
  }
  return undefined;
}

/** `"`, `&`, `<` and `>` as HTML entities, for a value put in an attribute. */
const attribute = (value: string) =>
  value.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c]!);

/**
 * A page with the server's read token given to it: on each `<sse-connection>` in its markup, and in a
 * `<meta name="pulseboard-read-token">` for the connections a framework renders (demo/pages/chrome.ts).
 */
function withToken(html: string, token: string): string {
  const value = attribute(token);
  return html
    .replaceAll('<sse-connection ', `<sse-connection token="${value}" `)
    .replace('</head>', `<meta name="pulseboard-read-token" content="${value}"></head>`);
}

/**
 * Serves the built pages for GET/HEAD requests no API route took. Hashed assets are cached for good. With
 * read tokens, the pages get the first (a demo's pages would otherwise be refused by their own server).
 */
function servePages(pagesDir: string, readToken: string | undefined): Middleware {
  const root = realpath(pagesDir);
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const file = await pageFile(await root, ctx.path);
    if (!file) return next();
    ctx.type = extname(file);
    ctx.set(
      'cache-control',
      file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    if (readToken && file.endsWith('.html')) {
      ctx.body = withToken(await readFile(file, 'utf8'), readToken);
      return;
    }
    ctx.length = (await stat(file)).size;
    ctx.body = createReadStream(file);
  };
}

/** A constant-time check of a bearer token against the server's worker tokens. */
function hasWorkerToken(header: string | undefined, tokens: readonly string[]): boolean {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!token) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const candidate = digest(token);
  let found = false;
  for (const known of tokens) found = timingSafeEqual(digest(known), candidate) || found;
  return found;
}

/**
 * `GET /demo/simulation` → `{workers}`; `POST /demo/simulation?workers=1000` resizes the fleet.
 * The POST needs `Content-Type: application/json`, which a cross-site page cannot send without a
 * CORS preflight (so it cannot be triggered by a plain form or `fetch` from elsewhere), and the
 * worker token when the server has worker tokens: resizing the fleet is a worker's kind of write.
 */
function simulationApi(fleet: () => Simulator, workerTokens: readonly string[]): Middleware {
  const error = (status: number, code: string, message: string) => ({
    status,
    body: { error: { code, message } },
  });
  return async (ctx, next) => {
    if (ctx.path !== '/demo/simulation') return next();
    if (ctx.method === 'POST') {
      const rejected =
        workerTokens.length > 0 && !hasWorkerToken(ctx.get('authorization') || undefined, workerTokens)
          ? error(401, 'unauthorized', 'Send a worker token as Authorization: Bearer')
          : ctx.request.type !== 'application/json'
            ? error(415, 'unsupported_media_type', 'Send Content-Type: application/json')
            : undefined;
      if (rejected) {
        ctx.status = rejected.status;
        ctx.body = rejected.body;
        return;
      }
      const workers = Number(ctx.query.workers);
      if (!Number.isInteger(workers) || workers < 0 || workers > MAX_SIMULATED) {
        ctx.status = 400;
        ctx.body = { error: { code: 'invalid_workers', message: `workers must be 0..${MAX_SIMULATED}` } };
        return;
      }
      // Answer at once; a large fleet takes a few seconds to register, spread on purpose.
      void fleet().resize(workers);
    } else if (ctx.method !== 'GET') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, POST');
      ctx.body = { error: { code: 'method_not_allowed', message: `${ctx.method} is not allowed here` } };
      return;
    }
    ctx.body = { workers: fleet().size };
  };
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const server = await createApp(options.config);
  // Koa composes its middleware when the server starts listening: add ours first.
  // Behind the API routes, so only requests no route answered get here.
  server.app.use(simulationApi(() => simulator, server.config.workerTokens));
  server.app.use(servePages(options.pagesDir, server.config.readTokens[0]));
  const { url, port } = await server.listen();
  const simulator = createSimulator({
    url,
    workers: options.simulate,
    token: server.config.workerTokens[0],
    expireAfterMs: server.config.expireAfterMs,
    onError: options.onError,
  });
  await simulator.start();
  return {
    url,
    port,
    simulator,
    async close() {
      // Workers deregister like a real deployment scaling to zero, but shutdown does not wait long for it.
      await Promise.race([simulator.stop(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      await server.close();
    },
  };
}
