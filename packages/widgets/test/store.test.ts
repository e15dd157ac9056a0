import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareEventIds as compareParsed,
  EVENT_TYPES,
  type EventId,
  FLEET_HISTORY_FIELDS,
  type InitialHistory,
  type LogEntry,
  parseEventId,
  QUEUE_STATS_FIELDS,
  type Resource,
} from '@pulseboard/protocol';
import fc from 'fast-check';
import { workerSamples } from '../src/store/history.js';
import {
  createState,
  LogRing,
  pruneDeparted,
  type RawEvent,
  reduce,
  type StoreState,
  withOptions,
} from '../src/store/index.js';
import { ACTIONS_KEPT } from '../src/store/reduce.js';
import { isNewer } from '../src/transport/event-id.js';
import { action, aggregates, initialData, log, metrics, metricsUpdate, queue, worker } from './fixtures.js';

const apply = (state: StoreState, ...events: RawEvent[]) =>
  events.reduce((s, e) => reduce(s, e, 5000).state, state);
const ready = (payload = initialData({ workers: [worker('a'), worker('b')] })) =>
  reduce(createState(), { type: 'initial_data', data: payload }).state;

describe('initial_data', () => {
  test('fills every slice and marks the state ready', () => {
    const result = reduce(createState(), {
      type: 'initial_data',
      data: initialData({
        workers: [worker('a')],
        logs: [log('hi')],
        aggregates: aggregates({ errorRate: 0.5 }),
      }),
    });
    assert.equal(result.problem, null);
    assert.deepEqual(
      [...result.changed].sort(),
      ['actions', 'aggregates', 'history', 'logs', 'queues', 'resources', 'workers'].sort(),
    );
    const { state } = result;
    assert.equal(state.ready, true);
    assert.deepEqual([...state.workers.keys()], ['a']);
    assert.deepEqual(state.logs, [log('hi')]);
    assert.equal(state.aggregates?.errorRate, 0.5);
    assert.equal(state.config?.pingIntervalMs, 15_000);
    assert.equal(workerSamples(state.history.get('a'), 'cpu').length, 1);
    assert.equal(state.aggregateHistory.errorRate.length, 1);
  });

  test('a resync replaces the data, keeps history of workers still there, and fades out the others', () => {
    const before = apply(ready(), {
      type: 'metrics_update',
      data: metricsUpdate(2000, [{ id: 'a', metrics: metrics({ cpu: 50 }) }]),
    });
    const after = reduce(
      before,
      {
        type: 'initial_data',
        data: initialData({ resync: true, at: 3000, workers: [worker('a'), worker('c')] }),
      },
      4000,
    ).state;
    assert.deepEqual([...after.workers.keys()], ['a', 'c']);
    assert.deepEqual(
      workerSamples(after.history.get('a'), 'cpu').map((s) => s.at),
      [1000, 2000, 3000],
    );
    assert.deepEqual(after.departed.get('b'), { worker: worker('b'), at: 4000, reason: 'resync' });
  });

  test("the server's history seeds the charts: older than the client's own samples, gaps and junk skipped", () => {
    const fleet = Object.fromEntries(FLEET_HISTORY_FIELDS.map((field) => [field, [1, null, 3]]));
    const history: InitialHistory = {
      from: 10_000,
      stepMs: 10_000,
      buckets: 3,
      fleet: { ...fleet, errorRate: [0.5, Number.NaN, 'x' as never] } as InitialHistory['fleet'],
      fields: ['responseTimeMs'],
      workers: [
        ['a', [7, 8, null]],
        ['gone', [1, 1, 1]],
      ],
    };
    const first = reduce(createState(), {
      type: 'initial_data',
      data: initialData({ at: 45_000, workers: [worker('a'), worker('b')], history }),
    }).state;
    assert.deepEqual(
      first.aggregateHistory.cpuAvg.map((s) => s.at),
      [10_000, 30_000, 45_000],
      'a bucket at its start, then the snapshot',
    );
    assert.deepEqual(
      first.aggregateHistory.errorRate.map((s) => s.value),
      [0.5, aggregates().errorRate],
    );
    assert.deepEqual(
      workerSamples(first.history.get('a'), 'responseTimeMs').map((s) => [s.at, s.value]),
      [
        [10_000, 7],
        [20_000, 8],
        [45_000, worker('a').metrics?.responseTimeMs],
      ],
    );
    assert.deepEqual(
      workerSamples(first.history.get('a'), 'cpu').map((s) => s.at),
      [45_000],
      'no column, no seed',
    );
    assert.equal(first.history.has('gone'), false, 'rows of workers not in the snapshot are not kept');

    // A resync keeps what the client drew and takes from the server only what is older.
    const later: InitialHistory = { ...history, from: 0, workers: [['a', [1, 2, 3]]] };
    const resynced = reduce(first, {
      type: 'initial_data',
      data: initialData({ resync: true, at: 60_000, workers: [worker('a')], history: later }),
    }).state;
    assert.deepEqual(
      workerSamples(resynced.history.get('a'), 'responseTimeMs').map((s) => s.at),
      [0, 10_000, 20_000, 45_000, 60_000],
    );

    // A malformed history is ignored, not fatal.
    const junk = reduce(createState(), {
      type: 'initial_data',
      data: initialData({ workers: [worker('a')], history: { from: 'x' } as never }),
    });
    assert.equal(junk.problem, null);
    assert.equal(workerSamples(junk.state.history.get('a'), 'responseTimeMs').length, 1);
  });
});

