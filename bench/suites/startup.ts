import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { track } from '../lib/procs.js';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { median, sleep } from '../lib/stats.js';
import { CLI_VARIANTS, pulseboardMissing } from '../lib/targets.js';

/**
 * 7. Start-up: the `pulseboard-server` CLI compiled (as installed) next to the
 * same CLI run from its sources through tsx, alternated in one run. `--help`
 * is the wall time from spawn to exit, median of `helpRuns` each; idle RSS is
 * the server's process tree (tsx's esbuild service included) `idleMs` after it
 * said it listens, median of `idleRuns` each. One unmeasured run of each
 * first, so tsx reads its transform cache like any run but the first after an edit.
 */
export interface StartupOptions {
  helpRuns: number;
  idleRuns: number;
  idleMs: number;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
type Variant = (typeof CLI_VARIANTS)[number]['name'];

function run(args: readonly string[]) {
  return track(spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function helpSeconds(args: readonly string[]): Promise<number> {
  const started = performance.now();
  const proc = run([...args, '--help']);
  let out = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  const [code] = await once(proc, 'exit');
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0 || !out.startsWith('Usage: pulseboard-server')) {
    throw new Error(`${args.join(' ')} --help exited ${code} with ${JSON.stringify(out.slice(0, 80))}`);
  }
  return seconds;
}

const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** `pid` and every process below it (the children of each of its threads). */
function tree(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return [pid, ...children.flatMap(tree)];
}

interface IdleSample {
  /** The whole tree. */
  rss: number;
  /** The server's node process alone. */
  nodeRss: number;
  processes: number;
}

async function idleRss(args: readonly string[], idleMs: number): Promise<IdleSample> {
  const proc = run([...args, '--port', '0', '--log-level', 'silent']);
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk;
        if (out.includes('Pulseboard server on')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before listening`)));
    });
    await sleep(idleMs);
    const pids = tree(proc.pid as number);
    return {
      rss: pids.reduce((sum, pid) => sum + rssBytes(pid), 0),
      nodeRss: rssBytes(proc.pid as number),
      processes: pids.length,
    };
  } finally {
    proc.kill('SIGTERM');
    if (proc.exitCode === null) await once(proc, 'exit');
  }
}

export async function startup(opts: StartupOptions, log: (s: string) => void): Promise<SuiteResult> {
  const missing = pulseboardMissing();
  if (missing) {
    return {
      rows: [
        skipped('startup: pulseboard-server --help', '≤ 0.5 s median', missing),
        skipped('startup: idle RSS', '≤ 90 MB', missing),
      ],
      details: {},
    };
  }
  const help: Record<Variant, number[]> = { compiled: [], 'tsx from src': [] };
  const idle: Record<Variant, IdleSample[]> = { compiled: [], 'tsx from src': [] };
  for (const variant of CLI_VARIANTS) await helpSeconds(variant.args);
  for (let i = 0; i < Math.max(opts.helpRuns, opts.idleRuns); i++) {
    for (const variant of i % 2 ? [...CLI_VARIANTS].reverse() : CLI_VARIANTS) {
      if (i < opts.helpRuns) help[variant.name].push(await helpSeconds(variant.args));
      if (i < opts.idleRuns) {
        const sample = await idleRss(variant.args, opts.idleMs);
        idle[variant.name].push(sample);
        log(
          `  startup ${variant.name}: idle RSS ${(sample.rss / 2 ** 20).toFixed(1)} MB ` +
            `(${sample.processes} process${sample.processes > 1 ? 'es' : ''})`,
        );
      }
    }
  }
  for (const variant of CLI_VARIANTS) {
    log(`  startup ${variant.name}: --help ${help[variant.name].map((s) => s.toFixed(2)).join(', ')} s`);
  }
  const helpMedian = (v: Variant) => median(help[v]);
  const rssMedian = (v: Variant) => median(idle[v].map((s) => s.rss)) / 2 ** 20;
  const tsx = idle['tsx from src'];
  const tsxNode = median(tsx.map((s) => s.nodeRss)) / 2 ** 20;
  const tsxChildren = tsx.some((s) => s.processes > 1);
  const rows: Row[] = [
    row({
      figure: `startup: pulseboard-server --help, median of ${opts.helpRuns}`,
      unit: 's',
      ours: helpMedian('compiled'),
      baseline: helpMedian('tsx from src'),
      baselineName: 'tsx from src',
      target: '≤ 0.5 s median',
      status: judge(helpMedian('compiled') <= 0.5),
    }),
    row({
      figure: `startup: idle RSS ${opts.idleMs / 1000} s after start, process tree`,
      unit: 'MB',
      ours: rssMedian('compiled'),
      baseline: rssMedian('tsx from src'),
      baselineName: 'tsx from src',
      target: '≤ 90 MB',
      status: judge(rssMedian('compiled') <= 90),
      note: tsxChildren
        ? `tsx: ${tsxNode.toFixed(0)} MB in node, the rest in its esbuild service`
        : undefined,
    }),
  ];
  return { rows, details: { help, idle } };
}
