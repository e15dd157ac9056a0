import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { after } from 'node:test';
import type { EventType, MetricsItem, MetricsUpdatePayload, PulseEvent } from '@pulseboard/protocol';
import { compareEventIds, EVENT_TYPES, parseEventId } from '@pulseboard/protocol';
import { EventSource } from 'eventsource';
import { type AppOptions, createApp, type PulseServer, type ServerConfigInput } from '../src/index.js';

/** Intervals small enough for tests but not so small that they drown the events under test. */
export const FAST = {
  logLevel: 'silent',
  retryMs: 20,
  retryJitterMs: 20,
  pingIntervalMs: 60_000,
  dashboardIntervalMs: 60_000,
  metricsIntervalMs: 20,
  sweepIntervalMs: 60_000,
} satisfies Partial<ServerConfigInput>;

/** Orders event ids as the server does (on Redis the sequence restarts every millisecond). */
export function compareIds(a: string, b: string): number {
  const [x, y] = [parseEventId(a), parseEventId(b)];
  if (!x || !y) throw new Error(`not event ids: ${a}, ${b}`);
  return compareEventIds(x, y);
}

export interface TestServer {
  server: PulseServer;
  url: string;
  port: number;
  api: Api;
  close(): Promise<void>;
}

export async function startServer(
  config: Partial<ServerConfigInput> = {},
  port = 0,
  options: AppOptions = {},
): Promise<TestServer> {
  const server = await createApp({ ...FAST, ...config }, undefined, options);
  const { url, port: bound } = await server.listen({ port, host: '127.0.0.1' });
  return { server, url, port: bound, api: api(url), close: () => server.close() };
}

// biome-ignore lint/suspicious/noExplicitAny: tests inspect response bodies freely.
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export type Api = ReturnType<typeof api>;

/** JSON requests against a server; `raw` sends a body exactly as given. */
export function api(url: string, token?: string) {
  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { ...headers } };
    if (token) (init.headers as Record<string, string>).authorization = `Bearer ${token}`;
    if (body !== undefined) {
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(url + path, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed } as ApiResponse;
  }
  return {
    send,
    get: (path: string) => send('GET', path),
    post: (path: string, body?: unknown) => send('POST', path, body),
    put: (path: string, body?: unknown) => send('PUT', path, body),
    del: (path: string) => send('DELETE', path),
  };
}

export const metrics = (overrides: Record<string, number> = {}) => ({
  cpu: 10,
  memoryBytes: 1_000_000,
  requestsPerSec: 10,
  responseTimeMs: 20,
  errorCount: 0,
  uptimeSec: 1,
  ...overrides,
});

export const queueStats = (overrides: Record<string, number> = {}) => ({
  depth: 1,
  inFlight: 0,
  processed: 0,
  failed: 0,
  deadLetter: 0,
  ratePerSec: 0,
  ...overrides,
});

/** A `metrics_update`'s rows read back into items, by the field names the event carries. */
export function metricsItems(data: MetricsUpdatePayload): MetricsItem[] {
  const read = (names: readonly string[], values: number[] | null) =>
    values && Object.fromEntries(names.map((name, i) => [name, values[i]]));
  return data.items.map(([id, lastHeartbeatAt, metrics, queueStats]) => ({
    id,
    lastHeartbeatAt,
    metrics: read(data.fields.metrics, metrics) as MetricsItem['metrics'],
    queueStats: read(data.fields.queueStats, queueStats) as MetricsItem['queueStats'],
  }));
}

export interface StreamOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** Streams not yet closed: a test that fails before closing one must not keep the process alive. */
const openStreams = new Set<Stream>();
after(() => {
  for (const stream of openStreams) stream.close();
});

/** A real EventSource (the `eventsource` package) that records every named event it receives. */
export class Stream {
  readonly events: PulseEvent[] = [];
  opens = 0;
  errors: unknown[] = [];
  readonly source: EventSource;
  #waiters = new Set<() => void>();

  constructor(url: string, options: StreamOptions = {}) {
    // Under the server's URL, whatever its path (a mounted server's is its base path).
    const target = new URL(`${url.replace(/\/$/, '')}/events`);
    for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, value);
    openStreams.add(this);
    this.source = new EventSource(target, {
      // The first request may carry a Last-Event-ID of ours; reconnects carry the EventSource's own.
      fetch: (input, init) => fetch(input, { ...init, headers: { ...options.headers, ...init.headers } }),
    });
    this.source.addEventListener('open', () => {
      this.opens++;
      this.#notify();
    });
    this.source.addEventListener('error', (error) => {
      this.errors.push(error);
      this.#notify();
    });
    for (const type of EVENT_TYPES) {
      this.source.addEventListener(type, (message) => {
        this.events.push({ id: message.lastEventId, type, data: JSON.parse(message.data) } as PulseEvent);
        this.#notify();
      });
    }
  }

  of<T extends EventType>(type: T): PulseEvent<T>[] {
    return this.events.filter((event): event is PulseEvent<T> => event.type === type);
  }

  /** Waits until `predicate` holds over what was received so far. */
  async until(predicate: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `Timed out waiting for ${what}; got (last 20) ${this.events
              .slice(-20)
              .map((e) => e.type)
              .join(', ')}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** The first event of `type` matching `match`, waiting for it. */
  async next<T extends EventType>(
    type: T,
    match: (event: PulseEvent<T>) => boolean = () => true,
    timeoutMs?: number,
  ): Promise<PulseEvent<T>> {
    await this.until(() => this.of(type).some(match), type, timeoutMs);
    return this.of(type).find(match) as PulseEvent<T>;
  }

  close(): void {
    this.source.close();
    openStreams.delete(this);
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

export async function openStream(url: string, options?: StreamOptions): Promise<Stream> {
  const stream = new Stream(url, options);
  await stream.next('initial_data');
  return stream;
}

/** Polls an async condition; for state outside any stream (metrics, the registry). */
export async function eventually<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A TCP proxy in front of a server, so a test can cut every connection as a network failure would. */
export async function startProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const { port } = proxy.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

/** Sums the samples of one Prometheus metric in a /metrics text. */
export function promValue(text: string, name: string, labels = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (
      line.startsWith(`${name}${labels ? `{${labels}}` : ''} `) ||
      (!labels && line.startsWith(`${name}{`))
    ) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}