describe('worker events', () => {
  test('registration adds the worker; deregistration moves it to departed until the TTL', () => {
    let state = apply(ready(), { type: 'worker_registered', data: { v: 1, worker: worker('c') } });
    assert.ok(state.workers.has('c'));
    const result = reduce(
      state,
      { type: 'worker_deregistered', data: { v: 1, id: 'c', reason: 'expired' } },
      5000,
    );
    // `logs` for the departure's line in `lines`.
    assert.deepEqual([...result.changed], ['workers', 'logs']);
    state = result.state;
    assert.equal(state.workers.has('c'), false);
    assert.deepEqual(state.departed.get('c'), { worker: worker('c'), at: 5000, reason: 'expired' });
    assert.equal(pruneDeparted(state, 5000 + state.options.departedTtlMs - 1).state, state);
    const pruned = pruneDeparted(state, 5000 + state.options.departedTtlMs).state;
    assert.equal(pruned.departed.size, 0);
    assert.equal(pruned.history.has('c'), false);
  });

  test('rosterVersion moves when a worker joins, leaves, is renamed or forgotten, never with heartbeats', () => {
    const start = ready();
    const version = (state: StoreState) => state.rosterVersion;
    const moved = (state: StoreState, event: RawEvent) => {
      const next = reduce(state, event, 5000).state;
      return { next, moved: version(next) !== version(state) };
    };
    let step = moved(start, {
      type: 'metrics_update',
      data: metricsUpdate(2000, [{ id: 'a', metrics: metrics({ cpu: 5 }) }]),
    });
    assert.ok(step.next.workers.get('a')?.metrics?.cpu === 5 && !step.moved, 'a heartbeat');
    step = moved(step.next, {
      type: 'worker_status_change',
      data: { v: 1, id: 'a', from: 'healthy', to: 'degraded', at: 2000, reason: 'reported' },
    });
    assert.equal(step.moved, false, 'a status change');
    step = moved(step.next, { type: 'worker_registered', data: { v: 1, worker: worker('a') } });
    assert.equal(step.moved, false, 'registering again under the same name');
    step = moved(step.next, {
      type: 'worker_registered',
      data: { v: 1, worker: worker('a', { name: 'renamed' }) },
    });
    assert.equal(step.moved, true, 'a rename');
    step = moved(step.next, { type: 'worker_registered', data: { v: 1, worker: worker('c') } });
    assert.equal(step.moved, true, 'a new worker');
    step = moved(step.next, { type: 'worker_deregistered', data: { v: 1, id: 'c', reason: 'requested' } });
    assert.equal(step.moved, true, 'a departure');
    const pruned = pruneDeparted(step.next, 5000 + step.next.options.departedTtlMs).state;
    assert.notEqual(version(pruned), version(step.next), 'a departed worker forgotten');
  });

  test('declarationsVersion (the actions slice) moves when a worker joins or leaves declaring actions, or declares others', () => {
    const pause = { name: 'pause', target: 'queue', label: 'Pause' } as const;
    const step = (state: StoreState, event: RawEvent) => {
      const result = reduce(state, event, 5000);
      return { state: result.state, actions: result.changed.has('actions') };
    };
    const registered = (w: ReturnType<typeof worker>) => ({
      type: 'worker_registered',
      data: { v: 1, worker: w },
    });
    let at = step(ready(), registered(worker('q', { actions: [pause] })));
    assert.ok(at.actions, 'a worker joined declaring an action');
    at = step(at.state, {
      type: 'metrics_update',
      data: metricsUpdate(2000, [{ id: 'q', metrics: metrics({ cpu: 5 }) }]),
    });
    assert.equal(at.actions, false, 'a heartbeat');
    at = step(at.state, registered(worker('q', { actions: [pause] })));
    assert.equal(at.actions, false, 'the same declarations again');
    at = step(at.state, registered(worker('q', { actions: [{ ...pause, label: 'Hold' }] })));
    assert.ok(at.actions, 'other declarations');
    at = step(at.state, registered(worker('plain')));
    assert.equal(at.actions, false, 'a worker declaring nothing');
    at = step(at.state, { type: 'worker_deregistered', data: { v: 1, id: 'q', reason: 'requested' } });
    assert.ok(at.actions, 'a worker that declared actions left');
  });

  test('a worker that registers again is no longer departed', () => {
    const state = apply(
      ready(),
      { type: 'worker_deregistered', data: { v: 1, id: 'a', reason: 'requested' } },
      { type: 'worker_registered', data: { v: 1, worker: worker('a', { name: 'back' }) } },
    );
    assert.equal(state.departed.has('a'), false);
    assert.equal(state.workers.get('a')?.name, 'back');
  });

  test('status change and status update patch the worker; unknown ids change nothing', () => {
    const state = apply(
      ready(),
      {
        type: 'worker_status_change',
        data: { v: 1, id: 'a', from: 'healthy', to: 'degraded', at: 2000, reason: 'reported' },
      },
      { type: 'worker_status_update', data: { v: 1, id: 'b', status: 'healthy', lastHeartbeatAt: 2500 } },
    );
    assert.equal(state.workers.get('a')?.status, 'degraded');
    assert.equal(state.workers.get('a')?.statusChangedAt, 2000);
    assert.equal(state.workers.get('b')?.lastHeartbeatAt, 2500);
    const unknown = reduce(state, {
      type: 'worker_status_update',
      data: { v: 1, id: 'zz', status: 'healthy', lastHeartbeatAt: 1 },
    });
    assert.equal(unknown.state, state);
    assert.equal(unknown.changed.size, 0);
    assert.equal(unknown.problem, null);
  });

  test('metrics_update makes one version of the maps and leaves untouched workers as they were', () => {
    const many = Array.from({ length: 1000 }, (_, i) => worker(`w${i}`));
    const state = ready(initialData({ workers: many }));
    const items = many.slice(0, 500).map((w) => ({ id: w.id, metrics: metrics({ cpu: 99 }) }));
    const result = reduce(state, { type: 'metrics_update', data: metricsUpdate(2000, items) });
    assert.deepEqual([...result.changed], ['workers', 'history']);
    assert.equal(result.state.workers.get('w0')?.metrics?.cpu, 99);
    assert.equal(result.state.workers.get('w999'), state.workers.get('w999'));
    assert.equal(result.state.history.get('w999'), state.history.get('w999'));
    assert.equal(result.state.logRing, state.logRing);
  });

  test('per-worker history is bounded', () => {
    let state = ready(initialData({ workers: [worker('a')] }));
    for (let at = 2000; at < 2000 + 300 * 1000; at += 1000) {
      state = apply(state, {
        type: 'metrics_update',
        data: metricsUpdate(at, [{ id: 'a', metrics: metrics({ responseTimeMs: at }) }]),
      });
    }
    const samples = workerSamples(state.history.get('a'), 'responseTimeMs');
    assert.equal(samples.length, state.options.historyLength);
    assert.equal(samples.at(-1)?.value, 2000 + 299 * 1000);
  });
});

