import type {
  Action,
  Aggregates,
  LogEntry,
  LogLevel,
  Permission,
  QueueSummary,
  Resource,
  ServerTimings,
  Worker,
} from '@pulseboard/protocol';
import type { LogRing } from './log-ring.js';

/** A line as `<logs-view>` shows it: a worker's log entry, or one made from a registry event. */
export interface LogLine {
  /** Arrival order: consecutive, and unique per client. */
  readonly seq: number;
  readonly at: number;
  readonly level: LogLevel;
  readonly workerId: string;
  /** The worker's name when the line arrived; its id when the worker was not known. */
  readonly workerName: string;
  readonly message: string;
  readonly kind: 'log' | 'event';
}

/** Lines, oldest first, read by position; the oldest go first when it is full. */
export interface LineList {
  readonly size: number;
  at(index: number): LogLine | undefined;
}

/** A point of a time series, for sparklines. */
export interface Sample {
  at: number;
  value: number;
}

/** The metrics of a worker's history. */
export type WorkerSeries = 'responseTimeMs' | 'cpu' | 'requestsPerSec';

/**
 * A worker's recent samples (read them with `workerSamples`), each as its time, then its response time, CPU and
 * requests per second (NaN where the server's history had none): a metrics tick appends in O(1) and makes no
 * 120-sample arrays, and a state handed out never sees a later sample.
 */
export type WorkerHistory = LogRing<number>;

export interface AggregateHistory {
  cpuAvg: Sample[];
  memoryTotal: Sample[];
  requestsPerSec: Sample[];
  responseTimeAvg: Sample[];
  responseTimeP95: Sample[];
  errorRate: Sample[];
}

/**
 * One step of the state's workers, from one state the store handed out to the next: the ids that joined,
 * left or got a new record (null: all of them, a snapshot), and the step before, held weakly so that the
 * states behind do not pile up.
 */
export interface WorkerChanges {
  readonly ids: ReadonlySet<string> | null;
  readonly before: WeakRef<WorkerChanges> | null;
}

/** The store's state. Immutable: a change produces new objects for the slices it touched. */
export interface DashboardState {
  /** True once `initial_data` has been applied. */
  ready: boolean;
  workers: ReadonlyMap<string, Worker>;
  resources: ReadonlyMap<string, Resource>;
  queues: readonly QueueSummary[];
  aggregates: Aggregates | null;
  /** Oldest first, at most `logCapacity` entries; an `initial_data` replaces them with the server's. */
  logs: readonly LogEntry[];
  /**
   * The log entries with a line for each registration, status change and departure, oldest first, kept across
   * resyncs: `logCapacity` of them, or more when an element requires more (`Requirement.logLines`).
   */
  lines: LineList;
  /** Per worker id, recent samples (bounded) for sparklines. */
  history: ReadonlyMap<string, WorkerHistory>;
  aggregateHistory: AggregateHistory;
  config: ServerTimings | null;
  /** Ids of workers removed recently, with removal time, so views can fade them out. */
  departed: ReadonlyMap<string, { worker: Worker; at: number; reason: string }>;
  /** What this stream's token allows (`initial_data.can`): `operate` shows the action controls. Empty before it. */
  can: readonly Permission[];
  /**
   * Recent operator actions by id, oldest requested first (at most `ACTIONS_KEPT`): from `action_requested` and
   * `action_completed`, and the server's list (`GET /api/actions`) after each `initial_data`. A status never goes back.
   */
  actions: ReadonlyMap<string, Action>;
  /**
   * Changes when a worker joins, leaves or is renamed, or a departed one is forgotten, and not with
   * heartbeats: a view listing names (a worker menu) works them out again only then.
   */
  rosterVersion: number;
  /**
   * Changes when a worker joins or leaves declaring actions, or declares others: a view offering controls
   * (in the `actions` slice) draws them again then, whatever else changed.
   */
  declarationsVersion: number;
  /** What changed `workers` last (see `changedWorkers`): a view finds what changed since the state it drew before. */
  workerChanges: WorkerChanges;
}

/** The parts of the state a widget can subscribe to; an event notifies only the slices it changed. */
export type Slice =
  | 'workers'
  | 'resources'
  | 'queues'
  | 'aggregates'
  | 'logs'
  | 'history'
  | 'actions'
  | 'connection';
