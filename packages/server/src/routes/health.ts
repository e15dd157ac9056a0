import type { Mount } from './types.js';

export const mountHealthRoutes: Mount = (
  router,
  { broadcaster, metrics, requireAccess, accepting, storage },
) => {
  // Open on purpose: load balancers probe without tokens, and it reveals nothing but liveness.
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const backend = storage();
    // Degraded is a 503 too: a balancer should send new streams and writes to an instance that can serve them.
    const status = !accepting() ? 'shutting_down' : backend.ok ? 'ok' : 'degraded';
    ctx.status = status === 'ok' ? 200 : 503;
    ctx.body = { status, clients: broadcaster.size, storage: backend.backend, reason: backend.reason };
  });

  router.get('/metrics', requireAccess('read'), async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
};
