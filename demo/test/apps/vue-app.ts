import { createApp } from 'vue';
import App from '../../pages/vue/App.vue';

/** Mounts the demo's Vue app into `container`, against the server at `src`; returns an unmount function. */
export function mount(container: HTMLElement, src: string): () => void {
  const app = createApp(App, { src });
  app.mount(container);
  return () => app.unmount();
}
