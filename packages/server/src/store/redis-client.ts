import { createClient, ErrorReply } from 'redis';
import { actionScripts } from './redis-action-scripts.js';
import { scripts } from './redis-scripts.js';
import { StorageUnavailableError } from './types.js';

/** A command against a reachable Redis answers in microseconds; past this, Redis is as good as down. */
const COMMAND_TIMEOUT_MS = 2000;
/** Reconnect backoff: doubling from 50 ms, capped, with jitter so instances do not reconnect in lockstep. */
const backoff = (retries: number) =>
  Math.round(Math.min(2000, 50 * 2 ** Math.min(retries, 6)) * (0.8 + Math.random() * 0.4));
/** At startup a wrong URL should fail fast rather than retry forever. */
const STARTUP_ATTEMPTS = 5;

/** `redis://user:secret@host:6379/0` without the credentials, for messages and logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}

/**
 * The command connection: no offline queue and a command timeout, so a write
 * while Redis is away fails at once (and the API answers 503) instead of
 * waiting in a queue. It reconnects by itself with backoff.
 */
export function createRedisClient(url: string) {
  let connected = false;
  const client = createClient({
    url,
    scripts: { ...scripts, ...actionScripts },
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: {
      connectTimeout: COMMAND_TIMEOUT_MS,
      reconnectStrategy: (retries, cause) =>
        connected || retries < STARTUP_ATTEMPTS
          ? backoff(retries)
          : new StorageUnavailableError(`Cannot reach Redis at ${describeRedisUrl(url)}: ${cause.message}`),
    },
  });
  client.once('ready', () => {
    connected = true;
  });
  return client;
}

export type RedisClient = ReturnType<typeof createRedisClient>;

/** Redis replies that mean "not now" rather than "wrong command". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|OOM)\b/;

/** Turns connection-level failures into StorageUnavailableError; a real command error stays what it is. */
export async function guard<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    if (err instanceof ErrorReply && !TRANSIENT_REPLY.test(err.message)) throw err;
    throw new StorageUnavailableError(`Redis is unavailable: ${(err as Error).message}`, { cause: err });
  }
}
