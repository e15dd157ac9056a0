import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { judge, type Row, row, type SuiteResult, skipped } from '../lib/report.js';
import { bundlePath } from './browser.js';

/**
 * 6. Size: the script-tag bundle in gzip bytes, and each element's share,
 * attributed through the bundle's source map (minified bytes per source file,
 * grouped by element folder; the share of gzip bytes is assumed proportional).
 */
const GROUPS: [name: string, test: RegExp][] = [
  ...['sse-connection', 'health-cards', 'system-metrics', 'dlq-monitor', 'queues-view', 'logs-view'].map(
    (el): [string, RegExp] => [`<${el}>`, new RegExp(`^(?!.*node_modules)(?:.*/)?${el}/`)],
  ),
  ['lit', /node_modules\/(?:lit|lit-html|lit-element|@lit\/[^/]+)\//],
  ['other dependencies', /node_modules\//],
  ['shared (client, store, transport, base, styles)', /./],
];

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes one source-map `mappings` line into [generated column, source index] pairs. */
function segments(line: string, state: { source: number }): [number, number][] {
  const out: [number, number][] = [];
  let col = 0;
  for (const seg of line.split(',')) {
    if (!seg) continue;
    const values: number[] = [];
    let value = 0;
    let shift = 0;
    for (const ch of seg) {
      const digit = B64.indexOf(ch);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >> 1) : value >> 1);
        value = 0;
        shift = 0;
      }
    }
    col += values[0]!;
    if (values.length > 1) state.source += values[1]!;
    out.push([col, values.length > 1 ? state.source : -1]);
  }
  return out;
}

function shares(code: string, map: { sources: string[]; mappings: string }): Map<string, number> {
  const bytes = new Map<string, number>();
  const lines = code.split('\n');
  const state = { source: 0 };
  map.mappings.split(';').forEach((mline, i) => {
    const text = lines[i] ?? '';
    const segs = segments(mline, state);
    segs.forEach(([col, src], k) => {
      const end = segs[k + 1]?.[0] ?? text.length;
      const file = src >= 0 ? (map.sources[src] ?? '?') : '?';
      const group = GROUPS.find(([, test]) => test.test(file))![0];
      bytes.set(group, (bytes.get(group) ?? 0) + Math.max(0, end - col));
    });
  });
  return bytes;
}

export function size(): SuiteResult {
  const target = '≤ 30 KB gzip';
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
      status: judge(gz <= 30 * 1024),
      note: `${gz.toLocaleString('en-US')} B gzip, ${code.length.toLocaleString('en-US')} B raw`,
    }),
  ];
  const details: Record<string, unknown> = { gzipBytes: gz, rawBytes: code.length };
  if (existsSync(`${bundlePath}.map`)) {
    const byGroup = shares(code, JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')));
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
