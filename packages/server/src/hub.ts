import {
  type InitialDataPayload,
  METRICS_FIELDS,
  type MetricsItem,
  type MetricsRow,
  PROTOCOL_VERSION,
  QUEUE_STATS_FIELDS,
  type QueueStats,
  type ServerTimings,
  type WorkerMetrics,
} from '@pulseboard/protocol';
import { computeAggregates, computeErrorRate, computeQueues, errorCounts } from './aggregates.js';
import type { Snapshot } from './registry.js';
import { encodeFramePieces } from './sse/frame.js';
import { type EventLog, StorageUnavailableError } from './store/types.js';

export interface HubOptions {
  eventLog: EventLog;
  snapshot: () => Promise<Snapshot>;
  timings: ServerTimings;
  now?: () => number;
}

const v = PROTOCOL_VERSION;
/** Distinct worker filters sharing one id's snapshots before the cache starts over: a bound, not a tuning. */
const MAX_SHARED_SNAPSHOTS = 64;
const fields = { metrics: METRICS_FIELDS, queueStats: QUEUE_STATS_FIELDS };

const toRow = ({ id, lastHeartbeatAt, metrics, queueStats }: MetricsItem): MetricsRow => [
  id,
  lastHeartbeatAt,
  metrics && METRICS_FIELDS.map((field) => (metrics as WorkerMetrics)[field]),
  queueStats && QUEUE_STATS_FIELDS.map((field) => (queueStats as QueueStats)[field]),
];

/**
 * The events that summarize rather than record (the registry logs each change
 * itself, with the write): heartbeats (metrics and `lastHeartbeatAt`)
 * coalesced into one `metrics_update` per tick, so the stream costs clients ×
 * ticks, not clients × heartbeats; a periodic `dashboard_update` with
 * aggregates and only the workers that changed since the previous one; and
 * the `initial_data` snapshots.
 */
export class Hub {
  readonly #log: EventLog;
  readonly #snapshot: () => Promise<Snapshot>;
  readonly #timings: ServerTimings;
  readonly #now: () => number;
  readonly #pendingMetrics = new Map<string, MetricsItem>();
  /** Workers changed since the last dashboard_update, learned from the live feed (so, on Redis, from every instance). */
  #dirty = new Set<string>();
  #errorCounts = new Map<string, number>();
  #errorRate = 0;
  /** Serialized snapshots (in pieces) by resync flag and worker filter, for the latest id only. */
  #framesAt: { id: string; frames: Map<string, Promise<Buffer[]>> } | null = null;
  /** The last snapshot could not be built (storage away aside), until one is. */
  #snapshotFailing = false;
  readonly #unsubscribe: () => void;

  constructor(options: HubOptions) {
    this.#log = options.eventLog;
    this.#snapshot = options.snapshot;
    this.#timings = options.timings;
    this.#now = options.now ?? Date.now;
    this.#unsubscribe = this.#log.subscribe((event) => {
      if (event.type === 'worker_registered') this.#dirty.add(event.data.worker.id);
      else if (event.type === 'worker_status_change') this.#dirty.add(event.data.id);
      else if (event.type === 'worker_deregistered') {
        this.#dirty.delete(event.data.id);
        this.#pendingMetrics.delete(event.data.id);
      }
    });
  }

  /** A heartbeat's figures, sent with the next `metrics_update`. */
  heartbeat(item: MetricsItem): void {
    this.#pendingMetrics.set(item.id, item);
  }

  /** One metrics_update with the latest values of every worker that heartbeated since the last one. */
  async flushMetrics(): Promise<void> {
    if (this.#pendingMetrics.size === 0) return;
    const items = Array.from(this.#pendingMetrics.values(), toRow);
    this.#pendingMetrics.clear();
    await this.#log.append({ type: 'metrics_update', data: { v, at: this.#now(), fields, items } });
  }

  async publishDashboard(): Promise<void> {
    const dirty = this.#dirty;
    this.#dirty = new Set();
    const { workers, resources } = await this.#snapshot();
    this.#errorRate = computeErrorRate(this.#errorCounts, workers, this.#timings.dashboardIntervalMs);
    this.#errorCounts = errorCounts(workers);
    await this.#log.append({
      type: 'dashboard_update',
      data: {
        v,
        at: this.#now(),
        aggregates: computeAggregates(workers, resources, this.#errorRate),
        queues: computeQueues(workers),
        workers: workers.filter((worker) => dirty.has(worker.id)),
      },
    });
  }

  /**
   * A snapshot for one connection, with the id of the latest logged event read
   * before the snapshot: events after that id are in the client's live queue,
   * and any of them already reflected in the snapshot only set state again.
   * Connections that ask while that id is still the latest share one
   * serialized snapshot: when every dashboard resyncs at once (after a
   * restart), 1,000 workers are serialized once per new event, not once per
   * dashboard. What a shared snapshot may miss (heartbeats not logged yet)
   * comes in the next `metrics_update`, whose id is later.
   */
  async initialData(
    resync: boolean,
    filter: { workers: ReadonlySet<string> | null; workersKey: string },
  ): Promise<{ id: string; frame: Buffer[] }> {
    const id = await this.#log.latestId();
    if (this.#framesAt?.id !== id || this.#framesAt.frames.size >= MAX_SHARED_SNAPSHOTS) {
      this.#framesAt = { id, frames: new Map() };
    }
    const { frames } = this.#framesAt;
    const key = `${resync} ${filter.workersKey}`;
    let frame = frames.get(key);
    if (!frame) {
      frame = this.#initialDataFrame(id, resync, filter.workers);
      frames.set(key, frame);
      frame.then(
        () => {
          this.#snapshotFailing = false;
        },
        (err: unknown) => {
          // A failed read is not kept for the next connection. Storage away is /healthz's already.
          if (frames.get(key) === frame) frames.delete(key);
          if (!(err instanceof StorageUnavailableError)) this.#snapshotFailing = true;
        },
      );
    }
    return { id, frame: await frame };
  }

  /** Whether new streams get no `initial_data`: the last snapshot failed (for /healthz; the log says why). */
  get snapshotFailing(): boolean {
    return this.#snapshotFailing;
  }

  async #initialDataFrame(
    id: string,
    resync: boolean,
    workerFilter: ReadonlySet<string> | null,
  ): Promise<Buffer[]> {
    const { workers, resources, logs } = await this.#snapshot();
    const payload: InitialDataPayload = {
      v,
      resync,
      at: this.#now(),
      workers: workerFilter ? workers.filter((w) => workerFilter.has(w.id)) : workers,
      resources,
      queues: computeQueues(workers),
      aggregates: computeAggregates(workers, resources, this.#errorRate),
      logs: workerFilter ? logs.filter((entry) => workerFilter.has(entry.workerId)) : logs,
      config: this.#timings,
    };
    return encodeFramePieces(id, 'initial_data', payload);
  }

  close(): void {
    this.#unsubscribe();
  }
}
