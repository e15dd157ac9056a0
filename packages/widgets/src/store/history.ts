import type { Aggregates, WorkerMetrics } from '@pulseboard/protocol';
import type { AggregateHistory, Sample, WorkerHistory } from '../client/types.js';

/** Appends a sample, dropping the oldest beyond `limit`; a sample not newer than the last is ignored. */
function push(samples: Sample[], at: number, value: number, limit: number): Sample[] {
  const last = samples[samples.length - 1];
  if (last && last.at >= at) return samples;
  const next = samples.length >= limit ? samples.slice(samples.length - limit + 1) : samples.slice();
  next.push({ at, value });
  return next;
}

/** Drops samples older than `from` (samples are in time order). */
function trim(samples: Sample[], from: number): Sample[] {
  const first = samples.findIndex((sample) => sample.at >= from);
  if (first === 0) return samples;
  return first === -1 ? [] : samples.slice(first);
}

export const emptyWorkerHistory = (): WorkerHistory => ({ responseTimeMs: [], cpu: [], requestsPerSec: [] });

export function appendWorkerSample(
  history: WorkerHistory,
  at: number,
  metrics: WorkerMetrics,
  limit: number,
): WorkerHistory {
  const last = history.cpu[history.cpu.length - 1];
  if (last && last.at >= at) return history;
  return {
    responseTimeMs: push(history.responseTimeMs, at, metrics.responseTimeMs, limit),
    cpu: push(history.cpu, at, metrics.cpu, limit),
    requestsPerSec: push(history.requestsPerSec, at, metrics.requestsPerSec, limit),
  };
}

export const emptyAggregateHistory = (): AggregateHistory => ({
  cpuAvg: [],
  memoryTotal: [],
  requestsPerSec: [],
  responseTimeAvg: [],
  responseTimeP95: [],
  errorRate: [],
});

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
  const series = (samples: Sample[], value: number) => trim(push(samples, at, value, limit), from);
  return {
    cpuAvg: series(history.cpuAvg, aggregates.cpu.avg),
    memoryTotal: series(history.memoryTotal, aggregates.memoryBytes.total),
    requestsPerSec: series(history.requestsPerSec, aggregates.requestsPerSec.total),
    responseTimeAvg: series(history.responseTimeAvg, aggregates.responseTimeMs.avg),
    responseTimeP95: series(history.responseTimeP95, aggregates.responseTimeMs.p95),
    errorRate: series(history.errorRate, aggregates.errorRate),
  };
}
