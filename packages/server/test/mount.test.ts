import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import middie from '@fastify/middie';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { ConfigError, createPulseboard, type Pulseboard, type PulseboardOptions } from '../src/index.js';
import { api, FAST, metrics, openStream, Stream } from './helpers.js';

/**
 * createPulseboard inside real host apps (Koa, Express 5, Fastify with
 * @fastify/middie, plain node:http) over real sockets, each mounted at /pulse
 * next to a host route of its own. Every host gets the same checks: the mount
 * must behave as the standalone server does, and leave the rest to the host.
 */
const READ = 'read-token-mount';
const WORKER = 'worker-token-mount';
const ORIGIN = 'https://ops.example.com';

const options = (overrides: Partial<PulseboardOptions> = {}): PulseboardOptions => ({
  ...FAST,
  basePath: '/pulse',
  readTokens: [READ],
  workerTokens: [WORKER],
  corsOrigins: [ORIGIN],
  bodyLimitBytes: 2048,
  ...overrides,
});

interface Host {
  /** The host app's own URL; the mount is at `${url}/pulse`. */
  url: string;
  close(): Promise<void>;
}

async function listening(server: Server): Promise<Host> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Each host answers GET /hello itself, and 404s in its own way what neither it nor the mount takes. */
const hosts: { name: string; start(pulse: Pulseboard): Promise<Host> }[] = [
  {
    name: 'Koa',
    start(pulse) {
      const app = new Koa();
      app.use(pulse.middleware);
      app.use((ctx) => {
        if (ctx.path === '/hello') ctx.body = 'host';
      });
      return listening(createServer(app.callback()));
    },
  },
  {
    name: 'Express 5',
    start(pulse) {
      const app = express();
      app.use('/pulse', pulse.handler);
      app.get('/hello', (_req, res) => {
        res.send('host');
      });
      return listening(createServer(app));
    },
  },
  {
    name: 'Fastify',
    async start(pulse) {
      const app = Fastify();
      await app.register(middie);
      app.use(pulse.handler);
      app.get('/hello', async () => 'host');
      await app.listen({ port: 0, host: '127.0.0.1' });
      return {
        url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
        close: () => app.close(),
      };
    },
  },
  {
    name: 'node:http',
    start(pulse) {
      return listening(
        createServer((req, res) =>
          pulse.handler(req, res, () => {
            res.statusCode = req.url === '/hello' ? 200 : 404;
            res.end(req.url === '/hello' ? 'host' : 'not found');
          }),
        ),
      );
    },
  },
];

