import type { ConnectionState, ConnectionStatus } from '../client/types.js';

/** Fired by `<sse-connection>` when its connection state, attempt count or error changes. */
export class ConnectionChangeEvent extends Event {
  static readonly eventName = 'pulse-connection-change';

  constructor(readonly status: ConnectionStatus) {
    super(ConnectionChangeEvent.eventName, { bubbles: true, composed: true });
  }

  get state(): ConnectionState {
    return this.status.state;
  }
}
