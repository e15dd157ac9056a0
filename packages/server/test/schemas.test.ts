/**
 * The generated contract (packages/protocol/schema/**, docs/openapi.json) is fresh, valid, and
 * true: every event and answer of a realistic session with a real server matches both the zod
 * schemas it is generated from and the committed JSON Schema files a client would use.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { EVENT_TYPES, type PulseEvent } from '@pulseboard/protocol';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { z } from 'zod';
import { generatedFiles, root, schemaDir } from '../../../scripts/generate-schemas.js';
import { eventPayloadSchemas } from '../src/schemas/events.js';
import { responseSchemas } from '../src/schemas/responses.js';
import { type ApiResponse, metrics, openStream, queueStats, type Stream, startServer } from './helpers.js';

const committed = (path: string) => readFileSync(join(root, path), 'utf8');
const filesUnder = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));

test('the committed JSON Schemas and docs/openapi.json are what `npm run generate` makes', () => {
  const files = generatedFiles();
  for (const [path, content] of files) {
    assert.equal(committed(path), content, `${path} is stale: run npm run generate`);
  }
  const extra = filesUnder(schemaDir).filter((path) => !files.has(path));
  assert.deepEqual(extra, [], 'no longer generated: run npm run generate');
});

test('docs/openapi.json is valid OpenAPI 3.1 and lists every route the server mounts', async () => {
  const document = JSON.parse(committed('docs/openapi.json'));
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');

  const routes = new Set<string>();
  for (const file of filesUnder('packages/server/src/routes')) {
    for (const [, method, path] of committed(file).matchAll(/router\.(\w+)\(\s*'([^']+)'/g)) {
      routes.add(`${method} ${path!.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  const documented = new Set(
    Object.entries(document.paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method} ${path}`),
    ),
  );
  assert.ok(routes.size >= 10, `routes found in the sources: ${[...routes].join(', ')}`);
  assert.deepEqual([...documented].sort(), [...routes].sort());
});

/** Validators compiled from the committed files, as a client in any language would use them. */
const ajv = new Ajv2020({ allErrors: true });
const jsonSchema = (path: string) => ajv.compile(JSON.parse(committed(`${schemaDir}/${path}`)));
const eventValidators = new Map(EVENT_TYPES.map((type) => [type, jsonSchema(`events/${type}.json`)]));

/**
 * zod: valid, and nothing dropped (the schemas are open objects, so parsing strips unknown keys:
 * a field the server sends but the schema does not describe shows up as a difference).
 */
function holds(schema: z.ZodType, value: unknown, what: string): void {
  const result = schema.safeParse(value);
  assert.ok(result.success, `${what}: ${result.error?.message}\n${JSON.stringify(value)}`);
  assert.deepEqual(result.data, value, `${what} has fields its schema does not describe`);
}

function checkEvent(event: PulseEvent): void {
  holds(eventPayloadSchemas[event.type], event.data, event.type);
  const validate = eventValidators.get(event.type)!;
  assert.ok(validate(event.data), `${event.type}: ${ajv.errorsText(validate.errors)}`);
}

function answers(response: ApiResponse, status: number, schema: keyof typeof responseSchemas): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  holds(responseSchemas[schema], response.body, `${status} ${schema}`);
}

