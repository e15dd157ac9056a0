import { consume } from '@lit/context';
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { EventPayloads } from '@pulseboard/protocol';
import { executeServerCommand } from '@web/test-runner-commands';
import { LitElement } from 'lit';
import { ensureContextRoot, pulseClientContext } from '../client/context.js';
import type { PulseClient, RawPulseEvent } from '../client/types.js';
import type { ConnectionState } from '../transport/types.js';
import '../define.js';
import { initialData } from '../../test/fixtures.js';
import type { ConnectionChangeEvent } from './connection-change-event.js';
import { SseConnection } from './sse-connection.js';

// Against a real Pulseboard server in the test runner's process, and for the
// network failures a real TCP proxy in front of it.

/** Fast server timings; `retryMs` is what the server sends as `retry:`, which the client honours. */
const FAST = { retryMs: 20, retryJitterMs: 20, metricsIntervalMs: 20 };

const startServer = (config: Record<string, unknown> = {}) =>
  executeServerCommand<{ url: string }, object>('pulse-server-start', { ...FAST, ...config }).then(
    (r) => r.url,
  );
const stopServer = (url: string) => executeServerCommand('pulse-server-stop', { url });
const startProxy = (target: string) =>
  executeServerCommand<{ url: string }, object>('pulse-proxy-start', { target }).then((r) => r.url);
const proxy = (command: 'stall' | 'drop' | 'stop', url: string) =>
  executeServerCommand(`pulse-proxy-${command}`, { url });
const proxyStats = (url: string) =>
  executeServerCommand<{ connections: number; open: number }, object>('pulse-proxy-stats', { url });

