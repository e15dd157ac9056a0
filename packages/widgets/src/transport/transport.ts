import { admit } from './event-id.js';
import { createSseParser, type SseMessage } from './sse-parser.js';
import type { ConnectionRole, ConnectionStatus } from './types.js';

export interface TransportOptions {
  /** The `/events` URL; relative URLs resolve against the page. Nothing connects while null. */
  src: string | null;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string | null;
  /** Send cookies to another origin (`credentials: 'include'`). */
  withCredentials: boolean;
  /** Failed attempts in a row before giving up with state `failed`. */
  maxRetries: number;
  /** Backoff base and cap (ms); the server's `retry:` replaces the base. */
  retryBase: number;
  retryMax: number;
  /** Server-side filters (`?types=`, `?workers=`), or null for everything. */
  types: readonly string[] | null;
  workers: readonly string[] | null;
  /** Resume point for the first connection (sent as `?lastEventId=`), e.g. saved by the host page. */
  lastEventId: string | null;
}

export const DEFAULT_TRANSPORT_OPTIONS: Readonly<TransportOptions> = Object.freeze({
  src: null,
  token: null,
  withCredentials: false,
  maxRetries: 10,
  retryBase: 3000,
  retryMax: 15_000,
  types: null,
  workers: null,
  lastEventId: null,
});

/** The status of a connection not started yet. */
export const IDLE_STATUS: Readonly<ConnectionStatus> = Object.freeze({
  state: 'idle',
  attempt: 0,
  lastEventAt: null,
  lastEventId: null,
  staleSince: null,
  nextRetryAt: null,
  error: null,
});

/** One message off the wire: its id (if any), event name and parsed JSON data. */
export interface WireEvent {
  id: string | null;
  type: string;
  data: unknown;
  /** The JSON text `data` was parsed from, when it came off the wire: relaying it to other tabs costs a copy of a string, not a structured clone of the object. */
  json?: string;
}

export interface TransportListener {
  /** A message to apply, in order, each exactly once. */
  event(event: WireEvent): void;
  /** `status` changed (state, attempt, error, retry time); not called for every message. */
  status(status: ConnectionStatus): void;
  /** Something on the wire was unusable; a short, stable description. */
  problem(problem: string): void;
}

/** What the client needs of a source of events: this connection, or one shared with other tabs. */
export interface Transport {
  readonly status: ConnectionStatus;
  /** A change is announced through the listener's `status`. */
  readonly role: ConnectionRole;
  connect(): void;
  disconnect(): void;
  reconnect(): void;
  /** The client hands over all of its options; `SseTransport.configure` also takes a part of them. */
  configure(options: TransportOptions): void;
}

/** Whether `next` differs from `before` in a field announced through `status()` (the rest change with every message). */
export const isAnnounced = (before: ConnectionStatus, next: ConnectionStatus): boolean =>
  (['state', 'attempt', 'error', 'nextRetryAt', 'staleSince'] as const).some(
    (key) => next[key] !== before[key],
  );

const DEFAULT_PING_INTERVAL_MS = 15_000;
/** Missing this many ping intervals means the socket is dead even if TCP has not noticed. */
const WATCHDOG_PINGS = 2.5;
/** A guard against a stream that never ends a message; far above any real snapshot. */
const MAX_MESSAGE_CHARS = 64 * 1024 * 1024;
/**
 * The soonest a connection follows the previous one, whatever `retry:` or
 * `reconnect` says: a server that sends `retry: 0` and closes gets one a second.
 */
const MIN_RETRY_MS = 1000;

/**
 * Server-Sent Events over `fetch` (an `EventSource` can neither send an
 * `Authorization` header nor tell a 401 from a network error), with backoff,
 * exact resume by `Last-Event-ID`, and a watchdog for half-open sockets.
 */