for (const host of hosts) {
  describe(`mounted at /pulse in ${host.name}`, () => {
    let pulse: Pulseboard;
    let app: Host;
    let base: string;
    before(async () => {
      pulse = await createPulseboard(options());
      app = await host.start(pulse);
      base = `${app.url}/pulse`;
    });
    after(async () => {
      await pulse.close();
      await app.close();
    });

    test('register, then heartbeats on the fast lane; with an Origin the Koa route answers, with CORS', async () => {
      const worker = api(base, WORKER);
      const registered = await worker.post('/api/workers', { id: 'mounted-1', queue: 'email' });
      assert.equal(registered.status, 201);
      const lane = await worker.post('/api/workers/mounted-1/heartbeat', {
        status: 'healthy',
        metrics: metrics(),
      });
      assert.equal(lane.status, 200);
      assert.equal(lane.body.status, 'healthy');
      // Koa's CORS middleware always varies on Origin; the heartbeat lane, which answers ahead of it, does not.
      assert.equal(lane.headers.get('vary'), null, 'the lane answered');
      const route = await worker.send(
        'POST',
        '/api/workers/mounted-1/heartbeat',
        { status: 'degraded' },
        { origin: ORIGIN },
      );
      assert.equal(route.status, 200);
      assert.match(route.headers.get('vary') ?? '', /Origin/, 'the Koa route answered');
      assert.equal(route.headers.get('access-control-allow-origin'), ORIGIN);
      const listed = await api(base, READ).get('/api/workers');
      assert.equal(listed.body.workers.find((w: { id: string }) => w.id === 'mounted-1')?.status, 'degraded');
    });

    test('/pulse/events streams initial_data, then a live worker_registered', async () => {
      const stream = await openStream(base, { headers: { authorization: `Bearer ${READ}` } });
      const initial = stream.of('initial_data')[0];
      assert.ok(initial?.data.workers.some((w) => w.id === 'mounted-1'));
      await api(base, WORKER).post('/api/workers', { id: 'mounted-2' });
      const registered = await stream.next('worker_registered', (e) => e.data.worker.id === 'mounted-2');
      assert.ok(registered.id);
      stream.close();
    });

    test('tokens: 401 without one on the stream, the reads and the writes (lane included)', async () => {
      const anonymous = api(base);
      assert.equal((await fetch(`${base}/events`)).status, 401);
      assert.equal((await anonymous.get('/api/workers')).status, 401);
      assert.equal((await anonymous.post('/api/workers', { id: 'nobody' })).status, 401);
      const beat = await anonymous.post('/api/workers/mounted-1/heartbeat', {});
      assert.equal(beat.status, 401);
      assert.equal(beat.headers.get('www-authenticate'), 'Bearer realm="pulseboard"');
      assert.equal((await api(base, READ).post('/api/workers', { id: 'nobody' })).status, 403);
      assert.equal((await api(base).get('/healthz')).status, 200, '/healthz stays open');
    });

    test('bad JSON is a 400 and a body over the limit a 413, on the route and on the lane', async () => {
      const worker = api(base, WORKER);
      const malformed = await worker.post('/api/workers', '{"id":');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'invalid_json');
      assert.equal((await worker.post('/api/workers/mounted-1/heartbeat', '{')).status, 400);
      const huge = { id: 'huge', name: 'x'.repeat(4096) };
      const tooLarge = await worker.post('/api/workers', huge);
      assert.equal(tooLarge.status, 413);
      assert.equal(tooLarge.body.error.code, 'payload_too_large');
      assert.equal((await worker.post('/api/workers/mounted-1/heartbeat', huge)).status, 413);
      assert.equal((await api(base, READ).get('/api/workers')).body.workers.length, 2, 'nothing changed');
    });

    test("paths outside /pulse are the host's; unknown paths inside are the mount's JSON 404", async () => {
      const hello = await fetch(`${app.url}/hello`);
      assert.equal(hello.status, 200);
      assert.equal(await hello.text(), 'host');
      const beside = await fetch(`${app.url}/pulsebeat`);
      assert.equal(beside.status, 404);
      assert.doesNotMatch(await beside.text(), /"code":"not_found"/, "the host's own 404");
      const inside = await api(base, READ).get('/nothing');
      assert.equal(inside.status, 404);
      assert.equal(inside.body.error.code, 'not_found');
    });

    test('a client that goes away leaves the server, and close() ends streams with reconnect; the host keeps serving', async () => {
      const health = async () =>
        (await api(base).get('/healthz')).body as { clients: number; status: string };
      const gone = await openStream(base, { query: { access_token: READ } });
      const stays = await openStream(base, { query: { access_token: READ } });
      assert.equal((await health()).clients, 2);
      gone.close();
      const deadline = Date.now() + 5000;
      while ((await health()).clients !== 1) {
        assert.ok(Date.now() < deadline, 'the closed stream was never removed');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(pulse.ready(), true);
      await pulse.close();
      const reconnect = await stays.next('reconnect');
      assert.equal(reconnect.data.reason, 'shutdown');
      stays.close();
      assert.equal(pulse.ready(), false);
      const refused = await api(base, READ).get('/api/workers');
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'shutting_down');
      assert.equal(refused.headers.get('retry-after'), '1');
      const hello = await fetch(`${app.url}/hello`);
      assert.equal(await hello.text(), 'host');
    });
  });
}

