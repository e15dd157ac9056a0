import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { metrics, openStream, type Stream, startServer, type TestServer } from './helpers.js';

interface Case {
  name: string;
  method?: string;
  path?: string;
  /** A string is sent verbatim; anything else as JSON. */
  body: unknown;
  contentType?: string;
  status: number;
  code: string;
}

/** Sends `head` (request line and headers) and `body` as is on a fresh socket; the whole reply, read until the server closes. */
async function raw(
  url: string,
  head: string,
  body = '',
): Promise<{ status: number; headers: string; body: string }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.end(`${head}\r\nHost: localhost\r\nConnection: close\r\n\r\n${body}`);
  let text = '';
  for await (const chunk of socket) text += chunk;
  const end = text.indexOf('\r\n\r\n');
  return { status: Number(text.split(' ')[1]), headers: text.slice(0, end), body: text.slice(end + 4) };
}

const valid = { id: 'fresh', name: 'Fresh', queue: 'email' };
const big = 'x'.repeat(70_000);

const cases: Case[] = [
  { name: 'malformed JSON', body: '{"id": "a",', status: 400, code: 'invalid_json' },
  { name: 'empty body', body: '', status: 400, code: 'invalid_json' },
  {
    name: 'wrong content type',
    body: JSON.stringify(valid),
    contentType: 'text/plain',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'form content type',
    body: 'id=a',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'unsupported_media_type',
  },
  { name: 'body over the limit', body: { ...valid, name: big }, status: 413, code: 'payload_too_large' },
  { name: 'missing id', body: { name: 'x' }, status: 400, code: 'invalid_body' },
  { name: 'extra field', body: { ...valid, admin: true }, status: 400, code: 'invalid_body' },
  { name: 'wrong-typed field', body: { ...valid, name: 42 }, status: 400, code: 'invalid_body' },
  { name: 'array body', body: [valid], status: 400, code: 'invalid_body' },
  { name: 'id with a space', body: { id: 'a b' }, status: 400, code: 'invalid_body' },
  { name: 'id with a slash', body: { id: 'a/b' }, status: 400, code: 'invalid_body' },
  { name: 'id of 129 characters', body: { id: 'a'.repeat(129) }, status: 400, code: 'invalid_body' },
  { name: 'empty id', body: { id: '' }, status: 400, code: 'invalid_body' },
  { name: 'unknown status', body: { ...valid, status: 'offline' }, status: 400, code: 'invalid_body' },
  {
    name: 'Infinity (1e999)',
    body: `{"id":"n","metrics":${JSON.stringify(metrics()).replace('"cpu":10', '"cpu":1e999')}}`,
    status: 400,
    code: 'invalid_body',
  },
  { name: 'NaN literal', body: '{"id":"n","metrics":{"cpu":NaN}}', status: 400, code: 'invalid_json' },
  {
    name: 'negative number',
    body: { id: 'n', metrics: metrics({ memoryBytes: -1 }) },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'huge number',
    body: { id: 'n', metrics: metrics({ requestsPerSec: 1e300 }) },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'cpu over its cap',
    body: { id: 'n', metrics: metrics({ cpu: 10_001 }) },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'numeric string',
    body: { id: 'n', metrics: { ...metrics(), cpu: '10' } },
    status: 400,
    code: 'invalid_body',
  },
  { name: 'name over its cap', body: { ...valid, name: 'n'.repeat(201) }, status: 400, code: 'invalid_body' },
  {
    name: 'label value over its cap',
    body: { ...valid, labels: { a: 'v'.repeat(257) } },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'too many labels',
    body: { ...valid, labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: '__proto__ at the top',
    body: '{"id":"p","__proto__":{"admin":true}}',
    status: 400,
    code: 'invalid_body',
  },
  {
    name: '__proto__ in labels',
    body: '{"id":"p","labels":{"__proto__":"x"}}',
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'constructor at the top',
    body: '{"id":"p","constructor":{"prototype":{}}}',
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'constructor in labels',
    body: '{"id":"p","labels":{"constructor":"x"}}',
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'heartbeat for an unknown id',
    path: '/api/workers/ghost/heartbeat',
    body: {},
    status: 404,
    code: 'unknown_worker',
  },
  {
    name: 'heartbeat with a bad path id',
    path: '/api/workers/bad%20id/heartbeat',
    body: {},
    status: 400,
    code: 'invalid_id',
  },
  {
    name: 'heartbeat with offline status',
    path: '/api/workers/known/heartbeat',
    body: { status: 'offline' },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'heartbeat with __proto__ in metrics',
    path: '/api/workers/known/heartbeat',
    body: '{"metrics":{"__proto__":{"cpu":1}}}',
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'too many resources in a heartbeat',
    path: '/api/workers/known/heartbeat',
    body: { resources: Array.from({ length: 65 }, (_, i) => ({ id: `r${i}`, status: 'healthy' })) },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: '10,000 log lines in one batch',
    path: '/api/workers/known/logs',
    body: { entries: Array.from({ length: 10_000 }, () => ({ level: 'info', message: 'x' })) },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'empty log batch',
    path: '/api/workers/known/logs',
    body: { entries: [] },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'log message over its cap',
    path: '/api/workers/known/logs',
    body: { entries: [{ level: 'info', message: 'm'.repeat(8193) }] },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'unknown log level',
    path: '/api/workers/known/logs',
    body: { entries: [{ level: 'fatal', message: 'm' }] },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'a log time past what a Date holds (8.7e15)',
    path: '/api/workers/known/logs',
    body: { entries: [{ level: 'warn', message: 'x', at: 8.7e15 }] },
    status: 400,
    code: 'invalid_timestamp',
  },
  {
    name: 'a log time two days ahead, after a good line',
    path: '/api/workers/known/logs',
    body: {
      entries: [
        { level: 'info', message: 'fine' },
        { level: 'info', message: 'x', at: Date.now() + 2 * 86_400_000 },
      ],
    },
    status: 400,
    code: 'invalid_timestamp',
  },
  {
    name: 'resource without status',
    method: 'PUT',
    path: '/api/resources/db',
    body: { name: 'db' },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'resource with a negative latency',
    method: 'PUT',
    path: '/api/resources/db',
    body: { status: 'healthy', latencyMs: -5 },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'resource message over its cap',
    method: 'PUT',
    path: '/api/resources/db',
    body: { status: 'down', message: 'm'.repeat(1025) },
    status: 400,
    code: 'invalid_body',
  },
  { name: 'unknown route', path: '/api/nothing', body: {}, status: 404, code: 'not_found' },
];

describe('bad input: a clear JSON error, no change, everyone else keeps being served', () => {
  let t: TestServer;
  let watcher: Stream;
  let state: string;
  const snapshotState = async () =>
    JSON.stringify([(await t.api.get('/api/workers')).body, (await t.api.get('/api/resources')).body]);

  before(async () => {
    t = await startServer();
    await t.api.post('/api/workers', { id: 'known', name: 'Known' });
    watcher = await openStream(t.url);
    state = await snapshotState();
  });
  after(async () => {
    watcher.close();
    await t.close();
  });

  for (const c of cases) {
    test(c.name, async () => {
      const body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
      const response = await t.api.send(c.method ?? 'POST', c.path ?? '/api/workers', body, {
        'content-type': c.contentType ?? 'application/json',
      });
      assert.equal(response.status, c.status, JSON.stringify(response.body));
      assert.equal(response.body.error.code, c.code);
      assert.equal(typeof response.body.error.message, 'string');
      assert.equal(await snapshotState(), state, 'the registry is unchanged');
      assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype was polluted');
    });
  }

  test('the JSON media type is read case-insensitively, with parameters; a +json type is not it', async () => {
    const post = (contentType: string) =>
      t.api.send('POST', '/api/workers', '{}', { 'content-type': contentType });
    // Read as JSON, then refused by validation: the media type passed.
    assert.equal((await post('Application/JSON ; charset=utf-8')).body.error.code, 'invalid_body');
    const suffixed = await post('application/vnd.api+json');
    assert.equal(suffixed.status, 415);
    assert.equal(suffixed.body.error.code, 'unsupported_media_type');
  });

  test('validation errors name the fields', async () => {
    const response = await t.api.post('/api/workers', { id: 'a b', extra: 1, metrics: metrics({ cpu: -1 }) });
    const paths = response.body.error.issues.map((issue: { path: string }) => issue.path).sort();
    assert.deepEqual(paths, ['', 'id', 'metrics.cpu']);
  });

  test('a bad time names the entry', async () => {
    const response = await t.api.post('/api/workers/known/logs', {
      entries: [
        { level: 'info', message: 'fine' },
        { level: 'info', message: 'x', at: 8.7e15 },
      ],
    });
    assert.deepEqual(
      response.body.error.issues.map((issue: { path: string }) => issue.path),
      ['entries.1.at'],
    );
  });

  test('a reserved label key says so', async () => {
    const response = await t.api.post('/api/workers', { id: 'p', labels: { prototype: 'x' } });
    assert.equal(response.status, 400);
    const [issue] = response.body.error.issues;
    assert.equal(issue.path, 'labels.prototype');
    assert.match(issue.message, /reserved key/);
    assert.doesNotMatch(issue.message, /Invalid key in record/);
  });

  test('a POST with no body (no Content-Length, or 0) and no type or JSON is invalid_json, not 415', async () => {
    const response = await raw(t.url, 'POST /api/workers HTTP/1.1');
    assert.equal(response.status, 400, response.body);
    assert.equal(JSON.parse(response.body).error.code, 'invalid_json');
    const typed = await raw(t.url, 'POST /api/workers HTTP/1.1\r\nContent-Type: application/json');
    assert.equal(JSON.parse(typed.body).error.code, 'invalid_json');
    // Content-Length: 0 says the same as no length at all: there is no body.
    const zero = await raw(t.url, 'POST /api/workers HTTP/1.1\r\nContent-Length: 0');
    assert.equal(zero.status, 400, zero.body);
    assert.deepEqual(JSON.parse(zero.body).error, {
      code: 'invalid_json',
      message: 'Malformed JSON: the body is empty',
    });
    const zeroTyped = await raw(
      t.url,
      'POST /api/workers HTTP/1.1\r\nContent-Length: 0\r\nContent-Type: application/json',
    );
    assert.equal(JSON.parse(zeroTyped.body).error.message, 'Malformed JSON: the body is empty');
    // A body of another declared type, or one with no type, is not JSON.
    const untyped = await raw(t.url, 'POST /api/workers HTTP/1.1\r\nContent-Length: 2', '{}');
    assert.equal(untyped.status, 415);
    const other = await raw(t.url, 'POST /api/workers HTTP/1.1\r\nContent-Type: text/plain');
    assert.equal(other.status, 415);
    assert.equal(JSON.parse(other.body).error.code, 'unsupported_media_type');
  });

  test('a method the route does not take: JSON 405 with Allow; an unknown method: JSON 501', async () => {
    const response = await t.api.send('PUT', '/api/workers');
    assert.equal(response.status, 405);
    assert.equal(response.body.error.code, 'method_not_allowed');
    assert.equal(typeof response.body.error.message, 'string');
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(response.headers.get('allow')?.split(/,\s*/).sort(), ['DELETE', 'GET', 'HEAD', 'POST']);
    const unknown = await raw(t.url, 'PROPFIND /api/workers HTTP/1.1');
    assert.equal(unknown.status, 501);
    assert.match(unknown.headers, /^content-type: application\/json/im);
    assert.equal(JSON.parse(unknown.body).error.code, 'not_implemented');
  });

  test('a body over the limit without Content-Length (chunked) is cut off at the limit', async () => {
    const { port } = new URL(t.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/api/workers',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`{"id":"chunked","name":"`);
      for (let i = 0; i < 20; i++) req.write('y'.repeat(8192));
      req.end('"}');
    });
    assert.equal(status, 413);
  });

  test('10,000 lines under a larger body limit: rejected by count, nothing logged', async () => {
    const roomy = await startServer({ bodyLimitBytes: 1024 * 1024 });
    try {
      await roomy.api.post('/api/workers', { id: 'known' });
      const entries = Array.from({ length: 10_000 }, () => ({ level: 'info', message: 'x' }));
      const response = await roomy.api.post('/api/workers/known/logs', { entries });
      assert.equal(response.status, 400);
      assert.match(JSON.stringify(response.body.error.issues), /1000/);
      assert.ok(response.body.error.issues.length <= 20);
      const stream = await openStream(roomy.url);
      assert.deepEqual(stream.of('initial_data')[0]?.data.logs, []);
      stream.close();
    } finally {
      await roomy.close();
    }
  });

  test('nothing above reached the stream, and the server still serves valid requests', async () => {
    assert.deepEqual(
      watcher.events.map((e) => e.type),
      ['initial_data'],
    );
    assert.equal((await t.api.post('/api/workers/known/heartbeat', { status: 'healthy' })).status, 200);
    await watcher.next('worker_status_change');
  });
});
