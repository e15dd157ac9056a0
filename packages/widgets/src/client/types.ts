import type {
  Aggregates,
  EventPayloads,
  EventType,
  LogEntry,
  PulseEvent,
  QueueSummary,
  Resource,
  ServerTimings,
  Worker,
} from '@pulseboard/protocol';
import type { SharedSelection } from './selection.js';

/**
 * The contract between `<sse-connection>` (which implements it) and the widgets
 * and host pages (which use it). One stable object per connection element: it
 * is what `@lit/context` provides and what
 * `document.querySelector('sse-connection').client` returns.
 */

export type ConnectionState =
  /** Not started yet (no `src`, or not connected to the document). */
  | 'idle'
  | 'connecting'
  | 'open'
  /** Lost; waiting for the next attempt (see `attempt`, `nextRetryAt`). */
  | 'reconnecting'
  /** Gave up after `max-retries`; `reconnect()` starts again. */
  | 'failed'
  /** The server answered 401 or 403; retrying would not help. */
  | 'unauthorized'
  /** Closed on purpose by `disconnect()` or removal from the page. */
  | 'closed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Consecutive failed attempts since the last successful open. */
  attempt: number;
  /** Epoch ms of the last message (any event, ping included), or null. */
  lastEventAt: number | null;
  lastEventId: string | null;
  /** Epoch ms since when the data on screen may be out of date (connection not open), or null while open. */
  staleSince: number | null;
  /** When the next attempt starts while `reconnecting` waits for it, or null. */
  nextRetryAt: number | null;
  /** Human-readable reason for `failed`/`unauthorized`/`reconnecting`, or null. */
  error: string | null;
}

/**
 * Where a page's events come from: its own connection (`own`, also with
 * `shared="false"`), or the one connection shared by the tabs showing the
 * same stream, held by this tab (`leader`) or by another (`follower`).
 */
export type ConnectionRole = 'own' | 'leader' | 'follower';

/**
 * What one element needs from the server, declared with `client.require()`.
 * The connection asks the server for the union of all declarations (`?types=`,
 * `?workers=`). `initial_data`, `ping` and `reconnect` always arrive and need
 * no declaration.
 */
export interface Requirement {
  /** The event types the element reads (directly or through the slices it watches); omitted: all of them. */
  types?: readonly EventType[];
  /** The worker ids it shows; omitted or null: every worker. */
  workers?: readonly string[] | null;
}

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

export type EventHandler<T extends EventType> = (data: EventPayloads[T], event: PulseEvent<T>) => void;

export interface PulseClient {
  readonly status: ConnectionStatus;
  readonly state: ConnectionState;
  readonly attempt: number;
  readonly lastEventAt: number | null;
  /** Whether this page holds its own connection or shares one with other tabs; a change notifies `connection` watchers. */
  readonly role: ConnectionRole;
  /** Current store state (a new object after every change). */
  readonly data: DashboardState;
  /**
   * The selection every element of this connection shows (`worker:<id>`, `queue:<name>` or null); elements set it
   * through their `selection` attribute.
   */
  readonly selection: SharedSelection;

  /** Raw events, as the origin notes' `socketService.subscribe`. `'*'` receives every event. Returns an unsubscribe function. */
  subscribe<T extends EventType>(type: T, handler: EventHandler<T>): () => void;
  subscribe(type: '*', handler: (data: unknown, event: PulseEvent) => void): () => void;

  /** Store slices: `handler` runs after any change to one of `slices`. Returns an unsubscribe function. */
  watch(
    slices: readonly Slice[],
    handler: (state: DashboardState, status: ConnectionStatus) => void,
  ): () => void;

  /**
   * Declares what `owner` (usually an element) needs from the server; calling
   * it again for the same owner replaces the declaration. The connection asks
   * for the union of all declarations, or for everything while there is none;
   * explicit `types`/`workers` on `<sse-connection>` win over them. Changes
   * made together are applied once (debounced): a narrower filter resumes from
   * the last event, a wider one starts from a fresh snapshot (the events it
   * adds were never sent), so nothing is lost either way. Tabs sharing a
   * connection ask for the union of all their declarations. Returns a function
   * that withdraws this declaration (call it when the element leaves).
   * `eventTypesFor(slices)` gives the types behind the slices an element watches.
   */
  require(owner: object, needs: Requirement): () => void;

  connect(): void;
  disconnect(): void;
  /** Start again now, resetting the attempt count (after `failed`, or to force a fresh connection). */
  reconnect(): void;
}
