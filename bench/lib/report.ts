/** One line of the results table. `ratio` is ours ÷ baseline. */
export interface Row {
  figure: string;
  unit: string;
  ours: number | null;
  baseline: number | null;
  baselineName: string | null;
  ratio: number | null;
  target: string;
  status: 'pass' | 'fail' | 'skip' | 'info';
  note?: string;
}

export interface SuiteResult {
  rows: Row[];
  /** Raw per-round numbers, kept in the JSON for anyone who wants to look closer. */
  details: Record<string, unknown>;
}

export function row(r: Omit<Row, 'ratio' | 'baseline' | 'baselineName'> & Partial<Row>): Row {
  const baseline = r.baseline ?? null;
  const ratio = r.ours !== null && baseline && Number.isFinite(r.ours / baseline) ? r.ours / baseline : null;
  return { baseline, baselineName: r.baselineName ?? null, ratio, ...r };
}

export function skipped(figure: string, target: string, note: string): Row {
  return row({ figure, unit: '', ours: null, target, status: 'skip', note });
}

/** Pass when the check holds; a missing number is a failure, never a pass. */
export function judge(ok: boolean | null): Row['status'] {
  return ok ? 'pass' : 'fail';
}

function fmt(v: number | null, unit = ''): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1000) return unit ? `${v} ${unit}` : String(v);
  const abs = Math.abs(v);
  const s =
    abs >= 1000
      ? Math.round(v).toLocaleString('en-US')
      : abs >= 100
        ? v.toFixed(0)
        : abs >= 10
          ? v.toFixed(1)
          : v.toFixed(2);
  return unit ? `${s} ${unit}` : s;
}

export function formatTable(rows: Row[], markdown = false): string {
  const head = ['figure', 'ours', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.figure,
    fmt(r.ours, r.unit),
    r.baseline === null ? '—' : `${fmt(r.baseline, r.unit)}${r.baselineName ? ` (${r.baselineName})` : ''}`,
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.status === 'skip' || r.note ? `${r.status}${r.note ? `: ${r.note}` : ''}` : r.status,
  ]);
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => Math.min(60, b[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === 5 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
