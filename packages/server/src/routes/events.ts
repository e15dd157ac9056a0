import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { errorBody, HttpError, shuttingDown, toHttpError } from '../errors.js';
import { parseFilter } from '../sse/filter.js';
import { encodeRetry } from '../sse/frame.js';
import { createSink } from '../sse/sink.js';
import type { Mount } from './types.js';

const MAX_EVENT_ID_LENGTH = 64;
/** Resumes a second one instance takes comfortably while streaming (a storm of 5,000 measured in docs/benchmarks.md). */
const RECONNECTS_PER_SEC = 2000;

/** Streams come back as dashboards close; asking sooner would only add load. */
const FULL_RETRY_AFTER_S = '5';

/**
 * The stream bounds: `maxStreams` in all, `maxStreamsPerClient` from one
 * address, so descriptors stay for writes and /healthz, and one client
 * cannot take them all. A refusal is logged once when a bound is reached.
 */
function streamBounds(
  config: Pick<ServerConfig, 'maxStreams' | 'maxStreamsPerClient'>,
  broadcaster: { readonly size: number },
  logger: Logger,
) {
  const perAddress = new Map<string, number>();
  /** The bounds reached and logged: '' for the total, else an address. */
  const logged = new Set<string>();
  const refuse = (key: string, message: string) => {
    if (!logged.has(key)) {
      logged.add(key);
      const { maxStreams, maxStreamsPerClient } = config;
      logger.warn(
        { address: key || undefined, maxStreams, maxStreamsPerClient },
        `refusing new streams: ${message}`,
      );
    }
    return new HttpError(503, 'too_many_streams', message, undefined, { 'Retry-After': FULL_RETRY_AFTER_S });
  };
  return {
    check(address: string): void {
      if (broadcaster.size >= config.maxStreams)
        throw refuse('', `The server holds its maximum of ${config.maxStreams} streams`);
      if ((perAddress.get(address) ?? 0) >= config.maxStreamsPerClient)
        throw refuse(address, `This address holds its maximum of ${config.maxStreamsPerClient} streams`);
    },
    opened(address: string): void {
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    },
    closed(address: string): void {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
      logged.delete(address);
      logged.delete('');
    },
  };
}

/**
 * GET /events: the SSE stream (HEAD: its headers only). The route writes to the socket itself
 * (`ctx.respond = false`): a retry line, then either the missed events
 * (resume) or an `initial_data` snapshot, then live events.
 */
export const mountEventRoutes: Mount = (router, services) => {
  const { config, hub, eventLog, broadcaster, logger, requireAccess, accepting, permissions } = services;
  const bounds = streamBounds(config, broadcaster, logger);

  router.get('/events', requireAccess('read', { allowQueryToken: true }), async (ctx) => {
    if (!accepting()) throw shuttingDown();
    const address = ctx.req.socket.remoteAddress ?? '';
    bounds.check(address);
    const filter = parseFilter(ctx.query);
    const header = ctx.get('last-event-id');
    const query = ctx.query.lastEventId;
    // An id is short; anything longer is garbage and leads to a resync like any unknown id.
    const lastEventId = (header || (typeof query === 'string' ? query : '')).slice(
      0,
      MAX_EVENT_ID_LENGTH + 1,
    );
    const gzip = config.compress && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
    const headers = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      ...(gzip ? { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : {}),
    };
    // The router answers HEAD with this GET route: the same status and headers, no body and no
    // stream client (live events written to the socket would follow a bodiless reply as garbage).
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.set(headers);
      return;
    }

    ctx.respond = false;
    const res = ctx.res;
    // The socket closes when the stream ends: nothing useful can follow an SSE stream on it, and an
    // idle keep-alive socket left behind would hold up a graceful shutdown.
    res.shouldKeepAlive = false;
    // With the socket closing at the end anyway, the body can end with it instead of being chunked:
    // each event is then one plain write, not a writev of size line, frame and CRLF.
    res.useChunkedEncodingByDefault = false;
    // Sent with the first bytes (the retry line and the snapshot or replay, in one write), so a stream
    // that cannot start still answers with an error rather than an empty 200.
    res.statusCode = 200;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    ctx.req.socket.setNoDelay(true);

    const client = broadcaster.open(createSink(res, gzip), filter);
    bounds.opened(address);
    res.once('close', () => {
      broadcaster.remove(client);
      bounds.closed(address);
    });
    // Jitter spreads the reconnects of many dashboards after a restart: at least retryJitterMs, and
    // wide enough for the fleet connected now to come back at about RECONNECTS_PER_SEC.
    const jitterMs = Math.max(
      config.retryJitterMs,
      Math.round((broadcaster.size / RECONNECTS_PER_SEC) * 1000),
    );
    client.sendRaw(encodeRetry(config.retryMs + randomInt(jitterMs + 1)));

    let missed: Awaited<ReturnType<typeof eventLog.since>>;
    let snapshot: Awaited<ReturnType<typeof hub.initialData>> | undefined;
    try {
      missed =
        lastEventId.length > 0 && lastEventId.length <= MAX_EVENT_ID_LENGTH
          ? await eventLog.since(lastEventId)
          : 'resync';
      if (missed === 'resync')
        snapshot = await hub.initialData(lastEventId.length > 0, filter, permissions(ctx, true));
    } catch (err) {
      // Nothing is written yet: the client gets the error (a 500 logged with its cause, or 503).
      broadcaster.remove(client);
      const error = toHttpError(err, logger, ctx);
      for (const name of Object.keys(headers)) res.removeHeader(name);
      res.writeHead(error.status, { ...error.headers, 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(errorBody(error)));
      return;
    }
    if (snapshot) {
      await client.sendSnapshot(snapshot.id, snapshot.frame);
      client.goLive(snapshot.id);
    } else if (missed !== 'resync') {
      await client.catchUp(missed);
      client.goLive(missed.at(-1)?.id ?? lastEventId);
    }
    logger.debug({ lastEventId, resumed: !snapshot, clients: broadcaster.size }, 'stream opened');
  });
};
