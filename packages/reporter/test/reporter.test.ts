import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createReporter, type ReporterError } from '@pulseboard/reporter';
// The reporter is tested against the real server, with the server's own test helpers.
import { metrics, metricsItems, openStream, startServer } from '../../server/test/helpers.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

test('reporter: registers, heartbeats, batches logs, re-registers after a 404, deregisters on stop', async () => {
  const TOKEN = 'worker-token-for-the-reporter';
  const t = await startServer({ heartbeatIntervalMs: 30, workerTokens: [TOKEN] });
  try {
    const stream = await openStream(t.url);
    const reporter = createReporter({
      url: t.url,
      token: TOKEN,
      worker: { id: 'rep-1', name: 'Reporter', queue: 'jobs' },
      collect: () => ({ metrics: metrics({ cpu: 33 }) }),
    });
    reporter.update({ status: 'healthy' });
    await reporter.start();
    const registered = await stream.next('worker_registered', (e) => e.data.worker.id === 'rep-1');
    assert.equal(registered.data.worker.status, 'healthy', 'registers with the state it was given');
    await stream.next('metrics_update', (e) => metricsItems(e.data).some((item) => item.metrics?.cpu === 33));

    for (let i = 0; i < 5; i++) reporter.log('info', `line ${i}`);
    const log = await stream.next('log');
    assert.equal(log.data.entries.length, 5, 'one batch');

    // The server forgets the worker (a restart would too): the next heartbeat re-registers.
    await t.api.send('DELETE', '/api/workers/rep-1', undefined, { authorization: `Bearer ${TOKEN}` });
    await stream.until(() => stream.of('worker_registered').length === 2, 're-registration');

    await reporter.stop();
    const gone = await stream.next(
      'worker_deregistered',
      (e) => e.data.reason === 'requested' && stream.of('worker_registered').length === 2,
    );
    assert.equal(gone.data.id, 'rep-1');
    stream.close();
  } finally {
    await t.close();
  }
});

/**
 * A fetch whose heartbeats and log posts leave late, so that stop() can come while the timers'
 * requests are still on their way; `settle` waits until every request made so far has answered.
 */
function lateFetch(delays: { heartbeat: number; logs: number }) {
  const pending = new Set<Promise<unknown>>();
  const fetchLate: typeof fetch = (input, init) => {
    const path = new URL(String(input)).pathname;
    const delay = path.endsWith('/heartbeat') ? delays.heartbeat : path.endsWith('/logs') ? delays.logs : 0;
    const sent = new Promise((resolve) => setTimeout(resolve, delay)).then(() => fetch(input, init));
    pending.add(sent);
    return sent;
  };
  const settle = async () => {
    while (pending.size > 0) for (const sent of pending) await sent.finally(() => pending.delete(sent));
  };
  return { fetch: fetchLate, settle };
}

test('reporter: stop() waits for the heartbeat on its way, so nothing registers the worker again', async () => {
  const t = await startServer();
  try {
    const late = lateFetch({ heartbeat: 300, logs: 0 });
    const reporter = createReporter({
      url: t.url,
      worker: { id: 'late-1' },
      heartbeatIntervalMs: 20,
      ...late,
    });
    await reporter.start();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first heartbeat is on its way
    await reporter.stop();
    await late.settle();
    // Had the DELETE gone first, the heartbeat would have met a 404 and registered the worker again.
    assert.deepEqual((await t.api.get('/api/workers')).body.workers, []);
  } finally {
    await t.close();
  }
});

test('reporter: stop() joins the log flush on its way rather than sending its lines twice', async () => {
  const t = await startServer();
  try {
    const stream = await openStream(t.url);
    const late = lateFetch({ heartbeat: 0, logs: 300 });
    const reporter = createReporter({ url: t.url, worker: { id: 'late-2' }, logFlushMs: 1, ...late });
    await reporter.start();
    reporter.log('info', 'once');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the flush is on its way
    await reporter.stop();
    await late.settle();
    await stream.next('worker_deregistered', (e) => e.data.id === 'late-2');
    assert.deepEqual(
      stream.of('log').flatMap((e) => e.data.entries.map((entry) => entry.message)),
      ['once'],
    );
    stream.close();
  } finally {
    await t.close();
  }
});

