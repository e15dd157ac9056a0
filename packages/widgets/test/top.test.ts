import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compareNames } from '../src/base/format.js';
import { top } from '../src/base/top.js';

/** What `top` must equal: every row sorted by value, then name (stable), the first `n`. */
const reference = <T extends { value: number; name: string }>(rows: readonly T[], n: number) =>
  [...rows].sort((a, b) => b.value - a.value || compareNames(a.name, b.name)).slice(0, n);

test('top: the n highest values, ties by name as a full sort gives them, equal names in their order', () => {
  const row = fc.record({
    // Few values and names, so ties at the cut and equal names are the rule.
    value: fc.integer({ min: 0, max: 4 }),
    name: fc.constantFrom('w-1', 'w-2', 'W-2', 'w-10', 'a', 'b', 'é', 'e'),
    id: fc.nat(),
  });
  fc.assert(
    fc.property(fc.array(row, { maxLength: 80 }), fc.integer({ min: 1, max: 60 }), (rows, n) => {
      assert.deepEqual(top(rows, n), reference(rows, n));
    }),
    { numRuns: 2000 },
  );
});

// How much faster than a sort this is belongs to the benchmarks (docs/benchmarks.md), not to a timed test.
test('top: 10,000 rows with one rate give the first 50 names a full sort gives', () => {
  const rows = Array.from({ length: 10_000 }, (_, i) => ({
    value: 1,
    name: `worker-${(i * 7919) % 10_000}`,
  }));
  assert.deepEqual(
    top(rows, 50).map((r) => r.name),
    reference(rows, 50).map((r) => r.name),
  );
});
