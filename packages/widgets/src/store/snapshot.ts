import { type InitialDataPayload, PROTOCOL_VERSION } from '@pulseboard/protocol';
import type { StoreState } from './state.js';

/**
 * The state as an `initial_data` payload, so a tab fed by another tab's
 * connection can start from that tab's state instead of opening a connection
 * of its own. Null before the first snapshot arrived. Client-side history
 * (sparklines) is not part of it and starts afresh.
 */
export function toInitialData(state: StoreState): InitialDataPayload | null {
  if (!state.ready || !state.aggregates || !state.config) return null;
  return {
    v: PROTOCOL_VERSION,
    resync: true,
    at: Date.now(),
    workers: [...state.workers.values()],
    resources: [...state.resources.values()],
    queues: [...state.queues],
    aggregates: state.aggregates,
    logs: [...state.logs],
    config: state.config,
    // The same token's (tabs share a stream only with the same one): a tab fed this way may operate as this one.
    can: [...state.can],
  };
}
