import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Auth, bearer } from './auth.js';
import { readJson } from './body.js';
import { errorBody, toHttpError } from './errors.js';
import { type PreparedJson, prepareJson, writePreparedJson } from './json-response.js';
import type { Services } from './routes/types.js';
import { ID_RULE } from './validation.js';

/** A heartbeat as workers send it: a valid id (nothing to decode) and no query. */
const HEARTBEAT_PATH = new RegExp(`^/api/workers/(${ID_RULE})/heartbeat$`);
const BATCH_PATH = '/api/heartbeats';

/**
 * The heartbeat lane: `POST /api/workers/:id/heartbeat` and `POST
 * /api/heartbeats` as reporters send them (no `Origin`, a plain id, no
 * query), answered from node:http ahead of Koa. Heartbeats are the server's
 * hottest requests, and Koa's context, router and middleware cost about twice
 * what a heartbeat itself does (docs/benchmarks.md, ingest). The answers are
 * the Koa routes': both run `authorize`, `readJson`, `Ingest` (ingest.ts) and
 * `errorBody`, and every other shape of the request (a browser's, with CORS;
 * an encoded id) still goes to the routes. Returns false for a request it
 * leaves to Koa.
 */
export function createHeartbeatLane(
  { config, logger, ingest }: Pick<Services, 'config' | 'logger' | 'ingest'>,
  authorize: Auth['authorize'],
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const debug = logger.isLevelEnabled('debug');
  // A frozen answer (a heartbeat's that takes no actions: one per status, ingest.ts) never changes:
  // it is serialized once.
  const frozen = new WeakMap<object, PreparedJson>();
  const prepare = (payload: unknown): PreparedJson => {
    if (typeof payload !== 'object' || payload === null || !Object.isFrozen(payload))
      return prepareJson(payload);
    let prepared = frozen.get(payload);
    if (!prepared) {
      prepared = prepareJson(payload);
      frozen.set(payload, prepared);
    }
    return prepared;
  };

  /** One heartbeat (`id`) or a batch (undefined); no closure per request, and it never rejects. */
  async function answer(req: IncomingMessage, res: ServerResponse, id: string | undefined): Promise<void> {
    const started = debug ? performance.now() : 0;
    let status = 200;
    let headers: Record<string, string> | undefined;
    let payload: unknown;
    try {
      try {
        authorize('worker', bearer(req.headers.authorization), req.headers.host);
        payload =
          id === undefined
            ? await ingest.heartbeats(await readJson(req, config.batchBodyLimitBytes, res))
            : await ingest.heartbeat(id, await readJson(req, config.bodyLimitBytes, res));
      } catch (err) {
        const error = toHttpError(err, logger, { method: req.method, path: req.url ?? '' });
        ({ status, headers } = error);
        payload = errorBody(error);
      }
      writePreparedJson(res, status, prepare(payload), headers);
    } catch (err) {
      logger.error({ err }, 'heartbeat answer failed');
      res.destroy();
      return;
    }
    if (debug)
      logger.debug({ method: req.method, path: req.url, status, ms: performance.now() - started }, 'request');
  }

  return (req, res) => {
    if (req.method !== 'POST' || req.headers.origin !== undefined) return false;
    const url = req.url ?? '';
    let id: string | undefined;
    if (url !== BATCH_PATH) {
      const match = HEARTBEAT_PATH.exec(url);
      if (!match) return false;
      id = match[1] as string;
    }
    void answer(req, res, id);
    return true;
  };
}
