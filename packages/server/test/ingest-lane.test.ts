import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, metrics, promValue, startServer, type TestServer } from './helpers.js';

/**
 * The heartbeat lane (src/ingest-lane.ts) answers a worker's plain heartbeat,
 * and a batch of them, ahead of Koa; the Koa route still answers every other shape of it, a
 * browser's with an Origin among them. Both must give the same answers.
 */
const READ = 'read-token-lane';
const WORKER = 'worker-token-lane';
// A loopback origin: allowed by CORS while the server is bound to loopback, and sent to the Koa route.
const ORIGIN = { origin: 'http://localhost:5173' };

describe('heartbeat lane', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ readTokens: [READ], workerTokens: [WORKER] });
    const registered = await api(t.url, WORKER).post('/api/workers', { id: 'lane-1' });
    assert.equal(registered.status, 201);
  });
  after(() => t.close());

  const cases: { name: string; token?: string; path?: string; body: unknown; contentType?: string }[] = [
    { name: 'a valid heartbeat', token: WORKER, body: { status: 'degraded', metrics: metrics() } },
    { name: 'an unknown worker', token: WORKER, path: '/api/workers/nobody/heartbeat', body: {} },
    { name: 'malformed JSON', token: WORKER, body: '{"status":' },
    { name: 'an unknown field', token: WORKER, body: { status: 'healthy', admin: true } },
    { name: 'a __proto__ key', token: WORKER, body: '{"__proto__":{"admin":true}}' },
    { name: 'a huge number', token: WORKER, body: '{"metrics":{"cpu":1e400}}' },
    { name: 'a body over the limit', token: WORKER, body: { status: 'x'.repeat(70_000) } },
    { name: 'another media type', token: WORKER, body: '{}', contentType: 'text/plain' },
    { name: 'no token', body: {} },
    { name: 'a read token', token: READ, body: {} },
    { name: 'an unknown token', token: 'nope', body: {} },
    ...(
      [
        ['a valid batch', { heartbeats: [{ id: 'lane-1', status: 'degraded', queueStats: { depth: 3 } }] }],
        [
          'a batch with bad, unknown and repeated items',
          {
            heartbeats: [
              { id: 'lane-1', queueStats: { depth: -1 } },
              { id: 'nobody' },
              { id: 'lane-1' },
              { id: 'lane-1' },
              { status: 'healthy' },
            ],
          },
        ],
        ['a batch over 1,000 items', { heartbeats: Array.from({ length: 1001 }, () => ({ id: 'lane-1' })) }],
        ['a batch over its body limit', { heartbeats: [{ id: 'lane-1', status: 'x'.repeat(1_100_000) }] }],
        ['a batch that is no batch', { beats: [] }],
      ] as const
    ).map(([name, body]) => ({ name, token: WORKER, path: '/api/heartbeats', body })),
    { name: 'a batch without a token', path: '/api/heartbeats', body: { heartbeats: [] } },
  ];

  for (const c of cases) {
    test(`${c.name}: the same answer with and without an Origin`, async () => {
      const send = (headers: Record<string, string>) =>
        api(t.url, c.token).send('POST', c.path ?? '/api/workers/lane-1/heartbeat', c.body, {
          'content-type': c.contentType ?? 'application/json',
          ...headers,
        });
      const lane = await send({});
      const route = await send(ORIGIN);
      // Koa's CORS middleware always varies on Origin; the lane has no Origin to vary on.
      assert.equal(lane.headers.get('vary'), null, 'the lane answered');
      assert.match(route.headers.get('vary') ?? '', /Origin/, 'the Koa route answered');
      assert.equal(lane.status, route.status);
      assert.deepEqual(lane.body, route.body);
      assert.equal(lane.headers.get('content-type'), route.headers.get('content-type'));
      assert.equal(lane.headers.get('www-authenticate'), route.headers.get('www-authenticate'));
      assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype was polluted');
    });
  }

  test('a heartbeat on the lane reaches the registry', async () => {
    const sent = await api(t.url, WORKER).post('/api/workers/lane-1/heartbeat', { status: 'unhealthy' });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.body, {
      status: 'unhealthy',
      heartbeatIntervalMs: t.server.config.heartbeatIntervalMs,
    });
    const listed = await api(t.url, READ).get('/api/workers');
    assert.equal(listed.body.workers.find((w: { id: string }) => w.id === 'lane-1')?.status, 'unhealthy');
  });

  test('pulseboard_heartbeats_total counts what both ways accept, once each, whenever it is scraped', async () => {
    const scrape = async () =>
      promValue((await api(t.url, READ).get('/metrics')).body as string, 'pulseboard_heartbeats_total');
    const send = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      api(t.url, WORKER).send('POST', path, body, headers);
    const start = await scrape();
    assert.equal((await send('/api/workers/lane-1/heartbeat', { status: 'healthy' })).status, 200);
    assert.equal((await send('/api/workers/lane-1/heartbeat', {}, ORIGIN)).status, 200);
    assert.equal(await scrape(), start + 2, 'the lane and the route, one each');
    assert.equal(await scrape(), start + 2, 'a scrape adds nothing');
    // Refused, unknown and malformed heartbeats are not counted; a batch counts its ok items.
    assert.equal((await send('/api/workers/nobody/heartbeat', {})).status, 404);
    assert.equal((await send('/api/workers/lane-1/heartbeat', '{"status":')).status, 400);
    const batch = await send('/api/heartbeats', {
      heartbeats: [{ id: 'lane-1' }, { id: 'nobody' }, { id: 'lane-1', queueStats: { depth: -1 } }],
    });
    assert.deepEqual(
      batch.body.results.map((r: { ok: boolean }) => r.ok),
      [true, false, false],
    );
    assert.equal(await scrape(), start + 3);
  });

  test("a body read whole or as it arrives: in the headers' packet, after them, in pieces, chunked, pipelined", async () => {
    const client = await rawClient(t.port);
    const beat = (status: string) => JSON.stringify({ status, metrics: metrics() });
    const ok = (status: string) => ({
      code: 200,
      body: { status, heartbeatIntervalMs: t.server.config.heartbeatIntervalMs },
    });
    // With the headers, in one packet: read from what node:http buffered.
    client.write(head(beat('degraded')) + beat('degraded'));
    assert.deepEqual((await client.answers(1))[0], ok('degraded'));
    // The body after the headers, and in pieces: streamed.
    client.write(head(beat('unhealthy')));
    await sleep(50);
    client.write(beat('unhealthy').slice(0, 10));
    await sleep(50);
    client.write(beat('unhealthy').slice(10));
    assert.deepEqual((await client.answers(2))[1], ok('unhealthy'));
    // Chunked, whole in one packet, and a second heartbeat pipelined behind it, by Content-Length:
    // answered and applied in order.
    client.write(chunked(beat('healthy')) + head(beat('degraded')) + beat('degraded'));
    const [, , third, fourth] = await client.answers(4);
    assert.deepEqual(third, ok('healthy'));
    assert.deepEqual(fourth, ok('degraded'));
    client.close();
    const listed = await api(t.url, READ).get('/api/workers');
    assert.equal(listed.body.workers.find((w: { id: string }) => w.id === 'lane-1')?.status, 'degraded');
  });

  test('other shapes of the request still reach the Koa route', async () => {
    const worker = api(t.url, WORKER);
    // An encoded id and a query string are the route's to read.
    const encoded = await worker.post('/api/workers/lane%2D1/heartbeat', { status: 'healthy' });
    assert.equal(encoded.status, 200);
    assert.match(encoded.headers.get('vary') ?? '', /Origin/);
    const query = await worker.post('/api/workers/lane-1/heartbeat?x=1', { status: 'healthy' });
    assert.equal(query.status, 200);
    const wrongMethod = await worker.send('PUT', '/api/workers/lane-1/heartbeat', {});
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.body.error.code, 'method_not_allowed');
  });
});

