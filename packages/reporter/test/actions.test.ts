import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ActionParams } from '@pulseboard/protocol';
import { type ActionContext, createFleetReporter, createReporter } from '@pulseboard/reporter';
// Against the real server, with the server's own test helpers.
import { api, openStream, startProxy, startServer } from '../../server/test/helpers.js';

const tokens = { read: 'r', worker: 'w', operate: 'op-secret' };
const config = {
  readTokens: [tokens.read],
  workerTokens: [tokens.worker],
  operateTokens: [`ops-alice=${tokens.operate}`],
};

test('reporter actions: declared, run one at a time, answered with the return value or the thrown error', async () => {
  const t = await startServer(config);
  const operator = api(t.url, tokens.operate);
  try {
    const dashboard = await openStream(t.url, { query: { access_token: tokens.operate } });
    const calls: string[] = [];
    let release: () => void = () => {};
    const reporter = createReporter({
      url: t.url,
      token: tokens.worker,
      worker: { id: 'rep-1', queue: 'email' },
      actions: [
        {
          name: 'pause',
          target: 'queue',
          label: 'Pause',
          handler: async (params: ActionParams, ctx: ActionContext) => {
            calls.push(`pause start ${ctx.by} ${ctx.queue} ${JSON.stringify(params)}`);
            await new Promise<void>((resolve) => {
              release = resolve;
            });
            calls.push('pause end');
            return { message: 'paused', data: { depth: 4 } };
          },
        },
      ],
    });
    reporter.onAction({ name: 'purge', target: 'deadLetters', label: 'Purge', dangerous: true }, () => {
      calls.push('purge');
      throw new Error('DLQ locked');
    });
    await reporter.start();
    const registered = await dashboard.next('worker_registered', (e) => e.data.worker.id === 'rep-1');
    assert.deepEqual(
      registered.data.worker.actions,
      [
        { name: 'pause', target: 'queue', label: 'Pause' },
        { name: 'purge', target: 'deadLetters', label: 'Purge', dangerous: true },
      ],
      'declarations without the handlers',
    );
    // Declared after start: registers again.
    reporter.onAction('drain', () => 'drained');
    await dashboard.next('worker_registered', (e) => e.data.worker.actions.length === 3);

    const pause = (await operator.post('/api/actions', { worker: 'rep-1', action: 'pause' })).body.id;
    const purge = (await operator.post('/api/actions', { worker: 'rep-1', action: 'purge' })).body.id;
    await dashboard.until(() => calls.length === 1, 'pause started');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(calls, ['pause start ops-alice email {}'], 'purge waits for pause');
    release();
    const failed = await dashboard.next('action_completed', (e) => e.data.action.id === purge);
    const paused = dashboard.of('action_completed').find((e) => e.data.action.id === pause)!;
    assert.deepEqual(calls, ['pause start ops-alice email {}', 'pause end', 'purge']);
    assert.equal(paused.data.action.status, 'ok');
    assert.equal(paused.data.action.message, 'paused');
    assert.deepEqual(paused.data.action.data, { depth: 4 });
    assert.equal(paused.data.action.by, 'ops-alice');
    assert.equal(failed.data.action.status, 'error');
    assert.equal(failed.data.action.message, 'DLQ locked');

    const drain = (await operator.post('/api/actions', { worker: 'rep-1', action: 'drain' })).body.id;
    const drained = await dashboard.next('action_completed', (e) => e.data.action.id === drain);
    assert.equal(drained.data.action.message, 'drained');
    await reporter.stop();
    dashboard.close();
  } finally {
    await t.close();
  }
});

