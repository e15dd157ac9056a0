/**
 * History: downsampled series the server keeps (`GET /api/history`, and the
 * recent window `initial_data` carries). docs/protocol.md, "History", is the prose.
 *
 * Every series is a grid of buckets: value `i` of each field covers
 * `[from + i * stepMs, from + (i + 1) * stepMs)` (epoch milliseconds) and is
 * null when the bucket had no sample (a gap to draw as one). Values are finite
 * numbers, stored as 32-bit floats (about 7 significant digits).
 */
import type {
  ProtocolVersion,
  QueueStats,
  StatusChangeReason,
  WorkerMetrics,
  WorkerStatus,
} from './index.js';

/** How a field's samples in one bucket become its value. */
export type HistoryRule = 'avg' | 'max' | 'last';

/**
 * The two resolutions kept: a bucket per 10 s for the last hour, a bucket per
 * minute for the last 24 h. `GET /api/history` answers from the finest one
 * that covers the range.
 */
export const HISTORY_TIERS = [
  { stepMs: 10_000, keepMs: 3_600_000 },
  { stepMs: 60_000, keepMs: 86_400_000 },
] as const;

/** The longest range one `GET /api/history` answers (also how long anything is kept). */
export const HISTORY_MAX_RANGE_MS = 86_400_000;

/**
 * A worker's series: each of its metrics and queue stats, and how a bucket
 * sums up its heartbeats. Gauges are averaged; memory and queue depth keep
 * their peak (a spike must not vanish in a minute's average); counters and
 * uptime keep the last value.
 */
export const WORKER_HISTORY_RULES = {
  cpu: 'avg',
  memoryBytes: 'max',
  requestsPerSec: 'avg',
  responseTimeMs: 'avg',
  errorCount: 'last',
  uptimeSec: 'last',
  depth: 'max',
  inFlight: 'avg',
  processed: 'last',
  failed: 'last',
  deadLetter: 'last',
  ratePerSec: 'avg',
} as const satisfies Record<keyof WorkerMetrics | keyof QueueStats, HistoryRule>;

export type WorkerHistoryField = keyof typeof WORKER_HISTORY_RULES;
export const WORKER_HISTORY_FIELDS = Object.keys(WORKER_HISTORY_RULES) as WorkerHistoryField[];

/**
 * The fleet's series, sampled from each `dashboard_update` (its aggregates and
 * the sum of its queues' depths), and how a bucket sums them up. Worker counts
 * by status keep the last value.
 */
export const FLEET_HISTORY_RULES = {
  cpuAvg: 'avg',
  cpuMax: 'max',
  memoryTotal: 'max',
  requestsPerSec: 'avg',
  responseTimeAvg: 'avg',
  responseTimeP95: 'max',
  errorRate: 'avg',
  errorCount: 'last',
  deadLetter: 'last',
  queueDepth: 'max',
  workers: 'last',
  healthy: 'last',
  degraded: 'last',
  unhealthy: 'last',
  offline: 'last',
} as const satisfies Record<string, HistoryRule>;

export type FleetHistoryField = keyof typeof FLEET_HISTORY_RULES;
export const FLEET_HISTORY_FIELDS = Object.keys(FLEET_HISTORY_RULES) as FleetHistoryField[];

/**
 * The per-worker fields `initial_data` carries: what the cards' sparklines draw. One column keeps it
 * near 120 bytes a worker (1.2 MB at 10,000); the rest are a `GET /api/history` away.
 */
export const SPARKLINE_FIELDS = ['responseTimeMs'] as const satisfies readonly WorkerHistoryField[];

/** One column per field, each one value per bucket; null: no sample in that bucket. */
export type HistoryValues<F extends string = string> = Record<F, (number | null)[]>;

/** A worker's status changes kept at most (the newest), over at most `HISTORY_MAX_RANGE_MS`. */
export const HISTORY_STATUS_CHANGES_MAX = 500;

/** A status change as history keeps it. */
export interface StatusChangeRecord {
  at: number;
  from: WorkerStatus;
  to: WorkerStatus;
  reason: StatusChangeReason;
}

/**
 * `GET /api/history?worker=&from=&to=`. `from`/`to` are the range answered:
 * the one asked for, clamped to what is kept and widened to whole buckets, so
 * there are `(to - from) / stepMs` values per field.
 */
export interface HistoryResponse {
  v: ProtocolVersion;
  /** The worker asked for; null: the fleet's aggregates. */
  worker: string | null;
  from: number;
  to: number;
  stepMs: number;
  /** Every field of WORKER_HISTORY_FIELDS (a worker) or FLEET_HISTORY_FIELDS (the fleet). */
  values: HistoryValues;
  /** A worker's status changes in the range, oldest first; empty for the fleet. */
  statusChanges: StatusChangeRecord[];
}

/** A worker's sparkline columns: `[id, ...one column per SPARKLINE_FIELDS entry]`. */
export type SparklineRow = [id: string, ...columns: (number | null)[][]];

/**
 * `initial_data.history`: the last few minutes, on one grid, so charts are
 * full at first paint. Only closed buckets: the newest is at most one step
 * old, and live events carry on from there.
 */
export interface InitialHistory {
  /** Start of the first bucket (epoch ms). */
  from: number;
  stepMs: number;
  /** Values per column. */
  buckets: number;
  /** Every field of FLEET_HISTORY_FIELDS. */
  fleet: HistoryValues<FleetHistoryField>;
  /** The names of each row's columns, in order (SPARKLINE_FIELDS). */
  fields: readonly string[];
  /** One per worker with a sample in the window. */
  workers: SparklineRow[];
}