describe('dashboard_update and resources_update', () => {
  test('dashboard_update replaces aggregates and queues, upserts changed workers, and keeps a windowed history', () => {
    let state = createState({ aggregateWindowMs: 10_000 });
    state = reduce(state, { type: 'initial_data', data: initialData({ workers: [worker('a')] }) }).state;
    const jobs = queue('jobs', { workerIds: ['a'] });
    for (let at = 2000; at <= 30_000; at += 1000) {
      const result = reduce(state, {
        type: 'dashboard_update',
        data: { v: 1, at, aggregates: aggregates({ errorRate: at / 1e6 }), queues: [jobs], workers: [] },
      });
      // The same summary again is nothing new for the queues.
      assert.deepEqual([...result.changed], at === 2000 ? ['aggregates', 'queues'] : ['aggregates']);
      state = result.state;
    }
    assert.deepEqual(state.queues, [jobs]);
    const points = state.aggregateHistory.errorRate;
    assert.equal(points[0]?.at, 20_000);
    assert.equal(points.at(-1)?.at, 30_000);
    const withWorker = reduce(state, {
      type: 'dashboard_update',
      data: {
        v: 1,
        at: 31_000,
        aggregates: aggregates(),
        queues: [],
        workers: [worker('a', { name: 'renamed' })],
      },
    });
    assert.ok(withWorker.changed.has('workers'));
    assert.equal(withWorker.state.workers.get('a')?.name, 'renamed');
  });

  test('resources_update upserts only the resources it carries', () => {
    const db: Resource = {
      id: 'db',
      name: 'Postgres',
      kind: 'database',
      status: 'healthy',
      latencyMs: 3,
      message: null,
      updatedAt: 1,
    };
    const state = apply(ready(initialData({ resources: [db, { ...db, id: 'cache', kind: 'cache' }] })), {
      type: 'resources_update',
      data: { v: 1, resources: [{ ...db, status: 'down' }] },
    });
    assert.equal(state.resources.get('db')?.status, 'down');
    assert.equal(state.resources.get('cache')?.status, 'healthy');
  });
});

