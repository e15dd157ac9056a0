import { randomInt } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Permission } from '@pulseboard/protocol';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { errorBody, toHttpError } from '../errors.js';
import type { EventLog } from '../store/types.js';
import type { Broadcaster } from './broadcaster.js';
import type { StreamFilter } from './filter.js';
import { encodeRetry } from './frame.js';
import { createSink } from './sink.js';
import type { SnapshotFrames } from './snapshots.js';

/** An id is short; anything longer is garbage and leads to a resync like any unknown id. */
export const MAX_EVENT_ID_LENGTH = 64;
/** Resumes a second one instance takes comfortably while streaming (a storm of 5,000 measured in docs/benchmarks.md). */
const RECONNECTS_PER_SEC = 2000;

/** What a stream asked for, parsed and checked by the route. */
export interface SessionRequest {
  filter: StreamFilter;
  /** What the stream's token allows, for `initial_data.can`. */
  can: readonly Permission[];
  /** `Last-Event-ID` (header or `lastEventId` query), '' on a first connect. */
  lastEventId: string;
  gzip: boolean;
  /** Names the request in the log line of a session that fails before its first byte. */
  method: string;
  path: string;
}

export interface SessionsOptions {
  config: Pick<ServerConfig, 'retryMs' | 'retryJitterMs'>;
  eventLog: Pick<EventLog, 'since'>;
  broadcaster: Broadcaster;
  snapshots: SnapshotFrames;
  logger: Logger;
}

/** The stream's headers: a HEAD gets them too. */
export function streamHeaders(gzip: boolean): Record<string, string> {
  return {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    ...(gzip ? { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : {}),
  };
}

/**
 * Opens SSE sessions: each owns one connection's life on the raw response.
 * Headers, a retry line, then either the missed events (resume) or an
 * `initial_data` snapshot, then live events from the broadcaster, with the
 * session's filter applied to every frame (sse/client.ts).
 */
export class Sessions {
  readonly #options: SessionsOptions;

  constructor(options: SessionsOptions) {
    this.#options = options;
  }

  /** Runs a session on `res` until the catch-up or snapshot is written and it is live. */
  async open(res: ServerResponse, request: SessionRequest): Promise<void> {
    const { config, eventLog, broadcaster, snapshots, logger } = this.#options;
    const { filter, lastEventId, gzip } = request;
    const headers = streamHeaders(gzip);
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
    res.socket?.setNoDelay(true);

    const client = broadcaster.open(createSink(res, gzip), filter);
    res.once('close', () => broadcaster.remove(client));
    // Jitter spreads the reconnects of many dashboards after a restart: at least retryJitterMs, and
    // wide enough for the fleet connected now to come back at about RECONNECTS_PER_SEC.
    const jitterMs = Math.max(
      config.retryJitterMs,
      Math.round((broadcaster.size / RECONNECTS_PER_SEC) * 1000),
    );
    client.sendRaw(encodeRetry(config.retryMs + randomInt(jitterMs + 1)));

    let missed: Awaited<ReturnType<typeof eventLog.since>>;
    let snapshot: Awaited<ReturnType<typeof snapshots.frame>> | undefined;
    try {
      missed =
        lastEventId.length > 0 && lastEventId.length <= MAX_EVENT_ID_LENGTH
          ? await eventLog.since(lastEventId)
          : 'resync';
      if (missed === 'resync') snapshot = await snapshots.frame(lastEventId.length > 0, filter, request.can);
    } catch (err) {
      // Nothing is written yet: the client gets the error (a 500 logged with its cause, or 503).
      broadcaster.remove(client);
      const error = toHttpError(err, logger, request);
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
  }
}
