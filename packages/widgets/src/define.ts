// Registers every Pulseboard tag. Provider first, so consumers upgraded after it
// find it at once; tags already defined (a second copy of the library) are skipped.
import { ensureContextRoot } from './client/context.js';
import { DlqMonitor } from './dlq-monitor/dlq-monitor.js';
import { HealthCards } from './health-cards/health-cards.js';
import { LogsView } from './logs-view/logs-view.js';
import { QueuesView } from './queues-view/queues-view.js';
import { SseConnection } from './sse-connection/sse-connection.js';
import { SystemMetrics } from './system-metrics/system-metrics.js';

const elements: [tag: string, element: CustomElementConstructor][] = [
  ['sse-connection', SseConnection],
  ['health-cards', HealthCards],
  ['system-metrics', SystemMetrics],
  ['dlq-monitor', DlqMonitor],
  ['queues-view', QueuesView],
  ['logs-view', LogsView],
];

ensureContextRoot();
for (const [tag, element] of elements) {
  if (!customElements.get(tag)) customElements.define(tag, element);
}
