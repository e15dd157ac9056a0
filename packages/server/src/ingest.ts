/**
 * Heartbeat acceptance, one place for every way in: `POST /api/workers/:id/heartbeat` (the Koa
 * route, and the heartbeat lane ahead of Koa: ingest-lane.ts) and `POST /api/heartbeats`.
 */
import {
  type HeartbeatBatchResponse,
  type HeartbeatBatchResult,
  type HeartbeatBody,
  type HeartbeatResponse,
  LIMITS,
  WORKER_STATUSES,
  type WorkerStatus,
} from '@pulseboard/protocol';
import type { Logger } from 'pino';
import type { Actions } from './actions/service.js';
import { type Applied, Batch, type Ok } from './batch.js';
import { CompiledParser } from './compiled-parser.js';
import type { ServerConfig } from './config.js';
import { unknownWorker } from './errors.js';
import type { Metrics } from './metrics.js';
import type { Registry } from './registry.js';
import { type HeartbeatItem, heartbeatItemSchema, heartbeatSchema } from './validation.js';

export interface IngestOptions {
  config: Pick<ServerConfig, 'heartbeatIntervalMs'>;
  registry: Pick<Registry, 'heartbeat' | 'heartbeats'>;
  metrics: Pick<Metrics, 'heartbeats'>;
  actions: Pick<Actions, 'take'>;
  logger: Logger;
}

/**
 * Checks heartbeats with validators compiled from their zod schemas (compiled-parser.ts) and
 * applies them: a batch's in one pass through the registry.
 */
export class Ingest {
  readonly #options: IngestOptions;
  readonly #body: CompiledParser<HeartbeatBody>;
  readonly #batch: Batch<HeartbeatItem>;
  /**
   * The answer to a heartbeat that takes no actions, per status: the same every time, so one frozen
   * object each, which the heartbeat lane also serializes once (ingest-lane.ts).
   */
  readonly #plainAnswers: Readonly<Record<WorkerStatus, Readonly<HeartbeatResponse>>>;

  constructor(options: IngestOptions) {
    this.#options = options;
    const { heartbeatIntervalMs } = options.config;
    this.#plainAnswers = Object.fromEntries(
      WORKER_STATUSES.map((status) => [status, Object.freeze({ status, heartbeatIntervalMs })]),
    ) as Record<WorkerStatus, Readonly<HeartbeatResponse>>;
    const { logger } = options;
    const onError = (err: unknown) =>
      logger.error({ err }, 'heartbeat validator not compiled; zod validates');
    this.#body = new CompiledParser(heartbeatSchema, onError);
    this.#batch = new Batch({
      key: 'heartbeats',
      max: LIMITS.heartbeatBatchMax,
      item: new CompiledParser(heartbeatItemSchema, onError),
      logger,
      path: '/api/heartbeats',
    });
  }

  /**
   * Applies one heartbeat and returns the answer (with `takeActions`, the worker's pending actions);
   * 404 for an unknown worker, so the reporter registers again.
   */
  async heartbeat(id: string, input: unknown): Promise<Readonly<HeartbeatResponse>> {
    const { config, registry, metrics, actions } = this.#options;
    const body = this.#body.parse(input);
    const worker = await registry.heartbeat(id, body);
    if (!worker) throw unknownWorker(id);
    metrics.heartbeats.inc();
    if (!body.takeActions) return this.#plainAnswers[worker.status];
    return {
      status: worker.status,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      actions: await actions.take(id),
    };
  }

  /**
   * Applies a batch of heartbeats (batch.ts): an item is applied whole, as
   * `POST /api/workers/:id/heartbeat` would, or answered with why not.
   */
  async heartbeats(input: unknown): Promise<HeartbeatBatchResponse> {
    const results: HeartbeatBatchResult[] = await this.#batch.apply(input, (items) => this.#apply(items));
    return { results, heartbeatIntervalMs: this.#options.config.heartbeatIntervalMs };
  }

  async #apply(items: readonly HeartbeatItem[]): Promise<Applied<Ok<{ status: WorkerStatus }>>> {
    const { registry, metrics } = this.#options;
    // Each item is the heartbeat (its id beside the fields read): no copy of it.
    const workers = await registry.heartbeats(
      items.map((item) => item.id),
      items,
    );
    let applied = 0;
    const answers = workers.map((worker, i) => {
      if (worker instanceof Error) return worker;
      const id = (items[i] as HeartbeatItem).id;
      if (!worker) return unknownWorker(id);
      applied++;
      return { id, ok: true as const, status: worker.status };
    });
    if (applied > 0) metrics.heartbeats.inc(applied);
    return answers;
  }
}