describe('queues_update', () => {
  const withQueues = () =>
    ready(initialData({ queues: [queue('email', { depth: 3 }), queue('images', { depth: 5 })] }));

  test('replaces the summaries it carries, keeps the others and their order, and adds new queues', () => {
    const before = withQueues();
    const result = reduce(before, {
      type: 'queues_update',
      data: {
        v: 1,
        at: 2000,
        queues: [queue('images', { depth: 40, deadLetter: 7 }), queue('pdf', { depth: 1 })],
      },
    });
    assert.equal(result.problem, null);
    assert.deepEqual([...result.changed], ['queues']);
    assert.deepEqual(result.state.queues, [
      queue('email', { depth: 3 }),
      queue('images', { depth: 40, deadLetter: 7 }),
      queue('pdf', { depth: 1 }),
    ]);
    assert.equal(result.state.workers, before.workers, 'the other slices keep their identity');
    assert.equal(result.state.aggregates, before.aggregates);
    assert.deepEqual(
      before.queues,
      [queue('email', { depth: 3 }), queue('images', { depth: 5 })],
      'the previous state is untouched',
    );
  });

  test('a summary listing no workers removes its queue; an empty list changes nothing', () => {
    const state = apply(withQueues(), {
      type: 'queues_update',
      data: { v: 1, at: 2000, queues: [queue('email', { depth: 0, workerIds: [], consumers: 0 })] },
    });
    assert.deepEqual(
      state.queues.map((q) => q.name),
      ['images'],
    );
    const result = reduce(state, { type: 'queues_update', data: { v: 1, at: 3000, queues: [] } });
    assert.equal(result.state, state);
    assert.equal(result.changed.size, 0);
  });

  test('a summary without workerIds keeps the ids the queue had; a queue new to the page gets none', () => {
    const { workerIds: _, ...figures } = queue('email', { depth: 9 });
    const { workerIds: __, ...fresh } = queue('video', { depth: 2 });
    const state = apply(withQueues(), {
      type: 'queues_update',
      data: { v: 1, at: 2000, queues: [figures, fresh] },
    });
    assert.deepEqual(
      state.queues.map((q) => [q.name, q.depth, q.workerIds]),
      [
        ['email', 9, ['email-1']],
        ['images', 5, ['images-1']],
        ['video', 2, []],
      ],
    );
  });

  test('sanitizes like dashboard_update: bad numbers read 0, malformed items are dropped, no list is skipped', () => {
    const result = reduce(withQueues(), {
      type: 'queues_update',
      data: {
        v: 1,
        at: 2000,
        queues: [
          queue('email', { depth: -4, deadLetter: Number.NaN, failed: '3', workerIds: ['e1', 7, ''] }),
          { depth: 1 },
          null,
        ],
      },
    });
    assert.equal(result.problem, 'queues_update: malformed items dropped');
    assert.deepEqual(
      result.state.queues[0],
      queue('email', { depth: 0, deadLetter: 0, failed: 0, workerIds: ['e1'] }),
    );
    assert.equal(result.state.queues.length, 2);
    const bad = reduce(withQueues(), { type: 'queues_update', data: { v: 1, queues: 'all' } });
    assert.equal(bad.skipped, true);
    assert.equal(bad.problem, 'queues_update: missing queues; skipped');
  });

  test('a summary that says nothing new keeps its object, and a list with nothing new keeps the list and the slice', () => {
    const before = withQueues();
    const [email, images] = before.queues;
    // dashboard_update resends every queue: the one that moved is new, the other is the state's own.
    const dashboard = (queues: unknown[]) =>
      reduce(before, {
        type: 'dashboard_update',
        data: { v: 1, at: 3000, aggregates: aggregates(), queues, workers: [] },
      });
    const moved = dashboard([queue('email', { depth: 3 }), queue('images', { depth: 6 })]);
    assert.equal(moved.state.queues[0], email);
    assert.notEqual(moved.state.queues[1], images);
    assert.equal(moved.state.queues[1]?.depth, 6);
    const same = dashboard([queue('email', { depth: 3 }), queue('images', { depth: 5 })]);
    assert.equal(same.state.queues, before.queues);
    assert.deepEqual([...same.changed], ['aggregates'], 'nothing for the queues to redraw');
    // Another worker is news.
    const joined = dashboard([queue('email', { depth: 3, workerIds: ['email-1', 'email-2'] }), images]);
    assert.notEqual(joined.state.queues[0], email);
    // A queues_update the same: the figures again (without workerIds) keep the object; another figure does not.
    const { workerIds: _, ...again } = queue('email', { depth: 3 });
    const repeat = reduce(before, { type: 'queues_update', data: { v: 1, at: 2000, queues: [again] } });
    assert.equal(repeat.state, before);
    assert.equal(repeat.changed.size, 0);
    const consumers = reduce(before, {
      type: 'queues_update',
      data: { v: 1, at: 2000, queues: [{ ...again, consumers: 2 }] },
    });
    assert.notEqual(consumers.state.queues[0], email);
    assert.equal(consumers.state.queues[1], images);
  });

  test('a later dashboard_update still reconciles the whole list', () => {
    const state = apply(
      withQueues(),
      { type: 'queues_update', data: { v: 1, at: 2000, queues: [queue('pdf', { depth: 1 })] } },
      {
        type: 'dashboard_update',
        data: {
          v: 1,
          at: 3000,
          aggregates: aggregates(),
          queues: [queue('email', { depth: 9 })],
          workers: [],
        },
      },
    );
    assert.deepEqual(state.queues, [queue('email', { depth: 9 })]);
  });
});

