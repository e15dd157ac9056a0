import type {
  Action,
  Aggregates,
  Permission,
  QueueSummary,
  Resource,
  ServerTimings,
  Worker,
} from '@pulseboard/protocol';
import { emptyAggregateHistory } from './history.js';
import { LogRing } from './log-ring.js';
import { count } from './sanitize.js';
import type { AggregateHistory, DashboardState, LogLine, WorkerChanges, WorkerHistory } from './types.js';
import { VersionedMap } from './versioned-map.js';

export interface StoreOptions {
  /** Log entries kept, oldest dropped first; also the fewest `lines` kept. */
  logCapacity: number;
  /** Lines kept (see `lines`) when that is more than `logCapacity`: the most an element requires. */
  lineCapacity: number;
  /** Samples kept per worker and series, for sparklines. */
  historyLength: number;
  /** How far back aggregate history reaches (ms). */
  aggregateWindowMs: number;
  /** How long a removed worker stays in `departed` (ms). */
  departedTtlMs: number;
}

export const DEFAULT_STORE_OPTIONS: Readonly<StoreOptions> = Object.freeze({
  logCapacity: 10_000,
  lineCapacity: 1,
  historyLength: 120,
  aggregateWindowMs: 3_600_000,
  departedTtlMs: 10_000,
});

export interface DepartedWorker {
  worker: Worker;
  at: number;
  reason: string;
}

/**
 * The store's own state: the public {@link DashboardState} plus what the reducers need to carry along. Its maps
 * are versions (see {@link VersionedMap}): what a state holds never changes once the store handed it out.
 */
export interface StoreState extends DashboardState {
  readonly workers: VersionedMap<string, Worker>;
  readonly resources: VersionedMap<string, Resource>;
  readonly history: VersionedMap<string, WorkerHistory>;
  readonly departed: VersionedMap<string, DepartedWorker>;
  readonly actions: VersionedMap<string, Action>;
  readonly options: Readonly<StoreOptions>;
  /** Backing structure of `logs`. */
  readonly logRing: LogRing;
  /** Backing structure of `lines`. */
  readonly lineRing: LogRing<LogLine>;
}

export type StateFields = Omit<StoreState, 'logs' | 'lines'>;

class State implements StoreState {
  declare readonly ready: boolean;
  declare readonly workers: VersionedMap<string, Worker>;
  declare readonly resources: VersionedMap<string, Resource>;
  declare readonly queues: readonly QueueSummary[];
  declare readonly aggregates: Aggregates | null;
  declare readonly history: VersionedMap<string, WorkerHistory>;
  declare readonly aggregateHistory: AggregateHistory;
  declare readonly config: ServerTimings | null;
  declare readonly departed: VersionedMap<string, DepartedWorker>;
  declare readonly can: readonly Permission[];
  declare readonly actions: VersionedMap<string, Action>;
  declare readonly rosterVersion: number;
  declare readonly declarationsVersion: number;
  declare readonly workerChanges: WorkerChanges;
  declare readonly options: Readonly<StoreOptions>;
  declare readonly logRing: LogRing;
  declare readonly lineRing: LogRing<LogLine>;

  constructor(fields: StateFields) {
    Object.assign(this, fields);
    Object.freeze(this);
  }

  // A getter so that an append never pays for an array copy nobody reads.
  get logs() {
    return this.logRing.toArray();
  }

  get lines() {
    return this.lineRing;
  }
}

/**
 * A new state with `patch` applied; untouched slices keep their identity. Spreading copies
 * the fields (own properties) and not `logs`, a getter on the prototype.
 */
export const update = (state: StoreState, patch: Partial<StateFields>): StoreState =>
  new State({ ...state, ...patch });

export function createState(options: Partial<StoreOptions> = {}): StoreState {
  const merged = Object.freeze({ ...DEFAULT_STORE_OPTIONS, ...usable(options) });
  return new State({
    ready: false,
    workers: new VersionedMap(),
    resources: new VersionedMap(),
    queues: [],
    aggregates: null,
    history: new VersionedMap(),
    aggregateHistory: emptyAggregateHistory(),
    config: null,
    departed: new VersionedMap(),
    can: [],
    actions: new VersionedMap(),
    rosterVersion: 0,
    declarationsVersion: 0,
    workerChanges: { ids: null, before: null },
    options: merged,
    logRing: LogRing.empty(merged.logCapacity),
    lineRing: LogRing.empty(lineCapacity(merged)),
  });
}

/** The same state under new options (e.g. a larger log capacity), keeping what fits. */
export function withOptions(state: StoreState, options: Partial<StoreOptions>): StoreState {
  const merged = Object.freeze({ ...state.options, ...usable(options) });
  const keys = Object.keys(merged) as (keyof StoreOptions)[];
  if (keys.every((key) => merged[key] === state.options[key])) return state;
  return update(state, {
    options: merged,
    logRing: state.logRing.resized(merged.logCapacity),
    lineRing: state.lineRing.resized(lineCapacity(merged)),
  });
}

/** How many `lines` a store with `options` keeps. */
const lineCapacity = (options: StoreOptions): number => Math.max(options.logCapacity, options.lineCapacity);

/** The store's own options out of `options`, leaving out anything not a positive number (an unset or bad attribute). */
const usable = (options: Partial<StoreOptions>): Partial<StoreOptions> =>
  Object.fromEntries(
    (Object.keys(DEFAULT_STORE_OPTIONS) as (keyof StoreOptions)[])
      .map((key) => [key, options[key]])
      .filter(([, value]) => count(value) > 0),
  );
