/**
 * Where a script-tag bundle's bytes come from: its minified bytes per source
 * file, from its source map, grouped by element folder (one group per tag),
 * the operator actions, lit, other dependencies and the shared code. Used by the size benchmark and
 * printed by the distribution test; gzip shares are taken as proportional.
 */
const GROUPS: [name: string, test: RegExp][] = [
  ...['sse-connection', 'health-cards', 'system-metrics', 'dlq-monitor', 'queues-view', 'logs-view'].map(
    (el): [string, RegExp] => [`<${el}>`, new RegExp(`^(?!.*node_modules)(?:.*/)?${el}/`)],
  ),
  // Operator actions' controls, dialog and requests (issue 15; their reducers count as shared).
  ['actions', /^(?!.*node_modules).*(?:\/action-[a-z]+|\/styles\/actions)\.[jt]s$/],
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

/** Minified bytes of `code` per group, attributed through its source map. */
export function bundleShares(
  code: string,
  map: { sources: string[]; mappings: string },
): Map<string, number> {
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