describe('logs', () => {
  test('log events append to a ring buffer of the configured capacity', () => {
    let state = createState({ logCapacity: 3 });
    state = apply(state, { type: 'initial_data', data: initialData({ logs: [log('0')] }) });
    const result = reduce(state, { type: 'log', data: { v: 1, entries: [log('1'), log('2'), log('3')] } });
    assert.deepEqual([...result.changed], ['logs']);
    assert.deepEqual(
      result.state.logs.map((l) => l.message),
      ['1', '2', '3'],
    );
    assert.deepEqual(
      state.logs.map((l) => l.message),
      ['0'],
      'the previous state is untouched',
    );
  });

  test('lines: log entries and registry events, numbered, kept across a resync, as many as required', () => {
    const text = (state: StoreState) =>
      Array.from({ length: state.lines.size }, (_, i) => state.lines.at(i)!).map(
        (l) => `${l.seq} ${l.kind} ${l.level} ${l.workerName}: ${l.message}`,
      );
    let state = apply(
      createState({ logCapacity: 3 }),
      {
        type: 'initial_data',
        data: initialData({ workers: [worker('a', { name: 'Alpha' })], logs: [log('0', 1)] }),
      },
      {
        type: 'worker_registered',
        data: { v: 1, worker: worker('b', { name: 'Beta', queue: 'q', registeredAt: 2 }) },
      },
      {
        type: 'worker_status_change',
        data: { v: 1, id: 'b', from: 'healthy', to: 'unhealthy', at: 3, reason: 'db' },
      },
      { type: 'worker_deregistered', data: { v: 1, id: 'b', reason: 'expired' } },
    );
    assert.deepEqual(text(state), [
      '2 event info Beta: Registered · queue q',
      '3 event error Beta: Status healthy → unhealthy (db)',
      '4 event warn Beta: Expired after going offline',
    ]);
    state = withOptions(state, { lineCapacity: 5 });
    state = apply(
      state,
      { type: 'log', data: { v: 1, entries: [{ ...log('1', 10), workerId: 'a' }] } },
      // A resync: only the snapshot's entries newer than the newest line's are new.
      { type: 'initial_data', data: initialData({ logs: [log('0', 1), log('1', 10), log('2', 11)] }) },
    );
    assert.deepEqual(text(state).slice(-2), ['5 log info Alpha: 1', '6 log info Alpha: 2']);
    assert.equal(state.lines.size, 5);
    assert.deepEqual(
      state.logs.map((l) => l.message),
      ['0', '1', '2'],
      '`logs` are the snapshot',
    );
  });

  // Speed is measured in bench/; this only guards the complexity: the loop takes well under a second with
  // the ring, while a copy of 100,000 lines per event (1.5e10 element copies) would blow the timeout.
  test('100,000 lines kept, one line per event, without a copy per event', { timeout: 60_000 }, () => {
    let state = ready();
    state = reduce(createState({ logCapacity: 100_000 }), {
      type: 'initial_data',
      data: initialData(),
    }).state;
    for (let i = 0; i < 150_000; i++) {
      state = reduce(state, { type: 'log', data: { v: 1, entries: [log(String(i), i)] } }).state;
    }
    assert.equal(state.logs.length, 100_000);
    assert.equal(state.logs[0]?.message, '50000');
    assert.equal(state.logs.at(-1)?.message, '149999');
  });

  test('LogRing behaves like "append, then keep the last N" for any sequence, including appends to old versions', () => {
    const entry = fc.nat(1000).map((n) => log(String(n)));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.nat(), fc.array(entry, { maxLength: 30 })), { maxLength: 60 }),
        (capacity, steps) => {
          const versions: { ring: LogRing; model: LogEntry[] }[] = [
            { ring: LogRing.empty(capacity), model: [] },
          ];
          for (const [pick, entries] of steps) {
            const base = versions[pick % versions.length]!;
            const ring = base.ring.append(entries);
            const model = [...base.model, ...entries].slice(-capacity);
            versions.push({ ring, model });
          }
          for (const { ring, model } of versions) {
            assert.deepEqual(ring.toArray(), model);
            assert.equal(ring.size, model.length);
          }
        },
      ),
    );
  });
});