test('every event and answer of a realistic session matches its schema (zod and the JSON Schema files)', async () => {
  const t = await startServer({
    heartbeatIntervalMs: 1000,
    // Long enough for email-1 not to go stale between its heartbeats, even on a busy machine.
    staleAfterMs: 1500,
    expireAfterMs: 200,
    sweepIntervalMs: 20,
    dashboardIntervalMs: 100,
    pingIntervalMs: 100,
    actionTimeoutMs: 300,
  });
  const streams: Stream[] = [];
  let closed = false;
  try {
    const a = await openStream(t.url);
    streams.push(a);
    const register = jsonSchema('requests/register-worker.json');
    const heartbeat = jsonSchema('requests/heartbeat.json');
    const logs = jsonSchema('requests/logs.json');
    const resource = jsonSchema('requests/resource.json');
    /** Sends a body the request's JSON Schema accepts, as a client checking its own requests would. */
    const send = (validate: ValidateFunction, method: string, path: string, body: object) => {
      assert.ok(validate(body), `${method} ${path}: ${ajv.errorsText(validate.errors)}`);
      return t.api.send(method, path, body);
    };

    const w1 = {
      id: 'email-1',
      name: 'Email sender',
      queue: 'email',
      status: 'healthy',
      labels: { region: 'eu' },
      metrics: metrics(),
      queueStats: queueStats(),
      actions: [
        { name: 'pause', target: 'queue', label: 'Pause' },
        {
          name: 'purge',
          target: 'deadLetters',
          label: 'Purge',
          confirm: 'Purge every dead letter?',
          dangerous: true,
          params: { olderThanSec: { type: 'number', minimum: 0, integer: true, required: true } },
        },
      ],
    };
    answers(await send(register, 'POST', '/api/workers', w1), 201, 'RegisterWorkerResponse');
    answers(
      await send(register, 'POST', '/api/workers', { ...w1, status: 'degraded' }),
      200,
      'RegisterWorkerResponse',
    );
    const deadLetters = jsonSchema('requests/dead-letters.json');
    answers(
      await send(deadLetters, 'POST', '/api/workers/email-1/dead-letters', {
        queue: 'email',
        added: [
          {
            id: 'job-1',
            name: 'welcome',
            failedAt: Date.now(),
            attempts: 3,
            error: { message: 'SMTP timeout', stack: 'Error: SMTP timeout\n    at send (mail.js:1:1)' },
            payload: { to: 'a@example.com' },
          },
          { id: 'job-2', failedAt: Date.now(), attempts: 1, error: { message: 'x'.repeat(5000) } },
        ],
      }),
      200,
      'DeadLettersResponse',
    );
    answers(await t.api.get('/api/dead-letters?queue=email'), 200, 'DeadLetterPage');
    answers(await t.api.get('/api/dead-letters?queue=nowhere'), 404, 'ErrorBody');
    answers(
      await send(heartbeat, 'POST', '/api/workers/email-1/heartbeat', {
        status: 'healthy',
        metrics: metrics({ cpu: 55 }),
        queueStats: queueStats({ deadLetter: 3 }),
        resources: [{ id: 'postgres', kind: 'database', status: 'healthy', latencyMs: 2 }],
      }),
      200,
      'HeartbeatResponse',
    );
    answers(
      await send(logs, 'POST', '/api/workers/email-1/logs', {
        entries: [
          { level: 'error', message: 'SMTP timeout', at: Date.now() },
          { level: 'info', message: 'retrying' },
        ],
      }),
      202,
      'LogsAccepted',
    );
    answers(
      await send(resource, 'PUT', '/api/resources/redis', {
        name: 'Redis',
        kind: 'cache',
        status: 'degraded',
        latencyMs: 48,
        message: 'high latency',
      }),
      200,
      'ResourceResponse',
    );
    // Actions: one answered (by the heartbeat's delivery), one left to time out, one refused.
    const requestAction = jsonSchema('requests/request-action.json');
    const actionResult = jsonSchema('requests/action-result.json');
    const paused = await send(requestAction, 'POST', '/api/actions', { worker: 'email-1', action: 'pause' });
    answers(paused, 202, 'ActionAccepted');
    const taken = await send(heartbeat, 'POST', '/api/workers/email-1/heartbeat', { takeActions: true });
    answers(taken, 200, 'HeartbeatResponse');
    assert.equal(taken.body.actions[0].id, paused.body.id);
    holds(responseSchemas.ActionDelivery, taken.body.actions[0], 'ActionDelivery');
    answers(
      await send(actionResult, 'POST', `/api/actions/${paused.body.id}/result`, {
        ok: true,
        message: 'paused',
        data: { depth: 3 },
      }),
      200,
      'ActionResponse',
    );
    answers(
      await send(requestAction, 'POST', '/api/actions', {
        worker: 'email-1',
        action: 'purge',
        target: 'deadLetters',
        params: { olderThanSec: 60 },
      }),
      202,
      'ActionAccepted',
    );
    answers(await t.api.post('/api/actions', { worker: 'email-1', action: 'purge' }), 400, 'ErrorBody');
    await a.next('action_completed', (e) => e.data.action.status === 'timeout');
    answers(await t.api.get('/api/actions'), 200, 'ActionList');
    answers(await t.api.get('/api/workers'), 200, 'WorkerList');
    answers(await t.api.get('/api/resources'), 200, 'ResourceList');
    answers(await t.api.get('/healthz'), 200, 'Health');
    answers(await t.api.get('/api/history'), 200, 'HistoryResponse');
    answers(await t.api.get('/api/history?worker=email-1'), 200, 'HistoryResponse');
    answers(await t.api.get('/api/history?from=2&to=1'), 400, 'ErrorBody');

    // A dashboard arriving now (with an id from nowhere): a resync snapshot with something in it.
    const b = await openStream(t.url, { query: { lastEventId: 'not-an-id' } });
    streams.push(b);
    assert.equal(b.of('initial_data')[0]!.data.resync, true);

    // Errors: a body its JSON Schema rejects too, an unknown worker, a body that is not JSON.
    const bad = { id: 'email-2', metrics: { cpu: -1 } };
    assert.ok(!register(bad), 'the JSON Schema rejects what the server rejects');
    answers(await t.api.post('/api/workers', bad), 400, 'ErrorBody');
    answers(await t.api.post('/api/workers/nobody/heartbeat', {}), 404, 'ErrorBody');
    const batch = jsonSchema('requests/heartbeat-batch.json');
    answers(
      await send(batch, 'POST', '/api/heartbeats', {
        heartbeats: [{ id: 'email-1', queueStats: { depth: 4 } }, { id: 'nobody' }, { id: 'email-1' }],
      }),
      200,
      'HeartbeatBatchResponse',
    );
    answers(await t.api.post('/api/heartbeats', { heartbeats: 1 }), 400, 'ErrorBody');
    answers(
      await send(jsonSchema('requests/register-worker-batch.json'), 'POST', '/api/workers', {
        workers: [{ id: 'email-1' }, { id: 'email-7', queue: 'email' }, { id: 'email-7' }],
      }),
      200,
      'RegisterWorkerBatchResponse',
    );
    answers(
      await t.api.send('POST', '/api/workers', 'id=x', { 'content-type': 'text/plain' }),
      415,
      'ErrorBody',
    );

    await a.next('metrics_update', (e) => e.data.items.some(([id]) => id === 'email-1'));
    await send(heartbeat, 'POST', '/api/workers/email-1/heartbeat', { status: 'stopping' });
    assert.equal((await t.api.del('/api/workers/email-1')).status, 204);

    // A worker that falls silent: offline (stale), back (recovered), offline again, then expired.
    await send(register, 'POST', '/api/workers', { id: 'batch-1', queue: 'batch' });
    await a.next('worker_status_change', (e) => e.data.id === 'batch-1' && e.data.reason === 'stale');
    await send(heartbeat, 'POST', '/api/workers/batch-1/heartbeat', {});
    await a.next('worker_status_change', (e) => e.data.id === 'batch-1' && e.data.reason === 'recovered');
    await a.next('worker_deregistered', (e) => e.data.reason === 'expired', 10_000);
    await a.next('dashboard_update');
    await a.next('ping');

    closed = true;
    await t.close();
    for (const stream of streams) await stream.next('reconnect');

    const reasons = a.of('worker_status_change').map((e) => e.data.reason);
    assert.deepEqual([...new Set(reasons)].sort(), [
      'recovered',
      'registered',
      'reported',
      'stale',
      'stopping',
    ]);
    const seen = new Set(streams.flatMap((stream) => stream.events.map((event) => event.type)));
    // worker_status_update is no longer sent (docs/protocol.md); its schema is for old clients' sake.
    assert.deepEqual(
      [...seen].sort(),
      EVENT_TYPES.filter((type) => type !== 'worker_status_update').sort(),
      'every event the server sends came by',
    );
    for (const stream of streams) stream.events.forEach(checkEvent);
  } finally {
    for (const stream of streams) stream.close();
    if (!closed) await t.close();
  }
});
