import {
  type InitialDataPayload,
  type InitialHistory,
  METRICS_FIELDS,
  type MetricsItem,
  type MetricsRow,
  PROTOCOL_VERSION,
  QUEUE_STATS_FIELDS,
  type QueueStats,
  type ServerTimings,
  type Worker,
  type WorkerMetrics,
} from '@pulseboard/protocol';
import { shareActionSets } from './action-sets.js';
import { computeAggregates, computeErrorRate, computeQueues, errorCounts } from './aggregates.js';
import { QueueSummaries } from './queue-summaries.js';
import type { Registry } from './registry.js';
import type { EventLog } from './store/types.js';

export interface HubOptions {
  eventLog: EventLog;
  /**
   * Heartbeats to coalesce, snapshots for `dashboard_update` and `initial_data`, and the workers
   * of the queues whose summaries moved (queue-summaries.ts).
   */
  registry: Pick<Registry, 'subscribeHeartbeats' | 'snapshot' | 'workersById' | 'queueWorkers'>;
  timings: ServerTimings;
  /** The shortest gap between two pushes under load (`pushGapMs`), with few heartbeats a second. */
  pushGapMs: number;
  /** Open streams: each push is one write to each, so the gap grows with them. */
  streams?: { readonly size: number };
  /** A push that failed (storage away); the next change schedules another. */
  onError?: (err: unknown) => void;
  /** The recent window of history for `initial_data`, of the workers listed (none: no history in it). */
  history?: { initial(workerIds: readonly string[]): Promise<InitialHistory> };
  now?: () => number;
}

/** After a quiet spell a change goes out this soon: long enough to gather what arrives with it. */
const SOON_MS = 5;
/** Streams per extra ms of gap: 10,000 dashboards get a push at most every 200 ms (50,000 writes/s). */
const STREAMS_PER_MS = 50;
/**
 * Bytes of `queues_update` per ms of gap, over all streams (10 MB/s): a summary lists its workers only
 * when they changed, so pushes that move numbers stay small (~150 B a queue) and keep the push gap,
 * while a fleet whose queues gain and lose workers all the time (lists of ~80 KB at 10,000 workers)
 * spaces its pushes out for 100 dashboards or more.
 */
const BYTES_PER_MS = 10_000;
/**
 * Heartbeats a second per extra ms of gap: a queue push costs every dashboard ~10 ms of layout and paint,
 * and the busier the fleet the more the page has besides (metric rows, every queue moving in every push), so
 * a busy fleet gets fewer pushes (10,000 workers beating every 5 s: one per ~175 ms, p95 ~200 ms to the
 * screen, inside issue 14's 250 ms; 1,000 every second: ~113 ms) and a quieter one the short gap (1,000
 * every 5 s: ~63 ms, p95 ~80 ms, inside its 100 ms).
 */
const BEATS_PER_MS = 16;
/**
 * The heartbeat rate is measured over at least this long: a fleet that starts beating gets its gap within
 * about a second (measured between dashboard_updates, it kept the short gap for up to their interval).
 */
const RATE_WINDOW_MS = 1000;

const v = PROTOCOL_VERSION;
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
 * coalesced into one `metrics_update` per push, latest values per worker, so
 * the stream costs clients × pushes, not clients × heartbeats; the queues
 * whose summary changed (only those are rebuilt: queue-summaries.ts), in a
 * `queues_update` right after it; a periodic
 * `dashboard_update` with aggregates and only the workers that changed since
 * the previous one; and the `initial_data` payloads (sse/snapshots.ts serializes them).
 *
 * Pushes adapt to load: a change after a quiet spell goes out after SOON_MS;
 * one arriving sooner than its kind's gap after that kind's previous push
 * waits for the gap, so under load each kind goes out once per gap whatever
 * the heartbeat rate. Heartbeats that repeat a worker's queue stats are not
 * changes: a busy fleet with still queues leaves a queue's move to the leading edge. `queues_update` (what operators watch move: depth, dead
 * letters) has the short gap: `pushGapMs`, longer with many open streams
 * (STREAMS_PER_MS) or large summaries to send to each (BYTES_PER_MS), and
 * longer the more heartbeats arrive (BEATS_PER_MS, over the last second or more), at most `metricsIntervalMs`.
 * `metrics_update` carries a row per busy worker and every dashboard redraws
 * its cards for it, so under load it keeps one push per `metricsIntervalMs`,
 * whatever the push gap.
 */
