import type { Aggregates, WorkerMetrics } from '@pulseboard/protocol';
import type { AggregateHistory, Sample, WorkerHistory } from './types.js';

/** Appends a sample, dropping the oldest beyond `limit`; a sample not newer than the last is ignored. */
function push(samples: Sample[], at: number, value: number, limit: number): Sample[] {
  const last = samples[samples.length - 1];
  if (last && last.at >= at) return samples;
  const next = samples.slice(Math.max(0, samples.length - limit + 1));
  next.push({ at, value });
  return next;
}

/** Drops samples older than `from` (samples are in time order). */
function trim(samples: Sample[], from: number): Sample[] {
  const first = samples.findIndex((sample) => sample.at >= from);
  if (first === 0) return samples;
  return first === -1 ? [] : samples.slice(first);
}

/** The metrics a worker's sparklines follow; each is a series of its history. */
const WORKER_SERIES = [
  'responseTimeMs',
  'cpu',
  'requestsPerSec',
] as const satisfies readonly (keyof WorkerHistory & keyof WorkerMetrics)[];

/** Where each series of the aggregate history takes its values from. */
const AGGREGATE_SERIES: Record<keyof AggregateHistory, (aggregates: Aggregates) => number> = {
  cpuAvg: (aggregates) => aggregates.cpu.avg,
  memoryTotal: (aggregates) => aggregates.memoryBytes.total,
  requestsPerSec: (aggregates) => aggregates.requestsPerSec.total,
  responseTimeAvg: (aggregates) => aggregates.responseTimeMs.avg,
  responseTimeP95: (aggregates) => aggregates.responseTimeMs.p95,
  errorRate: (aggregates) => aggregates.errorRate,
};

/** `{ [key]: [] }` for each key: a history with no samples yet. */
const empty = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((key) => [key, []])) as unknown as Record<K, Sample[]>;

export const emptyWorkerHistory = (): WorkerHistory => empty(WORKER_SERIES);

export function appendWorkerSample(
  history: WorkerHistory,
  at: number,
  metrics: WorkerMetrics,
  limit: number,
): WorkerHistory {
  // A sample not newer than the last leaves the history as it is.
  const last = history.cpu.at(-1);
  if (last && last.at >= at) return history;
  const next = {} as WorkerHistory;
  for (const key of WORKER_SERIES) next[key] = push(history[key], at, metrics[key], limit);
  return next;
}

const AGGREGATE_KEYS = Object.keys(AGGREGATE_SERIES) as (keyof AggregateHistory)[];

export const emptyAggregateHistory = (): AggregateHistory => empty(AGGREGATE_KEYS);

/** Appends one point per series and forgets points older than `windowMs` before `at`. */
export function appendAggregateSample(
  history: AggregateHistory,
  at: number,
  aggregates: Aggregates,
  windowMs: number,
): AggregateHistory {
  const from = at - windowMs;
  // At most one point per second of window bounds the series whatever the server's interval.
  const limit = Math.ceil(windowMs / 1000) + 1;
  const next = {} as AggregateHistory;
  for (const key of AGGREGATE_KEYS) {
    next[key] = trim(push(history[key], at, AGGREGATE_SERIES[key](aggregates), limit), from);
  }
  return next;
}
