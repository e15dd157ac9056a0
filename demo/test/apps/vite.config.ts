import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const TAGS = new Set([
  'sse-connection',
  'health-cards',
  'system-metrics',
  'dlq-monitor',
  'queues-view',
  'logs-view',
]);

/**
 * The demo's React and Vue apps, built as ES modules that export `mount()`,
 * so browser tests can mount them against a server of their own. They import
 * `@pulseboard/widgets` as any app would: through the package's exports (dist/).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  plugins: [react(), vue({ template: { compilerOptions: { isCustomElement: (tag) => TAGS.has(tag) } } })],
  // Library mode leaves `process.env.NODE_ENV` alone, and React and Vue read it.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    lib: {
      entry: { 'react-app': 'react-app.tsx', 'vue-app': 'vue-app.ts' },
      formats: ['es'],
    },
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
