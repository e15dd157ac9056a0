/**
 * JSX types for the bare tags in React 19 (`@pulseboard/widgets/react/jsx`),
 * which renders custom elements directly: a prop the element has is set as
 * that property, and `on` plus an event's exact name listens to the event.
 * Types only; bring them in once, anywhere in the project:
 * `import type {} from '@pulseboard/widgets/react/jsx';`
 * (and register the tags with `import '@pulseboard/widgets/define.js'`).
 */
import type { LitElement } from 'lit';
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { PulseActionEvent } from '../base/action-event.js';
import type { SelectEvent } from '../base/selection.js';
import type { DlqMonitor, PulseThresholdChangeEvent } from '../dlq-monitor/dlq-monitor.js';
import type { HealthCards } from '../health-cards/health-cards.js';
import type { LogsView } from '../logs-view/logs-view.js';
import type { QueuesView } from '../queues-view/queues-view.js';
import type { ConnectionChangeEvent } from '../sse-connection/connection-change-event.js';
import type { SseConnection } from '../sse-connection/sse-connection.js';
import type { SystemMetrics } from '../system-metrics/system-metrics.js';

/** `K` when `T[K]` can be assigned: a getter-only property (`client`, `level`, `lines`) is readonly here. */
type IfWritable<T, K extends keyof T> =
  (<V>() => V extends { [P in K]: T[K] } ? 1 : 2) extends <V>() => V extends { -readonly [P in K]: T[K] }
    ? 1
    : 2
    ? K
    : never;

/** The element's own settable properties: not lit's or the DOM's, no getters or methods. */
type Properties<E> = {
  [K in Exclude<keyof E, keyof LitElement> as E[K] extends (...args: never[]) => unknown
    ? never
    : IfWritable<E, K>]?: E[K];
};

/** `onpulse-select` and so on: a listener per event the element fires. */
type Listeners<Events> = { [K in keyof Events & string as `on${K}`]?: (event: Events[K]) => void };

type Tag<E extends HTMLElement, Events = { 'pulse-select': SelectEvent }> = DetailedHTMLProps<
  HTMLAttributes<E>,
  E
> &
  Properties<E> &
  Listeners<Events>;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'sse-connection': Tag<SseConnection, { 'pulse-connection-change': ConnectionChangeEvent }>;
      'health-cards': Tag<HealthCards, { 'pulse-select': SelectEvent; 'pulse-action': PulseActionEvent }>;
      'system-metrics': Tag<SystemMetrics>;
      'dlq-monitor': Tag<
        DlqMonitor,
        {
          'pulse-threshold-change': PulseThresholdChangeEvent;
          'pulse-select': SelectEvent;
          'pulse-action': PulseActionEvent;
        }
      >;
      'queues-view': Tag<QueuesView, { 'pulse-select': SelectEvent; 'pulse-action': PulseActionEvent }>;
      'logs-view': Tag<LogsView>;
    }
  }
}
