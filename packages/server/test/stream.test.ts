import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { backends } from './backends.js';
import {
  compareIds,
  metrics,
  metricsItems,
  openStream,
  Stream,
  startProxy,
  type TestServer,
} from './helpers.js';

/** Reads a raw /events response until `done` says it has enough text. */
async function readRaw(url: string, headers: Record<string, string>, done: (text: string) => boolean) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  let text = '';
  if (response.body) {
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (done(text)) break;
    }
  }
  controller.abort();
  return { response, text };
}

for (const backend of backends()) {
  describe(`/events stream (${backend.name})`, () => {
    let t: TestServer;
    before(async () => {
      t = await backend.start({ replayWindow: 50, pingIntervalMs: 100 });
    });
    after(() => t.close());

    test('headers, a jittered retry line, then initial_data with an id', async () => {
      const { response, text } = await readRaw(`${t.url}/events`, {}, (s) =>
        s.includes('event: initial_data'),
      );
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform');
      assert.equal(response.headers.get('x-accel-buffering'), 'no');
      const match = /^retry: (\d+)\n\nid: (\d+-\d+(-[0-9a-z]+)?)\nevent: initial_data\ndata: \{/.exec(text);
      assert.ok(match, text.slice(0, 200));
      const retry = Number(match[1]);
      assert.ok(retry >= 20 && retry <= 40, `retry ${retry} within base + jitter`);
    });

    test('connections at the same latest id share one serialized snapshot; the next event makes a new one', async () => {
      const snapshot = async () => {
        const { text } = await readRaw(`${t.url}/events`, {}, (s) =>
          /event: initial_data\ndata: .*\n\n/.test(s),
        );
        return /id: \S+\nevent: initial_data\ndata: .*\n\n/.exec(text)?.[0] ?? '';
      };
      await t.api.post('/api/workers', { id: 'shared-1' });
      // A metrics tick (another test's heartbeat) may land between two connects: then they rightly differ.
      let pair: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        pair = [await snapshot(), await new Promise((r) => setTimeout(r, 20)).then(snapshot)];
        if (pair[0]!.split('\n')[0] === pair[1]!.split('\n')[0]) break;
      }
      assert.ok(pair[0]!.includes('"shared-1"'), pair[0]!.slice(0, 200));
      // Byte for byte, `at` included, although the second connection came 20 ms later.
      assert.equal(pair[1], pair[0]);

      await t.api.post('/api/workers', { id: 'shared-2' });
      const after = await snapshot();
      assert.notEqual(after.split('\n')[0], pair[0]!.split('\n')[0], 'a later id');
      assert.ok(after.includes('"shared-2"'));
      await t.api.del('/api/workers/shared-1');
      await t.api.del('/api/workers/shared-2');
    });

    test('resumes with Last-Event-ID: exactly the missed events, in order, then live ones', async () => {
      const first = await openStream(t.url);
      await t.api.post('/api/workers', { id: 'r1' });
      const registered = await first.next('worker_registered');
      first.close();
      await t.api.post('/api/workers/r1/logs', { entries: [{ level: 'info', message: 'missed-1' }] });
      await t.api.post('/api/workers/r1/logs', { entries: [{ level: 'info', message: 'missed-2' }] });

      const resumed = new Stream(t.url, { headers: { 'Last-Event-ID': registered.id } });
      await resumed.until(() => resumed.of('log').length === 2, 'two replayed logs');
      await t.api.post('/api/workers/r1/logs', { entries: [{ level: 'info', message: 'live' }] });
      await resumed.next('log', (e) => e.data.entries[0]?.message === 'live');
      assert.equal(resumed.of('initial_data').length, 0, 'no snapshot when the replay covers the gap');
      assert.deepEqual(
        resumed.of('log').map((e) => e.data.entries[0]?.message),
        ['missed-1', 'missed-2', 'live'],
      );
      resumed.close();

      // ?lastEventId= does the same on a first connect (a page that kept its state).
      const byQuery = new Stream(t.url, { query: { lastEventId: registered.id } });
      await byQuery.until(() => byQuery.of('log').length === 3, 'three replayed logs');
      assert.equal(byQuery.of('initial_data').length, 0);
      byQuery.close();
      await t.api.del('/api/workers/r1');
    });

    test('exactly once across forced disconnects while events keep flowing', async () => {
      const proxy = await startProxy(t.port);
      await t.api.post('/api/workers', { id: 'flow' });
      const stream = await openStream(proxy.url);
      const total = 150;
      const messages = () => stream.of('log').map((e) => Number(e.data.entries[0]?.message));
      let sent = 0;
      const producer = (async () => {
        while (sent < total) {
          sent++;
          await t.api.post('/api/workers/flow/logs', { entries: [{ level: 'info', message: String(sent) }] });
        }
      })();
      for (const cutAt of [30, 80, 120]) {
        await stream.until(() => messages().length >= cutAt, `${cutAt} logs`);
        proxy.cut();
      }
      await producer;
      await stream.until(() => messages().length >= total, `${total} logs`, 10_000);
      assert.ok(stream.opens >= 4, `reconnected (${stream.opens} opens)`);
      assert.equal(stream.of('initial_data').length, 1, 'every reconnect resumed by replay');
      assert.deepEqual(
        messages(),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      const ids = stream.events
        .filter((e) => e.type !== 'initial_data' && e.type !== 'ping')
        .map((e) => e.id);
      assert.deepEqual(ids, [...new Set(ids)].sort(compareIds), 'ids strictly increase, none repeated');
      stream.close();
      await proxy.close();
      await t.api.del('/api/workers/flow');
    });

    test('an id outside the window, from another boot, or malformed gets initial_data with resync', async () => {
      const stream = await openStream(t.url);
      const old = stream.of('initial_data')[0]?.id as string;
      stream.close();
      await t.api.post('/api/workers', { id: 'window' });
      // Redis trims whole nodes of 100 entries (MAXLEN ~), so push the id well past the window of 50.
      // (Log batches, one event each: heartbeats are coalesced per tick and would not move it.)
      for (let i = 0; i < 200; i++)
        await t.api.post('/api/workers/window/logs', { entries: [{ level: 'info', message: `${i}` }] });
      const [boot, seq] = old.split('-');
      const ids = [
        old,
        `${Number(boot) - 1}-${seq}`,
        `${boot}-999999999`,
        'garbage',
        '1-2-3',
        `${'9'.repeat(70)}-1`,
        '',
      ];
      for (const id of ids) {
        const resumed = new Stream(t.url, { headers: id ? { 'Last-Event-ID': id } : {} });
        const initial = await resumed.next('initial_data');
        assert.equal(initial.data.resync, id !== '', `resync for ${JSON.stringify(id)}`);
        assert.ok(initial.data.workers.some((w) => w.id === 'window'));
        resumed.close();
      }
      await t.api.del('/api/workers/window');
    });

    test('types= and workers= filter live events and replays', async () => {
      const logsOnly = await openStream(t.url, { query: { types: 'log,worker_deregistered' } });
      const justA = await openStream(t.url, { query: { workers: 'fa' } });
      await t.api.post('/api/workers', { id: 'fa' });
      await t.api.post('/api/workers', { id: 'fb' });
      await Promise.all([
        t.api.post('/api/workers/fa/heartbeat', { metrics: metrics({ cpu: 1 }) }),
        t.api.post('/api/workers/fb/heartbeat', { metrics: metrics({ cpu: 2 }) }),
      ]);
      await t.api.post('/api/workers/fb/logs', { entries: [{ level: 'info', message: 'b' }] });
      await t.api.post('/api/workers/fa/logs', { entries: [{ level: 'info', message: 'a' }] });
      await t.api.del('/api/workers/fb');
      await t.api.del('/api/workers/fa');

      await logsOnly.until(() => logsOnly.of('worker_deregistered').length === 2, 'both deregistrations');
      assert.deepEqual(
        [...new Set(logsOnly.events.map((e) => e.type))].filter((type) => type !== 'ping'),
        ['initial_data', 'log', 'worker_deregistered'],
      );

      await justA.next('worker_deregistered');
      const concerned = justA.events.filter((e) => e.type !== 'initial_data' && e.type !== 'ping');
      for (const event of concerned) {
        const text = JSON.stringify(event.data);
        assert.ok(!text.includes('"fb"'), `${event.type} mentions only fa: ${text}`);
      }
      assert.ok(
        justA.of('metrics_update').every((e) => metricsItems(e.data).every((item) => item.id === 'fa')),
      );
      assert.deepEqual(
        justA.of('log').map((e) => e.data.entries[0]?.message),
        ['a'],
      );

      // A replay goes through the same filter.
      const since = logsOnly.of('initial_data')[0]?.id as string;
      const replayed = new Stream(t.url, {
        headers: { 'Last-Event-ID': since },
        query: { workers: 'fb', types: 'log' },
      });
      await replayed.next('log');
      await replayed.until(() => replayed.of('ping').length > 0, 'a ping after the replay');
      assert.deepEqual(
        replayed.events
          .filter((e) => e.type !== 'ping')
          .map((e) => [e.type, JSON.stringify(e.data).includes('"b"')]),
        [['log', true]],
      );
      for (const s of [logsOnly, justA, replayed]) s.close();
    });

    test('HEAD /events: 200 and the stream headers, no body, no stream client', async () => {
      const socket = connect(t.port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      const until = async (done: () => boolean, what: string) => {
        for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
        assert.ok(done(), `${what}: ${JSON.stringify(text)}`);
      };
      socket.write('HEAD /events HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await until(() => text.includes('\r\n\r\n'), 'HEAD reply');
      const head = text;
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head, /\r\ncontent-type: text\/event-stream; charset=utf-8\r\n/i);
      assert.match(head, /\r\ncache-control: no-cache, no-transform\r\n/i);
      // Live events and pings (every 100 ms here) go to stream clients: none may land on this socket.
      assert.equal((await t.api.post('/api/workers', { id: 'head-probe' })).status, 201);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(text, head, 'nothing after the HEAD reply');
      // The connection is still a clean HTTP one: the next reply follows directly.
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      await until(() => socket.readableEnded || socket.destroyed, 'healthz reply');
      const next = text.slice(head.length);
      assert.match(next, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(JSON.parse(next.slice(next.indexOf('\r\n\r\n') + 4)).status, 'ok');
      socket.destroy();
    });

    test('unknown types= and bad workers= are 400 errors', async () => {
      for (const query of ['types=log,bogus', 'workers=bad%20id', `workers=${'x'.repeat(129)}`]) {
        const response = await fetch(`${t.url}/events?${query}`);
        assert.equal(response.status, 400, query);
        const body = (await response.json()) as { error: { code: string } };
        assert.equal(body.error.code, 'invalid_filter');
      }
    });

    test('pings carry the latest id, so a resume from a ping is exact', async () => {
      const stream = await openStream(t.url);
      await t.api.post('/api/workers', { id: 'pinger' });
      const registered = await stream.next('worker_registered');
      const ping = await stream.next('ping', (e) => e.id === registered.id);
      assert.equal(typeof ping.data.at, 'number');
      stream.close();
      await t.api.del('/api/workers/pinger');
    });
  });
}
