import { readJson } from '../body.js';
import type { Mount } from './types.js';

export const mountHeartbeatRoutes: Mount = (router, services) => {
  const write = services.requireAccess('worker');
  router.post('/api/heartbeats', write, async (ctx) => {
    ctx.body = await services.ingest.heartbeats(await readJson(ctx.req, services.config.batchBodyLimitBytes));
  });
};
