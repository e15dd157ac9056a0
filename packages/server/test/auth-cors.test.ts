import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { api, openStream, startServer, type TestServer } from './helpers.js';

const READ = 'read-token-0123456789abcdef';
const WORKER = 'worker-token-0123456789abcdef';

describe('auth', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ readTokens: [READ], workerTokens: [WORKER] });
  });
  after(() => t.close());

  test('/events: 401 without a token, 403 with a worker token, 200 with a read token (header or query)', async () => {
    const none = await fetch(`${t.url}/events`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="pulseboard"');
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'unauthorized');
    const wrongKind = await fetch(`${t.url}/events`, { headers: { authorization: `Bearer ${WORKER}` } });
    assert.equal(wrongKind.status, 403);
    assert.equal((await fetch(`${t.url}/events?access_token=nope`)).status, 401);
    const byHeader = await openStream(t.url, { headers: { authorization: `Bearer ${READ}` } });
    const byQuery = await openStream(t.url, { query: { access_token: READ } });
    byHeader.close();
    byQuery.close();
  });

  test('worker API: 401 without, 403 with a read token, accepted with a worker token', async () => {
    const body = { id: 'authed' };
    assert.equal((await api(t.url).post('/api/workers', body)).status, 401);
    assert.equal((await api(t.url, 'not-a-token').post('/api/workers', body)).status, 401);
    const forbidden = await api(t.url, READ).post('/api/workers', body);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.error.code, 'forbidden');
    assert.equal((await api(t.url, WORKER).post('/api/workers', body)).status, 201);
    assert.equal((await api(t.url, WORKER).put('/api/resources/db', { status: 'healthy' })).status, 200);
    // The query token is for /events only: a browser EventSource cannot send headers, a worker can.
    assert.equal(
      (await api(t.url).post(`/api/workers/authed/heartbeat?access_token=${WORKER}`, {})).status,
      401,
    );
  });

  test('reads: GET /api/workers and /metrics need a read token; /healthz is open', async () => {
    assert.equal((await api(t.url).get('/api/workers')).status, 401);
    assert.equal((await api(t.url, WORKER).get('/api/workers')).status, 403);
    assert.equal((await api(t.url, READ).get('/api/workers')).status, 200);
    assert.equal((await api(t.url).get('/metrics')).status, 401);
    assert.equal((await api(t.url, READ).get('/metrics')).status, 200);
    const health = await api(t.url).get('/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
  });

  test('binding beyond loopback needs tokens or allowAnonymous', async () => {
    const { createApp } = await import('../src/index.js');
    const open = await createApp({ logLevel: 'silent' });
    await assert.rejects(open.listen({ port: 0, host: '0.0.0.0' }), /--allow-anonymous/);
    await open.close();
    const anonymous = await createApp({ logLevel: 'silent', allowAnonymous: true });
    const { port } = await anonymous.listen({ port: 0, host: '0.0.0.0' });
    assert.ok(port > 0);
    // Bound beyond loopback, loopback origins are no longer trusted by default.
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
      headers: { origin: 'http://localhost:5173' },
    });
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    await anonymous.close();
    const tokened = await createApp({ logLevel: 'silent', readTokens: [READ], workerTokens: [WORKER] });
    await tokened.listen({ port: 0, host: '0.0.0.0' });
    await tokened.close();
  });
});

