/**
 * `npm run dev`: the demo pages from Vite's dev server on http://localhost:5173,
 * with /events, /api and /demo proxied to VITE_BACKEND_URL (default
 * http://localhost:8090: run `npm start` or `docker compose up backend` there).
 * The widgets build in wireit's watch mode (tsc, then the script-tag bundles),
 * so an edit to an element or to protocol reaches the page.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { npmRun } from './npm-run.js';
import { root } from './root.js';

// What the pages import (the widgets' dist/) and the Drop-in page's bundles, before Vite serves them.
const widgets = ['-w', '@pulseboard/widgets'];
await npmRun('build:bundle', ...widgets);
// In a process group of its own, which a signal reaches as a whole: npm hands a signal only to the
// shell it runs the script in, and that shell does not pass it on to wireit.
const watch = spawn('npm', ['run', 'build:bundle', '--silent', ...widgets], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, WIREIT_WATCH: 'true' },
  detached: true,
});
// SIGINT is how wireit's watch mode stops cleanly (with the build it may be running).
const stopWatching = () => {
  try {
    process.kill(-watch.pid!, 'SIGINT');
  } catch {
    // Already gone.
  }
};
process.once('exit', stopWatching);
const { createServer } = await import('vite');
const server = await createServer({ configFile: join(root, 'demo/vite.config.ts') });
await server.listen();
const backend = process.env.VITE_BACKEND_URL ?? 'http://localhost:8090';
process.stdout.write(`Demo pages on http://localhost:5173/ (backend ${backend})\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopWatching();
    server.close().finally(() => process.exit(0));
  });
}
