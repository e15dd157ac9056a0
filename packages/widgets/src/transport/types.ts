/** The state of a connection and what clients and elements show of it. */

export type ConnectionState =
  /** Not started yet (no `src`, or not connected to the document). */
  | 'idle'
  | 'connecting'
  | 'open'
  /** Lost; waiting for the next attempt (see `attempt`, `nextRetryAt`). */
  | 'reconnecting'
  /**
   * Gave up after `max-retries`, or at once when the answer was not an event stream (a 404, a page: `src` is
   * wrong); `reconnect()` starts again.
   */
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
