/**
 * The simulator against a real server in this process, over HTTP: a varied
 * fleet registers through the reporter SDK, with several queues, the shared
 * resources, metrics and log lines at several levels; stop() deregisters it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  Action,
  ActionList,
  DeadLetter,
  LogEntry,
  RequestActionResponse,
  Resource,
  Worker,
} from '@pulseboard/protocol';
import { createApp, type PulseServer } from '@pulseboard/server';
import { createSimulator, type Simulator } from '../simulator.js';

describe('the worker simulator', () => {
  let server: PulseServer;
  let url: string;
  let simulator: Simulator;

  before(async () => {
    server = await createApp({ logLevel: 'silent', heartbeatIntervalMs: 500, metricsIntervalMs: 100 });
    ({ url } = await server.listen({ port: 0, host: '127.0.0.1' }));
    simulator = createSimulator({ url, workers: 16, expireAfterMs: 60_000, heartbeatIntervalMs: 300 });
    await simulator.start();
  });
  after(async () => {
    await simulator.stop();
    await server.close();
  });

  const get = async <T>(path: string): Promise<T> => (await fetch(`${url}${path}`)).json() as Promise<T>;

  it('registers a fleet with several queues and reports metrics and queue stats', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { workers } = await get<{ workers: Worker[] }>('/api/workers');
    assert.equal(workers.length, 16);
    assert.ok(new Set(workers.map((w) => w.queue).filter(Boolean)).size >= 5, 'fewer than 5 queues');
    assert.ok(
      workers.every((w) => w.metrics && w.metrics.responseTimeMs > 0),
      'a worker without metrics',
    );
    assert.ok(new Set(workers.map((w) => w.metrics?.cpu)).size > 8, 'CPU does not vary');
    assert.ok(
      workers.filter((w) => w.queue).every((w) => w.queueStats),
      'a queue worker without queue stats',
    );
  });

  it('leaves failed jobs in a dead-letter queue, with their error, stack and payload', async () => {
    const page = await get<{ deadLetters: DeadLetter[]; total: number }>('/api/dead-letters?queue=webhooks');
    assert.ok(page.total >= 24, `${page.total} dead letters`);
    for (const letter of page.deadLetters) {
      assert.match(letter.error.message, /^HTTPError: Response code 50\d from https:\/\/hooks\./);
      assert.match(
        letter.error.stack ?? '',
        /\n {4}at deliver \(\/app\/src\/webhooks\/dispatcher\.ts:73:9\)/,
      );
      assert.equal(typeof letter.payload, 'object');
      assert.ok(letter.attempts >= 3);
    }
  });

  it('reports the shared resources: database, cache and broker', async () => {
    const { resources } = await get<{ resources: Resource[] }>('/api/resources');
    const kinds = new Set(resources.map((r) => r.kind));
    for (const kind of ['database', 'cache', 'broker']) assert.ok(kinds.has(kind as Resource['kind']), kind);
  });

  it('sends log lines at several levels', async () => {
    // The SSE snapshot carries recent logs.
    const response = await fetch(`${url}/events`);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('event: initial_data'))
      text += new TextDecoder().decode((await reader.read()).value);
    while (!/event: initial_data\ndata: .*\n/.test(text))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = JSON.parse(/event: initial_data\ndata: (.*)\n/.exec(text)![1]!) as { logs: LogEntry[] };
    assert.ok(data.logs.length > 10, `only ${data.logs.length} log lines`);
    assert.ok(new Set(data.logs.map((l) => l.level)).size >= 2, 'one log level only');
  });

  it('declares operator actions and performs them: pause stops a queue draining, retry moves dead letters back', async () => {
    const { workers } = await get<{ workers: Worker[] }>('/api/workers');
    const mailer = workers.find((w) => w.queue === 'email')!;
    assert.deepEqual(
      mailer.actions.map((a) => `${a.target}:${a.name}`),
      [
        'worker:restart',
        'worker:drain',
        'queue:pause',
        'queue:resume',
        'deadLetters:retryOne',
        'deadLetters:deleteOne',
        'deadLetters:retryDeadLetters',
        'deadLetters:purge',
      ],
    );
    assert.equal(mailer.actions.find((a) => a.name === 'purge')?.dangerous, true);
    // No tokens: the server lets a loopback caller operate (anonymous).
    const act = async (
      action: string,
      params?: Record<string, number | string>,
      worker = mailer.id,
    ): Promise<Action> => {
      const response = await fetch(`${url}/api/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ worker, action, params }),
      });
      assert.equal(response.status, 202, await response.clone().text());
      const { id } = (await response.json()) as RequestActionResponse;
      for (;;) {
        const done = (await get<ActionList>('/api/actions')).actions.find(
          (a) => a.id === id && a.completedAt,
        );
        if (done) return done;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const depth = async () =>
      (await get<{ workers: Worker[] }>('/api/workers')).workers
        .filter((w) => w.queue === 'email')
        .reduce((sum, w) => sum + (w.queueStats?.depth ?? 0), 0);
    const paused = await act('pause');
    assert.equal(paused.status, 'ok');
    assert.match(paused.message ?? '', /^Paused email/);
    assert.equal(paused.by, 'anonymous');
    const before = await depth();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.ok((await depth()) > before, 'a paused queue still drains');
    assert.match((await act('pause')).message ?? '', /already paused/);
    assert.match((await act('resume')).message ?? '', /^Resumed email/);
    // One dead letter (webhooks starts with some), by the id the dashboard lists: it leaves the list; a
    // second go is a clear error.
    const hooks = workers.find((w) => w.queue === 'webhooks')!.id;
    const letters = async () =>
      (await get<{ deadLetters: DeadLetter[] }>('/api/dead-letters?queue=webhooks')).deadLetters.map(
        (l) => l.id,
      );
    const [first, second] = await letters();
    assert.ok(first && second, 'the demo has dead letters of webhooks');
    assert.equal(
      (await act('retryOne', { id: first }, hooks)).message,
      `Job ${first} moved back to webhooks`,
    );
    assert.equal((await act('deleteOne', { id: second }, hooks)).message, `Deleted job ${second}`);
    for (let i = 0; (await letters()).some((id) => id === first || id === second); i++) {
      assert.ok(i < 100, 'the retried and deleted letters leave the list');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const again = await act('retryOne', { id: first }, hooks);
    assert.equal(again.status, 'error');
    assert.match(again.message ?? '', /^No dead letter ".+" in webhooks: retried or deleted already$/);
    assert.match((await act('retryDeadLetters')).message ?? '', /^Moved \d+ dead letters back to email/);
    assert.match((await act('purge', { keep: 0 })).message ?? '', /^Purged \d+ dead letters of email/);
  });

  it('resizes: removed workers deregister', async () => {
    await simulator.resize(10);
    const { workers } = await get<{ workers: Worker[] }>('/api/workers');
    assert.equal(workers.length, 10);
    assert.equal(simulator.size, 10);
  });
});
