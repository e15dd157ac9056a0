import type { ConnectionState, PulseThresholdChangeEvent } from '@pulseboard/widgets';
import '@pulseboard/widgets/define.js';
import { DlqMonitor } from '@pulseboard/widgets/react';
// The JSX types of the bare tags (React 19 renders them directly).
import type {} from '@pulseboard/widgets/react/jsx';
import { useCallback, useState } from 'react';

interface Alert {
  id: number;
  what: string;
  level: string;
  value: number;
}

let nextId = 0;

/**
 * A React 19 app using the Pulseboard elements as plain JSX tags (React 19
 * sets their properties and listens to their events), plus one @lit/react
 * wrapper (`DlqMonitor` from `@pulseboard/widgets/react`), the way a React 18
 * app would use all of them. Both feed React state from the elements' events.
 */
export function App({ src }: { src: string }) {
  const [state, setState] = useState<ConnectionState | 'waiting'>('waiting');
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const onThreshold = useCallback((event: PulseThresholdChangeEvent) => {
    if (event.scope === 'overall') return;
    const alert = {
      id: nextId++,
      what: `${event.scope} ${event.key}`,
      level: event.level,
      value: event.value,
    };
    setAlerts((list) => [alert, ...list].slice(0, 6));
  }, []);

  return (
    <>
      <div className="intro">
        <h1>React 19</h1>
        <p>
          The same elements inside a React app. The panel below is React state, updated from the elements'
          events: <code>pulse-connection-change</code> on <code>&lt;sse-connection&gt;</code> and{' '}
          <code>pulse-threshold-change</code> from the DLQ monitor.
        </p>
      </div>
      <section className="framework-panel" aria-label="React state">
        <div>
          Connection <strong data-test="state">{state}</strong>
        </div>
        <div>
          Threshold changes <strong data-test="alerts">{alerts.length}</strong>
        </div>
        <ul>
          {alerts.map((a) => (
            <li key={a.id} className={`level-${a.level}`}>
              {a.what} → {a.level} ({a.value})
            </li>
          ))}
        </ul>
      </section>
      <sse-connection src={src} onpulse-connection-change={(event) => setState(event.status.state)}>
        <div className="dashboard">
          <health-cards className="wide" />
          <queues-view />
          <DlqMonitor warning={10} critical={100} onThresholdChange={onThreshold} />
        </div>
      </sse-connection>
    </>
  );
}
