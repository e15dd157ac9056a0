/**
 * Server errors are never silent, over real sockets and a real log: every 500
 * is logged with its cause, a snapshot that cannot be built turns /healthz
 * degraded (503) until one can, and a stream then answers 500 instead of
 * closing with nothing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { api, eventually } from './helpers.js';

interface LogLine {
  level: number;
  msg: string;
  path?: string;
  err?: { message: string; stack?: string };
}

describe('failures are logged with their cause, and /healthz tells', () => {
  let child: ChildProcess;
  let url: string;
  const lines: LogLine[] = [];

  before(async () => {
    const script = fileURLToPath(new URL('./faulty-server.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const complete = out.split('\n');
      out = complete.pop() ?? '';
      for (const line of complete) if (line) lines.push(JSON.parse(line));
    });
    let err = '';
    child.stderr!.on('data', (chunk) => {
      err += chunk;
    });
    await eventually(
      async () => err,
      (text) => text.includes('http://'),
      'the server URL',
      20_000,
    );
    url = err.trim().split('\n')[0] as string;
  });
  after(async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  const logged = (message: string, cause: RegExp, path: string) =>
    eventually(
      async () =>
        lines.find(
          (line) => line.msg === message && line.path === path && cause.test(line.err?.message ?? ''),
        ),
      (found) => found !== undefined,
      `"${message}" for ${path} logged with ${cause}`,
    );

  /** The events of one stream until it ends (or a second, for one that stays open). */
  async function streamTypes(): Promise<string[]> {
    const response = await fetch(`${url}/events`, { signal: AbortSignal.timeout(1000) });
    let text = '';
    try {
      for await (const chunk of response.body!) text += Buffer.from(chunk).toString();
    } catch {}
    return [...text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1] as string);
  }

  test('a 500 answers JSON and logs the error, with the path', async () => {
    const pb = api(url);
    assert.equal((await pb.post('/api/workers', { id: 'poison' })).status, 201);
    const response = await pb.get('/api/workers');
    assert.equal(response.status, 500);
    assert.equal(response.body.error.code, 'internal');
    const line = await logged('request failed', /Invalid string length/, '/api/workers');
    assert.equal(line?.level, 50);
    assert.match(line?.err?.stack ?? '', /RangeError/);
  });

  test('while no snapshot can be built: streams answer 500, /healthz is degraded; then ok again', async () => {
    const refused = await api(url).get('/events');
    assert.equal(refused.status, 500);
    assert.equal(refused.body.error.code, 'internal');
    await logged('request failed', /Invalid string length/, '/events');
    const degraded = await api(url).get('/healthz');
    assert.equal(degraded.status, 503);
    assert.equal(degraded.body.status, 'degraded');
    assert.match(degraded.body.reason, /initial_data cannot be built/);
    assert.doesNotMatch(
      degraded.body.reason,
      /Invalid string length/,
      'an open endpoint tells no error text',
    );

    assert.equal((await api(url).del('/api/workers/poison')).status, 204);
    assert.deepEqual(await streamTypes(), ['initial_data']);
    const healthy = await api(url).get('/healthz');
    assert.equal(healthy.status, 200);
    assert.equal(healthy.body.status, 'ok');
  });

  test('a failure while writing the answer (after every middleware ran) is logged too', async () => {
    assert.equal((await api(url).post('/api/workers', { id: 'bigint' })).status, 201);
    assert.equal((await api(url).get('/api/workers')).status, 500);
    await logged('response failed', /BigInt/, '/api/workers');
    assert.equal((await api(url).del('/api/workers/bigint')).status, 204);
  });
});
