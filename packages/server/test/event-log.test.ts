import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_VERSION } from '@pulseboard/protocol';
import { computeAggregates, computeErrorRate, computeQueues, percentile } from '../src/aggregates.js';
import type { LoggedEventInput } from '../src/events.js';
import { createMemoryEventLog } from '../src/index.js';
import { frameForWorkers } from '../src/sse/filter.js';

const log = (message: string, workerId = 'w'): LoggedEventInput => ({
  type: 'log',
  data: { v: PROTOCOL_VERSION, entries: [{ workerId, level: 'info', message, at: 1 }] },
});

test('memory event log: ids, since(), the window and resync', async () => {
  const events = createMemoryEventLog({ capacity: 3, boot: 1000 });
  assert.equal(await events.latestId(), '1000-0');
  const live: string[] = [];
  events.subscribe((event) => live.push(event.id));
  for (const m of ['a', 'b', 'c', 'd']) await events.append(log(m));
  assert.deepEqual(live, ['1000-1', '1000-2', '1000-3', '1000-4']);
  assert.equal(await events.latestId(), '1000-4');
  const ids = async (id: string) => {
    const result = await events.since(id);
    return result === 'resync' ? result : result.map((e) => e.id);
  };
  assert.deepEqual(await ids('1000-4'), []);
  assert.deepEqual(await ids('1000-2'), ['1000-3', '1000-4']);
  assert.deepEqual(await ids('1000-1'), ['1000-2', '1000-3', '1000-4'], 'the id just before the oldest kept');
  assert.equal(await ids('1000-0'), 'resync', '1000-1 was trimmed');
  assert.equal(await ids('1000-5'), 'resync', 'beyond the latest');
  assert.equal(await ids('999-2'), 'resync', 'another boot');
  assert.equal(await ids('x'), 'resync');
  const first = await events.since('1000-3');
  assert.notEqual(first, 'resync');
  if (first !== 'resync') {
    assert.equal(
      first[0]?.frame.toString(),
      `id: 1000-4\nevent: log\ndata: ${JSON.stringify(log('d').data)}\n\n`,
    );
  }
});

test('memory event log: the window also keeps under its byte limit, oldest first', async () => {
  const frameBytes = (await createMemoryEventLog({ capacity: 1 }).append(log('x'.repeat(100)))).frame.length;
  const events = createMemoryEventLog({ capacity: 100, maxBytes: 3 * frameBytes + 10, boot: 7 });
  for (let i = 0; i < 5; i++) await events.append(log('x'.repeat(100)));
  const ids = async (id: string) => {
    const result = await events.since(id);
    return result === 'resync' ? result : result.map((e) => e.id);
  };
  assert.deepEqual(await ids('7-2'), ['7-3', '7-4', '7-5'], 'three frames fit, by bytes not count');
  assert.equal(await ids('7-1'), 'resync', '7-2 was dropped for room');
  // An event larger than the whole limit is still kept (alone), so a client just behind it resumes.
  await events.append(log('y'.repeat(5 * frameBytes)));
  assert.deepEqual(await ids('7-5'), ['7-6']);
  assert.equal(await ids('7-4'), 'resync');
  // Small events fill the window again, the big one goes.
  for (let i = 0; i < 3; i++) await events.append(log('x'.repeat(100)));
  assert.deepEqual(await ids('7-6'), ['7-7', '7-8', '7-9']);
  assert.equal(await ids('7-5'), 'resync');
});

