import {
  type Aggregates,
  type QueueSummary,
  RESOURCE_STATUSES,
  type Resource,
  type ResourceStatus,
  WORKER_STATUSES,
  type Worker,
  type WorkerStatus,
} from '@pulseboard/protocol';

/** Pure functions from registry contents to what the dashboard shows. */

function countBy<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const counts = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  for (const value of values) counts[value]++;
  return counts;
}

const average = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const isLive = (worker: Worker) => worker.status !== 'offline';

export function computeAggregates(
  workers: readonly Worker[],
  resources: readonly Resource[],
  errorRate: number,
): Aggregates {
  const live = workers.filter(isLive);
  const metrics = live.flatMap((worker) => (worker.metrics ? [worker.metrics] : []));
  const cpu = metrics.map((m) => m.cpu);
  const memory = metrics.map((m) => m.memoryBytes);
  const responseTimes = metrics.map((m) => m.responseTimeMs);
  const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
  return {
    workers: {
      total: workers.length,
      byStatus: countBy<WorkerStatus>(
        WORKER_STATUSES,
        workers.map((w) => w.status),
      ),
    },
    resources: {
      total: resources.length,
      byStatus: countBy<ResourceStatus>(
        RESOURCE_STATUSES,
        resources.map((r) => r.status),
      ),
    },
    cpu: { avg: average(cpu), max: cpu.length === 0 ? 0 : Math.max(...cpu) },
    memoryBytes: { avg: average(memory), total: sum(memory) },
    requestsPerSec: { total: sum(metrics.map((m) => m.requestsPerSec)) },
    responseTimeMs: { avg: average(responseTimes), p95: percentile(responseTimes, 95) },
    errorCount: sum(metrics.map((m) => m.errorCount)),
    errorRate,
    deadLetter: { total: sum(live.map((w) => w.queueStats?.deadLetter ?? 0)) },
  };
}

/** A queue no worker reports stats for: how `queues_update` says a queue is gone. */
export const emptyQueue = (name: string): QueueSummary => ({
  name,
  depth: 0,
  inFlight: 0,
  processed: 0,
  failed: 0,
  deadLetter: 0,
  ratePerSec: 0,
  consumers: 0,
  workerIds: [],
});

/** Queues as the sum over the workers that consume them and report queue stats. */
export function computeQueues(workers: readonly Worker[]): QueueSummary[] {
  const queues = new Map<string, QueueSummary>();
  for (const worker of workers) {
    if (worker.queue === null || worker.queueStats === null) continue;
    let queue = queues.get(worker.queue);
    if (!queue) {
      queue = emptyQueue(worker.queue);
      queues.set(worker.queue, queue);
    }
    const stats = worker.queueStats;
    queue.depth += stats.depth;
    queue.inFlight += stats.inFlight;
    queue.processed += stats.processed;
    queue.failed += stats.failed;
    queue.deadLetter += stats.deadLetter;
    queue.ratePerSec += stats.ratePerSec;
    if (isLive(worker)) queue.consumers++;
    queue.workerIds.push(worker.id);
  }
  // Sorted, so every instance and backend (Redis hashes have no order) gives the same answer.
  for (const queue of queues.values()) queue.workerIds.sort();
  return [...queues.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Errors per request over an interval: new errors (the growth of each live
 * worker's error counter since `previous`) over the requests the workers'
 * rates imply. A counter that went down (worker restart) counts from zero.
 */
export function computeErrorRate(
  previous: ReadonlyMap<string, number>,
  workers: readonly Worker[],
  intervalMs: number,
): number {
  let errors = 0;
  let requests = 0;
  for (const worker of workers) {
    if (!isLive(worker) || !worker.metrics) continue;
    const before = previous.get(worker.id);
    const now = worker.metrics.errorCount;
    if (before !== undefined) errors += now >= before ? now - before : now;
    requests += worker.metrics.requestsPerSec * (intervalMs / 1000);
  }
  return requests > 0 ? Math.min(1, errors / requests) : 0;
}

export function errorCounts(workers: readonly Worker[]): Map<string, number> {
  return new Map(workers.flatMap((w) => (w.metrics ? [[w.id, w.metrics.errorCount] as const] : [])));
}
