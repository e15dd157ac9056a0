// Registers every Pulseboard tag. Provider first, so consumers upgraded after it
// find it at once; tags already defined (a second copy of the library) are skipped.
//
// This file is the script-tag bundle's entry, and its imports set the order of the
// modules in it: <sse-connection>'s (client, transport, store) right after lit, then
// the elements. Gzip only looks 32 KB back, so the order counts: of all orders of
// these imports, those with <sse-connection> first come out smallest, 0.5 KB gzip
// under alphabetical order (brotli, with its larger window, does not care).
// biome-ignore-all assist/source/organizeImports: the order above is deliberate.
import { ensureContextRoot } from './client/context.js';
import { SseConnection } from './sse-connection/sse-connection.js';
import { DlqMonitor } from './dlq-monitor/dlq-monitor.js';
import { HealthCards } from './health-cards/health-cards.js';
import { LogsView } from './logs-view/logs-view.js';
import { QueuesView } from './queues-view/queues-view.js';
import { SystemMetrics } from './system-metrics/system-metrics.js';

const elements: [tag: string, element: CustomElementConstructor][] = [
  ['sse-connection', SseConnection],
  ['health-cards', HealthCards],
  ['system-metrics', SystemMetrics],
  ['dlq-monitor', DlqMonitor],
  ['queues-view', QueuesView],
  ['logs-view', LogsView],
];

// Types only (no JavaScript): they make define.d.ts import every element's module, and so bring each tag's
// HTMLElementTagNameMap and event map entries to a project that imports nothing but define.js.
export type { DlqMonitor, HealthCards, LogsView, QueuesView, SseConnection, SystemMetrics };

ensureContextRoot();
for (const [tag, element] of elements) {
  if (!customElements.get(tag)) customElements.define(tag, element);
}
