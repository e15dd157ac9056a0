import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VersionedMap } from '../src/store/versioned-map.js';

const key = fc.constantFrom(...'abcdefgh');
/** A change: set a key (to a value), or delete it (null). */
const change = fc.tuple(key, fc.option(fc.nat(9)));

/** A version's entries as a plain map, compared with the model's regardless of order (see below). */
const entriesOf = (map: ReadonlyMap<string, number>) =>
  new Map([...map].sort(([a], [b]) => (a < b ? -1 : 1)));

test('VersionedMap: every version handed out reads as the model read when it was handed out, whatever came after', () => {
  // A step is a version handed out: its changes made through `next()` (once, as `own` does), then sealed; some
  // steps go on from an older version (a reducer went on from an older state), which must start a chain of its own.
  const step = fc.record({ changes: fc.array(change, { maxLength: 6 }), from: fc.option(fc.nat(40)) });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const seen: { map: VersionedMap<string, number>; model: Map<string, number> }[] = [
        { map: new VersionedMap(), model: new Map() },
      ];
      let ordered = true;
      for (const { changes, from } of steps) {
        ordered &&= from === null;
        const base = seen[from === null ? seen.length - 1 : from % seen.length]!;
        const model = new Map(base.model);
        let map = base.map;
        if (changes.length > 0) {
          map = map.next();
          for (const [k, value] of changes) {
            if (value === null) {
              assert.equal(map.delete(k), model.delete(k));
            } else {
              map.set(k, value);
              model.set(k, value);
            }
          }
          // Until a branch (which copies an older version), the newest iterates in the order a Map would.
          if (ordered) assert.deepEqual([...map], [...model]);
        }
        seen.push({ map, model });
      }
      for (const { map, model } of seen) {
        assert.equal(map.size, model.size);
        for (const k of 'abcdefgh') {
          assert.equal(map.get(k), model.get(k));
          assert.equal(map.has(k), model.has(k));
        }
        // An older version lists what it held; a key it got back from an undo may come later than it did.
        assert.deepEqual(entriesOf(map), entriesOf(model));
        assert.deepEqual(entriesOf(new Map(map.entries())), entriesOf(model));
        const each = new Map<string, number>();
        map.forEach((value, k, self) => {
          assert.equal(self, map);
          each.set(k, value);
        });
        assert.deepEqual(entriesOf(each), entriesOf(model));
      }
    }),
    { numRuns: 1000 },
  );
});

test('VersionedMap: a chain of many versions stays bounded, and its oldest version still reads as it was', () => {
  const first = new VersionedMap(new Map(Array.from({ length: 100 }, (_, i) => [`w${i}`, 0])));
  let map = first;
  for (let version = 1; version <= 1000; version++) {
    map = map.next();
    map.set(`w${version % 100}`, version);
  }
  assert.equal(first.size, 100);
  assert.ok([...first.values()].every((value) => value === 0));
  assert.equal(map.get('w0'), 1000);
});
