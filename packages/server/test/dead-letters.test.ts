import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DeadLetter, DeadLetterInput } from '@pulseboard/protocol';
import { backends } from './backends.js';
import { openStream, Stream, type TestServer } from './helpers.js';

const HOSTILE = [
  '<img src=x onerror="alert(1)">',
  '</script><script>alert(1)</script>',
  '\u202eevil\u0000\ud800 {{constructor}} $\u007bx} `x`',
  '__proto__',
];

let seq = 0;
/** A dead letter `ago` ms before now. */
function letter(id: string, ago = 0, extra: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    id,
    name: 'send-email',
    failedAt: Date.now() - ago,
    attempts: 3,
    error: { message: `SMTP timeout ${++seq}`, stack: 'Error: SMTP timeout\n    at send (mail.ts:1:1)' },
    payload: { to: 'a@example.com', n: seq },
    ...extra,
  };
}

for (const backend of backends()) {
  describe(`dead letters (${backend.name})`, () => {
    let t: TestServer;
    let queue = 0;
    /** A worker of a queue of its own, so each test starts from an empty list. */
    async function worker(server = t): Promise<{ id: string; queue: string; path: string }> {
      const id = `dlq-${++queue}`;
      const name = `q-${queue}`;
      assert.equal((await server.api.post('/api/workers', { id, queue: name })).status, 201);
      return { id, queue: name, path: `/api/workers/${id}/dead-letters` };
    }
    const list = async (name: string, query = '', server = t): Promise<DeadLetter[]> => {
      const page = await server.api.get(
        `/api/dead-letters?queue=${encodeURIComponent(name)}&limit=1000${query}`,
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      return page.body.deadLetters;
    };

    before(async () => {
      t = await backend.start({ replayWindow: 20 });
    });
    after(() => t.close());

    test('reported letters are kept newest first, each with its worker, and pushed as a delta', async () => {
      const w = await worker();
      const stream = await openStream(t.url);
      const answer = await t.api.post(w.path, {
        queue: w.queue,
        added: [letter('a', 3000), letter('c', 1000), letter('b', 2000)],
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body, { added: 3, removed: 0, total: 3 });
      const event = await stream.next('dead_letters_update', (e) => e.data.queue === w.queue);
      assert.deepEqual(
        event.data.added.map((entry) => entry.id),
        ['c', 'b', 'a'],
      );
      assert.deepEqual(event.data.removed, []);
      assert.equal(event.data.replace, false);
      assert.equal(event.data.total, 3);
      const stored = await list(w.queue);
      assert.deepEqual(
        stored.map((entry) => [entry.id, entry.workerId]),
        [
          ['c', w.id],
          ['b', w.id],
          ['a', w.id],
        ],
      );
      assert.deepEqual(stored[0]?.payload, event.data.added[0]?.payload);
      stream.close();
    });

    test('removed ids leave, a known id added again replaces its entry, replace swaps the list', async () => {
      const w = await worker();
      const stream = await openStream(t.url, { query: { types: 'dead_letters_update' } });
      await t.api.post(w.path, {
        queue: w.queue,
        added: [letter('x', 300), letter('y', 200), letter('z', 100)],
      });
      const removed = await t.api.post(w.path, { queue: w.queue, removed: ['y', 'never-there'] });
      assert.deepEqual(removed.body, { added: 0, removed: 1, total: 2 });
      // A removal of ids the list does not hold changes nothing and says nothing.
      assert.deepEqual((await t.api.post(w.path, { queue: w.queue, removed: ['gone'] })).body, {
        added: 0,
        removed: 0,
        total: 2,
      });
      const again = letter('x', 0, { attempts: 4 });
      assert.deepEqual((await t.api.post(w.path, { queue: w.queue, added: [again] })).body, {
        added: 1,
        removed: 0,
        total: 2,
      });
      assert.deepEqual(
        (await list(w.queue)).map((entry) => [entry.id, entry.attempts]),
        [
          ['x', 4],
          ['z', 3],
        ],
      );
      await t.api.post(w.path, { queue: w.queue, replace: true, added: [letter('n', 50)] });
      assert.deepEqual(
        (await list(w.queue)).map((entry) => entry.id),
        ['n'],
      );
      await stream.until(() => stream.of('dead_letters_update').length === 4, 'four updates');
      const updates = stream.of('dead_letters_update').map((e) => e.data);
      assert.deepEqual(
        updates.map((u) => [u.added.map((a) => a.id), u.removed, u.replace, u.total]),
        [
          [['z', 'y', 'x'], [], false, 3],
          [[], ['y'], false, 2],
          [['x'], [], false, 2],
          [['n'], ['x', 'z'], true, 1],
        ],
      );
      // Replacing with nothing empties the list; the queue is still known through its worker.
      await t.api.post(w.path, { queue: w.queue, replace: true });
      assert.deepEqual(await list(w.queue), []);
      stream.close();
    });

    test('bounded by count and by bytes: the oldest leave, and the delta says so', async () => {
      const small = await backend.start({ deadLettersMax: 5, deadLettersMaxBytes: 64 * 1024 });
      try {
        const w = await worker(small);
        const stream = await openStream(small.url);
        const eight = Array.from({ length: 8 }, (_, i) => letter(`n${i}`, 1000 - i));
        assert.deepEqual((await small.api.post(w.path, { queue: w.queue, added: eight })).body, {
          added: 5,
          removed: 0,
          total: 5,
        });
        assert.deepEqual(
          (await list(w.queue, '', small)).map((entry) => entry.id),
          ['n7', 'n6', 'n5', 'n4', 'n3'],
        );
        // A newer one pushes the oldest out, and the update names it.
        await small.api.post(w.path, { queue: w.queue, added: [letter('n8', 0)] });
        const update = await stream.next('dead_letters_update', (e) => e.data.added[0]?.id === 'n8');
        assert.deepEqual(update.data.removed, ['n3']);
        assert.equal(update.data.total, 5);
        // Stacks of 16 KiB each (clipped from 40 KiB): four fit in 64 KiB.
        const big = Array.from({ length: 5 }, (_, i) =>
          letter(`big${i}`, -i, { error: { message: 'boom', stack: 's'.repeat(40_000) } }),
        );
        const answer = await small.api.post(w.path, { queue: w.queue, added: big });
        assert.equal(answer.body.total, 3);
        const kept = await list(w.queue, '', small);
        assert.deepEqual(
          kept.map((entry) => entry.id),
          ['big4', 'big3', 'big2'],
        );
        const bytes = kept.reduce((sum, entry) => sum + Buffer.byteLength(JSON.stringify(entry)), 0);
        assert.ok(bytes <= 64 * 1024, `${bytes} bytes kept`);
        stream.close();
      } finally {
        await small.close();
      }
    });

    test('long text and big, deep or unencodable payloads are clipped with a visible marker', async () => {
      const w = await worker();
      let deep: unknown = 'bottom';
      for (let i = 0; i < 100; i++) deep = { d: deep };
      // Alone: with the others it would be over the 1 MiB body limit.
      const stack = 'at x\n'.repeat(150_000);
      const stackOnly = {
        queue: w.queue,
        added: [letter('stack', 0, { error: { message: 'm'.repeat(10_000), stack } })],
      };
      assert.equal((await t.api.post(w.path, stackOnly)).status, 200);
      const added = [
        letter('payload', 1, { payload: { blob: 'p'.repeat(200_000) } }),
        letter('deep', 2, { payload: deep }),
        letter('name', 3, { name: 'n'.repeat(1000), payload: [1, 'two', null, { three: 3 }] }),
      ];
      const answer = await t.api.post(w.path, { queue: w.queue, added });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      // 100,000 levels: JSON.stringify cannot encode that, so the entry says why instead.
      const levels = 100_000;
      const deepestBody = JSON.stringify({ queue: w.queue, added: [letter('deepest', 4)] }).replace(
        /"payload":\{[^}]*\}/,
        `"payload":${'{"d":'.repeat(levels)}0${'}'.repeat(levels)}`,
      );
      assert.equal((await t.api.post(w.path, deepestBody)).status, 200);
      const byId = new Map((await list(w.queue)).map((entry) => [entry.id, entry]));
      const clippedStack = byId.get('stack') as DeadLetter;
      assert.deepEqual(clippedStack.clipped, ['message', 'stack']);
      assert.equal(clippedStack.error.message.length <= 4096, true);
      assert.match(clippedStack.error.message, /… \[truncated: 5,968 more characters\]$/);
      assert.ok(clippedStack.error.stack?.startsWith(stack.slice(0, 16_320)));
      assert.match(clippedStack.error.stack ?? '', /… \[truncated: 733,680 more characters\]$/);
      const payload = byId.get('payload') as DeadLetter;
      assert.deepEqual(payload.clipped, ['payload']);
      assert.equal(typeof payload.payload, 'string');
      assert.match(payload.payload as string, /^\{"blob":"ppp/);
      assert.match(payload.payload as string, /… \[truncated: [\d,]+ more characters\]$/);
      const deepEntry = byId.get('deep') as DeadLetter;
      assert.deepEqual(deepEntry.clipped, ['payload']);
      assert.match(deepEntry.payload as string, /^\{"d":\{"d":/);
      const deepest = byId.get('deepest') as DeadLetter;
      assert.deepEqual(deepest.clipped, ['payload']);
      assert.match(deepest.payload as string, /^\[payload not encodable as JSON: RangeError/);
      const small = byId.get('name') as DeadLetter;
      assert.deepEqual(small.clipped, ['name']);
      assert.deepEqual(small.payload, [1, 'two', null, { three: 3 }]);
    });

    test('hostile strings in every field are stored and sent back exactly', async () => {
      const w = await worker();
      const added = HOSTILE.map((text, i) =>
        letter(`${text}-${i}`, i, { name: text, error: { message: text, stack: text }, payload: { text } }),
      );
      assert.equal((await t.api.post(w.path, { queue: w.queue, added })).status, 200);
      const stored = await list(w.queue);
      for (const [i, text] of HOSTILE.entries()) {
        const entry = stored.find((e) => e.id === `${text}-${i}`);
        assert.ok(entry, text);
        assert.equal(entry.name, text);
        assert.equal(entry.error.message, text);
        assert.equal(entry.error.stack, text);
        assert.deepEqual(entry.payload, { text });
      }
      // `__proto__` as a payload key is refused with the body (as anywhere in the API).
      const proto = await t.api.post(
        w.path,
        `{"queue":"${w.queue}","added":[{"id":"p","failedAt":1,"attempts":1,"error":{"message":"m"},"payload":{"__proto__":{"x":1}}}]}`,
      );
      assert.equal(proto.status, 400);
    });

    test('bad input gets a clear error and changes nothing', async () => {
      const w = await worker();
      await t.api.post(w.path, { queue: w.queue, added: [letter('keep')] });
      const stream = await openStream(t.url, { query: { types: 'dead_letters_update,log' } });
      const cases: [unknown, number, string][] = [
        ['{"queue":', 400, 'invalid_json'],
        [{ queue: w.queue, added: [{ id: 'x', failedAt: 1, attempts: 1 }] }, 400, 'invalid_body'],
        [{ queue: w.queue, added: [{ ...letter('x'), attempts: -1 }] }, 400, 'invalid_body'],
        [{ queue: w.queue, added: [{ ...letter('x'), extra: 1 }] }, 400, 'invalid_body'],
        [{ queue: w.queue, added: [letter('')] }, 400, 'invalid_body'],
        [{ queue: w.queue, added: [letter('dup'), letter('dup')] }, 400, 'invalid_body'],
        [{ queue: w.queue, added: [letter('both')], removed: ['both'] }, 400, 'invalid_body'],
        [{ queue: w.queue, added: [letter('future', -3 * 86_400_000)] }, 400, 'invalid_timestamp'],
        [
          { queue: w.queue, added: Array.from({ length: 1001 }, (_, i) => letter(`m${i}`)) },
          413,
          'payload_too_large',
        ],
        [
          {
            queue: w.queue,
            added: [letter('huge', 0, { error: { message: 'x', stack: 's'.repeat(2_000_000) } })],
          },
          413,
          'payload_too_large',
        ],
        [{ queue: 'someone-elses', added: [letter('x')] }, 404, 'unknown_queue'],
        [{ added: [letter('x')] }, 400, 'invalid_body'],
      ];
      for (const [body, status, code] of cases) {
        const answer = await t.api.post(w.path, body);
        assert.equal(
          answer.status,
          status,
          `${JSON.stringify(body).slice(0, 120)} → ${JSON.stringify(answer.body)}`,
        );
        assert.equal(answer.body.error.code, code);
      }
      const repeated = await t.api.post(w.path, { queue: w.queue, added: [letter('dup'), letter('dup')] });
      assert.deepEqual(repeated.body.error.issues, [
        { path: 'added.1.id', message: 'repeated id (once per request)' },
      ]);
      const unknown = await t.api.post('/api/workers/nobody/dead-letters', {
        queue: w.queue,
        added: [letter('x')],
      });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'unknown_worker');
      assert.deepEqual(
        (await list(w.queue)).map((entry) => entry.id),
        ['keep'],
      );
      // Nothing was announced: the log line sent after them is the first event.
      await t.api.post(`/api/workers/${w.id}/logs`, { entries: [{ level: 'info', message: 'after' }] });
      await stream.next('log');
      assert.deepEqual(
        stream.events.filter((e) => e.type !== 'initial_data').map((e) => e.type),
        ['log'],
      );
      stream.close();

      const get = async (query: string) => (await t.api.get(`/api/dead-letters?${query}`)).body.error?.code;
      assert.equal(await get('queue=nobody-consumes-this'), 'unknown_queue');
      assert.equal(await get(''), 'invalid_query');
      assert.equal(await get(`queue=${w.queue}&limit=0`), 'invalid_query');
      assert.equal(await get(`queue=${w.queue}&cursor=not-ours`), 'invalid_query');
      assert.equal(await get(`queue=${w.queue}&worker=bad%20id`), 'invalid_query');
    });

    test('a thousand at once, and thousands more: the list stays within its bounds', async () => {
      const w = await worker();
      const batch = (from: number) =>
        Array.from({ length: 1000 }, (_, i) =>
          letter(`job-${from + i}`, -(from + i), { payload: { order: from + i, items: ['a', 'b'] } }),
        );
      for (let from = 0; from < 12_000; from += 1000) {
        const answer = await t.api.post(w.path, { queue: w.queue, added: batch(from) });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
      }
      const first = await t.api.get(`/api/dead-letters?queue=${w.queue}&limit=1`);
      assert.equal(first.body.total, 10_000);
      assert.equal(first.body.deadLetters[0].id, 'job-11999');
    });

    test('pages: newest first, each after the cursor, optionally one worker', async () => {
      const a = await worker();
      const b = `${a.id}-b`;
      assert.equal((await t.api.post('/api/workers', { id: b, queue: a.queue })).status, 201);
      await t.api.post(a.path, {
        queue: a.queue,
        added: Array.from({ length: 15 }, (_, i) => letter(`a${i}`, i * 10)),
      });
      await t.api.post(`/api/workers/${b}/dead-letters`, {
        queue: a.queue,
        added: Array.from({ length: 10 }, (_, i) => letter(`b${i}`, i * 10 + 5)),
      });
      const all = await list(a.queue);
      assert.equal(all.length, 25);
      const paged: DeadLetter[] = [];
      let cursor: string | null = null;
      do {
        const query = `queue=${a.queue}&limit=10${cursor ? `&cursor=${cursor}` : ''}`;
        const page: { body: { deadLetters: DeadLetter[]; nextCursor: string | null; total: number } } =
          await t.api.get(`/api/dead-letters?${query}`);
        assert.equal(page.body.total, 25);
        paged.push(...page.body.deadLetters);
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(paged, all);
      assert.deepEqual(
        all.map((entry) => entry.failedAt),
        all.map((entry) => entry.failedAt).sort((x, y) => y - x),
      );
      const onlyB = await list(a.queue, `&worker=${b}`);
      assert.deepEqual(
        onlyB.map((entry) => entry.id),
        Array.from({ length: 10 }, (_, i) => `b${i}`),
      );
    });

    test('filters, replay and resync cover dead_letters_update', async () => {
      const w = await worker();
      const logsOnly = await openStream(t.url, { query: { types: 'log' } });
      const otherWorker = await openStream(t.url, { query: { workers: 'someone-else' } });
      const live = await openStream(t.url);
      const before = (live.events.at(-1) as { id: string }).id;
      await t.api.post(w.path, { queue: w.queue, added: [letter('r1')] });
      const update = await live.next('dead_letters_update');
      // About a queue, not a worker: a worker filter lets it through, a type filter decides.
      await otherWorker.next('dead_letters_update');
      await t.api.post(`/api/workers/${w.id}/logs`, { entries: [{ level: 'info', message: 'marker' }] });
      await logsOnly.next('log');
      assert.equal(logsOnly.of('dead_letters_update').length, 0);

      const resumed = new Stream(t.url, { headers: { 'Last-Event-ID': before } });
      const replayed = await resumed.next('dead_letters_update');
      assert.equal(replayed.id, update.id);
      assert.deepEqual(replayed.data, update.data);
      assert.equal(resumed.of('initial_data').length, 0);

      // Out of the window (20 events; Redis trims whole nodes of 100): a fresh snapshot, and the list is
      // read again from the API.
      await t.api.post(w.path, { queue: w.queue, added: [letter('r2', -1)] });
      for (let i = 0; i < 200; i++)
        await t.api.post(`/api/workers/${w.id}/logs`, { entries: [{ level: 'info', message: `${i}` }] });
      const stale = new Stream(t.url, { headers: { 'Last-Event-ID': before } });
      const snapshot = await stale.next('initial_data');
      assert.equal(snapshot.data.resync, true);
      assert.deepEqual(
        (await list(w.queue)).map((entry) => entry.id),
        ['r2', 'r1'],
      );
      for (const stream of [logsOnly, otherWorker, live, resumed, stale]) stream.close();
    });
  });
}
