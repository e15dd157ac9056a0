import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { workerSamples } from '../src/store/history.js';
import {
  changedWorkers,
  createState,
  type RawEvent,
  reduce,
  type StoreState,
  sameStatuses,
} from '../src/store/index.js';
import { initialData, metrics, metricsUpdate, worker } from './fixtures.js';

const IDS = ['a', 'b', 'c', 'd', 'e'];
const id = fc.constantFrom(...IDS);

/** Events that touch workers, and a few that do not (a log line), over a small fleet so they collide. */
const event: fc.Arbitrary<RawEvent> = fc.oneof(
  fc.record({ id, name: fc.constantFrom('x', 'y') }).map(({ id, name }) => ({
    type: 'worker_registered',
    data: { v: 1, worker: worker(id, { name }) },
  })),
  id.map((id) => ({ type: 'worker_deregistered', data: { v: 1, id, reason: 'requested' } })),
  fc.record({ id, to: fc.constantFrom('healthy', 'degraded') }).map(({ id, to }) => ({
    type: 'worker_status_change',
    data: { v: 1, id, from: 'healthy', to, at: 2000, reason: 'reported' },
  })),
  fc.record({ ids: fc.uniqueArray(id), errors: fc.nat(9) }).map(({ ids, errors }) => ({
    type: 'metrics_update',
    data: metricsUpdate(
      3000,
      ids.map((id) => ({ id, metrics: metrics({ errorCount: errors }) })),
    ),
  })),
  fc.constant({ type: 'initial_data', data: initialData({ workers: [worker('a'), worker('b')] }) }),
  fc.constant({
    type: 'log',
    data: { v: 1, entries: [{ workerId: 'a', level: 'info', message: 'm', at: 1 }] },
  }),
);

test('changedWorkers names every worker whose record changed from one state a store handed out to the next', () => {
  fc.assert(
    fc.property(fc.array(fc.array(event, { maxLength: 4 }), { maxLength: 12 }), (frames) => {
      // As the store applies them: the events of a frame share their drafts; each frame hands a state out.
      const drafts = new Set<object>();
      let state = reduce(createState(), { type: 'initial_data', data: initialData() }).state;
      const seen: { state: StoreState; snapshot: boolean }[] = [{ state, snapshot: true }];
      for (const frame of frames) {
        for (const e of frame) state = reduce(state, e, 5000, drafts).state;
        drafts.clear();
        seen.push({ state, snapshot: frame.some((e) => e.type === 'initial_data') });
      }
      for (const [i, from] of seen.entries())
        for (const [j, to] of seen.entries()) {
          const ids = changedWorkers(from.state, to.state);
          const all = new Set([...from.state.workers.keys(), ...to.state.workers.keys()]);
          const changed = [...all].filter((k) => from.state.workers.get(k) !== to.state.workers.get(k));
          const statuses = [...all].every((k) => {
            const [was, is] = [from.state.workers.get(k), to.state.workers.get(k)];
            return was?.status === is?.status && was?.name === is?.name;
          });
          // Known from a state to itself, and to the next unless a snapshot came between (it replaced
          // every worker); for any other pair, unknown or right.
          if (i === j || (j === i + 1 && !to.snapshot)) assert.ok(ids, `${i} → ${j} known`);
          if (j === i + 1 && to.snapshot) assert.equal(ids, null);
          if (ids) for (const k of changed) assert.ok(ids.has(k), `${k} changed ${i} → ${j}`);
          assert.equal(sameStatuses(from.state, to.state), ids ? statuses : false);
        }
    }),
    { numRuns: 500 },
  );
});

test('changedWorkers: nothing between a state and itself, and an event that changes no worker adds no step', () => {
  const state = reduce(createState(), {
    type: 'initial_data',
    data: initialData({ workers: [worker('a')] }),
  }).state;
  assert.deepEqual(changedWorkers(state, state), new Set());
  const logged = reduce(state, {
    type: 'log',
    data: { v: 1, entries: [{ workerId: 'a', level: 'info', message: 'm', at: 1 }] },
  }).state;
  assert.equal(logged.workerChanges, state.workerChanges);
  const beat = reduce(logged, {
    type: 'metrics_update',
    data: metricsUpdate(2000, [{ id: 'a', metrics: metrics() }]),
  });
  assert.deepEqual(changedWorkers(state, beat.state), new Set(['a']));
  // Backwards (an older state asked about after a newer one), or two steps on, is not known.
  const again = reduce(beat.state, {
    type: 'metrics_update',
    data: metricsUpdate(3000, [{ id: 'a', metrics: metrics() }]),
  });
  assert.equal(changedWorkers(state, again.state), null);
  assert.equal(changedWorkers(beat.state, state), null);
});

test('a state the store handed out reads the same later, whatever the store did after it', () => {
  /** What a state holds, copied out: its workers, and each worker's history. */
  const contents = (state: StoreState) => ({
    workers: [...state.workers].sort(([a], [b]) => (a < b ? -1 : 1)),
    size: state.workers.size,
    history: [...state.history.keys()].sort().map((id) => [id, workerSamples(state.history.get(id), 'cpu')]),
    departed: [...state.departed.keys()].sort(),
  });
  fc.assert(
    fc.property(fc.array(fc.array(event, { maxLength: 4 }), { maxLength: 12 }), (frames) => {
      const drafts = new Set<object>();
      let state = reduce(createState(), { type: 'initial_data', data: initialData() }).state;
      const seen = [{ state, copied: contents(state) }];
      for (const frame of frames) {
        for (const e of frame) state = reduce(state, e, 5000, drafts).state;
        drafts.clear();
        seen.push({ state, copied: contents(state) });
      }
      for (const { state, copied } of seen) assert.deepEqual(contents(state), copied);
    }),
    { numRuns: 500 },
  );
});
