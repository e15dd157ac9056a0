import type { LogEntry, ReportableStatus, Resource, Worker } from '@pulseboard/protocol';
import type { DeadLetterList } from '../dead-letters/list.js';
import type { AnyLoggedEvent, LoggedEventInput } from '../events.js';
import type { ActionStore } from './action-store.js';
import type { HistoryStore } from './history-types.js';

/**
 * Storage behind the registry and the event stream. Every method is async so
 * the Redis backend (store/redis.ts) can implement the same interfaces; the in-memory
 * backend is the default.
 */

/** A worker as stored: the wire model plus what the server needs to restore it. */
export interface StoredWorker {
  worker: Worker;
  /** The last status the worker reported, restored when an offline worker heartbeats again. */
  reportedStatus: ReportableStatus;
  /**
   * When the sweeper next acts on this worker: marks it offline if it is not
   * (heartbeat + staleAfterMs), else expires it (went offline + expireAfterMs).
   * Set by whoever writes the row, so storage can index it without knowing the config.
   */
  dueAt: number;
}

/**
 * How a table groups its rows, each grouping by name: a row's group in each (null: in none of
 * that grouping's groups). A grouping reads one field, so a write compares before and after
 * without building anything.
 */
export type Groupings<T, K extends string> = Readonly<Record<K, (row: T) => string | null>>;

/** The workers table's groupings: a worker's queue, and its fleet (whose action stream takes its actions). */
export const WORKER_GROUPINGS = {
  queue: (row: StoredWorker) => row.worker.queue,
  fleet: (row: StoredWorker) => row.worker.fleet ?? null,
} as const satisfies Groupings<StoredWorker, string>;

export type WorkerGrouping = keyof typeof WORKER_GROUPINGS;

export interface Change<T> {
  before: T | undefined;
  after: T | undefined;
}

/** At most `max` rows; `what` names them in the refusal ("workers"). */
export interface RowLimit {
  max: number;
  what: string;
}

/**
 * A new row refused because its table holds `limit.max` rows already. Only
 * creating is refused: rewriting or deleting a row never is.
 */
export class TableFullError extends Error {
  override name = 'TableFullError';

  constructor(readonly limit: RowLimit) {
    super(`The registry holds its maximum of ${limit.max} ${limit.what}`);
  }
}

/** Row limits of the registry; a backend left without one (a test's) has none. */
export interface RegistryLimits {
  maxWorkers?: number;
  maxResources?: number;
}

/** The limits a backend's tables are built with. */
export const rowLimits = (limits: RegistryLimits) => ({
  workers: limits.maxWorkers === undefined ? undefined : { max: limits.maxWorkers, what: 'workers' },
  resources: limits.maxResources === undefined ? undefined : { max: limits.maxResources, what: 'resources' },
});

/**
 * The events a change logs, from the row before and after it. A store writes
 * them with the row in one atomic step, so the event stream is in the order
 * the rows changed, across instances: with two steps, two instances changing
 * one worker could log their events the other way round (an `offline →
 * healthy` before the `healthy → offline` it follows). Pure, like `fn`.
 */
export type ChangeEvents<T> = (before: T | undefined, after: T | undefined) => readonly LoggedEventInput[];

/**
 * A keyed collection with atomic read-modify-write. `update` runs `fn` on the
 * current value and stores what it returns (undefined deletes, the same
 * reference means "no change"), with the events `events` gives for that
 * change; once it resolves they have reached this instance's live feed, as
 * with `EventLog.append`. On Redis this is an optimistic transaction, so `fn`
 * and `events` must be pure and may run more than once; the returned change is
 * what won, which is how a transition (say, stale to offline) is emitted by
 * exactly one instance. A table with a row limit rejects a new row past it
 * with TableFullError, storing nothing; the count is checked in the same
 * atomic step as the write, so instances racing for the last rows cannot
 * overshoot it.
 */
