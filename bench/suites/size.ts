import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { bundleShares } from '../lib/bundle-shares.js';
import { spawnChild } from '../lib/procs.js';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { bundlePath } from './browser.js';

/**
 * 6. Size: the script-tag bundle in gzip bytes and each element's share (see bundleShares), then
 * history's (issue 20): its memory per worker and `initial_data` at 1,000 and 10,000 workers.
 */
export async function size(options: HistorySizeOptions): Promise<SuiteResult> {
  const bundle = bundleSize();
  const history = await historySize(options);
  return {
    rows: [...bundle.rows, ...history.rows],
    details: { ...bundle.details, history: history.details },
  };
}

export interface HistorySizeOptions {
  /** Workers whose 24 h are filled for the memory figure. */
  memoryWorkers: number;
  /** Fleets whose `initial_data` is measured. */
  fleets: number[];
}

async function historySize({ memoryWorkers, fleets }: HistorySizeOptions): Promise<SuiteResult> {
  const child = spawnChild('load/history.ts', [], ['--expose-gc']);
  try {
    await child.ready;
    const { bytesPerWorker } = await child.call<{ bytesPerWorker: number }>(
      'memory',
      { workers: memoryWorkers },
      600_000,
    );
    const rows: Row[] = [
      row({
        figure: 'history: memory per worker (24 h)',
        unit: 'KB',
        ours: bytesPerWorker / 1024,
        target: 'stated',
        status: 'info',
        note: `${memoryWorkers} workers, both rings full (10 s × 1 h, 1 min × 24 h); heap + buffers after GC`,
      }),
    ];
    const details: Record<string, unknown> = { bytesPerWorker };
    for (const workers of fleets) {
      const sizes = await child.call<{
        bytes: number;
        gzipBytes: number;
        historyBytes: number;
        rows: number;
      }>('initialData', { workers, windowMs: 300_000 }, 600_000);
      details[`initialData${workers}`] = sizes;
      rows.push(
        row({
          figure: `history: initial_data at ${workers.toLocaleString('en-US')} workers`,
          unit: 'KB',
          ours: sizes.bytes / 1024,
          target: 'stated',
          status: 'info',
          note: `history ${(sizes.historyBytes / 1024).toFixed(0)} KB of it (${sizes.rows} sparkline rows, 5 min at 10 s); ${(sizes.gzipBytes / 1024).toFixed(0)} KB gzip (--compress)`,
        }),
      );
    }
    return { rows, details };
  } finally {
    await child.stop();
  }
}

function bundleSize(): SuiteResult {
  const target = '≤ 40 KB gzip';
  if (!existsSync(bundlePath)) {
    return { rows: [skipped('size: pulseboard.js', target, 'widgets not built yet')], details: {} };
  }
  const code = readFileSync(bundlePath, 'utf8');
  const gz = gzipSync(code, { level: 9 }).length;
  const rows: Row[] = [
    row({
      figure: 'size: pulseboard.js',
      unit: 'KB',
      ours: gz / 1024,
      target,
      status: judge(gz <= 40 * 1024),
      note: `${gz.toLocaleString('en-US')} B gzip, ${code.length.toLocaleString('en-US')} B raw`,
    }),
  ];
  const details: Record<string, unknown> = { gzipBytes: gz, rawBytes: code.length };
  if (existsSync(`${bundlePath}.map`)) {
    const byGroup = bundleShares(code, JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')));
    const total = [...byGroup.values()].reduce((a, b) => a + b, 0);
    details.shares = Object.fromEntries(byGroup);
    for (const [group, b] of [...byGroup].sort((a, b) => b[1] - a[1])) {
      rows.push(
        row({
          figure: `size: share of ${group}`,
          unit: 'KB',
          ours: (gz * b) / total / 1024,
          target: 'reference',
          status: 'info',
          note: `${((b / total) * 100).toFixed(0)}% of minified bytes`,
        }),
      );
    }
  }
  return { rows, details };
}
