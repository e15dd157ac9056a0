import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { Action } from '@pulseboard/protocol';
import { createPulseboard } from '../src/index.js';
import { ActionStream, declaringWorker, requestAction } from './action-helpers.js';
import { backends } from './backends.js';
import { api, eventually, FAST, openStream, Stream } from './helpers.js';

for (const backend of backends()) {
  describe(`actions (${backend.name})`, () => {
    test('requested, delivered on the worker stream, answered: everyone sees who, what, outcome and duration', async () => {
      const t = await backend.start();
      try {
        const dashboard = await openStream(t.url);
        assert.deepEqual(dashboard.of('initial_data')[0]!.data.can, ['read', 'operate']);
        assert.equal((await t.api.post('/api/workers', declaringWorker('w1'))).status, 201);
        const registered = await dashboard.next('worker_registered', (e) => e.data.worker.id === 'w1');
        assert.deepEqual(
          registered.data.worker.actions.map((a) => a.name),
          ['pause', 'purge', 'drain'],
        );
        const worker = await ActionStream.open(t.url, 'w1');

        const accepted = await t.api.post('/api/actions', {
          worker: 'w1',
          action: 'purge',
          target: 'deadLetters',
          params: { olderThanSec: 60, mode: 'hard', dryRun: false },
        });
        assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
        const { id } = accepted.body as { id: string };
        const requested = await dashboard.next('action_requested', (e) => e.data.action.id === id);
        assert.equal(requested.data.action.status, 'pending');
        assert.equal(requested.data.action.by, 'anonymous');
        assert.equal(requested.data.action.queue, 'email');

        const delivered = await worker.next('action', (f) => (f.data as { id: string }).id === id);
        assert.deepEqual(delivered.data, {
          id,
          worker: 'w1',
          action: 'purge',
          target: 'deadLetters',
          queue: 'email',
          params: { olderThanSec: 60, mode: 'hard', dryRun: false },
          by: 'anonymous',
          requestedAt: requested.data.action.requestedAt,
          expiresAt: requested.data.action.expiresAt,
        });
        const listed = await t.api.get('/api/actions');
        assert.equal((listed.body.actions as Action[])[0]!.status, 'delivered');

        const answer = await t.api.post(`/api/actions/${id}/result`, {
          ok: true,
          message: 'purged 83',
          data: { purged: 83 },
          worker: 'w1',
        });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const done = await dashboard.next('action_completed', (e) => e.data.action.id === id);
        assert.equal(done.data.action.status, 'ok');
        assert.equal(done.data.action.message, 'purged 83');
        assert.deepEqual(done.data.action.data, { purged: 83 });
        assert.ok(done.data.action.durationMs !== null && done.data.action.durationMs >= 0);
        assert.ok(done.data.action.deliveredAt !== null);

        // Answered once only.
        const again = await t.api.post(`/api/actions/${id}/result`, { ok: false });
        assert.equal(again.status, 409);
        assert.equal(again.body.error.code, 'already_completed');
        const [latest] = (await t.api.get('/api/actions?limit=1')).body.actions as Action[];
        assert.equal(latest!.status, 'ok');
        assert.equal(dashboard.of('action_completed').length, 1);

        // Logged events: a dashboard filtering on them, resuming from before, gets both by replay.
        const replay = new Stream(t.url, {
          query: { types: 'action_requested,action_completed', lastEventId: dashboard.events[0]!.id },
        });
        await replay.next('action_completed', (e) => e.data.action.id === id);
        assert.deepEqual(
          replay.events.map((e) => e.type),
          ['action_requested', 'action_completed'],
        );
        replay.close();
        dashboard.close();
        worker.close();
      } finally {
        await t.close();
      }
    });

    test('initial_data and dashboard_update send each distinct action list once; their workers name it by index', async () => {
      const t = await backend.start({ dashboardIntervalMs: 300 });
      try {
        const live = await openStream(t.url);
        const same = ['set-1', 'set-2', 'set-3'].map((id) => declaringWorker(id));
        const other = declaringWorker('set-4', {
          actions: [{ name: 'pause', target: 'queue', label: 'Hold' }],
        });
        const { status } = await t.api.post('/api/workers', {
          workers: [...same, other, { id: 'set-5', queue: 'email' }],
        });
        assert.equal(status, 200);
        const update = await live.next('dashboard_update', (e) => e.data.workers.length === 5);
        live.close();
        const dashboard = await openStream(t.url);
        const snapshot = dashboard.of('initial_data')[0]!.data;
        dashboard.close();
        for (const payload of [snapshot, update.data]) {
          const sets = payload.actionSets!;
          const byId = new Map(payload.workers.map((w) => [w.id, w]));
          assert.equal(sets.length, 2);
          for (const id of ['set-1', 'set-2', 'set-3', 'set-4']) {
            const worker = byId.get(id)!;
            assert.equal(worker.actions, undefined, id);
            assert.deepEqual(sets[worker.actionSet!], id === 'set-4' ? other.actions : same[0]!.actions, id);
          }
          assert.equal(byId.get('set-1')!.actionSet, byId.get('set-3')!.actionSet);
          assert.deepEqual(byId.get('set-5')!.actions, []);
          assert.equal(byId.get('set-5')!.actionSet, undefined);
        }
        // Each worker record keeps its own list elsewhere (the worker API, worker_registered).
        const listed = await t.api.get('/api/workers');
        assert.deepEqual(listed.body.workers[0].actions, same[0]!.actions);
      } finally {
        await t.close();
      }
    });

    test("a fleet's stream takes the actions of every worker registered with it, resumes, and yields to a worker's own", async () => {
      const t = await backend.start();
      try {
        // Open before any of its workers registered: served all the same.
        const early = await ActionStream.open(t.url, 'fleet-a', { fleet: true });
        assert.equal(early.status, 200);
        await t.api.post('/api/workers', {
          workers: [
            declaringWorker('fa-1', { fleet: 'fleet-a' }),
            declaringWorker('fa-2', { fleet: 'fleet-a' }),
            declaringWorker('fb-1', { fleet: 'fleet-b' }),
          ],
        });
        assert.equal((await t.api.get('/api/workers')).body.workers[0].fleet, 'fleet-a');
        const a1 = await requestAction(t.api, 'fa-1', 'pause');
        const a2 = await requestAction(t.api, 'fa-2', 'drain');
        await early.until(() => early.actions.length >= 2, 'two actions');
        assert.deepEqual(
          early.actions.map((a) => [a.id, a.worker, a.action]),
          [
            [a1, 'fa-1', 'pause'],
            [a2, 'fa-2', 'drain'],
          ],
        );
        // Another fleet's worker: not on this stream; pending until its own fleet's stream comes.
        const b1 = await requestAction(t.api, 'fb-1', 'pause');
        const resumeFrom = early.lastEventId as string;
        early.close();

        // While it is away: one more, pending; a resume gets it once, then the live ones.
        const a3 = await requestAction(t.api, 'fa-2', 'pause');
        const resumed = await ActionStream.open(t.url, 'fleet-a', { fleet: true, lastEventId: resumeFrom });
        await resumed.next('action', (f) => (f.data as { id: string }).id === a3);
        const other = await ActionStream.open(t.url, 'fleet-b', { fleet: true });
        await other.next('action', (f) => (f.data as { id: string }).id === b1);

        // A worker with a stream of its own takes its actions there, not on its fleet's.
        const own = await ActionStream.open(t.url, 'fa-1');
        const a4 = await requestAction(t.api, 'fa-1', 'drain');
        await own.next('action', (f) => (f.data as { id: string }).id === a4);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(
          resumed.actions.map((a) => a.id),
          [a3],
        );
        assert.deepEqual(
          other.actions.map((a) => a.id),
          [b1],
        );
        // Registered again without the fleet: out of it.
        await t.api.post('/api/workers', declaringWorker('fa-2'));
        const a5 = await requestAction(t.api, 'fa-2', 'pause');
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.ok(!resumed.actions.some((a) => a.id === a5));
        const refused = await ActionStream.open(t.url, 'bad fleet!', { fleet: true });
        assert.equal(refused.status, 400);
        for (const stream of [resumed, other, own]) stream.close();
      } finally {
        await t.close();
      }
    });

    test('a worker without a stream takes its actions in the heartbeat answer, once', async () => {
      const t = await backend.start();
      try {
        await t.api.post('/api/workers', declaringWorker('w1'));
        const id = await requestAction(t.api, 'w1', 'pause');
        const plain = await t.api.post('/api/workers/w1/heartbeat', {});
        assert.equal(plain.body.actions, undefined, 'only when asked');
        const taking = await t.api.post('/api/workers/w1/heartbeat', { takeActions: true });
        assert.deepEqual(
          (taking.body.actions as { id: string }[]).map((a) => a.id),
          [id],
        );
        const again = await t.api.post('/api/workers/w1/heartbeat', { takeActions: true });
        assert.deepEqual(again.body.actions, []);
        // Not resumable on a stream: a stream resumed from 0 does not get it.
        const stream = await ActionStream.open(t.url, 'w1', { lastEventId: '0' });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(stream.actions, []);
        stream.close();
        assert.equal(
          (await t.api.post(`/api/actions/${id}/result`, { ok: false, message: 'nope' })).status,
          200,
        );
        const [done] = (await t.api.get('/api/actions')).body.actions as Action[];
        assert.equal(done!.status, 'error');
        assert.equal(done!.message, 'nope');
      } finally {
        await t.close();
      }
    });

    test('an action nobody answers completes as timeout, once; a late answer is refused', async () => {
      const t = await backend.start({ actionTimeoutMs: 200, sweepIntervalMs: 20 });
      try {
        const dashboard = await openStream(t.url);
        await t.api.post('/api/workers', declaringWorker('w1'));
        const untaken = await requestAction(t.api, 'w1', 'pause');
        const taken = await requestAction(t.api, 'w1', 'drain');
        const stream = await ActionStream.open(t.url, 'w1');
        await stream.until(() => stream.actions.length === 2, 'both delivered');
        stream.close();
        // Neither answered: both time out. (The first was delivered too, as the stream took both.)
        await dashboard.until(() => dashboard.of('action_completed').length >= 2, 'two timeouts');
        await new Promise((resolve) => setTimeout(resolve, 150));
        const completed = dashboard.of('action_completed');
        assert.deepEqual(completed.map((e) => e.data.action.id).sort(), [untaken, taken].sort());
        for (const event of completed) {
          assert.equal(event.data.action.status, 'timeout');
          assert.match(event.data.action.message ?? '', /did not answer within 0.2 s/);
        }
        assert.equal((await t.api.post(`/api/actions/${taken}/result`, { ok: true })).status, 409);

        // Never taken at all: says so.
        const alone = await requestAction(t.api, 'w1', 'pause');
        const timedOut = await dashboard.next('action_completed', (e) => e.data.action.id === alone);
        assert.match(timedOut.data.action.message ?? '', /No worker took it/);
        dashboard.close();
      } finally {
        await t.close();
      }
    });

    test('bad requests get a clear 4xx and store nothing', async () => {
      const t = await backend.start();
      try {
        const dashboard = await openStream(t.url);
        await t.api.post('/api/workers', declaringWorker('w1'));
        const refused: [object | string, number, string][] = [
          [{ worker: 'nobody', action: 'pause' }, 404, 'unknown_worker'],
          [{ worker: 'w1', action: 'explode' }, 404, 'unknown_action'],
          [{ worker: 'w1', action: 'purge' }, 400, 'invalid_params'],
          [{ worker: 'w1', action: 'purge', params: { olderThanSec: '60' } }, 400, 'invalid_params'],
          [{ worker: 'w1', action: 'purge', params: { olderThanSec: 1.5 } }, 400, 'invalid_params'],
          [{ worker: 'w1', action: 'purge', params: { olderThanSec: -1 } }, 400, 'invalid_params'],
          [
            { worker: 'w1', action: 'purge', params: { olderThanSec: 1, mode: 'nuke' } },
            400,
            'invalid_params',
          ],
          [
            { worker: 'w1', action: 'purge', params: { olderThanSec: 1, reason: 'x'.repeat(21) } },
            400,
            'invalid_params',
          ],
          [
            { worker: 'w1', action: 'purge', params: { olderThanSec: 1, extra: true } },
            400,
            'invalid_params',
          ],
          [{ worker: 'w1', action: 'pause', target: 'worker' }, 400, 'invalid_params'],
          [{ worker: 'w1', action: 'pause', params: { nested: { a: 1 } } }, 400, 'invalid_body'],
          [{ worker: 'w1', action: 'pause', extra: 1 }, 400, 'invalid_body'],
          [{ worker: '<script>', action: 'pause' }, 400, 'invalid_body'],
          [{ worker: 'w1', action: '"; DROP TABLE' }, 400, 'invalid_body'],
          [{ worker: 'w1', action: 'pause', params: { p: 'x'.repeat(70_000) } }, 413, 'payload_too_large'],
          ['not json', 400, 'invalid_json'],
        ];
        for (const [body, status, code] of refused) {
          const response = await t.api.post('/api/actions', body);
          assert.equal(response.status, status, `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`);
          assert.equal(response.body.error.code, code, JSON.stringify(body));
        }
        const wrongType = await t.api.post('/api/actions', {
          worker: 'w1',
          action: 'purge',
          params: { olderThanSec: 'soon', extra: 1 },
        });
        assert.deepEqual(wrongType.body.error.issues, [
          { path: 'params.olderThanSec', message: 'expected a number' },
          { path: 'params.extra', message: '"purge" takes no parameter "extra"' },
        ]);
        const protoKey = await t.api.send(
          'POST',
          '/api/actions',
          '{"worker":"w1","action":"pause","params":{"__proto__":{"x":1}}}',
        );
        assert.equal(protoKey.status, 400);

        // Results: unknown id, bad id, bad body, another worker.
        assert.equal((await t.api.post('/api/actions/no-such-action/result', { ok: true })).status, 404);
        assert.equal((await t.api.post('/api/actions/..%2Fx/result', { ok: true })).status, 400);
        const id = await requestAction(t.api, 'w1', 'pause');
        for (const body of [
          {},
          { ok: 'yes' },
          { ok: true, message: 'x'.repeat(5000) },
          { ok: true, data: 'x'.repeat(20_000) },
        ]) {
          assert.equal(
            (await t.api.post(`/api/actions/${id}/result`, body)).status,
            400,
            JSON.stringify(body),
          );
        }
        const other = await t.api.post(`/api/actions/${id}/result`, { ok: true, worker: 'w2' });
        assert.equal(other.status, 403);
        assert.equal(other.body.error.code, 'wrong_worker');

        // Only the one good request is stored and announced.
        const listed = (await t.api.get('/api/actions')).body.actions as Action[];
        assert.deepEqual(
          listed.map((a) => [a.id, a.status]),
          [[id, 'pending']],
        );
        await dashboard.next('action_requested', (e) => e.data.action.id === id);
        assert.equal(dashboard.of('action_requested').length, 1);

        // Declarations are checked at registration.
        const badDeclarations: object[] = [
          [
            { name: 'a', target: 'queue', label: 'A' },
            { name: 'a', target: 'worker', label: 'B' },
          ],
          [{ name: 'a', target: 'galaxy', label: 'A' }],
          [{ name: 'a', target: 'queue', label: '' }],
          [{ name: 'a', target: 'queue', label: 'A', params: { p: { type: 'enum' } } }],
          [
            {
              name: 'a',
              target: 'queue',
              label: 'A',
              params: { p: { type: 'number', minimum: 5, maximum: 1 } },
            },
          ],
          [{ name: 'a', target: 'queue', label: 'A', onClick: 'x' }],
          // One dead letter's action: its id must be a required string.
          [{ name: 'a', target: 'deadLetters', label: 'A', params: { id: { type: 'string' } } }],
          [
            {
              name: 'a',
              target: 'deadLetters',
              label: 'A',
              params: { id: { type: 'number', required: true } },
            },
          ],
          Array.from({ length: 33 }, (_, i) => ({ name: `a${i}`, target: 'queue', label: 'A' })),
        ];
        for (const actions of badDeclarations) {
          const response = await t.api.post('/api/workers', { id: 'w2', actions });
          assert.equal(response.status, 400, JSON.stringify(actions));
        }
        assert.equal((await t.api.get('/api/workers')).body.workers.length, 1);
        const oneLetter = { name: 'retryOne', target: 'deadLetters', label: 'Retry' };
        const perEntry = await t.api.post('/api/workers', {
          id: 'w2',
          actions: [{ ...oneLetter, params: { id: { type: 'string', required: true } } }],
        });
        assert.equal(perEntry.status, 201, JSON.stringify(perEntry.body));
        await t.api.del('/api/workers/w2');

        // Hostile labels and confirm texts are kept as text, byte for byte.
        const hostile = '<img src=x onerror=alert(1)>"\u202e\u0000';
        const stored = await t.api.post('/api/workers', {
          id: 'w3',
          actions: [{ name: 'x', target: 'worker', label: hostile, confirm: hostile }],
        });
        assert.equal(stored.status, 201);
        assert.equal(stored.body.worker.actions[0].label, hostile);
        assert.equal(stored.body.worker.actions[0].confirm, hostile);
        dashboard.close();
      } finally {
        await t.close();
      }
    });

    test('an offline worker: 409, nothing stored', async () => {
      const t = await backend.start({ heartbeatIntervalMs: 50, staleAfterMs: 50, sweepIntervalMs: 20 });
      try {
        await t.api.post('/api/workers', declaringWorker('w1'));
        await eventually(
          () => t.api.get('/api/workers'),
          (r) => r.body.workers[0]?.status === 'offline',
          'offline',
        );
        const response = await t.api.post('/api/actions', { worker: 'w1', action: 'pause' });
        assert.equal(response.status, 409);
        assert.equal(response.body.error.code, 'worker_offline');
        assert.deepEqual((await t.api.get('/api/actions')).body.actions, []);
      } finally {
        await t.close();
      }
    });
  });
}

