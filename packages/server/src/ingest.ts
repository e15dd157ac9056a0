/**
 * Heartbeat acceptance, one place for every way in: `POST /api/workers/:id/heartbeat` (the Koa
 * route, and the heartbeat lane ahead of Koa: ingest-lane.ts) and `POST /api/heartbeats`.
 */
import {
  type HeartbeatBatchResponse,
  type HeartbeatBatchResult,
  type HeartbeatResponse,
  LIMITS,
} from '@pulseboard/protocol';
import { HttpError, toHttpError, unknownWorker } from './errors.js';
import type { Services } from './routes/types.js';
import { StorageUnavailableError } from './store/types.js';
import { type HeartbeatItem, heartbeatBatchEnvelope, heartbeatSchema, parse } from './validation.js';

/** What a heartbeat is applied to and counted in. */
type Ingest = Pick<Services, 'config' | 'registry' | 'metrics'>;

/**
 * Applies one heartbeat and returns the answer (with `takeActions`, the worker's pending actions);
 * 404 for an unknown worker, so the reporter registers again.
 */
export async function acceptHeartbeat(
  { config, registry, metrics, actions }: Ingest & Pick<Services, 'actions'>,
  id: string,
  input: unknown,
): Promise<HeartbeatResponse> {
  const body = parse(heartbeatSchema, input);
  const worker = await registry.heartbeat(id, body);
  if (!worker) throw unknownWorker(id);
  metrics.heartbeats.inc();
  const response: HeartbeatResponse = {
    status: worker.status,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  };
  if (body.takeActions) response.actions = await actions.take(id);
  return response;
}

const idOf = (item: unknown): string | null => {
  const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : null;
};

const failed = (id: string | null, error: HttpError): HeartbeatBatchResult => ({
  id,
  ok: false,
  error: { code: error.code, message: error.message, ...(error.issues && { issues: error.issues }) },
});

/**
 * Applies a batch of heartbeats, each on its own: an item is applied whole
 * (as `POST /api/workers/:id/heartbeat` would) or answered with why not, and
 * a bad item never blocks the others. A worker named twice: the second item
 * is `duplicate_item`, so no answer depends on the order items are applied in.
 * Storage away fails the request (503), as it would fail every item.
 */
export async function acceptHeartbeats(
  { config, registry, metrics, logger, heartbeatItems }: Ingest & Pick<Services, 'logger' | 'heartbeatItems'>,
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
      let body: HeartbeatItem;
      try {
        body = heartbeatItems.parse(item);
      } catch (err) {
        return failed(idOf(item), err as HttpError);
      }
      const { id } = body;
      if (seen.has(id)) {
        return failed(id, new HttpError(400, 'duplicate_item', `Worker "${id}" is in this batch already`));
      }
      seen.add(id);
      try {
        // The item is the heartbeat (its id beside the fields read): no copy without it.
        const worker = await registry.heartbeat(id, body);
        if (!worker) return failed(id, unknownWorker(id));
        applied++;
        return { id, ok: true, status: worker.status };
      } catch (err) {
        if (err instanceof StorageUnavailableError) throw err;
        return failed(id, toHttpError(err, logger, { method: 'POST', path: `/api/heartbeats #${i}` }));
      }
    }),
  );
  if (applied > 0) metrics.heartbeats.inc(applied);
  return { results, heartbeatIntervalMs: config.heartbeatIntervalMs };
}
