/**
 * React wrappers (`@pulseboard/widgets/react`), made with @lit/react: typed
 * props for every property and `on*` props for the custom events. React 19
 * renders the elements directly too; these matter for React 18, which sets
 * everything as attributes and does not listen to custom events, and for
 * typed props in either. Importing this module registers the tags.
 */
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import '../define.js';
import {
  DlqMonitor as DlqMonitorElement,
  type PulseThresholdChangeEvent,
} from '../dlq-monitor/dlq-monitor.js';
import { HealthCards as HealthCardsElement } from '../health-cards/health-cards.js';
import { LogsView as LogsViewElement } from '../logs-view/logs-view.js';
import { QueuesView as QueuesViewElement } from '../queues-view/queues-view.js';
import type { ConnectionChangeEvent } from '../sse-connection/connection-change-event.js';
import { SseConnection as SseConnectionElement } from '../sse-connection/sse-connection.js';
import { SystemMetrics as SystemMetricsElement } from '../system-metrics/system-metrics.js';

export const SseConnection = createComponent({
  react: React,
  tagName: 'sse-connection',
  elementClass: SseConnectionElement,
  events: { onConnectionChange: 'pulse-connection-change' as EventName<ConnectionChangeEvent> },
  displayName: 'SseConnection',
});

export const HealthCards = createComponent({
  react: React,
  tagName: 'health-cards',
  elementClass: HealthCardsElement,
  displayName: 'HealthCards',
});

export const SystemMetrics = createComponent({
  react: React,
  tagName: 'system-metrics',
  elementClass: SystemMetricsElement,
  displayName: 'SystemMetrics',
});

export const DlqMonitor = createComponent({
  react: React,
  tagName: 'dlq-monitor',
  elementClass: DlqMonitorElement,
  events: { onThresholdChange: 'pulse-threshold-change' as EventName<PulseThresholdChangeEvent> },
  displayName: 'DlqMonitor',
});

export const QueuesView = createComponent({
  react: React,
  tagName: 'queues-view',
  elementClass: QueuesViewElement,
  displayName: 'QueuesView',
});

export const LogsView = createComponent({
  react: React,
  tagName: 'logs-view',
  elementClass: LogsViewElement,
  displayName: 'LogsView',
});
