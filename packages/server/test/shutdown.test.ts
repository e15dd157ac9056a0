import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { eventually, openStream, startServer } from './helpers.js';

test('close(): every stream gets `reconnect` with its last id, then ends; the port is released', async () => {
  const t = await startServer();
  const a = await openStream(t.url);
  const b = await openStream(t.url, { query: { types: 'log' } });
  await t.api.post('/api/workers', { id: 'last' });
  const registered = await a.next('worker_registered');
  await t.close();
  for (const stream of [a, b]) {
    const reconnect = await stream.next('reconnect');
    assert.equal(reconnect.data.reason, 'shutdown');
    assert.ok(reconnect.data.retryMs > 0);
    assert.equal(reconnect.id, registered.id, 'the id to resume from');
    stream.close();
  }
  await assert.rejects(fetch(`${t.url}/healthz`));
  // The same port can serve again (what a restarted server does).
  const again = await startServer({}, t.port);
  assert.equal((await again.api.get('/healthz')).status, 200);
  await again.close();
});

test('close() lets a request in flight finish, and does not wait for connections with nothing in flight', {
  timeout: 5000,
}, async () => {
  const t = await startServer({ shutdownTimeoutMs: 60_000 });
  // What undici leaves behind after an aborted request: a connection that never carries one.
  const unused = connect(t.port, '127.0.0.1').on('error', () => {});
  await once(unused, 'connect');
  await t.api.get('/healthz'); // and an idle keep-alive one
  await t.api.post('/api/workers', { id: 'beating' });
  // One request in flight through Koa, one through the heartbeat lane ahead of it.
  const inFlight = [
    { path: '/api/workers', body: JSON.stringify({ id: 'late' }), status: 201 },
    { path: '/api/workers/beating/heartbeat', body: JSON.stringify({ status: 'healthy' }), status: 200 },
  ].map(({ path, body, status }) => {
    const socket = connect(t.port, '127.0.0.1');
    const sent = { socket, body, status, answer: '' };
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      sent.answer += chunk;
    });
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    return sent;
  });
  // Node answers 100 Continue as it hands the request to the app: from then on it is in flight.
  for (const sent of inFlight) {
    await eventually(
      async () => sent.answer,
      (text) => text.includes('100 Continue'),
      'the request to reach the app',
    );
  }

  const closed = t.close();
  for (const { socket, body } of inFlight) socket.end(body);
  await closed;
  for (const socket of [...inFlight.map((sent) => sent.socket), unused]) {
    if (!socket.closed) await once(socket, 'close');
  }
  for (const { answer, status } of inFlight) {
    assert.match(answer, new RegExp(`HTTP/1\\.1 ${status} `), 'the request in flight was answered');
  }
});

test('gzip: each event is flushed through the encoder as it happens', async () => {
  const t = await startServer({ compress: true });
  try {
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      get(`${t.url}/events`, { headers: { 'accept-encoding': 'gzip' } }, resolve).on('error', reject);
    });
    assert.equal(res.headers['content-encoding'], 'gzip');
    let text = '';
    const gunzip = res.pipe(createGunzip());
    gunzip.setEncoding('utf8');
    gunzip.on('data', (chunk: string) => {
      text += chunk;
    });
    const until = async (needle: string) => {
      const deadline = Date.now() + 5000;
      while (!text.includes(needle)) {
        assert.ok(Date.now() < deadline, `never decoded ${needle}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await until('event: initial_data');
    await t.api.post('/api/workers', { id: 'zipped' });
    await until('"id":"zipped"');
    res.destroy();

    // A client that does not ask for gzip gets plain text.
    const plain = await fetch(`${t.url}/events`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    await plain.body?.cancel();
  } finally {
    await t.close();
  }
});

test('the CLI stops cleanly on SIGTERM after telling streams to reconnect', async () => {
  // The compiled CLI that package.json's bin names (`npm test` builds it first).
  const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const child = spawn(process.execPath, [bin, '--port', '0', '--log-level', 'silent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    const deadline = Date.now() + 10_000;
    while (!/on (http:\S+) /.test(out)) {
      assert.ok(Date.now() < deadline, `no start line: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const url = (/on (http:\S+) /.exec(out) as RegExpExecArray)[1] as string;
    const stream = await openStream(url);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    await stream.next('reconnect');
    stream.close();
  } finally {
    child.kill('SIGKILL');
  }
});
