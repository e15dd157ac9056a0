import type { Mount, Services } from './types.js';

/**
 * What `/healthz` reports; only `ok` is ready for new streams and writes. Degraded while
 * storage is away or no `initial_data` can be built (new dashboards would get a 500).
 */
export function healthStatus({
  accepting,
  storage,
  snapshots,
}: Pick<Services, 'accepting' | 'storage' | 'snapshots'>): 'ok' | 'degraded' | 'shutting_down' {
  if (!accepting()) return 'shutting_down';
  return storage.status().ok && !snapshots.failing ? 'ok' : 'degraded';
}

export const mountHealthRoutes: Mount = (router, services) => {
  const { broadcaster, snapshots, metrics, requireAccess, storage } = services;
  // Open on purpose: load balancers probe without tokens, and it reveals nothing but liveness.
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const backend = storage.status();
    const status = healthStatus(services);
    // Degraded is a 503 too: a balancer should send new streams and writes to an instance that can serve them.
    ctx.status = status === 'ok' ? 200 : 503;
    // No error text here (the endpoint is open): the log has it.
    const reason =
      backend.reason ?? (snapshots.failing ? 'initial_data cannot be built; see the log' : undefined);
    ctx.body = { status, clients: broadcaster.size, storage: backend.backend, reason };
  });

  router.get('/metrics', requireAccess('read'), async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
};
