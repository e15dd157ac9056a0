import { HISTORY_MAX_RANGE_MS, HISTORY_TIERS } from '@pulseboard/protocol';
import { z } from 'zod';
import { HttpError } from '../errors.js';
import { idSchema, MAX_DATE_MS, parse } from '../validation.js';
import type { Mount } from './types.js';

/** Whole milliseconds a Date holds; a string, as a query gives it (a repeated parameter is an array: refused). */
const time = z
  .string()
  .regex(/^\d{1,16}$/, 'expected epoch milliseconds (digits)')
  .transform(Number)
  .refine((ms) => ms <= MAX_DATE_MS, 'beyond what a Date holds');

const querySchema = z.object({ worker: idSchema.optional(), from: time.optional(), to: time.optional() });

/** The default range: the finest resolution's span, so a plain `GET /api/history` is the last hour at 10 s. */
const DEFAULT_SPAN_MS = HISTORY_TIERS[0].keepMs;

/** `GET /api/history?worker=&from=&to=`: a downsampled range of the fleet or one worker (docs/protocol.md). */
export const mountHistoryRoutes: Mount = (router, { history, registry, requireAccess }) => {
  router.get('/api/history', requireAccess('read'), async (ctx) => {
    const query = parse(querySchema, ctx.query, 'query');
    const to = query.to ?? history.now();
    const from = query.from ?? to - DEFAULT_SPAN_MS;
    if (from >= to) throw new HttpError(400, 'invalid_range', '`from` must be before `to`');
    if (to - from > HISTORY_MAX_RANGE_MS) {
      throw new HttpError(400, 'invalid_range', 'At most 24 h between `from` and `to`');
    }
    const worker = query.worker ?? null;
    if (worker !== null && !(await registry.worker(worker))) {
      throw new HttpError(404, 'unknown_worker', `No worker "${worker}" is registered`);
    }
    ctx.body = await history.range(worker, from, to);
  });
};
