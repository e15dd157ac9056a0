import type Router from '@koa/router';
import type { Logger } from 'pino';
import type { RequireAccess } from '../auth.js';
import type { ServerConfig } from '../config.js';
import type { DeadLetters } from '../dead-letters/dead-letters.js';
import type { Hub } from '../hub.js';
import type { Metrics } from '../metrics.js';
import type { Registry } from '../registry.js';
import type { Broadcaster } from '../sse/broadcaster.js';
import type { EventLog, StorageStatus } from '../store/types.js';

/** What the routes are built from; createApp assembles it. */
export interface Services {
  config: ServerConfig;
  logger: Logger;
  registry: Registry;
  deadLetters: DeadLetters;
  hub: Hub;
  eventLog: EventLog;
  broadcaster: Broadcaster;
  metrics: Metrics;
  requireAccess: RequireAccess;
  /** False once shutdown began: new streams are refused. */
  accepting: () => boolean;
  /** Whether the storage backend is reachable (Redis may be reconnecting). */
  storage: () => StorageStatus;
}

export type Mount = (router: Router, services: Services) => void;