async function api(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}`);
  return response;
}

const metrics = {
  cpu: 12,
  memoryBytes: 2048,
  requestsPerSec: 3,
  responseTimeMs: 40,
  errorCount: 0,
  uptimeSec: 5,
};

const connection = (src: string, extra = html``) =>
  fixture<SseConnection>(
    html`<sse-connection src=${src} retry-base="20" retry-max="100">${extra}</sse-connection>`,
  );

const stateIs = (element: { client: PulseClient }, state: ConnectionState, timeout = 5000) =>
  waitUntil(() => element.client.state === state, `state ${state}, was ${element.client.state}`, { timeout });

/** Records the states announced by `pulse-connection-change`. */
function recordStates(target: EventTarget): ConnectionState[] {
  const states: ConnectionState[] = [];
  target.addEventListener('pulse-connection-change', (event) =>
    states.push((event as ConnectionChangeEvent).state),
  );
  return states;
}

/** A minimal consumer, as the widgets are: asks for the client with `subscribe: true`. */
class TestConsumer extends LitElement {
  @consume({ context: pulseClientContext, subscribe: true }) accessor client!: PulseClient;

  override connectedCallback(): void {
    ensureContextRoot();
    super.connectedCallback();
  }
}
customElements.define('test-consumer', TestConsumer);

describe('<sse-connection>', () => {
  let servers: string[] = [];
  afterEach(async () => {
    await Promise.all(servers.map(stopServer));
    servers = [];
  });
  const server = async (config?: Record<string, unknown>) => {
    const url = await startServer(config);
    servers.push(url);
    return url;
  };

  it('provides one client, renders only a slot, and announces the connection', async () => {
    const url = await server();
    const consumerTemplate = html`<test-consumer></test-consumer>`;
    const states = recordStates(document);
    const element = await connection(`${url}/events`, consumerTemplate);
    const consumer = element.querySelector('test-consumer') as TestConsumer;
    expect(consumer.client).to.equal(element.client);
    expect(getComputedStyle(element).display).to.equal('contents');
    expect(element.shadowRoot!.innerHTML).to.include('<slot>');
    await stateIs(element, 'open');
    expect(states).to.include('open');

    const client = element.client;
    element.setAttribute('max-retries', '3');
    element.src = `${url}/events?again`;
    await element.updateComplete;
    expect(element.client).to.equal(client);
    expect(consumer.client).to.equal(client);
    await stateIs(element, 'open');
  });

  it('applies initial_data and then live worker events and logs', async () => {
    const url = await server();
    await api(url, 'POST', '/api/workers', { id: 'before', name: 'Before', metrics });
    const element = await connection(`${url}/events`);
    await waitUntil(() => element.client.data.ready, 'initial_data');
    expect([...element.client.data.workers.keys()]).to.deep.equal(['before']);

    const seen: string[] = [];
    element.client.subscribe('*', (_, event) => seen.push(event.type));
    const hostile = '<img src=x onerror=alert(1)>';
    await api(url, 'POST', '/api/workers', { id: 'live', name: hostile, queue: 'jobs', metrics });
    await waitUntil(() => element.client.data.workers.get('live')?.name === hostile, 'worker_registered');
    await api(url, 'POST', '/api/workers/live/heartbeat', {
      status: 'degraded',
      metrics: { ...metrics, cpu: 90 },
    });
    await waitUntil(() => element.client.data.workers.get('live')?.status === 'degraded', 'status change');
    await waitUntil(() => element.client.data.workers.get('live')?.metrics?.cpu === 90, 'metrics_update');
    await api(url, 'POST', '/api/workers/live/logs', { entries: [{ level: 'warn', message: 'disk 91%' }] });
    await waitUntil(() => element.client.data.logs.some((l) => l.message === 'disk 91%'), 'log');
    await api(url, 'DELETE', '/api/workers/live');
    await waitUntil(() => element.client.data.departed.has('live'), 'worker_deregistered');
    expect(element.client.data.workers.has('live')).to.equal(false);
    expect(seen).to.include.members([
      'worker_registered',
      'worker_status_change',
      'metrics_update',
      'log',
      'worker_deregistered',
    ]);
  });

  it('resumes without losing or repeating an event while the server keeps emitting', async () => {
    const url = await server();
    const via = await startProxy(url);
    try {
      await api(url, 'POST', '/api/workers', { id: 'talker' });
      const element = await connection(`${via}/events`);
      await stateIs(element, 'open');
      const received: string[] = [];
      // Raw data is unchecked; this server's is a log payload.
      element.client.subscribe('log', (data) =>
        received.push(...(data as EventPayloads['log']).entries.map((e) => e.message)),
      );
      const states = recordStates(element);
      const total = 90;
      for (let i = 0; i < total; i++) {
        await api(url, 'POST', '/api/workers/talker/logs', {
          entries: [{ level: 'info', message: String(i) }],
        });
        // Break the stream twice for real (all sockets cut) and once from the client, mid-flow,
        // each after the client came back from the one before (a second or two: its retry floor).
        if (i === 40 || i === 60) await stateIs(element, 'open');
        if (i === 20 || i === 60) await proxy('drop', via);
        if (i === 40) element.client.reconnect();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await waitUntil(() => received.length >= total, `all lines, got ${received.length}`, {
        timeout: 10_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).to.deep.equal(Array.from({ length: total }, (_, i) => String(i)));
      expect(states.filter((s) => s === 'reconnecting').length).to.be.at.least(3);
      expect((await proxyStats(via)).connections).to.be.at.least(4);
      expect(element.client.data.logs.map((l) => l.message)).to.deep.equal(received);
    } finally {
      await proxy('stop', via);
    }
  });

  it('comes back after a server restart on the same port, with a fresh snapshot', async () => {
    const first = await startServer();
    await api(first, 'POST', '/api/workers', { id: 'old' });
    const element = await connection(`${first}/events`);
    await waitUntil(() => element.client.data.workers.has('old'), 'first snapshot');
    const { port } = new URL(first);
    await stopServer(first);
    await stateIs(element, 'reconnecting');
    const second = await server({ port: Number(port) });
    expect(second).to.equal(first);
    await stateIs(element, 'open');
    await waitUntil(() => !element.client.data.workers.has('old'), 'resync replaces the old registry');
    await api(second, 'POST', '/api/workers', { id: 'new' });
    await waitUntil(() => element.client.data.workers.has('new'), 'live events from the new server');
  });

  it('reconnects when the stream goes silent (watchdog) although the socket stays open', async () => {
    const url = await server({ pingIntervalMs: 200 });
    const via = await startProxy(url);
    try {
      const element = await connection(`${via}/events`);
      await waitUntil(() => element.client.data.config?.pingIntervalMs === 200, 'config from initial_data');
      const before = (await proxyStats(via)).connections;
      // The server's `retry:` is 20 ms, so `reconnecting` can be over before a poll sees it:
      // catch it as it is announced.
      const reconnecting = new Promise<{ at: number; error: string | null }>((resolve) =>
        element.addEventListener('pulse-connection-change', (event) => {
          if (event.state === 'reconnecting') resolve({ at: Date.now(), error: event.status.error });
        }),
      );
      const lastMessageAt = element.client.lastEventAt!;
      await proxy('stall', via);
      const { at, error } = await reconnecting;
      // 2.5 ping intervals after the last message, not sooner (a ping may arrive
      // just before the stall, so time since the stall itself can be shorter).
      expect(at - lastMessageAt).to.be.at.least(500);
      expect(error).to.match(/No message/);
      await stateIs(element, 'open');
      expect((await proxyStats(via)).connections).to.be.greaterThan(before);
      await api(url, 'POST', '/api/workers', { id: 'after-stall' });
      await waitUntil(() => element.client.data.workers.has('after-stall'), 'events after the watchdog');
    } finally {
      await proxy('stop', via);
    }
  });

  it('gives up after max-retries with state failed, and reconnect() starts again', async () => {
    const url = await startServer();
    await stopServer(url);
    const element = await fixture<SseConnection>(
      html`<sse-connection src=${`${url}/events`} max-retries="2" retry-base="10" retry-max="20"></sse-connection>`,
    );
    // Two retries, each at least a second after the attempt before.
    await stateIs(element, 'failed', 10_000);
    expect(element.client.attempt).to.equal(3);
    expect(element.client.status.error).to.match(/Gave up after 3 attempts/);
    await server({ port: Number(new URL(url).port) });
    element.client.reconnect();
    await stateIs(element, 'open');
    expect(element.client.attempt).to.equal(0);
  });

  it('fails at once, naming the URL and the status, when src answers 404 or with no event stream', async () => {
    const url = await server();
    for (const [path, answer] of [
      ['/nope', /\/nope answered HTTP 404 .*not an event stream: check src/],
      ['/api/workers', /\/api\/workers answered HTTP 200 application\/json.*not an event stream/],
    ] as const) {
      const element = await connection(`${url}${path}`);
      // At once: retrying (10 times by default) would read `reconnecting` first.
      await stateIs(element, 'failed', 1000);
      expect(element.client.status.error).to.match(answer);
      expect(element.client.status.error).to.contain(new URL(url).host);
      expect(element.client.attempt).to.equal(0);
      expect(element.client.status.nextRetryAt).to.equal(null);
      // Pointed at the stream, it connects.
      element.src = `${url}/events`;
      await stateIs(element, 'open');
    }
  });

  it('retries at once when the browser comes back online after failing', async () => {
    const url = await startServer();
    await stopServer(url);
    const element = await fixture<SseConnection>(
      html`<sse-connection src=${`${url}/events`} max-retries="0"></sse-connection>`,
    );
    await stateIs(element, 'failed');
    await server({ port: Number(new URL(url).port) });
    window.dispatchEvent(new Event('online'));
    await stateIs(element, 'open');
  });

  it('comes back no sooner than a second after `retry: 0` or `reconnect {retryMs: 0}` and a closed stream', async () => {
    // Servers that close every stream at once, each asking for an immediate return.
    const snapshot = `id: 1-1\nevent: initial_data\ndata: ${JSON.stringify(initialData())}\n\n`;
    const scripts = [
      `retry: 0\n\n${snapshot}`,
      `${snapshot}event: reconnect\ndata: {"v":1,"reason":"shutdown","retryMs":0}\n\n`,
    ];
    const urls = await Promise.all(
      scripts.map((body) =>
        executeServerCommand<{ url: string }, object>('pulse-script-start', { body, close: true }).then(
          (r) => r.url,
        ),
      ),
    );
    try {
      // A shared connection (the default) and one of its own, the page asking for no backoff either.
      await fixture(html`<div>
        <sse-connection src=${`${urls[0]}/events`}></sse-connection>
        <sse-connection src=${`${urls[1]}/events`} shared="false" retry-base="0"></sse-connection>
      </div>`);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      for (const url of urls) {
        const { connections } = await executeServerCommand<{ connections: number }, object>(
          'pulse-script-stats',
          { url },
        );
        // 4 s at one connection a second at most (and one at once); without the floor, hundreds.
        expect(connections, url).to.be.within(2, 5);
      }
    } finally {
      await Promise.all(urls.map((url) => executeServerCommand('pulse-script-stop', { url })));
    }
  });

  it('asks the server for the event types in `types` only', async () => {
    const url = await server();
    const element = await fixture<SseConnection>(
      html`<sse-connection src=${`${url}/events`} types="worker_registered"></sse-connection>`,
    );
    await waitUntil(() => element.client.data.ready, 'initial_data is always sent');
    const seen: string[] = [];
    element.client.subscribe('*', (_, event) => seen.push(event.type));
    await api(url, 'POST', '/api/workers', { id: 'filtered', metrics });
    await api(url, 'POST', '/api/workers/filtered/logs', {
      entries: [{ level: 'info', message: 'not for us' }],
    });
    await api(url, 'POST', '/api/workers', { id: 'last' });
    await waitUntil(() => element.client.data.workers.has('last'), 'the later registration');
    expect(seen).to.deep.equal(['worker_registered', 'worker_registered']);
  });

  it('asks the server for what its elements require, and re-subscribes when that changes', async () => {
    const url = await server();
    const element = await connection(`${url}/events`);
    const owner = {};
    const release = element.client.require(owner, { types: ['worker_registered'] });
    element.client.require({}, { types: ['worker_registered'], workers: ['wanted'] });
    await waitUntil(() => element.client.data.ready, 'initial_data is always sent');
    const seen: string[] = [];
    element.client.subscribe('*', (_, event) => seen.push(`${event.type}`));
    await api(url, 'POST', '/api/workers', { id: 'wanted' });
    await api(url, 'POST', '/api/workers/wanted/logs', { entries: [{ level: 'info', message: 'filtered' }] });
    await waitUntil(() => element.client.data.workers.has('wanted'), 'the registration');
    // The union: one element wants every worker, so another worker's registration arrives too.
    await api(url, 'POST', '/api/workers', { id: 'other' });
    await waitUntil(() => element.client.data.workers.has('other'), 'the union of the requirements');
    expect(seen.filter((type) => type !== 'ping')).to.deep.equal(['worker_registered', 'worker_registered']);

    release();
    // Now only `wanted`'s registrations; a narrower filter resumes without a new snapshot.
    await waitUntil(
      () => element.client.state === 'connecting' || element.client.state === 'open',
      'reconfigured',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await api(url, 'POST', '/api/workers', { id: 'ignored' });
    await api(url, 'POST', '/api/workers', { id: 'wanted', name: 'Renamed' });
    await waitUntil(
      () => element.client.data.workers.get('wanted')?.name === 'Renamed',
      'the filtered stream',
    );
    expect(element.client.data.workers.has('ignored')).to.equal(false);
    expect(seen.filter((type) => type !== 'ping')).to.deep.equal([
      'worker_registered',
      'worker_registered',
      'worker_registered',
    ]);
  });

  it('stops with state unauthorized on 401, and connects once given the token', async () => {
    const url = await server({ readTokens: ['s3cret'] });
    const element = await connection(`${url}/events`);
    await stateIs(element, 'unauthorized');
    expect(element.client.status.error).to.match(/401/);
    const failedAttempts = element.client.attempt;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(element.client.state).to.equal('unauthorized');
    expect(element.client.attempt).to.equal(failedAttempts);
    element.token = 's3cret';
    await stateIs(element, 'open');
    await waitUntil(() => element.client.data.ready, 'initial_data with the token');
  });

  it('reaches consumers that were defined and connected before the provider (late upgrade)', async () => {
    const url = await server();
    const host = await fixture<HTMLElement>(
      html`<late-connection src=${`${url}/events`}><div><test-consumer></test-consumer></div></late-connection>`,
    );
    const consumer = host.querySelector('test-consumer') as TestConsumer;
    expect(consumer.client).to.equal(undefined);
    customElements.define('late-connection', class extends SseConnection {});
    const provider = host as unknown as SseConnection;
    await waitUntil(() => consumer.client === provider.client, 'the consumer receives the late provider');
    await stateIs(provider, 'open');
  });

  it('disconnects when removed, but not when moved', async () => {
    const url = await server();
    const element = await connection(`${url}/events`);
    await stateIs(element, 'open');
    const events: RawPulseEvent[] = [];
    element.client.subscribe('initial_data', (_, event) => events.push(event));
    const elsewhere = document.createElement('div');
    document.body.append(elsewhere);
    elsewhere.append(element);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(element.client.state).to.equal('open');
    expect(events).to.have.length(0);
    elsewhere.remove();
    await stateIs(element, 'closed');
  });
});
