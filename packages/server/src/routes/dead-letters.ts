import { DEAD_LETTER_LIMITS } from '@pulseboard/protocol';
import type { Context } from 'koa';
import { readJson } from '../body.js';
import { deadLettersBodySchema, deadLettersQuerySchema } from '../dead-letters/schema.js';
import { HttpError } from '../errors.js';
import { idSchema, parse } from '../validation.js';
import type { Mount } from './types.js';

/**
 * `POST /api/workers/:id/dead-letters` (a worker changes its queue's dead
 * letters) and `GET /api/dead-letters?queue=` (a dashboard reads them a page
 * at a time; changes then arrive as `dead_letters_update`). Bodies may be as
 * large as a heartbeat batch: a thousand failed jobs with their stacks.
 */
export const mountDeadLetterRoutes: Mount = (router, { config, deadLetters, requireAccess }) => {
  router.post('/api/workers/:id/dead-letters', requireAccess('worker'), async (ctx) => {
    const id = parse(idSchema, (ctx as Context & { params: Record<string, string> }).params.id, 'id');
    const input = await readJson(ctx.req, config.batchBodyLimitBytes);
    // The count first, so an oversized report is refused before any entry is looked at.
    const added = (input as { added?: unknown } | null)?.added;
    if (Array.isArray(added) && added.length > DEAD_LETTER_LIMITS.batchMax) {
      throw new HttpError(
        413,
        'payload_too_large',
        `A report adds at most ${DEAD_LETTER_LIMITS.batchMax} dead letters (got ${added.length}); send the rest in further reports`,
      );
    }
    ctx.body = await deadLetters.report(id, parse(deadLettersBodySchema, input));
  });

  router.get('/api/dead-letters', requireAccess('read'), async (ctx) => {
    ctx.body = await deadLetters.page(parse(deadLettersQuerySchema, ctx.query, 'query'));
  });
};
