import {
  DlqMonitor,
  HealthCards,
  LogsView,
  QueuesView,
  SseConnection,
  SystemMetrics,
} from '@pulseboard/widgets/react';
import { createRoot } from 'react-dom/client';
import { App } from '../../pages/react/App.js';

/** Renders the demo's React app into `container`, against the server at `src`; returns an unmount function. */
export function mount(container: HTMLElement, src: string): () => void {
  const root = createRoot(container);
  root.render(<App src={src} />);
  return () => root.unmount();
}

type Props = Record<string, (event: Event) => void>;

/** Renders every @lit/react wrapper with the props given per tag (event handlers); returns an unmount function. */
export function mountWrappers(container: HTMLElement, props: Record<string, Props>): () => void {
  const root = createRoot(container);
  root.render(
    <SseConnection {...props['sse-connection']}>
      <HealthCards {...props['health-cards']} />
      <SystemMetrics {...props['system-metrics']} />
      <DlqMonitor {...props['dlq-monitor']} />
      <QueuesView {...props['queues-view']} />
      <LogsView {...props['logs-view']} />
    </SseConnection>,
  );
  return () => root.unmount();
}
