import type {
  Aggregates,
  LogEntry,
  QueueSummary,
  Resource,
  ServerTimings,
  Worker,
} from '@pulseboard/protocol';

/** A point of a time series, for sparklines. */
export interface Sample {
  at: number;
  value: number;
}

export interface WorkerHistory {
  responseTimeMs: Sample[];
  cpu: Sample[];
  requestsPerSec: Sample[];
}

export interface AggregateHistory {
  cpuAvg: Sample[];
  memoryTotal: Sample[];
  requestsPerSec: Sample[];
  responseTimeAvg: Sample[];
  responseTimeP95: Sample[];
  errorRate: Sample[];
}

/** The store's state. Immutable: a change produces new objects for the slices it touched. */
export interface DashboardState {
  /** True once `initial_data` has been applied. */
  ready: boolean;
  workers: ReadonlyMap<string, Worker>;
  resources: ReadonlyMap<string, Resource>;
  queues: readonly QueueSummary[];
  aggregates: Aggregates | null;
  /** Oldest first, at most `logCapacity` entries. */
  logs: readonly LogEntry[];
  /** Per worker id, recent samples (bounded) for sparklines. */
  history: ReadonlyMap<string, WorkerHistory>;
  aggregateHistory: AggregateHistory;
  config: ServerTimings | null;
  /** Ids of workers removed recently, with removal time, so views can fade them out. */
  departed: ReadonlyMap<string, { worker: Worker; at: number; reason: string }>;
}

/** The parts of the state a widget can subscribe to; an event notifies only the slices it changed. */
export type Slice = 'workers' | 'resources' | 'queues' | 'aggregates' | 'logs' | 'history' | 'connection';
