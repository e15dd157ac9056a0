import type { LogEntry, ReportableStatus, Resource, Worker } from '@pulseboard/protocol';
import type { AnyLoggedEvent, LoggedEventInput } from '../events.js';

/**
 * Storage behind the registry and the event stream. Every method is async so
 * the Redis backend (issue 5) can implement the same interfaces; the in-memory
 * backend is the default.
 */

/** A worker as stored: the wire model plus what the server needs to restore it. */
export interface StoredWorker {
  worker: Worker;
  /** The last status the worker reported, restored when an offline worker heartbeats again. */
  reportedStatus: ReportableStatus;
}

export interface Change<T> {
  before: T | undefined;
  after: T | undefined;
}

/**
 * A keyed collection with atomic read-modify-write. `update` runs `fn` on the
 * current value and stores what it returns (undefined deletes, the same
 * reference means "no change"). On Redis this is an optimistic transaction,
 * so `fn` must be pure and may run more than once; the returned change is
 * what won, which is how a transition (say, stale to offline) is emitted by
 * exactly one instance.
 */
export interface Table<T> {
  get(id: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  size(): Promise<number>;
  update(id: string, fn: (current: T | undefined) => T | undefined): Promise<Change<T>>;
}

export interface LogStore {
  append(entries: readonly LogEntry[]): Promise<void>;
  /** The most recent entries, oldest first. */
  recent(): Promise<LogEntry[]>;
}

export interface RegistryStore {
  workers: Table<StoredWorker>;
  resources: Table<Resource>;
  logs: LogStore;
}

export type LiveListener = (event: AnyLoggedEvent) => void;

/**
 * The numbered, replayable event history. `append` assigns the id; every
 * subscriber then receives the event on the live feed, in id order (in memory:
 * synchronously inside `append`; on Redis: from the instance's XREAD loop).
 */
export interface EventLog {
  append(input: LoggedEventInput): Promise<AnyLoggedEvent>;
  /** Id of the latest logged event; a fresh log has a base id that resumes to "everything". */
  latestId(): Promise<string>;
  /** Events after `id`, oldest first, or 'resync' when `id` is unknown, from another boot, or outside the window. */
  since(id: string): Promise<AnyLoggedEvent[] | 'resync'>;
  subscribe(listener: LiveListener): () => void;
}
