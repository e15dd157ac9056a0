import { type Child, spawnChild, stopAll } from '../lib/procs.js';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { Hist, median, now, type SparseHist, sleep } from '../lib/stats.js';
import {
  pulseboardMissing,
  type Server,
  type ServerKind,
  startServer,
  type TargetOptions,
} from '../lib/targets.js';

/**
 * 1. Fan-out. N SSE clients on one server process; a driver posts ~500-byte
 * log batches through the real worker API and every client records when each
 * line arrives. Per round and target:
 *  - latency: an open-loop rate (several events/s) for a fixed time → p50/p99
 *    receipt latency, delivered share, server CPU;
 *  - memory: RSS (after a full GC) with N clients minus the same process idle;
 *  - throughput: a closed-loop burst of events → deliveries/s until every
 *    client has the last one.
 * Targets alternate within each round (A B C, then C B A), so drift on a
 * shared machine falls on every side alike.
 */
export interface FanoutOptions extends TargetOptions {
  sizes: number[];
  rounds: number;
  /** Events/s in the latency phase, at most; see `rateFor`. */
  perSec: number;
  /**
   * Deliveries/s (events/s × clients) the latency phase may offer. This
   * machine (2 cores for server and clients together) saturates at ~25,000
   * deliveries/s even on the bare broadcaster; past that, latency measures
   * the queue, not the server. The burst phase is what finds the ceiling.
   */
  maxOffered: number;
  rateMs: number;
  burst: number;
}

interface Sample {
  p50: number;
  p99: number;
  delivered: number;
  deliveriesPerSec: number;
  bytesPerConn: number;
  cpuShare: number;
  held: boolean;
  open: number;
  unexpectedCloses: number;
  connectMs: number;
  errors: number;
}

interface ClientStats {
  deliveries: number;
  unexpectedCloses: number;
  open: number;
  total: number;
  hist: SparseHist;
}

export async function fanout(opts: FanoutOptions, log: (s: string) => void): Promise<SuiteResult> {
  const missing = pulseboardMissing();
  const kinds: ServerKind[] = missing ? ['bare-sse', 'better-sse'] : ['bare-sse', 'better-sse', 'pulseboard'];
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  const publisher = spawnChild('load/publisher.ts');
  const loads: Child[] = [];
  let servers: Server[] = [];
  try {
    await publisher.ready;
    for (const n of opts.sizes) {
      const procs = Math.max(2, Math.ceil(n / 4000));
      while (loads.length < procs) loads.push(spawnChild('load/sse-clients.ts'));
      await Promise.all(loads.map((l) => l.ready));
      // Fresh servers per size, so one size does not inherit the memory of the one before.
      servers = await Promise.all(kinds.map((k) => startServer(k, opts)));
      await sleep(500);
      const samples = new Map<ServerKind, Sample[]>(kinds.map((k) => [k, []]));
      for (let round = 0; round < opts.rounds; round++) {
        const order = round % 2 ? [...servers].reverse() : servers;
        for (const server of order) {
          const s = await measure(server, n, loads.slice(0, procs), publisher, opts);
          samples.get(server.kind)!.push(s);
          log(
            `  fan-out n=${n} ${server.kind} round ${round + 1}: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, ` +
              `${Math.round(s.deliveriesPerSec)} deliveries/s, ${(s.bytesPerConn / 1024).toFixed(1)} KB/conn, ` +
              `delivered ${(s.delivered * 100).toFixed(1)}%, open ${s.open}/${n}, cpu ${(s.cpuShare * 100).toFixed(0)}%`,
          );
        }
      }
      await stopAll(servers.map((s) => s.child));
      servers = [];
      details[`n${n}`] = Object.fromEntries(samples);
      rows.push(...summarize(n, samples, opts, missing));
    }
  } finally {
    await stopAll([publisher, ...loads, ...servers.map((s) => s.child)]);
  }
  return { rows, details };
}