describe('mount rules', () => {
  test('no tokens (or only one kind) refuses to start unless allowAnonymous is given', async () => {
    const refused = /Refusing to mount without both readTokens and workerTokens/;
    await assert.rejects(createPulseboard({ ...FAST, basePath: '/pulse' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, refused);
      assert.match(err.message, /allowAnonymous: true/);
      return true;
    });
    await assert.rejects(createPulseboard(options({ workerTokens: [] })), refused);
    await assert.rejects(createPulseboard(options({ readTokens: [] })), refused);
    const open = await createPulseboard({ ...FAST, basePath: '/pulse', allowAnonymous: true });
    assert.equal(open.ready(), true);
    await open.close();
  });

  test('a bad basePath, a port or a host is a ConfigError', async () => {
    for (const basePath of ['pulse', '/pulse?x=1', '/a//b', '/with space', '']) {
      await assert.rejects(createPulseboard(options({ basePath })), /basePath must be a path/, basePath);
    }
    const withPort = { ...options(), port: 8090 } as PulseboardOptions;
    await assert.rejects(createPulseboard(withPort), /port and host are the host app's/);
    await assert.rejects(createPulseboard(options({ heartbeatIntervalMs: -1 })), ConfigError);
    // From plain JavaScript, no options at all.
    const call = createPulseboard as (options?: unknown) => Promise<Pulseboard>;
    await assert.rejects(call(), /expects an options object with at least basePath/);
  });

  test('CORS: the allow-list only; a loopback origin is not trusted, there is no bind address to judge', async () => {
    const pulse = await createPulseboard(options());
    const app = await listening(createServer(pulse.handler));
    try {
      const preflight = (origin: string) =>
        fetch(`${app.url}/pulse/events`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'GET' },
        });
      assert.equal((await preflight(ORIGIN)).headers.get('access-control-allow-origin'), ORIGIN);
      const loopback = await preflight('http://localhost:5173');
      assert.equal(loopback.headers.get('access-control-allow-origin'), null);
      // No next: outside the mount is a 404.
      const outside = await fetch(`${app.url}/elsewhere`);
      assert.equal(outside.status, 404);
      assert.equal(((await outside.json()) as { error: { code: string } }).error.code, 'not_found');
    } finally {
      await pulse.close();
      await app.close();
    }
  });

  test('basePath "/" takes every path; a trailing slash is ignored', async () => {
    const root = await createPulseboard(options({ basePath: '/' }));
    const slash = await createPulseboard(options({ basePath: '/ops/pulse/' }));
    const app = await listening(
      createServer((req, res) => slash.handler(req, res, () => root.handler(req, res))),
    );
    try {
      assert.equal(slash.basePath, '/ops/pulse');
      assert.equal((await api(`${app.url}/ops/pulse`).get('/healthz')).status, 200);
      assert.equal((await api(app.url).get('/healthz')).status, 200);
      const stream = new Stream(`${app.url}/ops/pulse`, { query: { access_token: READ } });
      await stream.next('initial_data');
      stream.close();
    } finally {
      await Promise.all([root.close(), slash.close()]);
      await app.close();
    }
  });

  test('a body parser ahead of the mount gets a clear 500, not a request that hangs', async () => {
    const pulse = await createPulseboard(options());
    const server = express();
    server.use(express.json());
    server.use('/pulse', pulse.handler);
    const app = await listening(createServer(server));
    try {
      const answer = await api(`${app.url}/pulse`, WORKER).post('/api/workers', { id: 'parsed' });
      assert.equal(answer.status, 500);
      assert.equal(answer.body.error.code, 'body_consumed');
      assert.match(answer.body.error.message, /ahead of body parsers/);
      // A request without a body is not affected.
      assert.equal((await api(`${app.url}/pulse`, READ).get('/api/workers')).status, 200);
    } finally {
      await pulse.close();
      await app.close();
    }
  });
});