describe('action permissions', () => {
  const tokens = { read: 'read-secret', worker: 'worker-secret', operate: 'op-secret' };
  const config = {
    readTokens: [tokens.read],
    workerTokens: [tokens.worker],
    operateTokens: [`ops-alice=${tokens.operate}`],
  };

  test('no token / read / worker / operate tokens against every action endpoint', async () => {
    for (const backend of backends()) {
      const t = await backend.start(config);
      try {
        const as = (token?: string) => api(t.url, token);
        await as(tokens.worker).post('/api/workers', declaringWorker('w1'));
        const id = await requestAction(as(tokens.operate), 'w1', 'pause');
        const stream = async (token?: string) =>
          (await ActionStream.open(t.url, 'w1', token ? { token } : {})).status;
        const endpoints: Record<string, (token?: string) => Promise<number>> = {
          'POST /api/actions': async (token) =>
            (await as(token).post('/api/actions', { worker: 'w1', action: 'drain' })).status,
          'GET /api/actions': async (token) => (await as(token).get('/api/actions')).status,
          'GET /api/workers/:id/actions': stream,
          'POST /api/actions/:id/result': async (token) =>
            // A body that fails validation after auth: 400 means "let through", so the action stays open.
            (await as(token).post(`/api/actions/${id}/result`, { ok: 'maybe' })).status,
        };
        const expected: Record<string, Record<string, number>> = {
          'POST /api/actions': { none: 401, read: 403, worker: 403, operate: 202 },
          'GET /api/actions': { none: 401, read: 200, worker: 403, operate: 200 },
          'GET /api/workers/:id/actions': { none: 401, read: 403, worker: 200, operate: 403 },
          'POST /api/actions/:id/result': { none: 401, read: 403, worker: 400, operate: 403 },
        };
        for (const [name, call] of Object.entries(endpoints)) {
          const got = Object.fromEntries(
            await Promise.all(
              (['none', 'read', 'worker', 'operate'] as const).map(async (kind) => [
                kind,
                await call(kind === 'none' ? undefined : tokens[kind]),
              ]),
            ),
          );
          assert.deepEqual(got, expected[name], `${backend.name} ${name}`);
        }
        // The audit trail names the label, never the secret.
        const listed = (await as(tokens.read).get('/api/actions')).body.actions as Action[];
        assert.ok(listed.every((a) => a.by === 'ops-alice'));
        assert.ok(!JSON.stringify(listed).includes(tokens.operate));
        // Each stream learns what it may do.
        const reader = await openStream(t.url, { headers: { authorization: `Bearer ${tokens.read}` } });
        const operator = await openStream(t.url, { query: { access_token: tokens.operate } });
        assert.deepEqual(reader.of('initial_data')[0]!.data.can, ['read']);
        assert.deepEqual(operator.of('initial_data')[0]!.data.can, ['read', 'operate']);
        reader.close();
        operator.close();
      } finally {
        await t.close();
      }
    }
  });

  test('with read tokens and no operate tokens nobody may operate; a bare operate token is labelled by position', async () => {
    const [memory] = backends();
    const closed = await memory!.start({ readTokens: ['r'], workerTokens: ['w'] });
    try {
      await api(closed.url, 'w').post('/api/workers', declaringWorker('w1'));
      const response = await api(closed.url, 'r').post('/api/actions', { worker: 'w1', action: 'pause' });
      assert.equal(response.status, 403);
      assert.match(response.body.error.message, /no operate tokens/);
      const reader = await openStream(closed.url, { query: { access_token: 'r' } });
      assert.deepEqual(reader.of('initial_data')[0]!.data.can, ['read']);
      reader.close();
    } finally {
      await closed.close();
    }
    const bare = await memory!.start({ readTokens: ['r'], workerTokens: ['w'], operateTokens: ['dGVzdA=='] });
    try {
      await api(bare.url, 'w').post('/api/workers', declaringWorker('w1'));
      const accepted = await api(bare.url, 'dGVzdA==').post('/api/actions', {
        worker: 'w1',
        action: 'pause',
      });
      assert.equal(accepted.status, 202, 'base64 padding is not a label');
      assert.equal(accepted.body.action.by, 'operate-1');
    } finally {
      await bare.close();
    }
  });

  test('a burst of requests from one token: 429 with Retry-After, the rest stored', async () => {
    const [memory] = backends();
    const t = await memory!.start();
    try {
      await t.api.post('/api/workers', declaringWorker('w1'));
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 35; i++) {
        const response = await t.api.post('/api/actions', { worker: 'w1', action: 'pause' });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
      }
      assert.equal(statuses.filter((s) => s === 202).length, 30);
      assert.equal(statuses.filter((s) => s === 429).length, 5);
      assert.ok(Number(retryAfter) >= 1);
      assert.equal((await t.api.get('/api/actions?limit=100')).body.actions.length, 30);
    } finally {
      await t.close();
    }
  });
});

