import type { Context } from 'koa';
import { readJson } from '../body.js';
import { idSchema, parse, resourceBodySchema } from '../validation.js';
import type { Mount } from './types.js';

export const mountResourceRoutes: Mount = (router, { config, registry, requireAccess }) => {
  router.get('/api/resources', requireAccess('read'), async (ctx) => {
    const { resources } = await registry.snapshot();
    ctx.body = { resources };
  });

  router.put('/api/resources/:id', requireAccess('worker'), async (ctx) => {
    const id = parse(idSchema, (ctx as Context & { params: Record<string, string> }).params.id, 'id');
    const body = parse(resourceBodySchema, await readJson(ctx.req, config.bodyLimitBytes));
    ctx.body = { resource: await registry.upsertResource({ ...body, id }) };
  });
};
