import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compareNames } from '../src/base/format.js';
import { type Ranked, top, topAgain } from '../src/base/top.js';

/** What `top` must equal: every row sorted by value, then name, then key, the first `n`. */
const reference = <T extends Ranked>(rows: readonly T[], n: number) =>
  [...rows]
    .sort((a, b) => b.value - a.value || compareNames(a.name, b.name) || (a.key < b.key ? -1 : 1))
    .slice(0, n);

// Few values and names, so ties at the cut and equal names are the rule.
const value = fc.integer({ min: 0, max: 4 });
const name = fc.constantFrom('w-1', 'w-2', 'W-2', 'w-10', 'a', 'b', 'é', 'e');

test('top: the n highest values, ties by name as a full sort gives them, equal names by key', () => {
  const rows = fc.uniqueArray(fc.record({ value, name, key: fc.string({ maxLength: 3 }) }), {
    maxLength: 80,
    selector: (r) => r.key,
  });
  fc.assert(
    fc.property(rows, fc.integer({ min: 1, max: 60 }), (rows, n) => {
      assert.deepEqual(top(rows, n), reference(rows, n));
    }),
    { numRuns: 2000 },
  );
});

test('topAgain: after any sequence of changes, joins and departures, what top gives from scratch', () => {
  const key = fc.constantFrom(...'abcdefghijklmnopqrst');
  // A step changes (or adds) some rows and removes others; `null` rows stand for departures.
  const step = fc.array(fc.tuple(key, fc.option(fc.record({ value, name }))), { maxLength: 8 });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (steps, n) => {
      const rows = new Map<string, Ranked>();
      let last: Ranked[] = [];
      for (const changes of steps) {
        for (const [k, row] of changes) {
          if (row) rows.set(k, { ...row, key: k });
          else rows.delete(k);
        }
        last = topAgain(last, rows, new Set(changes.map(([k]) => k)), n);
        assert.deepEqual(last, reference([...rows.values()], n));
      }
      assert.deepEqual(topAgain(last, rows, null, n), reference([...rows.values()], n));
    }),
    { numRuns: 2000 },
  );
});

// How much faster than a sort this is belongs to the benchmarks (docs/benchmarks.md), not to a timed test.
test('top: 10,000 rows with one rate give the first 50 names a full sort gives', () => {
  const rows = Array.from({ length: 10_000 }, (_, i) => ({
    value: 1,
    name: `worker-${(i * 7919) % 10_000}`,
    key: `${i}`,
  }));
  assert.deepEqual(
    top(rows, 50).map((r) => r.name),
    reference(rows, 50).map((r) => r.name),
  );
});
