import type { HeartbeatResponse, RegisterWorkerResponse } from '@pulseboard/protocol';
import type { Context } from 'koa';
import { readJson } from '../body.js';
import { HttpError } from '../errors.js';
import { heartbeatSchema, idSchema, logsSchema, parse, registerSchema } from '../validation.js';
import type { Mount } from './types.js';

function workerId(ctx: Context): string {
  return parse(idSchema, (ctx as Context & { params: Record<string, string> }).params.id, 'id');
}

const unknownWorker = (id: string) =>
  new HttpError(404, 'unknown_worker', `No worker "${id}" is registered; register it again`);

export const mountWorkerRoutes: Mount = (router, { config, registry, metrics, requireAccess }) => {
  const write = requireAccess('worker');
  const limit = config.bodyLimitBytes;

  router.get('/api/workers', requireAccess('read'), async (ctx) => {
    const { workers } = await registry.snapshot();
    ctx.body = { workers };
  });

  router.post('/api/workers', write, async (ctx) => {
    const body = parse(registerSchema, await readJson(ctx, limit));
    const { worker, created } = await registry.register(body);
    const response: RegisterWorkerResponse = { worker, heartbeatIntervalMs: config.heartbeatIntervalMs };
    ctx.status = created ? 201 : 200;
    ctx.body = response;
  });

  router.post('/api/workers/:id/heartbeat', write, async (ctx) => {
    const id = workerId(ctx);
    const body = parse(heartbeatSchema, await readJson(ctx, limit));
    const worker = await registry.heartbeat(id, body);
    if (!worker) throw unknownWorker(id);
    metrics.heartbeats.inc();
    const response: HeartbeatResponse = {
      status: worker.status,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
    };
    ctx.body = response;
  });

  router.delete('/api/workers/:id', write, async (ctx) => {
    const id = workerId(ctx);
    if (!(await registry.deregister(id))) throw unknownWorker(id);
    ctx.status = 204;
  });

  router.post('/api/workers/:id/logs', write, async (ctx) => {
    const id = workerId(ctx);
    const body = parse(logsSchema, await readJson(ctx, limit));
    const entries = await registry.addLogs(id, body.entries);
    if (!entries) throw unknownWorker(id);
    ctx.status = 202;
    ctx.body = { accepted: entries.length };
  });
};
