import type { Aggregates, WorkerMetrics } from '@pulseboard/protocol';
import { LogRing } from './log-ring.js';
import type { AggregateHistory, Sample, WorkerHistory, WorkerSeries } from './types.js';

/** Appends a sample, dropping the oldest beyond `limit`; a sample not newer than the last is ignored. */
function push(samples: Sample[], at: number, value: number, limit: number): Sample[] {
  const last = samples[samples.length - 1];
  if (last && last.at >= at) return samples;
  // `concat` makes the array at its size: a push after the slice allocated it again, half as large again.
  return samples.slice(Math.max(0, samples.length - limit + 1)).concat({ at, value });
}

/** Drops samples older than `from` (samples are in time order). */
function trim(samples: Sample[], from: number): Sample[] {
  const first = samples.findIndex((sample) => sample.at >= from);
  if (first === 0) return samples;
  return first === -1 ? [] : samples.slice(first);
}

/** The metrics a worker's sparklines follow, in the order of a sample's values in its history. */
const WORKER_SERIES: readonly WorkerSeries[] = ['responseTimeMs', 'cpu', 'requestsPerSec'];
/** Numbers a sample takes in a worker's history: its time, then a value per series. */
const STRIDE = WORKER_SERIES.length + 1;

/** Where each series of the aggregate history takes its values from. */
const AGGREGATE_SERIES: Record<keyof AggregateHistory, (aggregates: Aggregates) => number> = {
  cpuAvg: (aggregates) => aggregates.cpu.avg,
  memoryTotal: (aggregates) => aggregates.memoryBytes.total,
  requestsPerSec: (aggregates) => aggregates.requestsPerSec.total,
  responseTimeAvg: (aggregates) => aggregates.responseTimeMs.avg,
  responseTimeP95: (aggregates) => aggregates.responseTimeMs.p95,
  errorRate: (aggregates) => aggregates.errorRate,
};

/**
 * A worker's history (none: a new one) with a sample at `at`, keeping the newest `limit`; a sample not newer than
 * the last leaves it as it is.
 */
export function appendWorkerSample(
  history: WorkerHistory | undefined,
  at: number,
  metrics: WorkerMetrics,
  limit: number,
): WorkerHistory {
  const ring = history?.resized(limit * STRIDE) ?? LogRing.empty(limit * STRIDE);
  if ((ring.at(ring.size - STRIDE) ?? at - 1) >= at) return ring;
  return ring.append([at, ...WORKER_SERIES.map((key) => metrics[key])]);
}

/** Series `key` of a worker's history, oldest first, without the samples the server's history had no value for. */
export function workerSamples(history: WorkerHistory | undefined, key: WorkerSeries): Sample[] {
  const samples: Sample[] = [];
  const column = WORKER_SERIES.indexOf(key) + 1;
  for (let i = 0; i < (history?.size ?? 0); i += STRIDE) {
    const value = history!.at(i + column)!;
    if (!Number.isNaN(value)) samples.push({ at: history!.at(i)!, value });
  }
  return samples;
}

const AGGREGATE_KEYS = Object.keys(AGGREGATE_SERIES) as (keyof AggregateHistory)[];

/** A history with no samples yet. */
export const emptyAggregateHistory = (): AggregateHistory =>
  Object.fromEntries(AGGREGATE_KEYS.map((key) => [key, []])) as unknown as AggregateHistory;

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

/** `initial_data.history` as the store reads it: checked, with each worker's columns by field name. */
export interface HistorySeed {
  from: number;
  stepMs: number;
  fleet: Readonly<Record<string, unknown>>;
  workers: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

/** The server's recent history, or null when the payload has none (an older server) or it is malformed. */
export function readHistorySeed(value: unknown): HistorySeed | null {
  if (typeof value !== 'object' || value === null) return null;
  const { from, stepMs, fleet, fields, workers } = value as Record<string, unknown>;
  if (!Number.isFinite(from) || !Number.isFinite(stepMs) || (stepMs as number) <= 0) return null;
  if (typeof fleet !== 'object' || fleet === null || !Array.isArray(fields) || !Array.isArray(workers)) {
    return null;
  }
  const byId = new Map<string, Record<string, unknown>>();
  for (const row of workers) {
    if (!Array.isArray(row) || typeof row[0] !== 'string') continue;
    const columns: Record<string, unknown> = {};
    fields.forEach((field, i) => {
      if (typeof field === 'string') columns[field] = row[i + 1];
    });
    byId.set(row[0], columns);
  }
  return {
    from: from as number,
    stepMs: stepMs as number,
    fleet: fleet as Record<string, unknown>,
    workers: byId,
  };
}

/** A column of the server's grid as samples, each at its bucket's start; gaps and non-numbers are skipped. */
function gridSamples(column: unknown, seed: HistorySeed): Sample[] {
  if (!Array.isArray(column)) return [];
  const samples: Sample[] = [];
  column.forEach((value, i) => {
    if (typeof value === 'number' && Number.isFinite(value)) {
      samples.push({ at: seed.from + i * seed.stepMs, value });
    }
  });
  return samples;
}

/** The `older` samples before `samples`' first (all of them when it has none): the client's own stay. */
function prepend(older: Sample[], samples: Sample[]): Sample[] {
  const first = samples[0]?.at ?? Number.POSITIVE_INFINITY;
  const before = older.filter((sample) => sample.at < first);
  return before.length === 0 ? samples : before.concat(samples);
}

/** The fleet's series with the server's history before them (the store's series share the server's names). */
export function seedAggregateHistory(history: AggregateHistory, seed: HistorySeed): AggregateHistory {
  const next = {} as AggregateHistory;
  for (const key of AGGREGATE_KEYS) next[key] = prepend(gridSamples(seed.fleet[key], seed), history[key]);
  return next;
}

/**
 * A worker's history with the server's before its oldest sample, the newest `limit` kept (a sample with a
 * value in any series counts); undefined when the server has no row for it and there is no history.
 */
export function seedWorkerHistory(
  history: WorkerHistory | undefined,
  seed: HistorySeed,
  id: string,
  limit: number,
): WorkerHistory | undefined {
  const columns = seed.workers.get(id);
  if (!columns) return history;
  const first = history?.at(0) ?? Number.POSITIVE_INFINITY;
  // A sample per bucket older than the client's first, by bucket (`flat` skips the buckets with none).
  const older: number[][] = [];
  WORKER_SERIES.forEach((key, i) => {
    for (const { at, value } of gridSamples(columns[key], seed)) {
      if (at >= first) continue;
      const bucket = Math.round((at - seed.from) / seed.stepMs);
      older[bucket] ??= [at, ...WORKER_SERIES.map(() => Number.NaN)];
      older[bucket][i + 1] = value;
    }
  });
  return LogRing.empty<number>(limit * STRIDE).append([...older.flat(), ...(history?.toArray() ?? [])]);
}
