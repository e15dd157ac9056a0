import { compareNames } from './format.js';

/**
 * The `n` rows with the highest values, ties by name (`compareNames`), as a
 * stable sort would give them. Only rows that can make the cut are placed,
 * each by binary search into the `n` kept: a fleet's thousands of equal error
 * rates took a collated sort of all of them (~20,000 comparisons at 10,000
 * workers) once a second, the longest part of `<dlq-monitor>`'s update.
 */
export function top<T extends { value: number; name: string }>(rows: readonly T[], n: number): T[] {
  const order = (a: T, b: T) => b.value - a.value || compareNames(a.name, b.name);
  const byValue = [...rows].sort((a, b) => b.value - a.value);
  const cut = byValue[n - 1]?.value ?? Number.NEGATIVE_INFINITY;
  const kept: T[] = [];
  for (const r of byValue) {
    if (r.value < cut) break;
    // Not before the last kept: out (an equal name keeps the earlier row, as a stable sort does).
    if (kept.length === n && order(r, kept[n - 1]!) >= 0) continue;
    let lo = 0;
    for (let hi = kept.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (order(r, kept[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    kept.splice(lo, 0, r);
    if (kept.length > n) kept.pop();
  }
  return kept;
}