test('reporter actions: the stream is cut; what was requested meanwhile runs once after the reconnect', async () => {
  const t = await startServer();
  const proxy = await startProxy(t.port);
  try {
    const dashboard = await openStream(t.url);
    const ran: string[] = [];
    const reporter = createReporter({
      url: proxy.url,
      worker: { id: 'rep-2' },
      maxBackoffMs: 100,
      actions: [
        { name: 'drain', target: 'worker', label: 'Drain', handler: (_, ctx) => void ran.push(ctx.id) },
      ],
    });
    await reporter.start();
    const first = (await t.api.post('/api/actions', { worker: 'rep-2', action: 'drain' })).body.id;
    await dashboard.next('action_completed', (e) => e.data.action.id === first);
    proxy.cut();
    const second = (await t.api.post('/api/actions', { worker: 'rep-2', action: 'drain' })).body.id;
    await dashboard.next('action_completed', (e) => e.data.action.id === second, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(ran, [first, second]);
    await reporter.stop();
    dashboard.close();
  } finally {
    await proxy.close();
    await t.close();
  }
});

test('reporter actions: a server that serves no action stream: they come in heartbeat answers', async () => {
  const t = await startServer({ heartbeatIntervalMs: 50 });
  try {
    const dashboard = await openStream(t.url);
    // A proxy in front of the server that does not pass the stream route (as an old server would answer).
    const noStream: typeof fetch = async (input, init) =>
      String(input).endsWith('/actions') && !init?.method
        ? new Response(JSON.stringify({ error: { code: 'not_found', message: 'No route' } }), { status: 404 })
        : fetch(input, init);
    const reporter = createReporter({
      url: t.url,
      worker: { id: 'rep-3' },
      fetch: noStream,
      actions: [{ name: 'drain', target: 'worker', label: 'Drain', handler: () => 'via heartbeat' }],
    });
    await reporter.start();
    const id = (await t.api.post('/api/actions', { worker: 'rep-3', action: 'drain' })).body.id;
    const done = await dashboard.next('action_completed', (e) => e.data.action.id === id);
    assert.equal(done.data.action.message, 'via heartbeat');
    await reporter.stop();
    dashboard.close();
  } finally {
    await t.close();
  }
});

test('reporter actions: the CommonJS build runs a handler and answers', async () => {
  const t = await startServer();
  try {
    const dashboard = await openStream(t.url);
    const script = `
      const { createReporter } = require('@pulseboard/reporter');
      let done;
      const handled = new Promise((resolve) => { done = resolve; });
      const reporter = createReporter({ url: process.env.PULSE_URL, worker: { id: 'cjs-actions' } });
      const ping = { name: 'ping', target: 'worker', label: 'Ping', params: { n: { type: 'number' } } };
      reporter.onAction(ping, (params) => { setTimeout(done, 50); return 'pong ' + params.n; });
      reporter.start().then(() => handled).then(() => reporter.stop());`;
    const child = promisify(execFile)(process.execPath, ['--no-experimental-require-module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      env: { PULSE_URL: t.url },
    });
    await dashboard.next('worker_registered', (e) => e.data.worker.id === 'cjs-actions');
    const id = (await t.api.post('/api/actions', { worker: 'cjs-actions', action: 'ping', params: { n: 7 } }))
      .body.id;
    await child;
    const done = await dashboard.next('action_completed', (e) => e.data.action.id === id);
    assert.equal(done.data.action.message, 'pong 7');
    dashboard.close();
  } finally {
    await t.close();
  }
});

test('reporter actions: a stream answered 200 and hung up at once (a proxy) backs off rather than spins', async () => {
  const t = await startServer();
  try {
    let attempts = 0;
    const hangsUp: typeof fetch = async (input, init) => {
      if (!String(input).endsWith('/actions') || init?.method) return fetch(input, init);
      attempts++;
      return new Response('', { status: 200, headers: { 'content-type': 'text/event-stream' } });
    };
    const reporter = createReporter({
      url: t.url,
      worker: { id: 'rep-4' },
      fetch: hangsUp,
      maxBackoffMs: 100,
      actions: [{ name: 'drain', target: 'worker', label: 'Drain', handler: () => undefined }],
    });
    await reporter.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await reporter.stop();
    assert.ok(attempts >= 2 && attempts < 30, `${attempts} attempts in 0.5 s`);
  } finally {
    await t.close();
  }
});

test('fleet reporter: a worker added with actions declares them, takes them on its own stream and reports its dead letters', async () => {
  const t = await startServer(config);
  const operator = api(t.url, tokens.operate);
  const fleet = createFleetReporter({ url: t.url, token: tokens.worker, workers: [] });
  try {
    const dashboard = await openStream(t.url, { query: { access_token: tokens.operate } });
    await fleet.start();
    const retried: string[] = [];
    await fleet.add({ id: 'fleet-q', queue: 'email' }, [
      {
        name: 'retry',
        target: 'deadLetters',
        label: 'Retry',
        params: { id: { type: 'string', required: true } },
        handler: (params) => {
          retried.push(String(params.id));
          fleet.reportDeadLetters('fleet-q', 'email', { removed: [String(params.id)] });
          return `Job ${params.id} is waiting again`;
        },
      },
    ]);
    await fleet.add({ id: 'fleet-plain', queue: 'email' });
    const registered = await dashboard.next('worker_registered', (e) => e.data.worker.id === 'fleet-q');
    assert.deepEqual(registered.data.worker.actions, [
      {
        name: 'retry',
        target: 'deadLetters',
        label: 'Retry',
        params: { id: { type: 'string', required: true } },
      },
    ]);
    fleet.reportDeadLetters('fleet-q', 'email', {
      replace: true,
      added: [
        { id: 'j1', failedAt: Date.now(), attempts: 3, error: { message: 'boom', stack: 'Error: boom' } },
      ],
    });
    await dashboard.next('dead_letters_update', (e) => e.data.added.some((l) => l.id === 'j1'));

    const asked = await operator.post('/api/actions', {
      worker: 'fleet-q',
      action: 'retry',
      params: { id: 'j1' },
    });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const done = await dashboard.next('action_completed', (e) => e.data.action.id === asked.body.id);
    assert.equal(done.data.action.status, 'ok');
    assert.equal(done.data.action.message, 'Job j1 is waiting again');
    assert.deepEqual(retried, ['j1']);
    await dashboard.next('dead_letters_update', (e) => e.data.removed.includes('j1'));
    // A worker without actions declares none and holds no stream.
    const plain = await operator.post('/api/actions', { worker: 'fleet-plain', action: 'retry' });
    assert.equal(plain.status, 404);

    await fleet.remove('fleet-q');
    await dashboard.next('worker_deregistered', (e) => e.data.id === 'fleet-q');
    dashboard.close();
  } finally {
    await fleet.stop();
    await t.close();
  }
});

test("fleet reporter: 1,000 workers with actions take them on the fleet's one stream, each run by its own worker's handler", async () => {
  const t = await startServer(config);
  const operator = api(t.url, tokens.operate);
  const streams: string[] = [];
  const counting: typeof fetch = (input, init) => {
    const path = new URL(String(input)).pathname;
    if (path.endsWith('/actions') && (init?.method ?? 'GET') === 'GET') streams.push(path);
    return fetch(input, init);
  };
  const fleet = createFleetReporter({
    url: t.url,
    token: tokens.worker,
    workers: [],
    fleet: 'bulk',
    fetch: counting,
  });
  try {
    await fleet.start();
    const ran: string[] = [];
    const ids = Array.from({ length: 1000 }, (_, i) => `bulk-${i}`);
    await Promise.all(
      ids.map((id) =>
        fleet.add({ id, queue: id }, [
          {
            name: 'pause',
            target: 'queue',
            label: 'Pause',
            handler: (_params, context) => {
              ran.push(`${id} ${context.worker}`);
              return `paused ${id}`;
            },
          },
        ]),
      ),
    );
    const listed = await api(t.url, tokens.read).get('/api/workers?limit=1000');
    assert.ok(listed.body.workers.every((w: { fleet?: string }) => w.fleet === 'bulk'));
    const dashboard = await openStream(t.url, { query: { access_token: tokens.operate } });
    for (const id of ['bulk-7', 'bulk-999']) {
      const asked = await operator.post('/api/actions', { worker: id, action: 'pause' });
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      const done = await dashboard.next('action_completed', (e) => e.data.action.id === asked.body.id);
      assert.equal(done.data.action.status, 'ok');
      assert.equal(done.data.action.message, `paused ${id}`);
    }
    dashboard.close();
    assert.deepEqual(ran, ['bulk-7 bulk-7', 'bulk-999 bulk-999']);
    assert.deepEqual(streams, ['/api/fleets/bulk/actions']);
  } finally {
    await fleet.stop();
    await t.close();
  }
});