export class SseTransport implements Transport {
  #options: TransportOptions = DEFAULT_TRANSPORT_OPTIONS;
  readonly #listener: TransportListener;
  #status: ConnectionStatus = IDLE_STATUS;
  /** Set between connect() and disconnect(). */
  #wanted = false;
  /** Whether `lastEventId` came from the options rather than from this server. */
  #idFromOptions = false;
  #serverRetryMs: number | null = null;
  #pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
  #abort: AbortController | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdogTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the open stream last showed a sign of life (opened, or any message). */
  #aliveAt = 0;
  /** When the last connection attempt began. */
  #openedAt = 0;

  constructor(options: Partial<TransportOptions>, listener: TransportListener) {
    this.#listener = listener;
    // From the defaults, as a change of options: it sets the resume point and, not yet wanted, opens nothing.
    this.configure(options);
  }

  /** State, attempt count, error, next retry time and last event id. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Always `own`: this transport serves one tab (see `SharedTransport` for the shared one). */
  get role(): ConnectionRole {
    return 'own';
  }

  /** Starts, unless already running or waiting to retry; after giving up, starts again. */
  connect(): void {
    if (this.#wanted && this.#status.state !== 'failed' && this.#status.state !== 'unauthorized') return;
    this.reconnect();
  }

  disconnect(): void {
    if (!this.#wanted) return;
    this.#wanted = false;
    this.#listen(false);
    this.#stop();
    this.#set({ state: 'closed', attempt: 0, nextRetryAt: null, error: null });
  }

  /** Drops the current connection (if any) and opens a new one now, resuming from the last event. */
  reconnect(): void {
    this.#wanted = true;
    this.#listen(true);
    this.#stop();
    this.#start(this.#status.state === 'open' ? 'reconnecting' : 'connecting');
  }

  /** Applies new options; a change to the stream's address or credentials reconnects at once. */
  configure(options: Partial<TransportOptions>): void {
    const before = this.#options;
    const after = clean({ ...before, ...options });
    this.#options = after;
    const changed = (key: keyof TransportOptions) =>
      JSON.stringify(before[key]) !== JSON.stringify(after[key]);
    const narrowed = covers(before.types, after.types) && covers(before.workers, after.workers);
    // Another stream, or a wider filter (whose events so far were never sent), needs a fresh snapshot;
    // a narrower filter resumes from the last event: the replay holds all it still wants.
    if (changed('src') || !narrowed || changed('lastEventId')) this.#resetResumePoint();
    const reopen = (['src', 'types', 'workers', 'token', 'withCredentials'] as const).some(changed);
    if (reopen && this.#wanted) {
      this.#stop();
      this.#start('connecting');
    }
  }

  #resetResumePoint(): void {
    this.#idFromOptions = this.#options.lastEventId !== null;
    this.#status = { ...this.#status, lastEventId: this.#options.lastEventId };
  }

  #start(state: 'connecting' | 'reconnecting'): void {
    if (!this.#options.src) {
      // Idle leaves staleSince as it was: with no stream to show, nothing is going stale.
      this.#set({ state: 'idle', nextRetryAt: null, error: null, staleSince: this.#status.staleSince });
      return;
    }
    this.#set({ state, attempt: 0, nextRetryAt: null, error: null });
    void this.#open();
  }

