/**
 * The store against the real server: for random sequences of worker actions
 * (and dropped connections), a snapshot taken at any point plus the events
 * after it gives the same state as a snapshot taken later; and the events a
 * client sees are gapless and never repeated, across resumes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { compareEventIds, type EventId, LOGGED_EVENT_TYPES, parseEventId } from '@pulseboard/protocol';
import { createApp, type PulseServer } from '@pulseboard/server';
import fc from 'fast-check';
import { type ConfigurablePulseClient, createPulseClient } from '../src/client/client.js';
import type { RawPulseEvent } from '../src/client/types.js';
import type { DashboardState } from '../src/store/types.js';

const TIMINGS = { metricsIntervalMs: 20, dashboardIntervalMs: 100, pingIntervalMs: 100 };
/** Long enough for coalesced metrics and the next dashboard_update to be sent. */
const SETTLE_MS = TIMINGS.dashboardIntervalMs + TIMINGS.metricsIntervalMs + 100;

const workerId = fc.constantFrom('w1', 'w2', 'w3', 'w4');
const status = fc.constantFrom('starting', 'healthy', 'degraded', 'unhealthy', 'stopping');
const metrics = fc.record({
  cpu: fc.integer({ min: 0, max: 400 }),
  memoryBytes: fc.nat(),
  requestsPerSec: fc.nat(1000),
  responseTimeMs: fc.nat(5000),
  errorCount: fc.nat(100),
  uptimeSec: fc.nat(),
});
const action = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    id: workerId,
    queue: fc.constantFrom('a', 'b', null),
    metrics,
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), id: workerId, status, metrics }),
  fc.record({ kind: fc.constant('deregister' as const), id: workerId }),
  fc.record({
    kind: fc.constant('log' as const),
    id: workerId,
    lines: fc.array(fc.string(), { minLength: 1, maxLength: 5 }),
  }),
  fc.record({
    kind: fc.constant('resource' as const),
    id: fc.constantFrom('db', 'cache'),
    status: fc.constantFrom('healthy', 'degraded', 'down'),
  }),
  fc.constant({ kind: 'drop' as const }),
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

let server: PulseServer;
let url: string;

before(async () => {
  server = await createApp({ logLevel: 'silent', recentLogs: 10_000, ...TIMINGS });
  ({ url } = await server.listen({ port: 0, host: '127.0.0.1' }));
});
after(() => server.close());

async function send(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  // 404: a heartbeat or deregistration for a worker that is not there, which the sequence may well contain.
  assert.ok(response.ok || response.status === 404, `${method} ${path} → ${response.status}`);
}

async function perform(step: Action, client: ConfigurablePulseClient | null): Promise<void> {
  switch (step.kind) {
    case 'register':
      return send('POST', '/api/workers', { id: step.id, queue: step.queue, metrics: step.metrics });
    case 'heartbeat':
      return send('POST', `/api/workers/${step.id}/heartbeat`, {
        status: step.status,
        metrics: step.metrics,
      });
    case 'deregister':
      return send('DELETE', `/api/workers/${step.id}`);
    case 'log':
      return send('POST', `/api/workers/${step.id}/logs`, {
        entries: step.lines.map((message) => ({ level: 'info', message })),
      });
    case 'resource':
      return send('PUT', `/api/resources/${step.id}`, { status: step.status });
    case 'drop':
      // Drops the stream and resumes it with Last-Event-ID while the server keeps going.
      client?.reconnect();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function connectedClient(): Promise<ConfigurablePulseClient> {
  const client = createPulseClient({ src: `${url}/events`, logCapacity: 10_000 });
  client.connect();
  await until(() => client.data.ready, 'initial_data');
  return client;
}

/** What the server holds, in comparable form. Aggregates and queues are only recomputed at dashboard ticks. */
const comparable = (state: DashboardState) => ({
  workers: [...state.workers.values()].sort((a, b) => a.id.localeCompare(b.id)),
  resources: [...state.resources.values()].sort((a, b) => a.id.localeCompare(b.id)),
  logs: state.logs,
});

const logged = new Set<string>(LOGGED_EVENT_TYPES);

test('a snapshot plus the events after it equals a later snapshot, with no event lost or repeated', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, { maxLength: 25 }), fc.nat(), async (actions, at) => {
      // Each run starts from an empty registry.
      for (const id of ['w1', 'w2', 'w3', 'w4']) await send('DELETE', `/api/workers/${id}`);
      const split = at % (actions.length + 1);
      for (const step of actions.slice(0, split)) await perform(step, null);

      const early = await connectedClient();
      const seen: RawPulseEvent[] = [];
      early.subscribe('*', (_, event) => {
        if (logged.has(event.type)) seen.push(event);
      });
      const start = early.status.lastEventId!;
      for (const step of actions.slice(split)) await perform(step, early);
      await sleep(SETTLE_MS);

      const late = await connectedClient();
      const latest = late.status.lastEventId!;
      await until(
        () =>
          compareEventIds(
            parseEventId(early.status.lastEventId) as EventId,
            parseEventId(latest) as EventId,
          ) >= 0,
        'the early client to catch up',
      );
      try {
        assert.deepEqual(comparable(early.data), comparable(late.data));
        // Ids are `<boot>-<seq>` with seq counting logged events: consecutive means nothing lost or repeated.
        const [boot, first] = start.split('-').map(Number);
        assert.deepEqual(
          seen.map((event) => event.id),
          seen.map((_, i) => `${boot}-${first! + i + 1}`),
        );
      } finally {
        early.disconnect();
        late.disconnect();
      }
    }),
    { numRuns: 25 },
  );
});
