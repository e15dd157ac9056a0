/**
 * What a connection may hold, over real sockets: a request that trickles in is
 * cut at the request timeout (an SSE stream never is), streams are bounded in
 * all and per client address (503 with Retry-After) while /healthz and
 * heartbeats still get through, and a descriptor limit too low for the stream
 * bound is warned about at start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config.js';
import { serverTimeouts } from '../src/http-limits.js';
import { eventually, openStream, startServer } from './helpers.js';

/** Sends `head`, then `trickle` one byte every `everyMs`; resolves with the reply and when the socket closed. */
async function trickle(port: number, head: string, trickle: string, everyMs: number) {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  socket.write(head);
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < trickle.length && !socket.destroyed) socket.write(trickle[sent++] as string);
  }, everyMs);
  let reply = '';
  socket.on('data', (chunk) => {
    reply += chunk;
  });
  socket.on('error', () => {});
  await once(socket, 'close');
  clearInterval(timer);
  return { reply, afterMs: Date.now() - started };
}

/** A GET /events from `localAddress`; resolves on the answer's head, the response still open. */
function openFrom(url: string, localAddress: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/events`, { localAddress, headers: { host: 'localhost' } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

describe('timeouts', () => {
  test('the defaults: headers within 10 s, the whole request within 20 s, keep-alive a heartbeat interval plus 5 s', () => {
    assert.deepEqual(serverTimeouts(resolveConfig()), {
      requestTimeout: 20_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 10_000,
      connectionsCheckingInterval: 1000,
    });
  });

  test('a body or headers trickling in are cut with 408 at the request timeout; a stream lives on', async () => {
    const t = await startServer({ requestTimeoutMs: 2000 });
    try {
      const stream = await openStream(t.url);
      const head =
        'POST /api/workers HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n';
      const [body, headers] = await Promise.all([
        trickle(t.port, head, '{"id":"slow","name":"trickling in"}    ', 700),
        trickle(t.port, 'GET /healthz HTTP/1.1\r\n', 'Host: localhost\r\nX-Slow: yes\r\n\r\n', 700),
      ]);
      for (const cut of [body, headers]) {
        assert.match(cut.reply, /^HTTP\/1\.1 408 /);
        // The bound plus Node's check interval (1 s), with room for a busy machine.
        assert.ok(cut.afterMs >= 1900 && cut.afterMs < 4500, `cut after ${cut.afterMs} ms`);
      }
      assert.equal((await t.api.get('/api/workers')).body.workers.length, 0, 'nothing half-stored');
      // Past the request timeout and Node's next check, the stream still carries events.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await t.api.post('/api/workers', { id: 'later' });
      await stream.next('worker_registered', (e) => e.data.worker.id === 'later');
      stream.close();
    } finally {
      await t.close();
    }
  });
});

describe('stream bounds', () => {
  test('past --max-streams-per-client from one address, and past --max-streams in all: 503 with Retry-After; other requests still served', async () => {
    const t = await startServer({ maxStreams: 3, maxStreamsPerClient: 2 });
    const open: IncomingMessage[] = [];
    try {
      open.push(await openFrom(t.url, '127.0.0.1'), await openFrom(t.url, '127.0.0.1'));
      for (const res of open) assert.equal(res.statusCode, 200);
      const perClient = await openFrom(t.url, '127.0.0.1');
      assert.equal(perClient.statusCode, 503);
      assert.equal(perClient.headers['retry-after'], '5');
      let text = '';
      for await (const chunk of perClient) text += chunk;
      assert.equal(JSON.parse(text).error.code, 'too_many_streams');
      assert.match(JSON.parse(text).error.message, /address holds its maximum of 2/);

      open.push(await openFrom(t.url, '127.0.0.2'));
      assert.equal(open[2]?.statusCode, 200, 'another address has room');
      const total = await openFrom(t.url, '127.0.0.3');
      assert.equal(total.statusCode, 503);
      total.resume();

      assert.equal((await t.api.get('/healthz')).status, 200);
      assert.equal((await t.api.post('/api/workers', { id: 'w' })).status, 201);
      assert.equal((await t.api.post('/api/workers/w/heartbeat', {})).status, 200);

      open.shift()?.destroy();
      const again = await eventually(
        () => openFrom(t.url, '127.0.0.1'),
        (res) => {
          if (res.statusCode === 200) return true;
          res.resume();
          return false;
        },
        'room again after a stream closed',
      );
      open.push(again);
    } finally {
      for (const res of open) res.destroy();
      await t.close();
    }
  });
});

describe('file descriptors', () => {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

  /** The CLI's log lines up to "listening", under `ulimit -n <limit>`. */
  async function startLog(limit: number, args: string[]): Promise<string> {
    const child = spawn(
      'bash',
      [
        '-c',
        `ulimit -n ${limit} && exec "${process.execPath}" --import tsx "${cli}" --port 0 ${args.join(' ')}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    try {
      await eventually(
        async () => out,
        (text) => text.includes('"msg":"listening"'),
        'listening',
        20_000,
      );
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    return out;
  }

  test('a limit below --max-streams plus a margin is warned about at start; enough is not', async () => {
    const low = await startLog(2000, []);
    assert.match(low, /"level":40.*file descriptor limit \(2000\) is below --max-streams plus 1024/);
    const enough = await startLog(2000, ['--max-streams', '900']);
    assert.doesNotMatch(enough, /file descriptor limit/);
  });
});