describe('actions', () => {
  const event = (type: string, overrides: Parameters<typeof action>[1] = {}, id = 'a1'): RawEvent => ({
    type,
    data: { v: 1, action: action(id, overrides) },
  });

  test('initial_data sets the permissions; unknown ones and non-lists give none', () => {
    const can = (value: unknown) =>
      reduce(createState(), { type: 'initial_data', data: initialData({ can: value as never }) }).state.can;
    assert.deepEqual(can(['read', 'operate']), ['read', 'operate']);
    assert.deepEqual(can(['read', 'root', '<b>']), ['read']);
    assert.deepEqual(can('operate'), []);
    assert.deepEqual(ready().can, ['read']);
  });

  test('initial_data and dashboard_update: a worker naming an action set gets that list, read once and shared; a bad index gives none', () => {
    const pause = { name: 'pause', target: 'queue', label: 'Pause' } as const;
    const retry = {
      name: 'retry',
      target: 'deadLetters',
      label: '<b>Retry</b>',
      params: { id: { type: 'string', required: true } },
    } as const;
    const { actions: _, ...bare } = worker('x');
    const state = reduce(createState(), {
      type: 'initial_data',
      data: {
        ...initialData(),
        actionSets: [
          [pause, retry],
          [{ name: 'x', target: 'nowhere', label: 'x' }, pause],
        ],
        workers: [
          { ...bare, id: 'q1', actionSet: 0 },
          { ...bare, id: 'q2', actionSet: 0 },
          { ...bare, id: 'q3', actionSet: 1 },
          { ...bare, id: 'q4', actionSet: 7 },
          { ...worker('q5'), actions: [pause] },
        ],
      },
    }).state;
    const actionsOf = (id: string) => state.workers.get(id)?.actions;
    assert.equal(actionsOf('q1'), actionsOf('q2'));
    assert.deepEqual(
      actionsOf('q1')?.map((a) => [a.name, a.label]),
      [
        ['pause', 'Pause'],
        ['retry', '<b>Retry</b>'],
      ],
    );
    assert.deepEqual(actionsOf('q1')?.[1]?.params?.id?.required, true);
    assert.deepEqual(
      actionsOf('q3')?.map((a) => a.name),
      ['pause'],
    );
    assert.deepEqual(actionsOf('q4'), []);
    assert.deepEqual(
      actionsOf('q5')?.map((a) => a.name),
      ['pause'],
    );
    // dashboard_update's changed workers name their lists the same way.
    const updated = reduce(state, {
      type: 'dashboard_update',
      data: {
        v: 1,
        at: 2000,
        aggregates: aggregates(),
        queues: [],
        actionSets: [[retry]],
        workers: [{ ...bare, id: 'q3', actionSet: 0 }],
      },
    }).state;
    assert.deepEqual(
      updated.workers.get('q3')?.actions.map((a) => a.name),
      ['retry'],
    );
  });

  test('requested then completed: one entry that moves on, and never back (a replay or an older list)', () => {
    const requested = reduce(ready(), event('action_requested'));
    assert.deepEqual([...requested.changed], ['actions']);
    assert.equal(requested.state.actions.get('a1')?.status, 'pending');
    const done = apply(
      requested.state,
      event('action_completed', { status: 'ok', message: 'paused', durationMs: 40 }),
    );
    assert.equal(done.actions.get('a1')?.status, 'ok');
    assert.equal(done.actions.get('a1')?.message, 'paused');
    // The request again (a replay), then the server's list with it still pending: nothing changes.
    const again = reduce(done, event('action_requested'));
    assert.equal(again.state, done);
    const listed = reduce(done, { type: 'action_list', data: { actions: [action('a1'), action('a0')] } });
    assert.equal(listed.state.actions.get('a1')?.status, 'ok');
    // The list is newest first; the store keeps oldest first.
    assert.deepEqual([...listed.state.actions.keys()], ['a1', 'a0']);
    assert.deepEqual(
      [
        ...reduce(ready(), {
          type: 'action_list',
          data: { actions: [action('a2'), action('a1')] },
        }).state.actions.keys(),
      ],
      ['a1', 'a2'],
    );
  });

  test(`keeps the ${ACTIONS_KEPT} most recent, dropping the oldest`, () => {
    let state = ready();
    for (let i = 0; i < ACTIONS_KEPT + 5; i++) state = apply(state, event('action_requested', {}, `a${i}`));
    assert.equal(state.actions.size, ACTIONS_KEPT);
    assert.equal([...state.actions.keys()][0], 'a5');
  });

  test('hostile or malformed actions are skipped or cleaned, and stay text', () => {
    const state = ready();
    for (const bad of [
      null,
      {},
      { ...action('x'), status: 'exploded' },
      { ...action('x'), target: 'cluster' },
      { ...action('x'), worker: '' },
    ]) {
      const result = reduce(state, { type: 'action_completed', data: { v: 1, action: bad } });
      assert.equal(result.skipped, true);
      assert.equal(result.state, state);
    }
    const hostile = '<img src=x onerror=alert(1)>';
    const result = reduce(state, {
      type: 'action_completed',
      data: {
        v: 1,
        action: {
          ...action('x'),
          status: 'error',
          message: hostile,
          params: JSON.parse('{"n": 1, "bad": {"deep": 1}, "__proto__": 2}'),
          durationMs: -5,
        },
      },
    });
    const kept = result.state.actions.get('x')!;
    assert.equal(kept.message, hostile);
    assert.equal(kept.durationMs, 0);
    // A "__proto__" key stays a key: the prototype is untouched.
    assert.deepEqual(Object.keys(kept.params), ['n', '__proto__']);
    assert.equal(Object.getPrototypeOf(kept.params), Object.prototype);
  });

  test('declarations keep the parameter descriptions a form can use, and drop the rest', () => {
    const w = reduce(ready(), {
      type: 'worker_registered',
      data: {
        v: 1,
        worker: {
          ...worker('w'),
          actions: [
            {
              name: 'pause',
              target: 'queue',
              label: 'Pause',
              params: {
                minutes: { type: 'number', minimum: 1, integer: true },
                x: { type: 'date' },
                mode: { type: 'enum', values: ['a', 3, 'b'] },
              },
            },
            { name: 'bad', target: 'galaxy', label: 'Nope' },
            { name: 'nolabel', target: 'worker' },
          ],
        },
      },
    }).state.workers.get('w')!;
    assert.deepEqual(
      w.actions.map((a) => a.name),
      ['pause'],
    );
    const params = w.actions[0]!.params!;
    assert.deepEqual(Object.keys(params), ['minutes', 'mode']);
    assert.equal(params.minutes!.minimum, 1);
    assert.equal(params.minutes!.integer, true);
    assert.deepEqual(params.mode!.values, ['a', 'b']);
  });
});

