// What users of the package need, and nothing it uses inside: the element classes and
// their events, the client and its types, and what an element of your own needs to
// render from the same connection (PulseElement, the context, eventTypesFor).
// Side-effect free: importing this defines no elements (see define.ts, and define/
// for one tag at a time).

export { PulseActionEvent } from './base/action-event.js';
export { PulseElement } from './base/pulse-element.js';
export { parseSelection, SelectEvent, type Selection } from './base/selection.js';
export { ActionRequestError } from './client/action-request.js';
export { type ConfigurablePulseClient, createPulseClient, type PulseClientOptions } from './client/client.js';
export { ensureContextRoot, pulseClientContext } from './client/context.js';
export { eventTypesFor } from './client/requirements.js';
export type { SharedValue } from './client/selection.js';
export type * from './client/types.js';
export { DlqMonitor, PulseThresholdChangeEvent, type ThresholdScope } from './dlq-monitor/dlq-monitor.js';
export { HealthCards, type HealthCardsSort } from './health-cards/health-cards.js';
export { LogsView } from './logs-view/logs-view.js';
export { type QueueColumn, QueuesView } from './queues-view/queues-view.js';
export { ConnectionChangeEvent } from './sse-connection/connection-change-event.js';
export { SseConnection } from './sse-connection/sse-connection.js';
// A worker's `history` is a ring of numbers: this reads a series of it.
export { workerSamples } from './store/history.js';
export type { StoreOptions } from './store/state.js';
export type * from './store/types.js';
export { SystemMetrics } from './system-metrics/system-metrics.js';
export type { TransportOptions } from './transport/transport.js';
export type * from './transport/types.js';