async function measure(
  server: Server,
  n: number,
  loads: Child[],
  publisher: Child,
  opts: FanoutOptions,
): Promise<Sample> {
  await publisher.call('setup', { url: server.url, register: server.kind === 'pulseboard' });
  // The baseline is taken each round, just before the clients connect (after a full GC): measured
  // once at start-up, it included memory the process returns later, and 1,000 clients read negative.
  const idleRss = (await server.stats()).rss;
  const t0 = now();
  const parts = loads.map((_, i) => Math.floor(n / loads.length) + (i < n % loads.length ? 1 : 0));
  const opened = await Promise.all(
    loads.map((l, i) => l.call<{ opened: number }>('connect', { url: server.url, count: parts[i] })),
  );
  const connectMs = now() - t0;
  const connected = opened.reduce((a, o) => a + o.opened, 0);
  await sleep(500);
  await server.stats();
  await Promise.all(loads.map((l) => l.call('record', { on: true })));
  const rate = await publisher.call<{ sent: number; errors: number }>('rate', {
    perSec: rateFor(n, opts),
    durationMs: opts.rateMs,
  });
  await sleep(300);
  const stats = await Promise.all(loads.map((l) => l.call<ClientStats>('stats')));
  const srv = await server.stats();
  await Promise.all(loads.map((l) => l.call('record', { on: false })));
  const hist = new Hist();
  for (const st of stats) hist.addSparse(st.hist);
  const deliveries = stats.reduce((a, st) => a + st.deliveries, 0);

  const b0 = now();
  const burst = await publisher.call<{ lastSeq: number; errors: number }>('burst', { count: opts.burst });
  const reached = await Promise.all(
    loads.map((l) => l.call<{ reached: number }>('waitSeq', { seq: burst.lastSeq })),
  );
  const burstMs = now() - b0;
  const reachedAll = reached.reduce((a, r) => a + r.reached, 0);
  const after = await Promise.all(loads.map((l) => l.call<ClientStats>('stats')));
  const open = after.reduce((a, st) => a + st.open, 0);
  const unexpectedCloses =
    after.reduce((a, st) => a + st.unexpectedCloses, 0) + stats.reduce((a, st) => a + st.unexpectedCloses, 0);

  await Promise.all(loads.map((l) => l.call('closeAll')));
  await publisher.call('teardown');
  await sleep(300);
  return {
    p50: hist.percentile(50),
    p99: hist.percentile(99),
    delivered: deliveries / Math.max(1, rate.sent * n),
    // Counted only if every client got the whole burst; otherwise the figure is what arrived.
    deliveriesPerSec: (reachedAll === n ? n * opts.burst : sumBurstDeliveries(after)) / (burstMs / 1000),
    bytesPerConn: (srv.rss - idleRss) / n,
    cpuShare: srv.cpuShare,
    held: connected === n && open === n && unexpectedCloses === 0,
    open,
    unexpectedCloses,
    connectMs,
    errors: rate.errors + burst.errors,
  };
}

export function rateFor(n: number, opts: FanoutOptions): number {
  return Math.max(1, Math.min(opts.perSec, Math.floor(opts.maxOffered / n)));
}

function sumBurstDeliveries(stats: ClientStats[]): number {
  return stats.reduce((a, st) => a + st.deliveries, 0);
}

function summarize(
  n: number,
  samples: Map<ServerKind, Sample[]>,
  opts: FanoutOptions,
  missing: string | null,
): Row[] {
  const sizes = opts.sizes;
  const med = (k: ServerKind, f: (s: Sample) => number) => median((samples.get(k) ?? []).map(f));
  const largest = n === Math.max(...sizes);
  const bare = (f: (s: Sample) => number) => med('bare-sse', f);
  const better = (f: (s: Sample) => number) => med('better-sse', f);
  const rows: Row[] = [];
  // The baselines against each other: proves the harness on its own, and places better-sse.
  rows.push(
    row({
      figure: `fan-out ${n}: deliveries/s, better-sse vs bare`,
      unit: '/s',
      ours: better((s) => s.deliveriesPerSec),
      baseline: bare((s) => s.deliveriesPerSec),
      baselineName: 'bare',
      target: 'reference',
      status: 'info',
    }),
  );
  if (missing) {
    rows.push(skipped(`fan-out ${n}: Pulseboard`, 'see below', missing));
    return rows;
  }
  const pb = samples.get('pulseboard')!;
  const held = pb.every((s) => s.held);
  const p99 = med('pulseboard', (s) => s.p99);
  rows.push(
    row({
      figure: `fan-out ${n}: clients held`,
      unit: '',
      ours: Math.min(...pb.map((s) => s.open)),
      target: `${n} open, 0 dropped`,
      status: judge(held),
      note: held ? undefined : `unexpected closes ${pb.map((s) => s.unexpectedCloses).join('/')}`,
    }),
    row({
      figure: `fan-out ${n}: p50 latency`,
      unit: 'ms',
      ours: med('pulseboard', (s) => s.p50),
      baseline: bare((s) => s.p50),
      baselineName: 'bare',
      target: 'reference',
      status: 'info',
    }),
    row({
      figure: `fan-out ${n}: p99 latency (${rateFor(n, opts)} events/s)`,
      unit: 'ms',
      ours: p99,
      baseline: bare((s) => s.p99),
      baselineName: 'bare',
      target: largest ? '≤ 250 ms' : 'reference',
      status: largest ? judge(p99 <= 250) : 'info',
    }),
    row({
      figure: `fan-out ${n}: deliveries/s`,
      unit: '/s',
      ours: med('pulseboard', (s) => s.deliveriesPerSec),
      baseline: bare((s) => s.deliveriesPerSec),
      baselineName: 'bare',
      target: '≥ 0.8× bare',
      status: judge(med('pulseboard', (s) => s.deliveriesPerSec) >= 0.8 * bare((s) => s.deliveriesPerSec)),
    }),
    row({
      figure: `fan-out ${n}: deliveries/s vs better-sse`,
      unit: '/s',
      ours: med('pulseboard', (s) => s.deliveriesPerSec),
      baseline: better((s) => s.deliveriesPerSec),
      baselineName: 'better-sse',
      target: 'reference',
      status: 'info',
    }),
    row({
      figure: `fan-out ${n}: memory per connection`,
      unit: 'KB',
      ours: med('pulseboard', (s) => s.bytesPerConn / 1024),
      baseline: bare((s) => s.bytesPerConn / 1024),
      baselineName: 'bare',
      target: '≤ 32 KB',
      status: judge(med('pulseboard', (s) => s.bytesPerConn) <= 32 * 1024),
    }),
  );
  return rows;
}
