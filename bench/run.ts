import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row, type SuiteResult } from './lib/report.js';
import { batchIngest } from './suites/batch.js';
import { browserSuite } from './suites/browser.js';
import { bullmqSuite } from './suites/bullmq.js';
import { fanout } from './suites/fanout.js';
import { ingest } from './suites/ingest.js';
import { pushSuite } from './suites/push.js';
import { size } from './suites/size.js';
import { startup } from './suites/startup.js';
import { storm } from './suites/storm.js';

/**
 * `npm run bench [-- --quick] [-- --only fanout,storm,bullmq] [-- --profile]`
 *
 * Runs every benchmark, prints one table and writes bench/results/latest.json
 * (or quick.json). Every server under test and every load generator is its own
 * child process; all of them are killed when this process ends, however it ends.
 */
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const profile = argv.includes('--profile');
const onlyArg = argv.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.split('=')[1] ?? argv[argv.indexOf(onlyArg) + 1] ?? '').split(',') : null;

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
// Profiles are large and machine-specific: they go to the temp dir, not into results.
const profileDir = profile ? path.join(os.tmpdir(), 'pulseboard-profiles') : undefined;

const log = (s: string) => process.stderr.write(`${s}\n`);

function fdLimit(): number {
  const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

const suites: [name: string, run: () => Promise<SuiteResult>][] = [
  [
    'fanout',
    () =>
      fanout(
        quick
          ? { sizes: [500], rounds: 2, perSec: 5, maxOffered: 12_000, rateMs: 2000, burst: 50, profileDir }
          : {
              sizes: [1000, 5000, 10_000],
              // Three, so the median is one round's figure rather than the mean of two: p99 at 10,000
              // clients can move by 100 ms and more from one round to the next on a 2-core machine.
              rounds: 3,
              perSec: 5,
              maxOffered: 12_000,
              rateMs: 8000,
              burst: 50,
              profileDir,
            },
        log,
      ),
  ],
  [
    'storm',
    () =>
      storm(
        quick
          ? { clients: 500, rounds: 1, perSec: 4, profileDir }
          : { clients: 5000, rounds: 2, perSec: 4, profileDir },
        log,
      ),
  ],
  [
    'ingest',
    () =>
      ingest(
        quick
          ? { workers: 200, watchers: 100, rounds: 2, warmupMs: 500, durationMs: 2000, profileDir }
          : { workers: 1000, watchers: 1000, rounds: 3, warmupMs: 1000, durationMs: 6000, profileDir },
        log,
      ),
  ],
  [
    'batch',
    () =>
      batchIngest(
        quick
          ? {
              workers: 1000,
              batch: 100,
              watchers: 100,
              rounds: 1,
              warmupMs: 500,
              durationMs: 2000,
              profileDir,
            }
          : {
              workers: 2000,
              batch: 100,
              watchers: 1000,
              rounds: 3,
              warmupMs: 1000,
              durationMs: 5000,
              profileDir,
            },
        log,
      ),
  ],
  [
    'startup',
    () =>
      startup(
        quick ? { helpRuns: 3, idleRuns: 1, idleMs: 2000 } : { helpRuns: 9, idleRuns: 3, idleMs: 3000 },
        log,
      ),
  ],
  [
    'browser',
    () =>
      browserSuite(
        quick
          ? {
              e2eSamples: 20,
              workers: 300,
              bigFleet: 0,
              paintRuns: 1,
              steadyMs: 2000,
              logLines: 10_000,
              logStreamMs: 2000,
              profileDir,
            }
          : {
              e2eSamples: 100,
              workers: 1000,
              bigFleet: 10_000,
              paintRuns: 3,
              steadyMs: 10_000,
              logLines: 100_000,
              logStreamMs: 5000,
              profileDir,
            },
        log,
      ),
  ],
  [
    'push',
    () =>
      pushSuite(
        quick
          ? { fleets: [300], samples: 5, timeoutMs: 8000, profileDir }
          : { fleets: [1000, 10_000], samples: 20, timeoutMs: 8000, profileDir },
        log,
      ),
  ],
  [
    'bullmq',
    () =>
      bullmqSuite(
        quick
          ? { sizes: [2, 1000], rounds: 5, steadyMs: 10_000 }
          : { sizes: [2, 1000], rounds: 20, steadyMs: 60_000 },
        log,
      ),
  ],
  [
    'size',
    () =>
      size(quick ? { memoryWorkers: 50, fleets: [1000] } : { memoryWorkers: 200, fleets: [1000, 10_000] }),
  ],
];

const biggest = quick ? 1000 : 10_000;
if (fdLimit() < biggest + 1000) {
  log(
    `open-file limit ${fdLimit()} is below ${biggest + 1000}: raise it (ulimit -n 65536) before a full run`,
  );
}

const started = Date.now();
const mode = quick ? 'quick' : 'full';
const file = `${resultsDir}${quick ? 'quick' : 'latest'}.json`;
interface SuiteRecord {
  date: string;
  rows: Row[];
  details: Record<string, unknown>;
}
// With --only, the other suites' last results stay in the file, each with its own date.
const previous: Record<string, SuiteRecord> =
  only && existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { suites: Record<string, SuiteRecord> }).suites
    : {};
const results: Record<string, SuiteRecord> = { ...previous };
let failed = false;
for (const [name, run] of suites) {
  if (only && !only.includes(name)) continue;
  log(`▶ ${name}`);
  const t0 = Date.now();
  try {
    const result = await run();
    results[name] = { date: new Date(t0).toISOString(), ...result };
  } catch (err) {
    failed = true;
    log(`✗ ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const row: Row = {
      figure: name,
      unit: '',
      ours: null,
      baseline: null,
      baselineName: null,
      ratio: null,
      target: '',
      status: 'fail',
      note: `harness error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200),
    };
    results[name] = { date: new Date(t0).toISOString(), rows: [row], details: {} };
  }
  log(`  ${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const cpus = os.cpus();
const ordered = suites.map(([name]) => name).filter((name) => results[name]);
const rows = ordered.flatMap((name) => results[name]!.rows);
const report = {
  kind: mode,
  date: new Date(started).toISOString(),
  durationSec: Math.round((Date.now() - started) / 1000),
  machine: {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  },
  rows,
  suites: Object.fromEntries(ordered.map((name) => [name, results[name]])),
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(formatTable(rows));
log(`\nwrote ${file} (${report.durationSec} s)`);
process.exit(failed ? 1 : 0);
