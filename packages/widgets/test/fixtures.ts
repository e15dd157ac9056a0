import {
  type Action,
  type Aggregates,
  type InitialDataPayload,
  type LogEntry,
  METRICS_FIELDS,
  type MetricsUpdatePayload,
  QUEUE_STATS_FIELDS,
  type QueueSummary,
  type ServerTimings,
  type Worker,
  type WorkerMetrics,
} from '@pulseboard/protocol';

/** Builders for well-formed payloads; tests override only what they are about. */

export const timings: ServerTimings = {
  heartbeatIntervalMs: 5000,
  staleAfterMs: 15_000,
  expireAfterMs: 300_000,
  pingIntervalMs: 15_000,
  dashboardIntervalMs: 5000,
  metricsIntervalMs: 1000,
  replayWindow: 10_000,
};

export const metrics = (overrides: Partial<WorkerMetrics> = {}): WorkerMetrics => ({
  cpu: 10,
  memoryBytes: 1000,
  requestsPerSec: 5,
  responseTimeMs: 20,
  errorCount: 0,
  uptimeSec: 60,
  ...overrides,
});

export const worker = (id: string, overrides: Partial<Worker> = {}): Worker => ({
  id,
  name: `worker ${id}`,
  queue: 'jobs',
  status: 'healthy',
  registeredAt: 1000,
  lastHeartbeatAt: 1000,
  statusChangedAt: 1000,
  metrics: metrics(),
  queueStats: null,
  labels: {},
  actions: [],
  ...overrides,
});

export const action = (id: string, overrides: Partial<Action> = {}): Action => ({
  id,
  worker: 'a',
  action: 'pause',
  target: 'queue',
  queue: 'jobs',
  params: {},
  by: 'ops',
  status: 'pending',
  requestedAt: 1000,
  expiresAt: 31_000,
  deliveredAt: null,
  completedAt: null,
  durationMs: null,
  message: null,
  data: null,
  ...overrides,
});

export const aggregates = (overrides: Partial<Aggregates> = {}): Aggregates => ({
  workers: {
    total: 0,
    byStatus: { starting: 0, healthy: 0, degraded: 0, unhealthy: 0, offline: 0, stopping: 0 },
  },
  resources: { total: 0, byStatus: { healthy: 0, degraded: 0, down: 0, unknown: 0 } },
  cpu: { avg: 0, max: 0 },
  memoryBytes: { avg: 0, total: 0 },
  requestsPerSec: { total: 0 },
  responseTimeMs: { avg: 0, p95: 0 },
  errorCount: 0,
  errorRate: 0,
  deadLetter: { total: 0 },
  ...overrides,
});

/** A queue's summary; `workerIds` defaults to one worker named after the queue. */
export const queue = (name: string, overrides: Record<string, unknown> = {}): QueueSummary => ({
  name,
  depth: 3,
  inFlight: 1,
  processed: 9,
  failed: 0,
  deadLetter: 2,
  ratePerSec: 1,
  consumers: 1,
  workerIds: [`${name}-1`],
  ...overrides,
});

export const log = (message: string, at = 1000): LogEntry => ({ workerId: 'a', level: 'info', message, at });

export const initialData = (overrides: Partial<InitialDataPayload> = {}): InitialDataPayload => ({
  v: 1,
  resync: false,
  at: 1000,
  workers: [],
  resources: [],
  queues: [],
  aggregates: aggregates(),
  logs: [],
  config: timings,
  can: ['read'],
  ...overrides,
});

/** A metrics_update as the server encodes it: one row per worker, metrics values in field order. */
export const metricsUpdate = (
  at: number,
  items: { id: string; metrics: WorkerMetrics | null; lastHeartbeatAt?: number }[],
): MetricsUpdatePayload => ({
  v: 1,
  at,
  fields: { metrics: METRICS_FIELDS, queueStats: QUEUE_STATS_FIELDS },
  items: items.map((item) => [
    item.id,
    item.lastHeartbeatAt ?? at,
    item.metrics && METRICS_FIELDS.map((field) => (item.metrics as WorkerMetrics)[field]),
    null,
  ]),
});