  async #open(): Promise<void> {
    this.#openedAt = Date.now();
    const abort = new AbortController();
    this.#abort = abort;
    const { src, token, withCredentials } = this.#options;
    const { lastEventId } = this.#status;
    const url = new URL(src!, globalThis.location?.href);
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (token) headers.Authorization = `Bearer ${token}`;
    for (const key of ['types', 'workers'] as const) {
      const list = this.#options[key];
      if (list?.length) url.searchParams.set(key, list.join(','));
    }
    // An id saved by the host page goes in the query; one this server sent, as a reconnecting EventSource would.
    if (lastEventId && this.#idFromOptions) url.searchParams.set('lastEventId', lastEventId);
    else if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    let response: Response;
    try {
      response = await fetch(url, {
        headers,
        credentials: withCredentials ? 'include' : 'same-origin',
        cache: 'no-store',
        signal: abort.signal,
      });
    } catch (error) {
      if (this.#abort === abort) this.#failed(`Cannot reach ${url.origin}: ${messageOf(error)}`);
      return;
    }
    if (this.#abort !== abort) return;
    if (response.status === 401 || response.status === 403) {
      abort.abort();
      this.#set({
        state: 'unauthorized',
        nextRetryAt: null,
        error: `Access refused (HTTP ${response.status}): check the token or login`,
      });
      return;
    }
    const type = response.headers.get('content-type') ?? '';
    const { status } = response;
    if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
      const answer = `${url.origin}${url.pathname} answered HTTP ${status} ${type || 'without a content type'}`;
      // An answer that is no stream (a 200 page, a 404): `src` is wrong, and asking again would not change it.
      // A 408, 429 or 5xx may pass (a proxy or a server starting): those are retried. #stop() and #failed()
      // abort the request, closing the body.
      if (status < 300 || (status < 500 && status !== 408 && status !== 429)) {
        this.#stop();
        this.#set({ state: 'failed', nextRetryAt: null, error: `${answer}, not an event stream: check src` });
      } else this.#failed(answer);
      return;
    }
    this.#set({ state: 'open', attempt: 0, nextRetryAt: null, error: null, staleSince: null });
    this.#aliveAt = Date.now();
    this.#armWatchdog();
    await this.#read(response.body, abort);
  }

  async #read(body: ReadableStream<Uint8Array>, abort: AbortController): Promise<void> {
    // A parser per stream: a handler may reconnect in the middle of a chunk, and the
    // rest of that chunk must neither be applied nor leak into the next stream.
    const current = () => this.#abort === abort;
    const feed = createSseParser(
      {
        message: (message) => current() && this.#onMessage(message),
        retry: (ms) => {
          this.#serverRetryMs = ms;
        },
        problem: (kind) => this.#listener.problem(`stream: ${kind}`),
      },
      MAX_MESSAGE_CHARS,
    );
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (!current()) return;
        if (done) break;
        feed(decoder.decode(value, { stream: true }));
      }
      this.#retryLater('The server closed the stream');
    } catch (error) {
      if (current()) this.#retryLater(`The stream broke: ${messageOf(error)}`);
    }
  }

  #onMessage(message: SseMessage): void {
    this.#aliveAt = Date.now();
    const type = message.event ?? 'message';
    const id = message.id ?? null;
    const { lastEventId } = this.#status;
    const { deliver, advance } = admit(type, id, lastEventId);
    this.#status = { ...this.#status, lastEventAt: this.#aliveAt, lastEventId: advance ? id : lastEventId };
    if (!deliver) return;
    if (advance) this.#idFromOptions = false;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      this.#listener.problem(`${type}: data is not JSON; skipped`);
      return;
    }
    if (type === 'initial_data') this.#learnPingInterval(data);
    this.#listener.event({ id, type, data, json: message.data });
    if (type === 'reconnect') this.#serverAskedToReconnect(data);
  }

  #learnPingInterval(data: unknown): void {
    const ping = (data as { config?: { pingIntervalMs?: unknown } } | null)?.config?.pingIntervalMs;
    this.#pingIntervalMs = typeof ping === 'number' && ping > 0 ? ping : DEFAULT_PING_INTERVAL_MS;
    this.#armWatchdog();
  }

  /** The server is going away on purpose: come back after the time it asked for, without counting a failure. */
  #serverAskedToReconnect(data: unknown): void {
    const retryMs = (data as { retryMs?: unknown } | null)?.retryMs;
    const wait = typeof retryMs === 'number' && retryMs >= 0 ? retryMs : this.#options.retryBase;
    // Up to half again as long, so a fleet of dashboards does not return in one burst.
    this.#retryLater('The server is restarting', wait * (1 + Math.random() / 2));
  }

  /** Checks liveness at the deadline rather than re-arming a timer per message. */
  #armWatchdog(): void {
    clearTimeout(this.#watchdogTimer);
    if (this.#status.state !== 'open') return;
    const limit = this.#pingIntervalMs * WATCHDOG_PINGS;
    // A deadline already past gives a negative delay, which timers run at once.
    const left = this.#aliveAt + limit - Date.now();
    this.#watchdogTimer = setTimeout(
      () =>
        Date.now() - this.#aliveAt >= limit
          ? this.#retryLater(`No message for ${limit / 1000} s`)
          : this.#armWatchdog(),
      left,
    );
  }

  /** An attempt failed: count it and wait longer, or give up. */
  #failed(reason: string): void {
    this.#stop();
    const attempt = this.#status.attempt + 1;
    if (attempt > this.#options.maxRetries) {
      this.#set({
        state: 'failed',
        attempt,
        nextRetryAt: null,
        error: `Gave up after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'}. ${reason}`,
      });
      return;
    }
    this.#set({ attempt });
    this.#retryLater(reason);
  }

  /** Full jitter: uniform in [0, min(cap, base × 2^attempt)]. */
  #backoff(): number {
    const { retryBase, retryMax } = this.#options;
    const base = this.#serverRetryMs ?? retryBase;
    return Math.random() * Math.min(retryMax, base * 2 ** this.#status.attempt);
  }

  /**
   * Stops the connection and tries again after `delay`, at least MIN_RETRY_MS: by default
   * the backoff, which starts from the beginning when an open stream ended (not a failed attempt).
   */
  #retryLater(reason: string, delay = this.#backoff()): void {
    // Jittered too, so tabs told `retry: 0` at once do not come back at once.
    delay = Math.max(delay, MIN_RETRY_MS * (1 + Math.random()));
    this.#stop();
    this.#set({
      state: 'reconnecting',
      nextRetryAt: Date.now() + delay,
      error: reason,
    });
    this.#retryTimer = setTimeout(() => this.#retryNow(), delay);
  }

  #retryNow(): void {
    this.#stop();
    this.#set({ nextRetryAt: null });
    void this.#open();
  }

  /** Retry now rather than at the scheduled time (the network or the tab came back). */
  #retrySoon = (): void => {
    // Listened to only where there is a window, hence a document.
    if (document.visibilityState === 'hidden') return;
    const { state } = this.#status;
    if (state === 'failed') this.#start('connecting');
    else if (
      state === 'reconnecting' &&
      this.#retryTimer !== undefined &&
      Date.now() - this.#openedAt >= MIN_RETRY_MS
    )
      this.#retryNow();
  };

  #listen(on: boolean): void {
    if (typeof window === 'undefined') return;
    const method = on ? 'addEventListener' : 'removeEventListener';
    window[method]('online', this.#retrySoon);
    document[method]('visibilitychange', this.#retrySoon);
  }

  /** Cancels the connection and all timers. */
  #stop(): void {
    this.#abort?.abort();
    this.#abort = null;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#watchdogTimer);
    this.#retryTimer = undefined;
  }

  /**
   * Patches the status and announces a change. Data shown is stale from the first
   * change after the last message (if any) until the stream opens again, whose patch
   * sets `staleSince: null`.
   */
  #set(patch: Partial<ConnectionStatus>): void {
    const before = this.#status;
    const staleSince = before.staleSince ?? (before.lastEventAt === null ? null : Date.now());
    this.#status = { ...before, staleSince, ...patch };
    if (isAnnounced(before, this.#status)) this.#listener.status(this.#status);
  }
}

/** Numbers from attributes may be NaN or negative; those fall back to the defaults. */
function clean(options: TransportOptions): TransportOptions {
  const result = { ...options };
  for (const key of ['maxRetries', 'retryBase', 'retryMax'] as const) {
    if (!(Number.isFinite(result[key]) && result[key] >= 0)) result[key] = DEFAULT_TRANSPORT_OPTIONS[key];
  }
  return result;
}

/** Whether filter `outer` lets through everything `inner` does (null lets through everything). */
const covers = (outer: readonly string[] | null, inner: readonly string[] | null): boolean =>
  outer === null || (inner?.every((item) => outer.includes(item)) ?? false);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