describe('bad input', () => {
  test('unknown events, non-object payloads, missing fields and other versions are skipped with a stable problem', () => {
    const state = ready();
    const cases: [RawEvent, RegExp][] = [
      [{ type: 'mystery', data: {} }, /unknown event type/],
      [{ type: 'log', data: 'nope' }, /payload is not an object/],
      [{ type: 'log', data: { v: 1 } }, /missing entries/],
      [{ type: 'worker_registered', data: { v: 1, worker: { id: 'x' } } }, /malformed worker/],
      [{ type: 'initial_data', data: { v: 1, workers: [] } }, /missing/],
      [{ type: 'log', data: { v: 2, entries: [] } }, /unsupported protocol version/],
    ];
    for (const [event, problem] of cases) {
      const result = reduce(state, event);
      assert.equal(result.state, state, event.type);
      assert.equal(result.skipped, true);
      assert.match(result.problem ?? '', problem);
    }
  });

  test('malformed items are dropped, the rest applied', () => {
    const result = reduce(ready(), {
      type: 'log',
      data: {
        v: 1,
        entries: [log('ok'), { message: 42 }, null, { level: 'shout', message: 'kept as info' }],
      },
    });
    assert.equal(result.skipped, false);
    assert.match(result.problem ?? '', /malformed items dropped/);
    assert.deepEqual(
      result.state.logs.map((l) => [l.level, l.message]),
      [
        ['info', 'ok'],
        ['info', 'kept as info'],
      ],
    );
  });

  test('metrics rows: malformed rows are dropped, fields are read by name, hostile names reach no prototype', () => {
    const update = metricsUpdate(2000, [{ id: 'a', metrics: metrics({ cpu: 7 }) }]);
    const before = ready();
    const result = reduce(before, {
      type: 'metrics_update',
      data: {
        ...update,
        // Reordered, with an unknown field and a hostile one: values follow their names.
        fields: { metrics: ['__proto__', 'uptimeSec', 'cpu', 'surprise'], queueStats: [] },
        items: [
          ['a', 1500, [{ polluted: true }, 12, 33, 99], [1, 2, 3]],
          ['b', 'soon', 'not an array', null],
          null,
          { id: 'a' },
          [42, 1, [], []],
        ],
      },
    });
    assert.equal(result.skipped, false);
    assert.match(result.problem ?? '', /malformed items dropped/);
    const a = result.state.workers.get('a');
    assert.deepEqual(a?.metrics, {
      cpu: 33,
      memoryBytes: 0,
      requestsPerSec: 0,
      responseTimeMs: 0,
      errorCount: 0,
      uptimeSec: 12,
    });
    // No field the event names is a queue stat: all read as 0.
    assert.deepEqual(a?.queueStats, Object.fromEntries(QUEUE_STATS_FIELDS.map((field) => [field, 0])));
    assert.equal(Object.getPrototypeOf(a?.metrics), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(result.state.workers.get('b'), before.workers.get('b'), 'a malformed row changes nothing');
  });

  test('metrics rows without field names are skipped, not read as blanks', () => {
    const state = apply(ready(), {
      type: 'metrics_update',
      data: metricsUpdate(2000, [{ id: 'a', metrics: metrics({ cpu: 50 }) }]),
    });
    for (const fields of [undefined, {}, { metrics: 'cpu', queueStats: [] }]) {
      const result = reduce(state, {
        type: 'metrics_update',
        data: { v: 1, at: 3000, fields, items: [['a', 3000, [60], null]] },
      });
      assert.equal(result.skipped, true);
      assert.match(result.problem ?? '', /missing fields/);
      assert.equal(result.state.workers.get('a')?.metrics?.cpu, 50);
    }
  });

  test('NaN, infinite and negative numbers become 0; hostile strings stay plain text', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const state = apply(ready(), {
      type: 'worker_registered',
      data: {
        v: 1,
        worker: worker('x', {
          name: hostile,
          metrics: {
            ...metrics(),
            cpu: Number.NaN,
            memoryBytes: -5,
            requestsPerSec: Number.POSITIVE_INFINITY,
          },
        }),
      },
    });
    const x = state.workers.get('x');
    assert.equal(x?.name, hostile);
    assert.deepEqual(x?.metrics, { ...metrics(), cpu: 0, memoryBytes: 0, requestsPerSec: 0 });
  });

  test('no event, however malformed, makes a reducer throw', () => {
    const types = fc.constantFrom<string>(...EVENT_TYPES, 'toString', '__proto__');
    const state = ready();
    fc.assert(
      fc.property(types, fc.anything({ withObjectString: true, withNullPrototype: true }), (type, data) => {
        reduce(state, { type, data });
        reduce(state, { type, data: { v: 1, ...(typeof data === 'object' ? data : { value: data }) } });
      }),
    );
  });
});