test('closing the server ends worker action streams at once rather than waiting for them', async () => {
  const [memory] = backends();
  const t = await memory!.start({ shutdownTimeoutMs: 5000 });
  await t.api.post('/api/workers', declaringWorker('w1'));
  const stream = await ActionStream.open(t.url, 'w1');
  const started = performance.now();
  await t.close();
  await stream.until(() => stream.ended, 'the stream ended');
  assert.ok(performance.now() - started < 2000, `closed in ${Math.round(performance.now() - started)} ms`);
});

test('a fifth stream of one worker on an instance ends the oldest; actions go to the newest', async () => {
  const [memory] = backends();
  const t = await memory!.start();
  try {
    await t.api.post('/api/workers', declaringWorker('w1'));
    const streams: ActionStream[] = [];
    for (let i = 0; i < 5; i++) streams.push(await ActionStream.open(t.url, 'w1'));
    await streams[0]!.until(() => streams[0]!.ended, 'the oldest ended');
    assert.ok(streams.slice(1).every((stream) => !stream.ended));
    const id = await requestAction(t.api, 'w1', 'pause');
    await streams[4]!.next('action', (f) => (f.data as { id: string }).id === id);
    for (const stream of streams) stream.close();
  } finally {
    await t.close();
  }
});

test('mounted with operateTokens: an operator acts through the host app, named by label; the worker stream works under basePath', async () => {
  const pulse = await createPulseboard({
    ...FAST,
    basePath: '/pulse',
    readTokens: ['r'],
    workerTokens: ['w'],
    operateTokens: ['ops-carol=c4rol'],
  });
  const host = createServer((req, res) => pulse.handler(req, res));
  host.listen(0, '127.0.0.1');
  await once(host, 'listening');
  const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}/pulse`;
  try {
    await api(url, 'w').post('/api/workers', declaringWorker('w1'));
    const stream = await ActionStream.open(url, 'w1', { token: 'w' });
    const accepted = await api(url, 'c4rol').post('/api/actions', { worker: 'w1', action: 'drain' });
    assert.equal(accepted.status, 202);
    assert.equal(accepted.body.action.by, 'ops-carol');
    await stream.next('action', (f) => (f.data as { id: string }).id === accepted.body.id);
    assert.equal((await api(url, 'r').post('/api/actions', { worker: 'w1', action: 'drain' })).status, 403);
    stream.close();
  } finally {
    await pulse.close();
    host.closeAllConnections();
    await new Promise((resolve) => host.close(resolve));
  }
});
