/**
 * `npm run dev`: the demo pages from Vite's dev server on http://localhost:5173,
 * with /events, /api and /demo proxied to VITE_BACKEND_URL (default
 * http://localhost:8090: run `npm start` or `docker compose up backend` there).
 * tsc watches the widgets, so an edit to an element reaches the page.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildSteps } from './build.js';
import { root } from './root.js';

await buildSteps(['types', 'bundle']);
const tsc = spawn(
  join(root, 'node_modules/.bin/tsc'),
  ['-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'],
  { cwd: join(root, 'packages/widgets'), stdio: ['ignore', 'ignore', 'inherit'] },
);
const { createServer } = await import('vite');
const server = await createServer({ configFile: join(root, 'demo/vite.config.ts') });
await server.listen();
const backend = process.env.VITE_BACKEND_URL ?? 'http://localhost:8090';
process.stdout.write(`Demo pages on http://localhost:5173/ (backend ${backend})\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    tsc.kill();
    server.close().finally(() => process.exit(0));
  });
}
