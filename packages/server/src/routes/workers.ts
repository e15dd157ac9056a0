import {
  type DeregisterWorkerBatchResponse,
  LIMITS,
  type RegisterWorkerBatchResponse,
  type RegisterWorkerBody,
  type RegisterWorkerResponse,
  type Worker,
} from '@pulseboard/protocol';
import type { Context } from 'koa';
import type { z } from 'zod';
import { Batch, eachOnItsOwn } from '../batch.js';
import { readJson, readSizedJson, tooLarge } from '../body.js';
import { unknownWorker } from '../errors.js';
import type { responseSchemas } from '../schemas/responses.js';
import { checkTimes, idSchema, logsSchema, pageSchema, parse, registerSchema } from '../validation.js';
import type { Mount } from './types.js';

/** A batch item of `DELETE /api/workers`: an id, as `Batch` takes items. */
const deregisterItem = idSchema.transform((id) => ({ id }));

function workerId(ctx: Context): string {
  return parse(idSchema, (ctx as Context & { params: Record<string, string> }).params.id, 'id');
}

export const mountWorkerRoutes: Mount = (router, services) => {
  const { config, registry, requireAccess } = services;
  const write = requireAccess('worker');
  const limit = config.bodyLimitBytes;
  const registrations = new Batch({
    key: 'workers',
    max: LIMITS.registerBatchMax,
    item: registerSchema,
    logger: services.logger,
    path: '/api/workers',
  });
  const deregistrations = new Batch({
    key: 'workers',
    max: LIMITS.registerBatchMax,
    item: deregisterItem,
    // Each item is the id itself.
    idOf: (item) => (typeof item === 'string' ? item : null),
    logger: services.logger,
    method: 'DELETE',
    path: '/api/workers',
  });

  // Paged, so an answer stays small however many workers there are: by id, after the cursor (the last
  // id of the previous page), which still works when that worker is gone since.
  router.get('/api/workers', requireAccess('read'), async (ctx) => {
    const { limit, cursor } = parse(pageSchema, ctx.query, 'query');
    const { workers } = await registry.snapshot();
    const after = cursor === undefined ? workers : workers.filter((worker) => worker.id > cursor);
    const page = after.sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, limit);
    const response: z.infer<typeof responseSchemas.WorkerList> = {
      workers: page,
      nextCursor: after.length > limit ? (page.at(-1) as Worker).id : null,
    };
    ctx.body = response;
  });

  // One worker, or (`{"workers": [...]}`) many in one request, each answered on its own: a fleet of
  // 1,000 registers in one round trip. A batch may be as large as a heartbeat batch, one worker not.
  router.post('/api/workers', write, async (ctx) => {
    const { value, bytes } = await readSizedJson(ctx.req, Math.max(limit, config.batchBodyLimitBytes));
    if (typeof value === 'object' && value !== null && 'workers' in value) {
      const results = await registrations.apply(
        value,
        eachOnItsOwn(async (body: RegisterWorkerBody) => {
          const { worker, created } = await registry.register(body);
          return { id: body.id, ok: true as const, status: worker.status, created };
        }),
      );
      const response: RegisterWorkerBatchResponse = {
        results,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
      };
      ctx.body = response;
      return;
    }
    if (bytes > limit) throw tooLarge(limit);
    const { worker, created } = await registry.register(parse(registerSchema, value));
    const response: RegisterWorkerResponse = { worker, heartbeatIntervalMs: config.heartbeatIntervalMs };
    ctx.status = created ? 201 : 200;
    ctx.body = response;
  });

  router.post('/api/workers/:id/heartbeat', write, async (ctx) => {
    const id = workerId(ctx);
    ctx.body = await services.ingest.heartbeat(id, await readJson(ctx.req, limit));
  });

  // Many in one request (`{"workers": ["a", "b"]}`), each answered on its own: a fleet stopping says
  // goodbye for its 1,000 workers in one round trip.
  router.delete('/api/workers', write, async (ctx) => {
    const value = await readJson(ctx.req, Math.max(limit, config.batchBodyLimitBytes));
    const response: DeregisterWorkerBatchResponse = {
      results: await deregistrations.apply(
        value,
        eachOnItsOwn(async ({ id }: { id: string }) => {
          if (!(await registry.deregister(id))) throw unknownWorker(id);
          return { id, ok: true as const };
        }),
      ),
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
    const body = parse(logsSchema, await readJson(ctx.req, limit));
    checkTimes(body.entries, Date.now(), 'entries');
    const entries = await registry.addLogs(id, body.entries);
    if (!entries) throw unknownWorker(id);
    ctx.status = 202;
    ctx.body = { accepted: entries.length };
  });
};
