import { createRoot } from 'react-dom/client';
import { App } from '../../pages/react/App.js';

/** Renders the demo's React app into `container`, against the server at `src`; returns an unmount function. */
export function mount(container: HTMLElement, src: string): () => void {
  const root = createRoot(container);
  root.render(<App src={src} />);
  return () => root.unmount();
}
