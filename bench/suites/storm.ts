import { type Child, spawnChild, stopAll } from '../lib/procs.js';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { median, percentileOf, sleep } from '../lib/stats.js';
import {
  pulseboardMissing,
  type Server,
  type ServerKind,
  startServer,
  type TargetOptions,
} from '../lib/targets.js';

/**
 * 2. Reconnect storm. N clients follow a stream of numbered log lines; all
 * drop at once and reconnect immediately with their Last-Event-ID while the
 * lines keep coming. A client has resumed when it receives a line sent after
 * the drop (so everything it missed came before it); afterwards every client
 * must hold every line exactly once. The bare broadcaster (which replays from
 * a ring) runs the same storm in the same invocation as the reference.
 */
export interface StormOptions extends TargetOptions {
  clients: number;
  rounds: number;
  perSec: number;
}

interface ClientStats {
  lost: number;
  dup: number;
  resync: number;
  unexpectedCloses: number;
  connectErrors: number;
  open: number;
}

interface Sample {
  resumeMaxMs: number;
  resumeP50Ms: number;
  resumed: number;
  lost: number;
  dup: number;
  resync: number;
  incomplete: number;
}

export async function storm(opts: StormOptions, log: (s: string) => void): Promise<SuiteResult> {
  const missing = pulseboardMissing();
  const kinds: ServerKind[] = missing ? ['bare-sse'] : ['bare-sse', 'pulseboard'];
  const publisher = spawnChild('load/publisher.ts');
  const loads = [spawnChild('load/sse-clients.ts'), spawnChild('load/sse-clients.ts')];
  const samples = new Map<ServerKind, Sample[]>(kinds.map((k) => [k, []]));
  let server: Server | undefined;
  try {
    await Promise.all([publisher.ready, ...loads.map((l) => l.ready)]);
    for (let round = 0; round < opts.rounds; round++) {
      for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
        // A fresh server per storm: the replay window starts empty and equal for every round.
        server = await startServer(kind, opts);
        const s = await runStorm(server, loads, publisher, opts);
        await stopAll([server.child]);
        server = undefined;
        samples.get(kind)!.push(s);
        log(
          `  storm ${kind} round ${round + 1}: resumed ${s.resumed}/${opts.clients} in ${s.resumeMaxMs.toFixed(0)} ms ` +
            `(p50 ${s.resumeP50Ms.toFixed(0)}), lost ${s.lost}, dup ${s.dup}, resync ${s.resync}, incomplete ${s.incomplete}`,
        );
      }
    }
  } finally {
    await stopAll([publisher, ...loads, server?.child]);
  }
  return { rows: summarize(samples, opts, missing), details: Object.fromEntries(samples) };
}

async function runStorm(
  server: Server,
  loads: Child[],
  publisher: Child,
  opts: StormOptions,
): Promise<Sample> {
  await publisher.call('setup', { url: server.url, register: server.kind === 'pulseboard' });
  const half = Math.floor(opts.clients / 2);
  await Promise.all(
    loads.map((l, i) => l.call('connect', { url: server.url, count: i ? opts.clients - half : half })),
  );
  await Promise.all(loads.map((l) => l.call('record', { on: false })));
  // Lines flow for the whole storm; bounded in time whatever happens.
  const flowing = publisher.call<{ lastSeq: number }>(
    'rate',
    { perSec: opts.perSec, durationMs: 30_000 },
    60_000,
  );
  await Promise.all(loads.map((l) => l.call('waitSeq', { seq: 2, timeoutMs: 10_000 })));
  const storms = await Promise.all(
    loads.map((l) => l.call<{ times: number[]; resumed: number }>('storm', { timeoutMs: 20_000 }, 40_000)),
  );
  await sleep(2000);
  await publisher.call('stop');
  const { lastSeq } = await flowing;
  const reached = await Promise.all(
    loads.map((l) => l.call<{ reached: number }>('waitSeq', { seq: lastSeq, timeoutMs: 10_000 })),
  );
  const stats = await Promise.all(loads.map((l) => l.call<ClientStats>('stats')));
  await Promise.all(loads.map((l) => l.call('closeAll')));
  await publisher.call('teardown');
  const times = storms.flatMap((s) => s.times);
  const resumed = storms.reduce((a, s) => a + s.resumed, 0);
  const sum = (f: (s: ClientStats) => number) => stats.reduce((a, s) => a + f(s), 0);
  return {
    resumeMaxMs: resumed === opts.clients ? Math.max(...times) : Number.POSITIVE_INFINITY,
    resumeP50Ms: percentileOf(times, 50),
    resumed,
    lost: sum((s) => s.lost),
    dup: sum((s) => s.dup),
    resync: sum((s) => s.resync),
    incomplete: opts.clients - reached.reduce((a, r) => a + r.reached, 0),
  };
}

function summarize(samples: Map<ServerKind, Sample[]>, opts: StormOptions, missing: string | null): Row[] {
  const n = opts.clients;
  const bare = samples.get('bare-sse') ?? [];
  const rows: Row[] = [
    row({
      figure: `storm ${n}: bare broadcaster resume time (reference)`,
      unit: 'ms',
      ours: median(bare.map((s) => s.resumeMaxMs)),
      target: 'reference',
      status: 'info',
      note: `lost ${bare.map((s) => s.lost).join('/')}, dup ${bare.map((s) => s.dup).join('/')}`,
    }),
  ];
  if (missing) return [...rows, skipped(`storm ${n}: Pulseboard`, '≤ 10 s, 0 lost, 0 dup', missing)];
  const pb = samples.get('pulseboard')!;
  const worst = Math.max(...pb.map((s) => s.resumeMaxMs));
  const lost = Math.max(...pb.map((s) => s.lost + s.incomplete));
  const dup = Math.max(...pb.map((s) => s.dup));
  rows.push(
    row({
      figure: `storm ${n}: all resumed (worst round)`,
      unit: 'ms',
      ours: worst,
      baseline: Math.max(...bare.map((s) => s.resumeMaxMs)),
      baselineName: 'bare',
      target: '≤ 10,000 ms',
      status: judge(worst <= 10_000),
      note: Number.isFinite(worst) ? undefined : `resumed ${pb.map((s) => s.resumed).join('/')} of ${n}`,
    }),
    row({
      figure: `storm ${n}: lost events (worst round)`,
      unit: '',
      ours: lost,
      target: '0',
      status: judge(lost === 0),
      note: pb.some((s) => s.resync) ? `resync snapshots ${pb.map((s) => s.resync).join('/')}` : undefined,
    }),
    row({
      figure: `storm ${n}: duplicated events (worst round)`,
      unit: '',
      ours: dup,
      target: '0',
      status: judge(dup === 0),
    }),
  );
  return rows;
}
