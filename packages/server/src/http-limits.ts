import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:http';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';

/**
 * How often Node looks for requests past their timeouts. Its default (30 s)
 * would add up to that much to every bound below.
 */
const CHECK_INTERVAL_MS = 1000;
/** Clients drop an idle connection a little before the server's announced keep-alive; past a minute it only holds sockets. */
const KEEP_ALIVE_MAX_MS = 65_000;

/**
 * The node:http timeouts, set on purpose rather than left at Node's defaults
 * (which held a body trickling a byte every 10 s for 300 s):
 * - the whole request, headers and body, within `requestTimeoutMs` (20 s),
 *   then 408 and the connection closed: bodies are at most a few KiB, so only
 *   a stalled or trickling client takes that long, and each holds a socket;
 *   headers alone within 10 s (or that bound, if smaller);
 * - an idle connection kept a heartbeat interval plus 5 s (at most 65 s), so
 *   a worker's next heartbeat reuses it instead of opening a new one.
 * An SSE stream is a response: once its GET is read, none of these apply.
 */
export function serverTimeouts(
  config: Pick<ServerConfig, 'requestTimeoutMs' | 'heartbeatIntervalMs'>,
): ServerOptions {
  return {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(10_000, config.requestTimeoutMs),
    keepAliveTimeout: Math.min(config.heartbeatIntervalMs + 5000, KEEP_ALIVE_MAX_MS),
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
  };
}

/** Descriptors kept beyond the streams: worker requests, Redis, /healthz, logs. */
const DESCRIPTOR_MARGIN = 1024;

/** The soft limit on open files (`ulimit -n`), from /proc on Linux; undefined elsewhere or unlimited. */
function openFilesLimit(read = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(read())?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * Warns when the process may run out of descriptors before it reaches
 * `maxStreams`: streams would then take the last ones, and heartbeats and
 * /healthz be refused by the kernel, not answered.
 */
export function checkDescriptors(maxStreams: number, logger: Logger, limit = openFilesLimit()): void {
  if (limit === undefined || limit >= maxStreams + DESCRIPTOR_MARGIN) return;
  logger.warn(
    { openFilesLimit: limit, maxStreams, wanted: maxStreams + DESCRIPTOR_MARGIN },
    `The file descriptor limit (${limit}) is below --max-streams plus ${DESCRIPTOR_MARGIN}: raise it (ulimit -n, LimitNOFILE) or lower --max-streams`,
  );
}
