import type http from 'node:http';
import { createBareJson } from '../baselines/bare-json.js';
import { createBareSse } from '../baselines/bare-sse.js';
import { createBetterSse } from '../baselines/better-sse.js';
import { ready, serve } from '../lib/child.js';

/**
 * One server under test, alone in its process: `pulseboard` (the real
 * `createApp`, compiled: packages/server/dist), `pulseboard-tsx` (the same
 * from packages/server/src, transformed by tsx as it loads) or one of the
 * baselines. This process runs under tsx either way: tsx rewrites a plain
 * JavaScript module only for its dynamic `import()`s, of which dist/index.js
 * and what it imports have none, so that code runs as tsc wrote it. Reports its URL,
 * and on request its memory (after a full GC, so RSS reflects live data) and
 * CPU time.
 */
interface Running {
  url: string;
  close(): Promise<void>;
}

interface PulseboardModule {
  createApp(config: Record<string, unknown>): Promise<PulseboardServer> | PulseboardServer;
}
interface PulseboardServer {
  listen(opts: { port: number; host: string }): Promise<{ url: string }>;
  close(): Promise<void>;
}

async function startPulseboard(entry: string, config: Record<string, unknown>): Promise<Running> {
  // A runtime specifier: the server package may not exist yet when the harness is type-checked.
  const spec = new URL(entry, import.meta.url).href;
  const mod = (await import(spec)) as PulseboardModule;
  // The load processes' thousands of streams all come from 127.0.0.1: no stream bounds here.
  const unbounded = { maxStreams: 1_000_000, maxStreamsPerClient: 1_000_000 };
  const server = await mod.createApp({ logLevel: 'silent', ...unbounded, ...config });
  const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
  return { url: url.replace(/\/$/, ''), close: () => server.close() };
}

function startNode(server: http.Server): Promise<Running> {
  return new Promise((resolve) => {
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
      const addr = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${addr.port}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

const [kind = '', configJson = '{}'] = process.argv.slice(2);
const factories: Record<string, () => Promise<Running>> = {
  pulseboard: () =>
    startPulseboard('../../packages/server/dist/index.js', JSON.parse(configJson) as Record<string, unknown>),
  'pulseboard-tsx': () =>
    startPulseboard('../../packages/server/src/index.ts', JSON.parse(configJson) as Record<string, unknown>),
  'bare-sse': () => startNode(createBareSse()),
  'better-sse': () => startNode(createBetterSse()),
  'bare-json': () => startNode(createBareJson()),
};

try {
  const factory = factories[kind];
  if (!factory) throw new Error(`unknown server kind ${kind}`);
  const running = await factory();
  let cpuMark = process.cpuUsage();
  let wallMark = performance.now();
  serve({
    stats: () => {
      globalThis.gc?.();
      globalThis.gc?.();
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage(cpuMark);
      const wall = performance.now() - wallMark;
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
      return {
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        external: mem.external,
        arrayBuffers: mem.arrayBuffers,
        // CPU since the previous `stats` call, as a share of one core.
        cpuShare: (cpu.user + cpu.system) / 1000 / wall,
      };
    },
    exit: () => running.close().catch(() => {}),
  });
  ready({ url: running.url, pid: process.pid });
} catch (err) {
  process.send?.({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
