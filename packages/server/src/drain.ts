import type { Server, ServerResponse } from 'node:http';

export interface RequestTracker {
  /** Resolves once no request is in flight (at once if none is). */
  idle(): Promise<void>;
}

/** Follows the requests in flight on `server`, so a shutdown knows when no connection still matters. */
export function trackRequests(server: Server): RequestTracker {
  const open = new Set<ServerResponse>();
  const waiters: (() => void)[] = [];
  // First in line, so a request is counted before any handler (the heartbeat lane answers some at once).
  server.prependListener('request', (_req, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      if (open.size === 0) for (const resolve of waiters.splice(0)) resolve();
    });
  });
  return {
    idle: () => (open.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}
