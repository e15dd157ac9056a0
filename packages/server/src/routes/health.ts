import type { Mount, Services } from './types.js';

/** What `/healthz` reports; only `ok` is ready for new streams and writes. */
export function healthStatus({
  accepting,
  storage,
}: Pick<Services, 'accepting' | 'storage'>): 'ok' | 'degraded' | 'shutting_down' {
  return !accepting() ? 'shutting_down' : storage().ok ? 'ok' : 'degraded';
}

export const mountHealthRoutes: Mount = (router, services) => {
  const { broadcaster, metrics, requireAccess, storage } = services;
  // Open on purpose: load balancers probe without tokens, and it reveals nothing but liveness.
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const backend = storage();
    const status = healthStatus(services);
    // Degraded is a 503 too: a balancer should send new streams and writes to an instance that can serve them.
    ctx.status = status === 'ok' ? 200 : 503;
    ctx.body = { status, clients: broadcaster.size, storage: backend.backend, reason: backend.reason };
  });

  router.get('/metrics', requireAccess('read'), async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
};
