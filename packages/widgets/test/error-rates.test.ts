import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorRates } from '../src/base/error-rates.js';

test('ErrorRates: rating the workers that reported and those `due` gives every rate that rating all of them gives', () => {
  const id = fc.constantFrom('a', 'b', 'c', 'd');
  // A step: time passes (up to past the window), and some workers report their counts (restarts included).
  const step = fc.record({
    after: fc.integer({ min: 0, max: 80_000 }),
    counts: fc.array(fc.tuple(id, fc.nat(30)), { maxLength: 4 }),
  });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.constantFrom(6_000, 60_000), (steps, windowMs) => {
      const everyone = new ErrorRates();
      const incremental = new ErrorRates();
      const counts = new Map<string, number>();
      const known = new Map<string, number>();
      let now = 1_000_000;
      for (const { after, counts: reported } of steps) {
        now += after;
        for (const [k, count] of reported) counts.set(k, count);
        const rate = new Set(reported.map(([k]) => k));
        incremental.due(now, rate);
        for (const k of rate) known.set(k, incremental.rate(k, counts.get(k)!, now, windowMs));
        for (const [k, count] of counts)
          assert.equal(known.get(k), everyone.rate(k, count, now, windowMs), `${k} at ${now}`);
        // Nothing left to move means every rate stays as it is until a worker reports again.
        if (!incremental.moving) for (const k of counts.keys()) assert.equal(known.get(k), 0);
      }
    }),
    { numRuns: 1000 },
  );
});
