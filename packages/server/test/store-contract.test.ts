import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type EventId,
  type LogEntry,
  PROTOCOL_VERSION,
  parseEventId,
  type Resource,
} from '@pulseboard/protocol';
import { formatEventId } from '../src/event-id.js';
import type { AnyLoggedEvent, LoggedEventInput } from '../src/events.js';
import { createMemoryStorage } from '../src/store/memory.js';
import { createRedisStorage } from '../src/store/redis.js';
import {
  type RegistryLimits,
  type Storage,
  type StoredWorker,
  TableFullError,
  type WorkerGrouping,
} from '../src/store/types.js';
import { compareIds } from './helpers.js';
import { startRedis, type TestRedis } from './redis-helpers.js';

/**
 * One contract, run against every backend: what the registry, the hub and the
 * SSE session rely on. `pair()` gives two instances on shared state (in memory,
 * the same object twice), so the cross-instance rules are checked where they
 * mean something and hold trivially where they do not.
 */
interface Backend {
  name: string;
  setup(): Promise<void>;
  pair(options: { replayWindow: number; recentLogs: number } & RegistryLimits): Promise<[Storage, Storage]>;
  teardown(): Promise<void>;
}

const quiet = { warn() {}, info() {} };

function memoryBackend(): Backend {
  return {
    name: 'memory',
    async setup() {},
    async pair(options) {
      const storage = createMemoryStorage(options);
      return [storage, storage];
    },
    async teardown() {},
  };
}

function redisBackend(): Backend {
  let redis: TestRedis;
  return {
    name: 'redis',
    async setup() {
      redis = await startRedis();
    },
    async pair(options) {
      await redis.command('FLUSHALL');
      const open = () =>
        createRedisStorage({ url: redis.url, dashboardIntervalMs: 1000, log: quiet, ...options });
      return [await open(), await open()];
    },
    async teardown() {
      await redis?.stop();
    },
  };
}

const log = (message: string): LoggedEventInput => ({
  type: 'log',
  data: { v: PROTOCOL_VERSION, entries: [{ workerId: 'w', level: 'info', message, at: 1 }] },
});
const messageOf = (event: AnyLoggedEvent) =>
  event.type === 'log' ? event.data.entries[0]?.message : event.type;
const counterOf = (event: AnyLoggedEvent) =>
  event.type === 'resources_update' ? (event.data.resources[0]?.latencyMs ?? -1) : -1;

/** Appends and returns the event, which these (non-periodic) events always are. */
async function append(storage: Storage, input: LoggedEventInput): Promise<AnyLoggedEvent> {
  const event = await storage.eventLog.append(input);
  assert.ok(event, 'a non-periodic event is always logged');
  return event;
}

const DEFAULTS = { replayWindow: 100, recentLogs: 5 };

const workerRow = (id: string, dueAt: number): StoredWorker => ({
  worker: {
    id,
    name: id,
    queue: null,
    status: 'healthy',
    registeredAt: 1,
    lastHeartbeatAt: 1,
    statusChangedAt: 1,
    metrics: null,
    queueStats: null,
    labels: {},
    actions: [],
  },
  reportedStatus: 'healthy',
  dueAt,
});