describe('event ids', () => {
  const compareEventIds = (a: string, b: string) =>
    compareParsed(parseEventId(a) as EventId, parseEventId(b) as EventId);

  test('compare numerically, part by part', () => {
    assert.ok(compareEventIds('9-0', '10-0') < 0);
    assert.ok(compareEventIds('10-2', '10-10') < 0);
    assert.equal(compareEventIds('10-2', '10-2'), 0);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), fc.nat(), (a, b, c, d) => {
        const expected = a === c ? Math.sign(b - d) : Math.sign(a - c);
        assert.equal(Math.sign(compareEventIds(`${a}-${b}`, `${c}-${d}`)), expected);
      }),
    );
  });

  test('ids with an epoch compare within it; ids of different epochs do not compare', () => {
    assert.ok(compareEventIds('9-0-a1', '10-0-a1') < 0);
    assert.equal(compareEventIds('10-2-a1', '10-2-a1'), 0);
    assert.ok(Number.isNaN(compareEventIds('10-2-a1', '9-0-b2')));
    assert.ok(Number.isNaN(compareEventIds('10-2-a1', '9-0')));
  });

  test('an id that cannot be compared is let through rather than dropped', () => {
    assert.equal(isNewer('1-1', null), true);
    assert.equal(isNewer('1-1', '1-1'), false);
    assert.equal(isNewer('weird', '1-1'), true);
    assert.equal(isNewer('1-1-b2', '5-5-a1'), true, 'an id of a new epoch');
  });
});
