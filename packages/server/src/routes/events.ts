import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { HttpError, shuttingDown } from '../errors.js';
import { parseFilter } from '../sse/filter.js';
import { MAX_EVENT_ID_LENGTH, streamHeaders } from '../sse/session.js';
import type { Mount } from './types.js';

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
 * GET /events: the SSE stream (HEAD: its headers only). The route checks access, the
 * stream bounds and the request, then hands the raw response to a session (sse/session.ts),
 * which writes to the socket itself (`ctx.respond = false`).
 */
export const mountEventRoutes: Mount = (router, services) => {
  const { config, broadcaster, sessions, logger, requireAccess, accepting, permissions } = services;
  const bounds = streamBounds(config, broadcaster, logger);

  router.get('/events', requireAccess('read', { allowQueryToken: true }), async (ctx) => {
    if (!accepting()) throw shuttingDown();
    const address = ctx.req.socket.remoteAddress ?? '';
    bounds.check(address);
    const filter = parseFilter(ctx.query);
    const header = ctx.get('last-event-id');
    const query = ctx.query.lastEventId;
    // Cut just past the longest id: the session resyncs a longer one like any unknown id.
    const lastEventId = (header || (typeof query === 'string' ? query : '')).slice(
      0,
      MAX_EVENT_ID_LENGTH + 1,
    );
    const gzip = config.compress && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
    // The router answers HEAD with this GET route: the same status and headers, no body and no
    // session (live events written to the socket would follow a bodiless reply as garbage).
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.set(streamHeaders(gzip));
      return;
    }

    ctx.respond = false;
    bounds.opened(address);
    ctx.res.once('close', () => bounds.closed(address));
    const can = permissions(ctx, true);
    await sessions.open(ctx.res, { filter, can, lastEventId, gzip, method: ctx.method, path: ctx.path });
  });
};
