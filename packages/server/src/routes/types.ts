import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Actions } from '../actions/service.js';
import type { Auth, RequireAccess } from '../auth.js';
import type { ServerConfig } from '../config.js';
import type { DeadLetters } from '../dead-letters/dead-letters.js';
import type { History } from '../history/history.js';
import type { Ingest } from '../ingest.js';
import type { Metrics } from '../metrics.js';
import type { Registry } from '../registry.js';
import type { Broadcaster } from '../sse/broadcaster.js';
import type { Sessions } from '../sse/session.js';
import type { SnapshotFrames } from '../sse/snapshots.js';
import type { Storage } from '../store/types.js';

/** What the routes are built from; createApp assembles it. */
export interface Services {
  config: ServerConfig;
  logger: Logger;
  registry: Registry;
  history: History;
  broadcaster: Broadcaster;
  sessions: Sessions;
  snapshots: SnapshotFrames;
  metrics: Metrics;
  /** Heartbeats, one or a batch, from the Koa routes and the heartbeat lane alike. */
  ingest: Ingest;
  requireAccess: RequireAccess;
  /** What a request's token allows of what a dashboard can do (`initial_data.can`). */
  permissions: (ctx: Context, allowQueryToken?: boolean) => ReturnType<Auth['permissions']>;
  actions: Actions;
  deadLetters: DeadLetters;
  /** False once shutdown began: new streams are refused. */
  accepting: () => boolean;
  /** Whether the storage backend is reachable (Redis may be reconnecting). */
  storage: Pick<Storage, 'status'>;
}

export type Mount = (router: Router, services: Services) => void;
