import type { Mount } from './types.js';

export const mountHealthRoutes: Mount = (router, { broadcaster, metrics, requireAccess, accepting }) => {
  // Open on purpose: load balancers probe without tokens, and it reveals nothing but liveness.
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.status = accepting() ? 200 : 503;
    ctx.body = { status: accepting() ? 'ok' : 'shutting_down', clients: broadcaster.size };
  });

  router.get('/metrics', requireAccess('read'), async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
};