export class Hub {
  readonly #log: EventLog;
  readonly #registry: HubOptions['registry'];
  readonly #timings: ServerTimings;
  readonly #now: () => number;
  readonly #pushGapMs: number;
  readonly #streams: { readonly size: number };
  readonly #onError: (err: unknown) => void;
  readonly #history: HubOptions['history'];
  readonly #pendingMetrics = new Map<string, MetricsItem>();
  readonly #queues: QueueSummaries;
  /** The size of the last `queues_update`'s summaries, serialized: the gap grows with it. */
  #queuesBytes = 0;
  /** Heartbeats since `#ratedAt`, and their rate (a second) over the window before: the gap grows with it. */
  #beats = 0;
  #beatRate = 0;
  #ratedAt = performance.now();
  #pushTimer: NodeJS.Timeout | undefined;
  #pushDueAt = 0;
  #pushing = false;
  #metricsPushedAt = Number.NEGATIVE_INFINITY;
  #queuesPushedAt = Number.NEGATIVE_INFINITY;
  #closed = false;
  /** Workers changed since the last dashboard_update, learned from the live feed (so, on Redis, from every instance). */
  #dirty = new Set<string>();
  #errorCounts = new Map<string, number>();
  #errorRate = 0;
  readonly #unsubscribe: (() => void)[];

