// JSX types for the Pulseboard tags in React 19, which renders custom
// elements directly: properties are set as properties, and `on<event-name>`
// props are added as listeners for that exact event name.
import type {
  ConnectionChangeEvent,
  DlqMonitor,
  HealthCards,
  LogsView,
  PulseThresholdChangeEvent,
  QueuesView,
  SseConnection,
  SystemMetrics,
} from '@pulseboard/widgets';
import type { DetailedHTMLProps, HTMLAttributes } from 'react';

type Tag<T extends HTMLElement, Props> = DetailedHTMLProps<HTMLAttributes<T>, T> & Partial<Props>;
type Common = { connection: string; heading: string; theme: 'light' | 'dark' };

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'sse-connection': Tag<
        SseConnection,
        Pick<SseConnection, 'src' | 'token' | 'withCredentials' | 'maxRetries' | 'logCapacity'> & {
          'onpulse-connection-change': (event: ConnectionChangeEvent) => void;
        }
      >;
      'health-cards': Tag<HealthCards, Common & Pick<HealthCards, 'status' | 'sort'>>;
      'system-metrics': Tag<SystemMetrics, Common & Pick<SystemMetrics, 'window'>>;
      'dlq-monitor': Tag<
        DlqMonitor,
        Common &
          Pick<DlqMonitor, 'warning' | 'critical' | 'errorWarning' | 'errorCritical' | 'hysteresis'> & {
            'onpulse-threshold-change': (event: PulseThresholdChangeEvent) => void;
          }
      >;
      'queues-view': Tag<QueuesView, Common & Pick<QueuesView, 'sort' | 'direction' | 'filter'>>;
      'logs-view': Tag<
        LogsView,
        Common & Pick<LogsView, 'maxLines' | 'level' | 'worker' | 'filter' | 'paused'>
      >;
    }
  }
}
