import type { EventType, RequestActionBody, RequestActionResponse } from '@pulseboard/protocol';
import type { DashboardState, Slice } from '../store/types.js';
import type { ConnectionRole, ConnectionState, ConnectionStatus } from '../transport/types.js';
import type { SharedValue } from './selection.js';

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
  /** How many of the store's `lines` it shows at most; the store keeps the most any element asks for. */
  logLines?: number;
}

/** An event as it came off the wire: its id, its name and its parsed JSON `data`, which nothing has checked. */
export interface RawPulseEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}

/**
 * A raw subscriber. `data` is the event's JSON as the server sent it: read it as the store does, checking each
 * field, or use `watch()`, whose state the store has checked.
 */
export type EventHandler = (data: unknown, event: RawPulseEvent) => void;

/**
 * The contract between `<sse-connection>` (which implements it) and the widgets
 * and host pages (which use it). One stable object per connection element: it
 * is what `@lit/context` provides and what
 * `document.querySelector('sse-connection').client` returns.
 */
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
  readonly selection: SharedValue;
  /**
   * The theme `<sse-connection theme>` gives its elements (`light`, `dark`, `auto` or null: auto); an element's own
   * `theme` wins.
   */
  readonly theme: SharedValue;

  /**
   * Raw events of one type, those the store could apply; `'*'` receives every event, also those it could not.
   * Returns an unsubscribe function.
   */
  subscribe(type: EventType | '*', handler: EventHandler): () => void;

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

  /**
   * GETs `path` (e.g. `api/dead-letters?queue=email`) from the server the stream comes from, resolved
   * against `src` (so a server mounted under a base path is found), with the connection's token and
   * credentials; resolves to the parsed JSON, rejects with an `ActionRequestError` (status and message).
   */
  request(path: string): Promise<unknown>;
  /**
   * Asks a worker for one of the actions it declared: `POST api/actions` on this stream's server (beside `src`,
   * with its token), or the host's own `sendAction`. Resolves with the action, pending (its outcome arrives as
   * `action_completed` in `data.actions`); rejects with an `ActionRequestError` (status and message).
   */
  act(request: RequestActionBody): Promise<RequestActionResponse>;

  connect(): void;
  disconnect(): void;
  /** Start again now, resetting the attempt count (after `failed`, or to force a fresh connection). */
  reconnect(): void;
}
