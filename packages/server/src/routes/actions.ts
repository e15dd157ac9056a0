import type { ActionList, RequestActionResponse } from '@pulseboard/protocol';
import type { Context } from 'koa';
import {
  actionIdSchema,
  actionListQuerySchema,
  actionResultSchema,
  requestActionSchema,
} from '../actions/schemas.js';
import type { ActionSink } from '../actions/service.js';
import { openActionStream, resumePoint } from '../actions/stream.js';
import type { Principal } from '../auth.js';
import { readJson } from '../body.js';
import { HttpError, shuttingDown } from '../errors.js';
import { idSchema, parse } from '../validation.js';
import type { Mount } from './types.js';

const param = (ctx: Context, name: string) =>
  (ctx as Context & { params: Record<string, string> }).params[name];

/**
 * Operator actions: `POST /api/actions` (operate) asks, `GET /api/actions`
 * (read) lists, and the worker side (worker tokens) takes them on
 * `GET /api/workers/:id/actions` (or a fleet's, `GET /api/fleets/:id/actions`)
 * and answers `POST /api/actions/:id/result`.
 */
export const mountActionRoutes: Mount = (router, services) => {
  const { config, actions, registry, requireAccess, logger, accepting } = services;
  const limit = config.bodyLimitBytes;

  router.post('/api/actions', requireAccess('operate'), async (ctx) => {
    const { label } = ctx.state.principal as Principal;
    try {
      const body = parse(requestActionSchema, await readJson(ctx.req, limit));
      const action = await actions.request(label, body);
      const response: RequestActionResponse = { id: action.id, action };
      ctx.status = 202;
      ctx.body = response;
    } catch (err) {
      // Refusals are part of the audit trail too: who tried what, and why not.
      if (err instanceof HttpError) {
        logger.info({ by: label, status: err.status, code: err.code }, 'action refused');
      }
      throw err;
    }
  });

  router.get('/api/actions', requireAccess('read'), async (ctx) => {
    const { limit } = parse(actionListQuerySchema, ctx.query, 'query');
    const response: ActionList = { actions: await actions.list(limit) };
    ctx.body = response;
  });

  router.post('/api/actions/:id/result', requireAccess('worker'), async (ctx) => {
    const id = parse(actionIdSchema, param(ctx, 'id'), 'id');
    const body = parse(actionResultSchema, await readJson(ctx.req, limit));
    ctx.body = { action: await actions.answer(id, body) };
  });

  /** Holds `ctx`'s response as an action stream; `attach` hands it to the service, `pump` runs each keep-alive. */
  async function holdStream(
    ctx: Context,
    attach: (stream: ActionSink, resumeAfter: number | null) => () => void,
    pump: () => void,
  ): Promise<void> {
    // The router answers HEAD with these routes: the status alone, no stream.
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      return;
    }
    const resumeAfter = resumePoint(ctx.get('last-event-id'));
    const startSeq = resumeAfter === null ? await actions.latestSeq() : null;
    ctx.respond = false;
    const stream = openActionStream(ctx.res, {
      retryMs: config.retryMs,
      startSeq,
      keepAliveMs: config.pingIntervalMs,
      // A request announced while storage was away may have been missed: look again now and then.
      onKeepAlive: pump,
    });
    void stream.closed.then(attach(stream, resumeAfter));
  }

  router.get('/api/workers/:id/actions', requireAccess('worker'), async (ctx) => {
    if (!accepting()) throw shuttingDown();
    const id = parse(idSchema, param(ctx, 'id'), 'id');
    if (!(await registry.worker(id))) {
      throw new HttpError(404, 'unknown_worker', `No worker "${id}" is registered; register it first`);
    }
    await holdStream(
      ctx,
      (stream, resumeAfter) => actions.attach(id, stream, resumeAfter),
      () => actions.pump(id),
    );
    logger.debug({ worker: id }, 'action stream opened');
  });

  // One stream for every worker registered with `fleet: id` (a process reporting 1,000 queues holds one
  // connection, not 1,000). A fleet none of whose workers registered yet is served all the same.
  router.get('/api/fleets/:id/actions', requireAccess('worker'), async (ctx) => {
    if (!accepting()) throw shuttingDown();
    const id = parse(idSchema, param(ctx, 'id'), 'id');
    await holdStream(
      ctx,
      (stream, resumeAfter) => actions.attachFleet(id, stream, resumeAfter),
      () => actions.pumpFleet(id),
    );
    logger.debug({ fleet: id }, 'fleet action stream opened');
  });
};
