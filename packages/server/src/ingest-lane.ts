import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Auth, bearer } from './auth.js';
import { readJson } from './body.js';
import { errorBody, toHttpError } from './errors.js';
import { acceptHeartbeat } from './ingest.js';
import { writeJson } from './json-response.js';
import type { Services } from './routes/types.js';
import { ID_RULE } from './validation.js';

/** A heartbeat as workers send it: a valid id (nothing to decode) and no query. */
const HEARTBEAT_PATH = new RegExp(`^/api/workers/(${ID_RULE})/heartbeat$`);

/**
 * The heartbeat lane: `POST /api/workers/:id/heartbeat` as the reporter sends
 * it (no `Origin`, a plain id, no query), answered from node:http ahead of
 * Koa. Heartbeats are the server's hottest request, and Koa's context,
 * router and middleware cost about twice what the heartbeat itself does
 * (docs/benchmarks.md, ingest). The answers are the Koa route's: both run
 * `authorize`, `readJson`, `acceptHeartbeat` and `errorBody`, and every other
 * shape of the request (a browser's, with CORS; an encoded id) still goes to
 * the route. Returns false for a request it leaves to Koa.
 */
export function createHeartbeatLane(
  services: Pick<Services, 'config' | 'registry' | 'metrics' | 'logger' | 'actions'>,
  authorize: Auth['authorize'],
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { config, logger } = services;
  const debug = logger.isLevelEnabled('debug');

  async function answer(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = debug ? performance.now() : 0;
    let status = 200;
    let headers: Record<string, string> | undefined;
    let payload: unknown;
    try {
      authorize('worker', bearer(req.headers.authorization), req.headers.host);
      payload = await acceptHeartbeat(services, id, await readJson(req, config.bodyLimitBytes));
    } catch (err) {
      const error = toHttpError(err, logger, { method: req.method, path: req.url ?? '' });
      ({ status, headers } = error);
      payload = errorBody(error);
    }
    writeJson(res, status, payload, headers);
    if (debug)
      logger.debug({ method: req.method, path: req.url, status, ms: performance.now() - started }, 'request');
  }

  return (req, res) => {
    if (req.method !== 'POST' || req.headers.origin !== undefined) return false;
    const match = HEARTBEAT_PATH.exec(req.url ?? '');
    if (!match) return false;
    answer(match[1] as string, req, res).catch((err: unknown) => {
      logger.error({ err }, 'heartbeat answer failed');
      res.destroy();
    });
    return true;
  };
}
