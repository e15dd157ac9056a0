import type { ConnectionState, ConnectionStatus } from '../transport/types.js';

/** Fired by `<sse-connection>` when its connection state, attempt count or error changes. */
export class ConnectionChangeEvent extends Event {
  /** The event's type, for `addEventListener(ConnectionChangeEvent.eventName, …)`. */
  static readonly eventName = 'pulse-connection-change';

  constructor(
    /** The connection's state, attempt count, error, next retry time and last event id. */
    readonly status: ConnectionStatus,
  ) {
    super(ConnectionChangeEvent.eventName, { bubbles: true, composed: true });
  }

  /** Shorthand for `status.state`. */
  get state(): ConnectionState {
    return this.status.state;
  }
}
