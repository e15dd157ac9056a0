import { compareNames } from './format.js';

/** A row a list ranks: its value, the name it shows, and a key of its own. */
export interface Ranked {
  value: number;
  name: string;
  key: string;
}

/** Highest value first, ties by name (`compareNames`), then by key: one order whatever order rows come in. */
const rank = (a: Ranked, b: Ranked): number =>
  b.value - a.value || compareNames(a.name, b.name) || (a.key < b.key ? -1 : +(a.key > b.key));

/**
 * The first `n` of `rows` in `rank` order, in one pass: a row is compared with
 * the last kept (its value first, its name only on a tie) and placed by binary
 * search only when it beats it. Sorting a fleet's 10,000 rows once a second
 * was the longest part of `<dlq-monitor>`'s update.
 */
export function top<T extends Ranked>(rows: Iterable<T>, n: number): T[] {
  const kept: T[] = [];
  for (const r of rows) {
    if (kept.length === n && rank(r, kept[n - 1]!) >= 0) continue;
    let lo = 0;
    for (let hi = kept.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (rank(r, kept[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    kept.splice(lo, 0, r);
    if (kept.length > n) kept.pop();
  }
  return kept;
}

/**
 * `top(rows.values(), n)` given `last`, the top before the rows of `changed`
 * keys changed (null: unknown): the last top's unchanged rows and the changed
 * ones compete, and the whole of `rows` only when a row left out of `last`
 * could now make the cut (a row in it fell, or left).
 */
export function topAgain<T extends Ranked>(
  last: readonly T[],
  rows: ReadonlyMap<string, T>,
  changed: ReadonlySet<string> | null,
  n: number,
): T[] {
  if (changed) {
    const candidates = last.filter((r) => !changed.has(r.key));
    for (const key of changed) {
      const row = rows.get(key);
      if (row) candidates.push(row);
    }
    const next = top(candidates, n);
    // Every row left out of `last` ranks after its last: still out if the new last ranks no later.
    if (last.length < n || (next.length === n && rank(next[n - 1]!, last[n - 1]!) <= 0)) return next;
  }
  return top(rows.values(), n);
}
