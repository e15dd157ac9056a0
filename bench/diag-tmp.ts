import { spawnChild, stopAll } from './lib/procs.js';
import { startServer } from './lib/targets.js';
import { Hist } from './lib/stats.js';
const s = await startServer('bare-sse');
const pub = spawnChild('load/publisher.ts');
await pub.ready;
await pub.call('setup', { url: s.url });
const ls = [spawnChild('load/sse-clients.ts'), spawnChild('load/sse-clients.ts')];
await Promise.all(ls.map((l) => l.ready));
for (const [n, procs] of [[500, 1], [500, 2], [100, 1]] as const) {
  await Promise.all(ls.slice(0, procs).map((l) => l.call('connect', { url: s.url, count: n / procs })));
  await Promise.all(ls.map((l) => l.call('record', { on: true })));
  await pub.call('rate', { perSec: 5, durationMs: 3000 });
  const h = new Hist();
  for (const l of ls) h.addSparse(((await l.call('stats')) as any).hist);
  console.log(n, procs, 'p0', h.percentile(0), 'p50', h.percentile(50), 'p99', h.percentile(99), h.n);
  await Promise.all(ls.map((l) => l.call('closeAll')));
}
await stopAll([s.child, pub, ...ls]);