for (const backend of [memoryBackend(), redisBackend()]) {
  describe(`storage contract: ${backend.name}`, () => {
    let open: [Storage, Storage][] = [];
    const pair = async (
      options: { replayWindow: number; recentLogs: number } & RegistryLimits = DEFAULTS,
    ) => {
      const storages = await backend.pair(options);
      open.push(storages);
      return storages;
    };

    before(() => backend.setup());
    after(async () => {
      for (const [a, b] of open) await Promise.all(a === b ? [a.close()] : [a.close(), b.close()]);
      open = [];
      await backend.teardown();
    });

    test('table: insert, read, "same value means no change", delete', async () => {
      const [a, b] = await pair();
      const table = a.store.resources;
      assert.equal(await table.get('db'), undefined);
      const resource: Resource = {
        id: 'db',
        name: 'db',
        kind: 'database',
        status: 'healthy',
        latencyMs: 3,
        message: null,
        updatedAt: 1,
      };
      const inserted = await table.update('db', () => resource);
      assert.deepEqual(inserted, { before: undefined, after: resource });
      assert.deepEqual(await b.store.resources.get('db'), resource, 'the other instance reads it');
      assert.deepEqual(await b.store.resources.list(), [resource]);
      assert.equal(await b.store.resources.size(), 1);
      assert.deepEqual(
        await b.store.resources.many(['gone', 'db', 'db']),
        [undefined, resource, resource],
        'many rows in one read, in the order asked, undefined for a missing one',
      );
      assert.deepEqual(await b.store.resources.many([]), []);

      const unchanged = await b.store.resources.update('db', (current) => current);
      assert.equal(unchanged.before, unchanged.after, 'returning the current value is no change');
      assert.deepEqual(unchanged.before, resource);

      const removed = await a.store.resources.update('db', () => undefined);
      assert.deepEqual(removed, { before: resource, after: undefined });
      assert.equal(await b.store.resources.size(), 0);
      assert.deepEqual(await a.store.resources.update('db', () => undefined), {
        before: undefined,
        after: undefined,
      });
    });

    test('table: concurrent updates from two instances all land, each logs its events with it, and a transition is won exactly once', async () => {
      const [a, b] = await pair();
      const seen = { a: [] as number[], b: [] as number[] };
      const offA = a.eventLog.subscribe((e) => e.type === 'resources_update' && seen.a.push(counterOf(e)));
      const offB = b.eventLog.subscribe((e) => e.type === 'resources_update' && seen.b.push(counterOf(e)));
      const base: Resource = {
        id: 'r',
        name: 'r',
        kind: 'other',
        status: 'unknown',
        latencyMs: 0,
        message: null,
        updatedAt: 0,
      };
      // latencyMs serves as a counter here: 40 racing read-modify-writes, none lost. On Redis many lose
      // the compare-and-set and rerun; only the attempt that won may log its event.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).store.resources.update(
            'r',
            (row) => ({ ...(row ?? base), latencyMs: (row?.latencyMs ?? 0) + 1 }),
            (_before, after) => [
              { type: 'resources_update', data: { v: PROTOCOL_VERSION, resources: [after as Resource] } },
            ],
          ),
        ),
      );
      assert.equal((await a.store.resources.get('r'))?.latencyMs, 40, 'no lost update');
      const counts = Array.from({ length: 40 }, (_, i) => i + 1);
      await waitFor(() => seen.a.length >= 40 && seen.b.length >= 40);
      assert.deepEqual(seen.a, counts, 'one event per write, in the order the writes won');
      assert.deepEqual(seen.b, counts, 'the same on the other instance');
      offA();
      offB();

      // Ten racing "unknown -> healthy" transitions: the pure fn may rerun, but only one caller gets the change.
      const flips = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).store.resources.update(
            'r',
            (row) => (row && row.status === 'unknown' ? { ...row, status: 'healthy' } : row),
            (before) => (before?.status === 'unknown' ? [] : assert.fail('no events without a change')),
          ),
        ),
      );
      const winners = flips.filter((c) => c.before?.status === 'unknown' && c.after?.status === 'healthy');
      assert.equal(winners.length, 1);
      assert.equal(flips.filter((c) => c.before === c.after).length, 9, 'the others saw no change');
    });

    test('row limits: racing instances create no more than the limit; a rewrite or a delete is never refused', async () => {
      const [a, b] = await pair({ ...DEFAULTS, maxWorkers: 3, maxResources: 2 });
      const resource = (id: string): Resource => ({
        id,
        name: id,
        kind: 'other',
        status: 'healthy',
        latencyMs: null,
        message: null,
        updatedAt: 1,
      });
      const settled = await Promise.allSettled([
        ...Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).store.workers.update(`w${i}`, () => workerRow(`w${i}`, i)),
        ),
        ...Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).store.resources.update(`r${i}`, () => resource(`r${i}`)),
        ),
      ]);
      const refused = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      assert.equal(refused.length, 20 - 3 - 2);
      for (const err of refused) assert.ok(err instanceof TableFullError, String(err));
      assert.match(String(refused.at(-1)), /maximum of 2 resources/);
      assert.equal(await b.store.workers.size(), 3);
      assert.equal(await b.store.resources.size(), 2);
      assert.equal((await a.store.workers.due(100)).length, 3, 'the due index holds no refused row');

      const [kept] = await a.store.workers.list();
      const id = kept!.worker.id;
      const rewritten = await b.store.workers.update(id, (current) => current && { ...current, dueAt: 99 });
      assert.equal(rewritten.after?.dueAt, 99, 'a full table still takes a rewrite');
      await assert.rejects(
        a.store.workers.update('late', () => workerRow('late', 1)),
        TableFullError,
      );
      await a.store.workers.update(id, () => undefined);
      await b.store.workers.update('late', () => workerRow('late', 1));
      assert.deepEqual((await a.store.workers.list()).map((s) => s.worker.id).includes('late'), true);
      assert.equal(await a.store.workers.size(), 3, 'a delete made room for exactly one');
    });

    test('logs: lines and their event are stored in one step, so both are in the same order', async () => {
      const [a, b] = await pair({ replayWindow: 100, recentLogs: 50 });
      const streamed: string[] = [];
      const off = a.eventLog.subscribe((e) => e.type === 'log' && streamed.push(messageOf(e) as string));
      const entry = (n: number): LogEntry => ({ workerId: 'w', level: 'info', message: String(n), at: n });
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const entries = [entry(i)];
          return (i % 2 ? a : b).store.logs.append(entries, [
            { type: 'log', data: { v: PROTOCOL_VERSION, entries } },
          ]);
        }),
      );
      await waitFor(() => streamed.length >= 30);
      assert.deepEqual(
        (await b.store.logs.recent()).map((e) => e.message),
        streamed,
      );
      off();
    });

    test('workers table: due() lists the rows whose dueAt has passed, in step with every write', async () => {
      const [a, b] = await pair();
      const row = workerRow;
      const due = async (storage: Storage, time: number) =>
        (await storage.store.workers.due(time)).map((stored) => [stored.worker.id, stored.dueAt]);
      for (const [id, dueAt] of [
        ['w1', 30],
        ['w2', 10],
        ['w3', 20],
        ['w4', 100],
      ] as const) {
        await a.store.workers.update(id, () => row(id, dueAt));
      }
      assert.deepEqual(await due(b, 5), []);
      assert.deepEqual(
        await due(b, 20),
        [
          ['w2', 10],
          ['w3', 20],
        ],
        'up to and including the time, soonest first, on the other instance too',
      );
      assert.deepEqual((await a.store.workers.due(10))[0], row('w2', 10), 'whole rows');
      assert.equal((await due(a, 20)).length, 2, 'listing changes nothing');

      await b.store.workers.update('w2', (current) => current && { ...current, dueAt: 50 });
      await a.store.workers.update('w3', () => undefined);
      await b.store.workers.update('w1', (current) => current);
      assert.deepEqual(await due(a, 40), [['w1', 30]], 'moved by a rewrite, gone with a delete');
      assert.deepEqual(await due(a, 60), [
        ['w1', 30],
        ['w2', 50],
      ]);

      // Many rewrites of one row (heartbeats with no sweep in between) still list it once, at its time.
      for (let i = 1; i <= 300; i++) {
        await (i % 2 ? a : b).store.workers.update(
          'w4',
          (current) => current && { ...current, dueAt: 100 + i },
        );
      }
      assert.deepEqual(await due(b, 399), [
        ['w1', 30],
        ['w2', 50],
      ]);
      assert.deepEqual((await due(b, 400)).at(-1), ['w4', 400]);
      await a.store.workers.update('w4', (current) => current && { ...current, dueAt: 35 });
      assert.deepEqual(
        await due(b, 40),
        [
          ['w1', 30],
          ['w4', 35],
        ],
        'moved earlier by a rewrite',
      );
      assert.equal(await a.store.workers.size(), 3);
    });

    test('table: updateExisting rewrites the rows there are, each with its events, and leaves absent ids absent', async () => {
      const [a, b] = await pair();
      await a.store.workers.update('u1', () => workerRow('u1', 10));
      await a.store.workers.update('u2', () => workerRow('u2', 20));
      const logged: string[] = [];
      // Events reach the writing instance's live feed before its write resolves.
      const off = a.eventLog.subscribe((event) => logged.push(messageOf(event) ?? ''));
      const calls: [string, number][] = [];
      const changes = await a.store.workers.updateExisting(
        ['u1', 'nobody', 'u2'],
        (current, i) => {
          calls.push([current.worker.id, i]);
          return { ...current, dueAt: current.dueAt + 100 };
        },
        (before, after) => [log(`${after?.worker.id}: ${before?.dueAt} -> ${after?.dueAt}`)],
      );
      off();
      assert.deepEqual(calls.sort(), [
        ['u1', 0],
        ['u2', 2],
      ]);
      assert.deepEqual(
        changes.map((change) =>
          change instanceof Error ? change : [change.before?.dueAt, change.after?.dueAt],
        ),
        [
          [10, 110],
          [undefined, undefined],
          [20, 120],
        ],
      );
      assert.deepEqual(logged.sort(), ['u1: 10 -> 110', 'u2: 20 -> 120']);
      assert.equal(await b.store.workers.get('nobody'), undefined);
      assert.equal((await b.store.workers.get('u2'))?.dueAt, 120);
      assert.deepEqual(
        (await b.store.workers.due(200)).map((row) => row.worker.id),
        ['u1', 'u2'],
        'indexed with the write',
      );
    });

    test("workers table: inGroup() lists a queue's or a fleet's workers, in step with every write, on every instance", async () => {
      const [a, b] = await pair();
      const row = (id: string, queue: string | null, fleet?: string) => ({
        ...workerRow(id, 1),
        worker: { ...workerRow(id, 1).worker, queue, ...(fleet === undefined ? {} : { fleet }) },
      });
      const ids = async (storage: Storage, grouping: WorkerGrouping, group: string) =>
        (await storage.store.workers.inGroup(grouping, group)).map((stored) => stored.worker.id).sort();
      await a.store.workers.update('x1', () => row('x1', 'mail', 'host-1'));
      await b.store.workers.update('x2', () => row('x2', 'mail'));
      await a.store.workers.update('x3', () => row('x3', 'sms', 'host-1'));
      // A fleet named like a queue is another group.
      await a.store.workers.update('x4', () => row('x4', null, 'mail'));
      assert.deepEqual(await ids(b, 'queue', 'mail'), ['x1', 'x2']);
      assert.deepEqual(await ids(b, 'fleet', 'host-1'), ['x1', 'x3']);
      assert.deepEqual(await ids(a, 'fleet', 'mail'), ['x4']);
      assert.deepEqual(
        (await a.store.workers.inGroup('queue', 'sms'))[0],
        row('x3', 'sms', 'host-1'),
        'whole rows',
      );
      assert.deepEqual(await ids(a, 'queue', 'none'), []);
      await b.store.workers.update('x1', () => row('x1', 'sms', 'host-1'));
      await a.store.workers.update('x2', () => undefined);
      await b.store.workers.update('x3', (current) => current && { ...current, dueAt: 9 });
      await a.store.workers.update('x4', () => row('x4', null, 'host-2'));
      assert.deepEqual(await ids(a, 'queue', 'mail'), [], 'left by a move and a delete');
      assert.deepEqual(await ids(b, 'queue', 'sms'), ['x1', 'x3'], 'joined by a move, kept by a rewrite');
      assert.deepEqual(await ids(a, 'fleet', 'host-1'), ['x1', 'x3'], 'a queue move keeps the fleet');
      assert.deepEqual(await ids(b, 'fleet', 'mail'), [], 'left its fleet');
      assert.deepEqual(await ids(b, 'fleet', 'host-2'), ['x4'], 'joined another');
      await b.store.workers.update('x3', () => undefined);
      assert.deepEqual(await ids(a, 'fleet', 'host-1'), ['x1'], 'a delete leaves every group');
      assert.deepEqual(await ids(a, 'queue', 'sms'), ['x1']);
    });

    test('logs: capped, oldest first, shared', async () => {
      const [a, b] = await pair({ replayWindow: 100, recentLogs: 5 });
      const entry = (n: number): LogEntry => ({ workerId: 'w', level: 'info', message: String(n), at: n });
      await a.store.logs.append([1, 2, 3].map(entry));
      await b.store.logs.append([4, 5, 6, 7].map(entry));
      assert.deepEqual(
        (await a.store.logs.recent()).map((e) => e.message),
        ['3', '4', '5', '6', '7'],
      );
    });

    test('event log: ids in order, live feed exactly once everywhere, before append resolves', async () => {
      const [a, b] = await pair();
      const base = await a.eventLog.latestId();
      assert.deepEqual(await a.eventLog.since(base), [], 'a fresh log resumes from its base id');
      const seen = { a: [] as AnyLoggedEvent[], b: [] as AnyLoggedEvent[] };
      const offA = a.eventLog.subscribe((event) => seen.a.push(event));
      const offB = b.eventLog.subscribe((event) => seen.b.push(event));
      const appended: AnyLoggedEvent[] = [];
      for (let i = 1; i <= 6; i++) {
        const from = i % 2 ? a : b;
        const event = await append(from, log(String(i)));
        appended.push(event);
        const own = from === a ? seen.a : seen.b;
        assert.equal(own.at(-1)?.id, event.id, 'delivered on the appending instance before append resolved');
        assert.equal(await from.eventLog.latestId(), event.id);
      }
      const ids = appended.map((e) => e.id);
      const sorted = [...ids].sort((x, y) => compareIds(x, y));
      assert.deepEqual(ids, sorted, 'ids increase');
      assert.equal(new Set(ids).size, ids.length);
      await waitFor(() => seen.b.length >= 6 && seen.a.length >= 6);
      for (const events of [seen.a, seen.b]) {
        assert.deepEqual(
          events.map((e) => e.id),
          ids,
          'every instance gets every event once, in order',
        );
        assert.deepEqual(events.map(messageOf), ['1', '2', '3', '4', '5', '6']);
      }
      assert.equal(seen.a[0]?.frame.toString(), appended[0]?.frame.toString(), 'the same bytes everywhere');
      offA();
      offB();
      await append(a, log('7'));
      assert.equal(seen.a.length, 6, 'unsubscribed');
    });

    test('event log: since() replays after an id, and resyncs for unknown, future and foreign ids', async () => {
      const [a, b] = await pair();
      const events: AnyLoggedEvent[] = [];
      for (let i = 1; i <= 5; i++) events.push(await append(i % 2 ? a : b, log(String(i))));
      const replay = async (storage: Storage, id: string) => {
        const result = await storage.eventLog.since(id);
        return result === 'resync' ? result : result.map(messageOf);
      };
      const [, second, , , last] = events.map((e) => e.id) as [string, string, string, string, string];
      const { ms, seq, epoch } = parseEventId(last) as EventId;
      // The same epoch (if any) as the log's own ids, so only the part under test differs.
      const id = (m: number, s: number) => formatEventId({ ms: m, seq: s, epoch });
      for (const storage of [a, b]) {
        assert.deepEqual(await replay(storage, second), ['3', '4', '5']);
        assert.deepEqual(await replay(storage, last), []);
        assert.equal(await replay(storage, id(ms + 60_000, 0)), 'resync', 'in the future');
        assert.equal(await replay(storage, id(ms, seq + 1000)), 'resync', 'never issued');
        assert.equal(await replay(storage, id(1, 1)), 'resync', 'from another log');
        assert.equal(await replay(storage, `${ms}-${seq}-zz`), 'resync', 'from another epoch');
        assert.equal(await replay(storage, 'garbage'), 'resync');
      }
    });

    test('event log: an id trimmed out of the window resyncs; one inside it replays', async () => {
      // Redis trims with MAXLEN ~ (whole nodes of 100 entries), so the window is "at least 10".
      const [a] = await pair({ replayWindow: 10, recentLogs: 5 });
      const first = await append(a, log('0'));
      let recent: AnyLoggedEvent[] = [];
      for (let i = 1; i <= 300; i++) recent.push(await append(a, log(String(i))));
      recent = recent.slice(-5);
      assert.equal(await a.eventLog.since(first.id), 'resync');
      const replay = await a.eventLog.since(recent[0]?.id as string);
      assert.notEqual(replay, 'resync');
      assert.deepEqual(replay !== 'resync' && replay.map(messageOf), ['297', '298', '299', '300']);
    });

    test('status reports a healthy backend', async () => {
      const [a] = await pair();
      assert.deepEqual(a.status(), { backend: backend.name, ok: true });
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
