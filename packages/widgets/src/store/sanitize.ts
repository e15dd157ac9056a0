import {
  type Aggregates,
  LOG_LEVELS,
  type LogEntry,
  type LogLevel,
  type QueueStats,
  type QueueSummary,
  RESOURCE_KINDS,
  RESOURCE_STATUSES,
  type Resource,
  type ResourceKind,
  type ResourceStatus,
  type ServerTimings,
  WORKER_STATUSES,
  type Worker,
  type WorkerMetrics,
  type WorkerStatus,
} from '@pulseboard/protocol';

/**
 * Defensive readers for payloads from the wire. Each returns a clean value or
 * `null` when the input is unusable; none throws. Numbers that are NaN,
 * infinite or negative become 0, so views never print "NaN".
 */

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;

const nullableCount = (value: unknown): number | null =>
  value === null || value === undefined ? null : count(value);

const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

const nullableText = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const oneOf = <T extends string>(values: readonly T[], value: unknown): T | null =>
  values.includes(value as T) ? (value as T) : null;

export const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

export const workerStatus = (value: unknown): WorkerStatus | null => oneOf(WORKER_STATUSES, value);

export function metrics(value: unknown): WorkerMetrics | null {
  if (!isRecord(value)) return null;
  return {
    cpu: count(value.cpu),
    memoryBytes: count(value.memoryBytes),
    requestsPerSec: count(value.requestsPerSec),
    responseTimeMs: count(value.responseTimeMs),
    errorCount: count(value.errorCount),
    uptimeSec: count(value.uptimeSec),
  };
}

export function queueStats(value: unknown): QueueStats | null {
  if (!isRecord(value)) return null;
  return {
    depth: count(value.depth),
    inFlight: count(value.inFlight),
    processed: count(value.processed),
    failed: count(value.failed),
    deadLetter: count(value.deadLetter),
    ratePerSec: count(value.ratePerSec),
  };
}

function labels(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isRecord(value)) return result;
  for (const [key, label] of Object.entries(value)) if (typeof label === 'string') result[key] = label;
  return result;
}

export function worker(value: unknown): Worker | null {
  if (!isRecord(value) || !isId(value.id)) return null;
  const status = workerStatus(value.status);
  if (!status) return null;
  return {
    id: value.id,
    name: text(value.name, value.id),
    queue: nullableText(value.queue),
    status,
    registeredAt: count(value.registeredAt),
    lastHeartbeatAt: count(value.lastHeartbeatAt),
    statusChangedAt: count(value.statusChangedAt),
    metrics: metrics(value.metrics),
    queueStats: queueStats(value.queueStats),
    labels: labels(value.labels),
  };
}

export function resource(value: unknown): Resource | null {
  if (!isRecord(value) || !isId(value.id)) return null;
  const status = oneOf<ResourceStatus>(RESOURCE_STATUSES, value.status);
  if (!status) return null;
  return {
    id: value.id,
    name: text(value.name, value.id),
    kind: oneOf<ResourceKind>(RESOURCE_KINDS, value.kind) ?? 'other',
    status,
    latencyMs: nullableCount(value.latencyMs),
    message: nullableText(value.message),
    updatedAt: count(value.updatedAt),
  };
}

export function logEntry(value: unknown): LogEntry | null {
  if (!isRecord(value) || typeof value.message !== 'string') return null;
  return {
    workerId: text(value.workerId, ''),
    level: oneOf<LogLevel>(LOG_LEVELS, value.level) ?? 'info',
    message: value.message,
    at: count(value.at),
  };
}

export function queueSummary(value: unknown): QueueSummary | null {
  if (!isRecord(value) || typeof value.name !== 'string') return null;
  return {
    name: value.name,
    depth: count(value.depth),
    inFlight: count(value.inFlight),
    processed: count(value.processed),
    failed: count(value.failed),
    deadLetter: count(value.deadLetter),
    ratePerSec: count(value.ratePerSec),
    consumers: count(value.consumers),
    workerIds: Array.isArray(value.workerIds) ? value.workerIds.filter(isId) : [],
  };
}

export function timings(value: unknown): ServerTimings | null {
  if (!isRecord(value)) return null;
  return {
    heartbeatIntervalMs: count(value.heartbeatIntervalMs),
    staleAfterMs: count(value.staleAfterMs),
    expireAfterMs: count(value.expireAfterMs),
    pingIntervalMs: count(value.pingIntervalMs),
    dashboardIntervalMs: count(value.dashboardIntervalMs),
    metricsIntervalMs: count(value.metricsIntervalMs),
    replayWindow: count(value.replayWindow),
  };
}

function tally<K extends string>(keys: readonly K[], value: unknown): Record<K, number> {
  const source = isRecord(value) ? value : {};
  return Object.fromEntries(keys.map((key) => [key, count(source[key])])) as Record<K, number>;
}

const field = (value: unknown, key: string): Json => {
  const inner = isRecord(value) ? value[key] : undefined;
  return isRecord(inner) ? inner : {};
};

export function aggregates(value: unknown): Aggregates | null {
  if (!isRecord(value)) return null;
  const workers = field(value, 'workers');
  const resources = field(value, 'resources');
  return {
    workers: { total: count(workers.total), byStatus: tally(WORKER_STATUSES, workers.byStatus) },
    resources: { total: count(resources.total), byStatus: tally(RESOURCE_STATUSES, resources.byStatus) },
    cpu: { avg: count(field(value, 'cpu').avg), max: count(field(value, 'cpu').max) },
    memoryBytes: {
      avg: count(field(value, 'memoryBytes').avg),
      total: count(field(value, 'memoryBytes').total),
    },
    requestsPerSec: { total: count(field(value, 'requestsPerSec').total) },
    responseTimeMs: {
      avg: count(field(value, 'responseTimeMs').avg),
      p95: count(field(value, 'responseTimeMs').p95),
    },
    errorCount: count(value.errorCount),
    errorRate: count(value.errorRate),
    deadLetter: { total: count(field(value, 'deadLetter').total) },
  };
}

/** Maps `items` through `read`, reporting whether any item had to be dropped. */
export function list<T>(
  value: unknown,
  read: (item: unknown) => T | null,
): { items: T[]; dropped: boolean } | null {
  if (!Array.isArray(value)) return null;
  const items: T[] = [];
  for (const item of value) {
    const clean = read(item);
    if (clean) items.push(clean);
  }
  return { items, dropped: items.length !== value.length };
}
