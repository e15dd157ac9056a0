import type { ServerResponse } from 'node:http';

export interface RequestTracker {
  /** Counts `res` as in flight until it closes. */
  track(res: ServerResponse): void;
  /** Resolves once no request is in flight (at once if none is). */
  idle(): Promise<void>;
}

/**
 * Follows the requests in flight through the server's pipeline, so a shutdown knows when no
 * connection still matters: the standalone server's or a host app's, when mounted.
 */
export function trackRequests(): RequestTracker {
  let open = 0;
  const waiters: (() => void)[] = [];
  // One listener for every response (a response closes once): no closure per request on the hot path.
  const closed = () => {
    open--;
    if (open === 0) for (const resolve of waiters.splice(0)) resolve();
  };
  return {
    track(res) {
      open++;
      res.on('close', closed);
    },
    idle: () => (open === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}