describe('CORS', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ corsOrigins: ['https://ops.example.com'] });
  });
  after(() => t.close());

  const allowOrigin = async (origin: string, path = '/events?types=ping') => {
    const controller = new AbortController();
    const response = await fetch(`${t.url}${path}`, { headers: { origin }, signal: controller.signal });
    controller.abort();
    return response.headers.get('access-control-allow-origin');
  };

  test('loopback origins are allowed while bound to loopback (the Vite page on :5173)', async () => {
    assert.equal(await allowOrigin('http://localhost:5173'), 'http://localhost:5173');
    assert.equal(await allowOrigin('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(await allowOrigin('http://[::1]:5173'), 'http://[::1]:5173');
  });

  test('listed origins are allowed, others get no CORS headers', async () => {
    assert.equal(await allowOrigin('https://ops.example.com'), 'https://ops.example.com');
    assert.equal(await allowOrigin('https://evil.example.com'), null);
    assert.equal(await allowOrigin('http://localhost.evil.com'), null);
  });

  test('preflight allows the headers a dashboard and a worker send', async () => {
    const response = await fetch(`${t.url}/api/workers`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://ops.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://ops.example.com');
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /Last-Event-ID/);
  });

  test('errors carry CORS headers too, so the page can read them', async () => {
    const response = await fetch(`${t.url}/api/workers/ghost/heartbeat`, {
      method: 'POST',
      headers: { origin: 'https://ops.example.com', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://ops.example.com');
  });
});

/** A request with the `Host` header a test chooses (fetch sends the URL's own); status and error code. */
function withHost(
  url: string,
  host: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: { ...headers, host } }, async (res) => {
      let text = '';
      // An opened stream answers 200 and goes on: its status is all this needs.
      if (res.statusCode === 200 && path.startsWith('/events')) {
        res.destroy();
        resolve({ status: 200, code: undefined });
        return;
      }
      for await (const chunk of res) text += chunk;
      resolve({ status: res.statusCode ?? 0, code: text ? JSON.parse(text).error?.code : undefined });
    });
    req.on('error', reject);
    if (body !== undefined) req.setHeader('content-type', 'application/json');
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('anonymous mode answers only loopback names (DNS rebinding)', () => {
  const EVIL = 'rebind.attacker.example';
  let t: TestServer;
  before(async () => {
    t = await startServer();
    await t.api.post('/api/workers', { id: 'known' });
  });
  after(() => t.close());

  test('another Host name gets 421 on every guarded path, the heartbeat lane included, and changes nothing', async () => {
    const origin = { origin: `http://${EVIL}` };
    const refused = [
      await withHost(t.url, EVIL, 'POST', '/api/workers', { id: 'evil' }, origin),
      await withHost(t.url, `${EVIL}:8090`, 'DELETE', '/api/workers/known', undefined, origin),
      // No Origin: the lane ahead of Koa takes it.
      await withHost(t.url, EVIL, 'POST', '/api/workers/known/heartbeat', { status: 'unhealthy' }),
      await withHost(t.url, EVIL, 'POST', '/api/workers/known/heartbeat', {}, origin),
      await withHost(t.url, EVIL, 'POST', '/api/heartbeats', {
        heartbeats: [{ id: 'known', status: 'unhealthy' }],
      }),
      await withHost(t.url, EVIL, 'GET', '/events', undefined, origin),
      await withHost(t.url, EVIL, 'GET', '/api/workers'),
      await withHost(t.url, 'localhost.attacker.example', 'GET', '/api/workers'),
      await withHost(t.url, '127.0.0.1.attacker.example', 'GET', '/api/workers'),
    ];
    for (const answer of refused) assert.deepEqual(answer, { status: 421, code: 'misdirected_request' });
    // HTTP/1.0 may leave Host out; a request that names no host is not a loopback one either.
    const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
    socket.end('GET /api/workers HTTP/1.0\r\n\r\n');
    let reply = '';
    for await (const chunk of socket) reply += chunk;
    assert.match(reply, /^HTTP\/1\.1 421 /);
    const { workers } = (await t.api.get('/api/workers')).body;
    assert.deepEqual(
      workers.map((w: { id: string; status: string }) => [w.id, w.status]),
      [['known', 'starting']],
    );
  });

  test('localhost, 127.0.0.1 and [::1] are answered, with any port or none', async () => {
    for (const host of ['localhost', 'LOCALHOST:8090', '127.0.0.1', '127.0.0.1:1', '[::1]', '[::1]:8090']) {
      assert.equal((await withHost(t.url, host, 'GET', '/api/workers')).status, 200, host);
      assert.equal(
        (await withHost(t.url, host, 'POST', '/api/workers/known/heartbeat', {})).status,
        200,
        host,
      );
      assert.equal((await withHost(t.url, host, 'GET', '/events')).status, 200, host);
    }
  });

  test('each request is judged by its own Host, however names alternate on the lane and the routes', async () => {
    // Auth keeps the last name's verdict: a name after another must not inherit it.
    const names = ['localhost', EVIL, EVIL, '127.0.0.1:1', `localhost.${EVIL}`, '[::1]', EVIL, 'localhost'];
    for (const host of names) {
      const want = host === EVIL || host.endsWith(EVIL) ? 421 : 200;
      const lane = await withHost(t.url, host, 'POST', '/api/workers/known/heartbeat', {});
      const route = await withHost(t.url, host, 'GET', '/api/workers');
      assert.deepEqual([lane.status, route.status], [want, want], host);
    }
  });

  test('a kind with tokens does not look at Host; --allow-anonymous answers every name', async () => {
    const tokened = await startServer({ readTokens: [READ] });
    const anonymous = await startServer({ allowAnonymous: true });
    try {
      const read = { authorization: `Bearer ${READ}` };
      assert.equal((await withHost(tokened.url, EVIL, 'GET', '/api/workers', undefined, read)).status, 200);
      // Its worker API has no tokens: that kind is still held to loopback names.
      assert.equal((await withHost(tokened.url, EVIL, 'POST', '/api/workers', { id: 'x' })).status, 421);
      assert.equal((await withHost(anonymous.url, EVIL, 'POST', '/api/workers', { id: 'x' })).status, 201);
      assert.equal((await withHost(anonymous.url, EVIL, 'POST', '/api/workers/x/heartbeat', {})).status, 200);
    } finally {
      await tokened.close();
      await anonymous.close();
    }
  });
});
