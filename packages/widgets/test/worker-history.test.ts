import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  appendWorkerSample,
  readHistorySeed,
  seedWorkerHistory,
  workerSamples,
} from '../src/store/history.js';
import type { Sample, WorkerSeries } from '../src/store/types.js';
import { metrics } from './fixtures.js';

/** A worker's history as the store keeps it, done from scratch: newer samples only, the newest `limit`. */
function model(samples: readonly Sample[][], limit: number): Sample[][] {
  const kept: Sample[][] = [];
  for (const sample of samples) {
    if (kept.length > 0 && kept.at(-1)![0]!.at >= sample[0]!.at) continue;
    kept.push(sample);
  }
  return kept.slice(-limit);
}

const SERIES: WorkerSeries[] = ['responseTimeMs', 'cpu', 'requestsPerSec'];

test('worker history: in time order, at most `limit` samples, one not newer than the last ignored, older histories unchanged', () => {
  const sample = fc.record({
    at: fc.nat(60),
    cpu: fc.nat(100),
    responseTimeMs: fc.nat(500),
    requestsPerSec: fc.nat(50),
  });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(sample, fc.option(fc.nat(30))), { maxLength: 60 }),
      fc.integer({ min: 1, max: 8 }),
      (appends, limit) => {
        // Each append goes on from the newest history, or from an older one (a branch).
        const seen = [
          {
            history: undefined as ReturnType<typeof appendWorkerSample> | undefined,
            appended: [] as Sample[][],
          },
        ];
        for (const [s, from] of appends) {
          const base = seen[from === null ? seen.length - 1 : from % seen.length]!;
          const history = appendWorkerSample(base.history, s.at, metrics(s), limit);
          seen.push({
            history,
            appended: [...base.appended, SERIES.map((key) => ({ at: s.at, value: s[key] }))],
          });
        }
        for (const { history, appended } of seen) {
          const expected = model(appended, limit);
          for (const [i, key] of SERIES.entries())
            assert.deepEqual(
              workerSamples(history, key),
              expected.map((sample) => sample[i]),
            );
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test("worker history: the server's seed goes before the oldest sample, gaps skipped per series, the newest `limit` kept", () => {
  const column = fc.array(fc.oneof(fc.nat(99), fc.constant(null)), { maxLength: 8 });
  fc.assert(
    fc.property(
      fc.record({ responseTimeMs: column, cpu: column }),
      fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 6 }),
      fc.integer({ min: 1, max: 10 }),
      (columns, times, limit) => {
        let history: ReturnType<typeof appendWorkerSample> | undefined;
        for (const t of times) history = appendWorkerSample(history, t * 10, metrics({ cpu: t }), limit);
        const before = SERIES.map((key) => workerSamples(history, key));
        const seed = readHistorySeed({
          from: 0,
          stepMs: 10,
          fleet: {},
          fields: ['responseTimeMs', 'cpu'],
          workers: [['w', columns.responseTimeMs, columns.cpu]],
        })!;
        const seeded = seedWorkerHistory(history, seed, 'w', limit);
        // From scratch: per bucket older than the first sample, the values it has (requestsPerSec: none).
        const first = before[1]![0]?.at ?? Number.POSITIVE_INFINITY;
        const buckets = Math.max(columns.responseTimeMs.length, columns.cpu.length);
        const rows = Array.from({ length: buckets }, (_, i) => [
          columns.responseTimeMs[i] ?? null,
          columns.cpu[i] ?? null,
          null,
        ])
          .map((values, i) => ({ at: i * 10, values }))
          .filter(({ at, values }) => at < first && values.some((v) => v !== null));
        const own = before[1]!.map((s, i) => ({
          at: s.at,
          values: before.map((series) => series[i]!.value),
        }));
        const kept = [...rows, ...own].slice(-limit);
        for (const [i, key] of SERIES.entries())
          assert.deepEqual(
            workerSamples(seeded, key),
            kept.flatMap(({ at, values }) => (values[i] === null ? [] : [{ at, value: values[i] }])),
          );
        // The history seeded from is as it was.
        assert.deepEqual(
          SERIES.map((key) => workerSamples(history, key)),
          before,
        );
      },
    ),
    { numRuns: 1000 },
  );
});