/** A heartbeat's request head for `body`, by Content-Length. */
const head = (body: string) =>
  `POST /api/workers/lane-1/heartbeat HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${WORKER}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;

/** A heartbeat with `body` in one chunk of a chunked body, head and all. */
const chunked = (body: string) =>
  head('').replace('Content-Length: 0', 'Transfer-Encoding: chunked') +
  `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;

/** A keep-alive connection that writes bytes as given and reads the answers whole, in order. */
async function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  const whole = () => {
    const answers: { code: number; body: unknown }[] = [];
    for (let at = 0; ; ) {
      const end = received.indexOf('\r\n\r\n', at);
      const length = Number(/content-length: (\d+)/i.exec(received.slice(at, end))?.[1] ?? Number.NaN);
      if (end === -1 || !(received.length >= end + 4 + length)) return answers;
      answers.push({
        code: Number(received.slice(at + 9, at + 12)),
        body: JSON.parse(received.slice(end + 4, end + 4 + length)),
      });
      at = end + 4 + length;
    }
  };
  return {
    write: (bytes: string) => socket.write(bytes),
    /** The answers once there are `count` (or after 3 s, what there is). */
    async answers(count: number) {
      for (let i = 0; i < 300 && whole().length < count; i++) await sleep(10);
      return whole();
    },
    close: () => socket.destroy(),
  };
}