test('memory event log: the window keeps frames, not payloads, and reads each payload back from its frame', async () => {
  const events = createMemoryEventLog({ capacity: 10, boot: 3 });
  const live: unknown[] = [];
  events.subscribe((event) => live.push(event.data));
  const inputs: LoggedEventInput[] = [
    log('données \u2028 "quoted"\nnewline', 'a'),
    {
      type: 'metrics_update',
      data: {
        v: PROTOCOL_VERSION,
        at: 5,
        fields: { metrics: ['cpu'], queueStats: ['depth'] },
        items: [
          ['a', 1, [0.5], null],
          ['b', 2, null, [3]],
        ],
      },
    } as LoggedEventInput,
  ];
  for (const input of inputs) await events.append(input);
  assert.deepEqual(
    live,
    inputs.map((input) => input.data),
    'the live feed gets the payloads as given',
  );
  const replayed = await events.since('3-0');
  assert.notEqual(replayed, 'resync');
  if (replayed === 'resync') return;
  assert.deepEqual(
    replayed.map((event) => event.data),
    inputs.map((input) => input.data),
  );
  assert.notEqual(replayed[1]?.data, inputs[1]?.data, 'read back, not kept');
  // A replay to a worker filter projects from the payload read back.
  const onlyB = replayed[1] && frameForWorkers(replayed[1], new Set(['b']))?.toString();
  assert.match(onlyB ?? '', /"items":\[\["b",2,null,\[3\]\]\]/);
});

test('a fresh log resumes from its base id', async () => {
  const events = createMemoryEventLog({ capacity: 10, boot: 5 });
  const base = await events.latestId();
  await events.append(log('a'));
  const since = await events.since(base);
  assert.notEqual(since, 'resync');
  assert.equal(since !== 'resync' && since.length, 1);
});

test('worker filters cut multi-worker payloads down, once', async () => {
  const events = createMemoryEventLog({ capacity: 10, boot: 5 });
  const mixed = await events.append({
    type: 'log',
    data: {
      v: PROTOCOL_VERSION,
      entries: [
        { workerId: 'a', level: 'info', message: '1', at: 1 },
        { workerId: 'b', level: 'info', message: '2', at: 1 },
      ],
    },
  });
  const onlyA = frameForWorkers(mixed, new Set(['a']))?.toString() ?? '';
  assert.match(onlyA, /"workerId":"a"/);
  assert.doesNotMatch(onlyA, /"workerId":"b"/);
  assert.equal(frameForWorkers(mixed, new Set(['a', 'b'])), mixed.frame, 'whole payload: the shared bytes');
  assert.equal(frameForWorkers(mixed, new Set(['c'])), null);
});

test('aggregates: offline workers are excluded from averages; error rate from counter growth', () => {
  const worker = (id: string, status: 'healthy' | 'offline', cpu: number, errors = 0) => ({
    id,
    name: id,
    queue: 'q',
    status,
    registeredAt: 0,
    lastHeartbeatAt: 0,
    statusChangedAt: 0,
    labels: {},
    actions: [],
    metrics: {
      cpu,
      memoryBytes: 10,
      requestsPerSec: 10,
      responseTimeMs: cpu,
      errorCount: errors,
      uptimeSec: 1,
    },
    queueStats: { depth: 1, inFlight: 0, processed: 0, failed: 0, deadLetter: 2, ratePerSec: 0 },
  });
  const workers = [worker('a', 'healthy', 10, 5), worker('b', 'healthy', 30, 0), worker('c', 'offline', 90)];
  const aggregates = computeAggregates(workers, [], 0);
  assert.equal(aggregates.cpu.avg, 20);
  assert.equal(aggregates.cpu.max, 30);
  assert.equal(aggregates.workers.byStatus.offline, 1);
  assert.equal(aggregates.deadLetter.total, 4);
  assert.deepEqual(
    computeQueues(workers).map((q) => [q.depth, q.consumers]),
    [[3, 2]],
  );
  // 20 requests/s over 1 s, 5 new errors on a and a restart (counter reset) on none: 5/20.
  assert.equal(
    computeErrorRate(
      new Map([
        ['a', 0],
        ['b', 0],
      ]),
      workers,
      1000,
    ),
    0.25,
  );
  assert.equal(computeErrorRate(new Map(), [], 1000), 0);
  assert.equal(percentile([1, 2, 3, 4, 100], 95), 100);
});