export interface Table<T> {
  get(id: string): Promise<T | undefined>;
  /** The rows of `ids`, in their order (undefined where none): one read for many, not a scan of all. */
  many(ids: readonly string[]): Promise<(T | undefined)[]>;
  list(): Promise<T[]>;
  size(): Promise<number>;
  update(
    id: string,
    fn: (current: T | undefined) => T | undefined,
    events?: ChangeEvents<T>,
  ): Promise<Change<T>>;
  /**
   * `update` of each of `ids` that has a row, `fn` told the id's index: a batch of heartbeats in
   * one call. An absent id stays absent (`fn` is not called; its change is two undefineds). Each
   * row is written with its events in an atomic step of its own, as by `update`; in memory all in
   * one pass, with no promise per row. A row whose write failed answers its error, and the other
   * rows stand: a batch is answered item by item.
   */
  updateExisting(
    ids: readonly string[],
    fn: (current: T, i: number) => T | undefined,
    events?: ChangeEvents<T>,
  ): Promise<(Change<T> | Error)[]>;
}

/**
 * A table ordered by a time each row carries, kept in step with every write
 * (on Redis a sorted set written in the same script as the hash), so a sweep
 * reads only the rows whose time has come instead of the whole table.
 */
export interface TimedTable<T> extends Table<T> {
  /** Rows whose time is at or before `time`, soonest first. */
  due(time: number): Promise<T[]>;
}

/**
 * A timed table whose rows each belong to at most one group of each grouping (a worker to its
 * queue, and to its fleet), indexed with every write like the time, so the rows of one group are
 * read without the rest.
 */
export interface GroupedTable<T, K extends string> extends TimedTable<T> {
  /** The rows whose `grouping` is `group`. */
  inGroup(grouping: K, group: string): Promise<T[]>;
}

export interface LogStore {
  /** Adds the entries and logs `events` with them, in one atomic step. */
  append(entries: readonly LogEntry[], events?: readonly LoggedEventInput[]): Promise<void>;
  /** The most recent entries, oldest first. */
  recent(): Promise<LogEntry[]>;
}

export interface RegistryStore {
  /** Ordered by `dueAt`, grouped by queue and by fleet. */
  workers: GroupedTable<StoredWorker, WorkerGrouping>;
  resources: Table<Resource>;
  logs: LogStore;
  /** Each queue's dead letters, by queue name. */
  deadLetters: Table<DeadLetterList>;
}

export type LiveListener = (event: AnyLoggedEvent) => void;

/**
 * The backend cannot be reached right now (Redis down or restarting). Storage
 * methods reject with it so the API can answer 503 with `Retry-After` instead
 * of a 500 or a hang.
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/**
 * The numbered, replayable event history. `append` assigns the id; every
 * subscriber then receives the event on the live feed, in id order (in memory:
 * synchronously inside `append`; on Redis: from the instance's XREAD loop).
 */
export interface EventLog {
  /**
   * Resolves once the live feed has delivered the event. Null when the backend
   * dropped it as a duplicate: with several instances on Redis, only one of
   * them publishes each periodic `dashboard_update`.
   */
  append(input: LoggedEventInput): Promise<AnyLoggedEvent | null>;
  /** Id of the latest logged event; a fresh log has a base id that resumes to "everything". */
  latestId(): Promise<string>;
  /** Events after `id`, oldest first, or 'resync' when `id` is unknown, from another boot, or outside the window. */
  since(id: string): Promise<AnyLoggedEvent[] | 'resync'>;
  subscribe(listener: LiveListener): () => void;
}

/** Whether the backend can serve right now, for /healthz. */
export interface StorageStatus {
  backend: 'memory' | 'redis';
  ok: boolean;
  /** Why not, when `ok` is false. */
  reason?: string;
}

/** Since when storage has been reachable without a break. */
export interface StorageReachability {
  since: number;
  /** Whether it was unreachable before that (false at startup). */
  afterOutage: boolean;
}

/** Everything the server keeps; `createApp` takes ownership and closes it. */
export interface Storage {
  store: RegistryStore;
  eventLog: EventLog;
  history: HistoryStore;
  /** Operator actions, each transition logging its event like the registry's writes. */
  actions: ActionStore;
  status(): StorageStatus;
  /**
   * Null while unreachable. Heartbeats fail while storage is away, so the
   * sweeper judges staleness only on the time after it came back.
   */
  reachable(): StorageReachability | null;
  /**
   * Calls `listener` when the backend finds its data gone (Redis came back
   * empty): the registry and every event id handed out so far are void.
   * Returns an unsubscribe.
   */
  onDataLost(listener: () => void): () => void;
  close(): Promise<void>;
}
