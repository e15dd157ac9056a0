import { type Child, spawnChild, stopAll } from '../lib/procs.js';
import { judge, row, type SuiteResult, skipped } from '../lib/report.js';
import { median, sleep } from '../lib/stats.js';
import { pulseboardMissing, type Server, startServer, type TargetOptions } from '../lib/targets.js';

/**
 * 9. Batch ingest (issue 14): `workers` registered workers, two load
 * processes, each sending its workers' heartbeats in batches of `batch`
 * through `POST /api/heartbeats`, one keep-alive connection per batch, back
 * to back, while `watchers` SSE clients watch. The figure is worker
 * heartbeats applied per second (items answered `ok`), median over rounds.
 */
export interface BatchOptions extends TargetOptions {
  workers: number;
  batch: number;
  watchers: number;
  rounds: number;
  warmupMs: number;
  durationMs: number;
}

const TARGET = '≥ 100,000/s';

export async function batchIngest(opts: BatchOptions, log: (s: string) => void): Promise<SuiteResult> {
  const figure = `batch ingest: worker heartbeats/s, batches of ${opts.batch}, ${opts.workers.toLocaleString('en-US')} workers + ${opts.watchers.toLocaleString('en-US')} SSE clients`;
  const missing = pulseboardMissing();
  if (missing) return { rows: [skipped(figure, TARGET, missing)], details: {} };
  const loads = [spawnChild('load/workers.ts'), spawnChild('load/workers.ts')];
  const watchers = spawnChild('load/sse-clients.ts');
  let server: Server | undefined;
  try {
    await Promise.all([...loads.map((l) => l.ready), watchers.ready]);
    server = await startServer('pulseboard', {
      ...opts,
      pulseboardConfig: { staleAfterMs: 120_000, ...opts.pulseboardConfig },
    });
    await Promise.all(loads.map((l) => l.call('target', { url: server!.url })));
    const ids = Array.from({ length: opts.workers }, (_, i) => `w-${i}`);
    const halves = [ids.slice(0, opts.workers / 2), ids.slice(opts.workers / 2)];
    const reg = await Promise.all(
      loads.map((l, i) =>
        l.call<{ failed: number }>('register', { ids: halves[i], offset: i * halves[0]!.length }),
      ),
    );
    const failed = reg.reduce((a, r) => a + r.failed, 0);
    if (failed) throw new Error(`${failed} of ${opts.workers} workers failed to register`);
    // The endpoint is issue 14's: a server without it answers 404, and the row says so.
    const probe = await loads[0]!.call<{ status: number }>('send', {
      id: 'batch-probe',
      method: 'POST',
      path: '/api/heartbeats',
      body: JSON.stringify({ heartbeats: [{ id: 'w-0', status: 'healthy' }] }),
    });
    if (probe.status === 404 || probe.status === 405) {
      return {
        rows: [skipped(figure, TARGET, `no POST /api/heartbeats on this server (${probe.status})`)],
        details: {},
      };
    }
    await watchers.call('connect', { url: server.url, count: opts.watchers });
    const rounds: { perSec: number; requests: number; non2xx: number; cpuShare: number }[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      await server.stats();
      const runs = await Promise.all(
        loads.map((l, i) =>
          l.call<{ perSec: number; requests: number; statuses: Record<string, number> }>('flatOutBatch', {
            ids: halves[i],
            batch: opts.batch,
            warmupMs: opts.warmupMs,
            durationMs: opts.durationMs,
          }),
        ),
      );
      const srv = await server.stats();
      const non2xx = runs.reduce(
        (a, run) =>
          a + Object.entries(run.statuses).reduce((b, [code, n]) => b + (code.startsWith('2') ? 0 : n), 0),
        0,
      );
      const round = {
        perSec: runs.reduce((a, run) => a + run.perSec, 0),
        requests: runs.reduce((a, run) => a + run.requests, 0),
        non2xx,
        cpuShare: srv.cpuShare,
      };
      rounds.push(round);
      log(
        `  batch ingest round ${r + 1}: ${Math.round(round.perSec)} worker heartbeats/s (${round.requests} requests), ` +
          `non-2xx ${non2xx}, server cpu ${(round.cpuShare * 100).toFixed(0)}%`,
      );
      await sleep(300);
    }
    const stats = await watchers.call<{ open: number }>('stats');
    const ours = median(rounds.map((r) => r.perSec));
    const errors = rounds.reduce((a, r) => a + r.non2xx, 0);
    const lost = opts.watchers - stats.open;
    return {
      rows: [
        row({
          figure,
          unit: '/s',
          ours,
          target: TARGET,
          status: judge(ours >= 100_000 && errors === 0 && lost === 0),
          note:
            [
              `median of ${rounds.length}`,
              errors ? `${errors} non-2xx answers` : '',
              lost ? `${lost} SSE clients lost` : '',
            ]
              .filter(Boolean)
              .join('; ') || undefined,
        }),
      ],
      details: { rounds, watchers: stats },
    };
  } finally {
    await stopAll([...loads, watchers, server?.child] as (Child | undefined)[]);
  }
}
