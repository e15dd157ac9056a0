/**
 * React wrappers (`@pulseboard/widgets/react`), made with @lit/react: typed
 * props for every property and an `on*` prop for every event the element
 * fires (`onSelect` for `pulse-select`, ...). React 19 renders the elements
 * directly too (their JSX types are `@pulseboard/widgets/react/jsx`); these
 * matter for React 18, which sets everything as attributes and does not listen
 * to custom events. Importing this module registers the tags.
 */
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import type { PulseActionEvent } from '../base/action-event.js';
import type { SelectEvent } from '../base/selection.js';
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

// Every element but <sse-connection> fires pulse-select (the user picked a row, or cleared the selection chip).
const onSelect = 'pulse-select' as EventName<SelectEvent>;
// The elements with operator actions fire pulse-action before sending one (cancelable).
const onAction = 'pulse-action' as EventName<PulseActionEvent>;

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
  events: { onSelect, onAction },
  displayName: 'HealthCards',
});

export const SystemMetrics = createComponent({
  react: React,
  tagName: 'system-metrics',
  elementClass: SystemMetricsElement,
  events: { onSelect },
  displayName: 'SystemMetrics',
});

export const DlqMonitor = createComponent({
  react: React,
  tagName: 'dlq-monitor',
  elementClass: DlqMonitorElement,
  events: {
    onThresholdChange: 'pulse-threshold-change' as EventName<PulseThresholdChangeEvent>,
    onSelect,
    onAction,
  },
  displayName: 'DlqMonitor',
});

export const QueuesView = createComponent({
  react: React,
  tagName: 'queues-view',
  elementClass: QueuesViewElement,
  events: { onSelect, onAction },
  displayName: 'QueuesView',
});

export const LogsView = createComponent({
  react: React,
  tagName: 'logs-view',
  elementClass: LogsViewElement,
  events: { onSelect },
  displayName: 'LogsView',
});
