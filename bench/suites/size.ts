import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { bundleShares } from '../lib/bundle-shares.js';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { bundlePath } from './browser.js';

/** 6. Size: the script-tag bundle in gzip bytes, and each element's share (see bundleShares). */
export function size(): SuiteResult {
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