test('reporter: retries with backoff until the server is up', async () => {
  const port = await freePort();
  const errors: Error[] = [];
  const reporter = createReporter({
    url: `http://127.0.0.1:${port}`,
    worker: { id: 'early' },
    maxBackoffMs: 50,
    onError: (error) => errors.push(error),
  });
  const started = reporter.start();
  while (errors.length < 2) await new Promise((r) => setTimeout(r, 10));
  const t = await startServer({}, port);
  try {
    await started;
    assert.equal((await t.api.get('/api/workers')).body.workers[0]?.id, 'early');
    await reporter.stop();
    assert.deepEqual((await t.api.get('/api/workers')).body.workers, []);
  } finally {
    await t.close();
  }
});

test('reporter: a url that is not the worker API (a basePath left out) fails with a hint; start() does not resolve', async () => {
  const t = await startServer();
  try {
    const errors: ReporterError[] = [];
    const reporter = createReporter({
      // As if the server were mounted at /pulse and the url left it out: every worker route is a 404.
      url: `${t.url}/elsewhere`,
      worker: { id: 'lost-1' },
      maxBackoffMs: 20,
      onError: (error) => errors.push(error as ReporterError),
    });
    let started = false;
    const starting = reporter.start().then(() => {
      started = true;
    });
    for (let waited = 0; errors.length < 3 && waited < 2000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(started, false, 'start() took a 404 for a registration');
    assert.equal(errors[0]?.status, 404);
    assert.match(
      errors[0]!.message,
      /^POST \/api\/workers: 404 .*elsewhere a Pulseboard server's base URL .*basePath/,
    );
    await assert.rejects(reporter.stop(), /DELETE \/api\/workers\/lost-1: 404/);
    await starting; // stop() ends its retries
  } finally {
    await t.close();
  }
});

test('reporter: the CommonJS build, required by plain Node, registers, heartbeats, logs and deregisters', async () => {
  const t = await startServer();
  try {
    const stream = await openStream(t.url);
    // Plain Node (no tsx), with require(esm) off: Node 20 before 20.19 has none, so the require
    // condition must lead to CommonJS all the way down (the reporter, then the protocol).
    const script = `
      const { createReporter } = require('@pulseboard/reporter');
      const from = require.resolve('@pulseboard/reporter');
      console.log(JSON.stringify([from, require.resolve('@pulseboard/protocol', { paths: [from] })]));
      const reporter = createReporter({ url: process.env.PULSE_URL, worker: { id: 'cjs-1', queue: 'jobs' } });
      reporter.start().then(async () => {
        reporter.update({ status: 'healthy' });
        await reporter.heartbeat();
        reporter.log('info', 'from require');
        await reporter.stop();
      });`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--no-experimental-require-module', '-e', script],
      { cwd: fileURLToPath(new URL('.', import.meta.url)), env: { PULSE_URL: t.url } },
    );
    for (const path of JSON.parse(stdout) as string[]) assert.match(path, /[/\\]cjs[/\\]index\.js$/);

    await stream.next('worker_registered', (e) => e.data.worker.id === 'cjs-1');
    // The heartbeat, by the status it carried (a metrics row could be coalesced away by the deregistration).
    await stream.next('worker_status_change', (e) => e.data.id === 'cjs-1' && e.data.reason === 'reported');
    await stream.next('log', (e) => e.data.entries.some((entry) => entry.message === 'from require'));
    await stream.next('worker_deregistered', (e) => e.data.id === 'cjs-1' && e.data.reason === 'requested');
    stream.close();
  } finally {
    await t.close();
  }
});
