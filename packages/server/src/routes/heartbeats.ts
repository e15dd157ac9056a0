import { type HeartbeatBatchResponse, type HeartbeatBatchResult, LIMITS } from '@pulseboard/protocol';
import { readJson } from '../body.js';
import { HttpError, toHttpError } from '../errors.js';
import { StorageUnavailableError } from '../store/types.js';
import { heartbeatBatchEnvelope, heartbeatItemSchema, parse } from '../validation.js';
import type { Mount, Services } from './types.js';

const idOf = (item: unknown): string | null => {
  const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : null;
};

/**
 * Applies a batch of heartbeats, each on its own: an item is applied whole
 * (as `POST /api/workers/:id/heartbeat` would) or answered with why not, and
 * a bad item never blocks the others. A worker named twice: the second item
 * is `duplicate_item`, so no answer depends on the order items are applied in.
 * Storage away fails the request (503), as it would fail every item.
 */
export async function acceptHeartbeats(
  { config, registry, metrics, logger }: Pick<Services, 'config' | 'registry' | 'metrics' | 'logger'>,
  input: unknown,
): Promise<HeartbeatBatchResponse> {
  // The count first, so an oversized batch is refused before any item is looked at.
  const count = (input as { heartbeats?: unknown } | null)?.heartbeats;
  if (Array.isArray(count) && count.length > LIMITS.heartbeatBatchMax) {
    throw new HttpError(
      413,
      'payload_too_large',
      `A batch holds at most ${LIMITS.heartbeatBatchMax} heartbeats (got ${count.length})`,
    );
  }
  const { heartbeats } = parse(heartbeatBatchEnvelope, input);
  const seen = new Set<string>();
  let applied = 0;
  const results = await Promise.all(
    heartbeats.map(async (item, i): Promise<HeartbeatBatchResult> => {
      const id = idOf(item);
      const failed = (error: HttpError): HeartbeatBatchResult => ({
        id,
        ok: false,
        error: { code: error.code, message: error.message, ...(error.issues && { issues: error.issues }) },
      });
      let body: ReturnType<typeof heartbeatItemSchema.parse>;
      try {
        body = parse(heartbeatItemSchema, item);
      } catch (err) {
        return failed(err as HttpError);
      }
      if (seen.has(body.id)) {
        return failed(new HttpError(400, 'duplicate_item', `Worker "${body.id}" is in this batch already`));
      }
      seen.add(body.id);
      const { id: workerId, ...heartbeat } = body;
      try {
        const worker = await registry.heartbeat(workerId, heartbeat);
        if (!worker) {
          return failed(
            new HttpError(404, 'unknown_worker', `No worker "${workerId}" is registered; register it again`),
          );
        }
        applied++;
        return { id: workerId, ok: true, status: worker.status };
      } catch (err) {
        if (err instanceof StorageUnavailableError) throw err;
        return failed(toHttpError(err, logger, { method: 'POST', path: `/api/heartbeats #${i}` }));
      }
    }),
  );
  if (applied > 0) metrics.heartbeats.inc(applied);
  return { results, heartbeatIntervalMs: config.heartbeatIntervalMs };
}

export const mountHeartbeatRoutes: Mount = (router, services) => {
  const write = services.requireAccess('worker');
  router.post('/api/heartbeats', write, async (ctx) => {
    ctx.body = await acceptHeartbeats(services, await readJson(ctx.req, services.config.batchBodyLimitBytes));
  });
};