  constructor(options: HubOptions) {
    this.#log = options.eventLog;
    this.#registry = options.registry;
    this.#timings = options.timings;
    this.#now = options.now ?? Date.now;
    this.#pushGapMs = options.pushGapMs;
    this.#streams = options.streams ?? { size: 0 };
    this.#onError = options.onError ?? (() => {});
    this.#history = options.history;
    this.#queues = new QueueSummaries(options.registry);
    // From every instance on Redis: a status change moves a queue's consumer count.
    const unsubscribeLog = this.#log.subscribe((event) => {
      switch (event.type) {
        case 'worker_registered':
          this.#dirty.add(event.data.worker.id);
          this.#queues.registered(event.data.worker);
          break;
        case 'worker_status_change':
          this.#dirty.add(event.data.id);
          this.#queues.statusChanged(event.data.id);
          break;
        case 'worker_deregistered':
          this.#dirty.delete(event.data.id);
          this.#pendingMetrics.delete(event.data.id);
          this.#queues.left(event.data.id);
          break;
        case 'queues_update':
          this.#queues.sent(event.data.queues);
          return;
        case 'dashboard_update':
          this.#queues.reconciled(event.data.queues);
          break;
        default:
          return;
      }
      if (this.#queues.dirty) this.#schedulePush();
    });
    this.#unsubscribe = [
      unsubscribeLog,
      this.#registry.subscribeHeartbeats((worker, before) => this.#heartbeat(worker, before)),
    ];
  }

  /** A heartbeat's figures, pushed with the next `metrics_update` (the latest per worker). */
  #heartbeat(worker: Worker, before: Worker): void {
    this.#beats++;
    const metricsWaiting = this.#pendingMetrics.size > 0;
    const queuesWaiting = this.#queues.dirty;
    this.#pendingMetrics.set(worker.id, worker);
    this.#queues.heartbeat(worker, before);
    // What was pending already has its push timed (or one under way, which times the next when done):
    // under load most heartbeats stop here, with no clock read.
    if (!metricsWaiting || this.#queues.dirty !== queuesWaiting) this.#schedulePush();
  }

  /** The gap between two pushes now. */
  get pushGapMs(): number {
    const streams = this.#streams.size;
    const gap = Math.max(
      this.#pushGapMs + this.#beatRate / BEATS_PER_MS,
      streams / STREAMS_PER_MS,
      (streams * this.#queuesBytes) / BYTES_PER_MS,
    );
    return Math.min(this.#timings.metricsIntervalMs, gap);
  }

  /** Pushes what is pending now (at shutdown, and for tests): `metrics_update`, then `queues_update`. */
  flush(): Promise<void> {
    return this.#push(true, true);
  }

  /** `metrics_update` then `queues_update`, each only when asked and pending. */
  async #push(metrics: boolean, queues: boolean): Promise<void> {
    if (metrics && this.#pendingMetrics.size > 0) {
      this.#metricsPushedAt = performance.now();
      await this.flushMetrics();
    }
    if (queues && this.#queues.dirty) {
      const changed = await this.#queues.take();
      this.#queuesBytes = changed.bytes;
      if (changed.queues.length === 0) return;
      // Timed after the metrics went out (on Redis, or a loaded machine, that takes a while): gaps are
      // between pushes, and only a push that sent something spends one.
      this.#queuesPushedAt = performance.now();
      await this.#log.append({ type: 'queues_update', data: { v, at: this.#now(), queues: changed.queues } });
    }
  }

  /**
   * How long until each pending kind may go out (Infinity: nothing pending). Every push is timed here, so
   * the heartbeat rate behind the gap is brought up to date here too, at most once a RATE_WINDOW_MS.
   */
  #waits(now: number): { metrics: number; queues: number } {
    this.#rateBeats(now);
    return {
      metrics:
        this.#pendingMetrics.size > 0
          ? this.#metricsPushedAt + this.#timings.metricsIntervalMs - now
          : Number.POSITIVE_INFINITY,
      queues: this.#queues.dirty ? this.#queuesPushedAt + this.pushGapMs - now : Number.POSITIVE_INFINITY,
    };
  }

  /** The heartbeat rate, again once RATE_WINDOW_MS has passed since it was last measured. */
  #rateBeats(now: number): void {
    const elapsed = now - this.#ratedAt;
    if (elapsed < RATE_WINDOW_MS) return;
    this.#beatRate = (this.#beats * 1000) / elapsed;
    this.#beats = 0;
    this.#ratedAt = now;
  }

  /** One metrics_update with the latest values of every worker that heartbeated since the last one. */
  async flushMetrics(): Promise<void> {
    if (this.#pendingMetrics.size === 0) return;
    const items = Array.from(this.#pendingMetrics.values(), toRow);
    this.#pendingMetrics.clear();
    await this.#log.append({ type: 'metrics_update', data: { v, at: this.#now(), fields, items } });
  }

  #schedulePush(): void {
    if (this.#pushing || this.#closed) return;
    const now = performance.now();
    // A push due within SOON_MS is as soon as any: under load, most heartbeats stop here.
    if (this.#pushTimer && this.#pushDueAt <= now + SOON_MS) return;
    const { metrics, queues } = this.#waits(now);
    const next = Math.max(SOON_MS, Math.min(metrics, queues));
    if (next === Number.POSITIVE_INFINITY) return;
    // A timer set for metrics (up to a second away) gives way to queues due sooner.
    if (this.#pushTimer) {
      if (this.#pushDueAt <= now + next) return;
      clearTimeout(this.#pushTimer);
    }
    this.#pushDueAt = now + next;
    this.#pushTimer = setTimeout(() => {
      this.#pushTimer = undefined;
      this.#pushing = true;
      // A kind is due when its gap has passed (within a timer's ms of slack).
      const due = this.#waits(performance.now());
      this.#push(due.metrics <= 1, due.queues <= 1)
        .catch(this.#onError)
        .finally(() => {
          this.#pushing = false;
          this.#schedulePush();
        });
    }, next).unref();
  }

  async publishDashboard(): Promise<void> {
    const dirty = this.#dirty;
    this.#dirty = new Set();
    const { workers, resources } = await this.#registry.snapshot();
    this.#errorRate = computeErrorRate(this.#errorCounts, workers, this.#timings.dashboardIntervalMs);
    this.#errorCounts = errorCounts(workers);
    await this.#log.append({
      type: 'dashboard_update',
      // After a fleet registers, every worker of it changed: its actions once, not 1,000 times.
      data: shareActionSets({
        v,
        at: this.#now(),
        aggregates: computeAggregates(workers, resources, this.#errorRate),
        queues: computeQueues(workers),
        workers: workers.filter((worker) => dirty.has(worker.id)),
      }),
    });
  }

  /**
   * The `initial_data` payload, with only `workerFilter`'s workers and logs when given; `can` is
   * the session's to add (sse/snapshots.ts).
   */
  async initialData(
    resync: boolean,
    workerFilter: ReadonlySet<string> | null,
  ): Promise<Omit<InitialDataPayload, 'can'>> {
    const { workers, resources, logs } = await this.#registry.snapshot();
    const listed = workerFilter ? workers.filter((w) => workerFilter.has(w.id)) : workers;
    const payload: Omit<InitialDataPayload, 'can'> = {
      v,
      resync,
      at: this.#now(),
      workers: listed,
      resources,
      queues: computeQueues(workers),
      aggregates: computeAggregates(workers, resources, this.#errorRate),
      logs: workerFilter ? logs.filter((entry) => workerFilter.has(entry.workerId)) : logs,
      config: this.#timings,
    };
    if (this.#history) payload.history = await this.#history.initial(listed.map((w) => w.id));
    return payload;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#pushTimer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }
}
