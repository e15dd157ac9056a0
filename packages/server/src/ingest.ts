/**
 * Heartbeat acceptance, one place for every way in: `POST /api/workers/:id/heartbeat` (the Koa
 * route, and the heartbeat lane ahead of Koa: ingest-lane.ts) and `POST /api/heartbeats`.
 */
import { type HeartbeatBatchResponse, type HeartbeatResponse, LIMITS } from '@pulseboard/protocol';
import { applyBatch } from './batch.js';
import { unknownWorker } from './errors.js';
import type { Services } from './routes/types.js';
import { heartbeatSchema, parse } from './validation.js';

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

/**
 * Applies a batch of heartbeats, each on its own (batch.ts): an item is applied whole, as
 * `POST /api/workers/:id/heartbeat` would, or answered with why not.
 */
export async function acceptHeartbeats(
  { config, registry, metrics, logger, heartbeatItems }: Ingest & Pick<Services, 'logger' | 'heartbeatItems'>,
  input: unknown,
): Promise<HeartbeatBatchResponse> {
  const results = await applyBatch(input, {
    key: 'heartbeats',
    max: LIMITS.heartbeatBatchMax,
    item: heartbeatItems,
    logger,
    path: '/api/heartbeats',
    async apply(item) {
      // The item is the heartbeat (its id beside the fields read): no copy without it.
      const worker = await registry.heartbeat(item.id, item);
      if (!worker) throw unknownWorker(item.id);
      return { status: worker.status };
    },
  });
  const applied = results.filter((result) => result.ok).length;
  if (applied > 0) metrics.heartbeats.inc(applied);
  return { results, heartbeatIntervalMs: config.heartbeatIntervalMs };
}
