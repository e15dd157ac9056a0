import {
  type EventType,
  PROTOCOL_VERSION,
  type RequestActionBody,
  type RequestActionResponse,
} from '@pulseboard/protocol';
import { channelName } from '../share/channel-name.js';
import { SharedTransport } from '../share/shared-transport.js';
import type { StoreOptions, StoreState } from '../store/state.js';
import { Store } from '../store/store.js';
import type { DashboardState, Slice } from '../store/types.js';
import {
  DEFAULT_TRANSPORT_OPTIONS,
  SseTransport,
  type Transport,
  type TransportOptions,
  type WireEvent,
} from '../transport/transport.js';
import type { ConnectionRole, ConnectionState, ConnectionStatus } from '../transport/types.js';
import { callServer, listActions, postAction } from './action-request.js';
import { unionOf } from './requirements.js';
import { SharedValue } from './selection.js';
import type { EventHandler, PulseClient, RawPulseEvent, Requirement } from './types.js';

export interface PulseClientOptions extends Partial<TransportOptions>, Partial<StoreOptions> {
  /**
   * Share one connection with the other tabs of this origin that show the
   * same stream (default false; `<sse-connection>` turns it on). Ignored where
   * BroadcastChannel is missing.
   */
  shared?: boolean;
  /** Where warnings about bad input and throwing handlers go (default: `console`). */
  logger?: Pick<Console, 'warn' | 'error'>;
  /**
   * Sends action requests instead of `POST api/actions` (a host's own backend, say); null: the default.
   * It resolves with the server's answer or rejects with an `ActionRequestError`.
   */
  sendAction?: ((request: RequestActionBody) => Promise<RequestActionResponse>) | null;
}

/** Declarations arriving within this time (a page adding its elements) reconfigure the stream once. */
const REQUIRE_DEBOUNCE_MS = 20;

/** The client as its owner sees it: the public {@link PulseClient} plus reconfiguration. */
export interface ConfigurablePulseClient extends PulseClient {
  readonly data: StoreState;
  /** Applies new options; changing the address, filters or credentials reconnects. */
  configure(options: PulseClientOptions): void;
}

type Watcher = (state: DashboardState, status: ConnectionStatus) => void;

/** The transport options among `options`; one left undefined keeps its value. */
const transportOptionsIn = (options: PulseClientOptions): Partial<TransportOptions> =>
  Object.fromEntries(
    Object.entries(options).filter(([key, value]) => value !== undefined && key in DEFAULT_TRANSPORT_OPTIONS),
  );

/**
 * Creates the client that `<sse-connection>` provides: the transport (its own
 * connection or one shared with other tabs) feeding the store, what the
 * elements require of the server, raw event subscriptions and slice watchers.
 * Usable on its own (also in Node) by host code that wants the data without
 * the elements.
 */
export function createPulseClient(options: PulseClientOptions = {}): ConfigurablePulseClient {
  return new Client(options);
}

class Client implements ConfigurablePulseClient {
  readonly selection = new SharedValue();
  readonly theme = new SharedValue();
  readonly #store: Store;
  #transport: Transport;
  /** Transport options as configured: `types`/`workers` here are the explicit ones, which win over requirements. */
  #options: TransportOptions;
  #shared: boolean;
  /** The shared stream's channel, or null for a connection of this client's own. */
  #channel: string | null = null;
  readonly #requirements = new Map<object, Requirement>();
  /** Set between connect() and disconnect(), so a replaced transport is connected like the old one. */
  #wanted = false;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #logger: Pick<Console, 'warn' | 'error'>;
  // Entries are fresh objects, so subscribing one function twice gives two independent subscriptions.
  readonly #subscribers = new Map<string, Set<{ handler: EventHandler }>>();
  /** Problems already reported, so a stream of bad events warns once per kind. */
  readonly #warned = new Set<string>();
  readonly #failedHandlers = new WeakSet<object>();
  #sendAction: PulseClientOptions['sendAction'];

  constructor(options: PulseClientOptions) {
    this.#logger = options.logger ?? console;
    this.#sendAction = options.sendAction;
    this.#store = new Store(options, (problem) => this.#warn(problem));
    this.#options = { ...DEFAULT_TRANSPORT_OPTIONS, ...transportOptionsIn(options) };
    this.#shared = options.shared ?? false;
    this.#transport = this.#createTransport();
  }

  get status(): ConnectionStatus {
    return this.#transport.status;
  }

  get state(): ConnectionState {
    return this.status.state;
  }

  get attempt(): number {
    return this.status.attempt;
  }

  get lastEventAt(): number | null {
    return this.status.lastEventAt;
  }

  get role(): ConnectionRole {
    return this.#transport.role;
  }

  /** The store's snapshot (see `Store.snapshot`): a state that no later event changes. */
  get data(): StoreState {
    return this.#store.snapshot();
  }

  subscribe(type: EventType | '*', handler: EventHandler): () => void {
    const entries = this.#subscribers.get(type) ?? new Set();
    this.#subscribers.set(type, entries);
    const entry = { handler };
    entries.add(entry);
    return () => {
      entries.delete(entry);
    };
  }

  watch(slices: readonly Slice[], handler: Watcher): () => void {
    return this.#store.watch(slices, (state) => this.#guard(handler, state, this.status));
  }

  require(owner: object, needs: Requirement): () => void {
    const entry = { ...needs };
    this.#requirements.set(owner, entry);
    this.#required();
    return () => {
      if (this.#requirements.get(owner) !== entry) return;
      this.#requirements.delete(owner);
      this.#required();
    };
  }

  /** The requirements changed: the store keeps the lines they ask for now, the stream follows when debounced. */
  #required(): void {
    const lines = [...this.#requirements.values()].map((r) => r.logLines ?? 0);
    this.#store.configure({ lineCapacity: Math.max(1, ...lines) });
    this.#scheduleFlush();
  }

  request(path: string): Promise<unknown> {
    if (!this.#options.src) return Promise.reject(new Error('Not connected: no src'));
    return callServer(this.#options, path);
  }

  connect(): void {
    this.#wanted = true;
    // Opened with the next flush, so the elements of the page have declared what they need by then.
    this.#scheduleFlush();
  }

  disconnect(): void {
    this.#wanted = false;
    clearTimeout(this.#flushTimer);
    this.#transport.disconnect();
    this.#store.stop();
  }

  reconnect(): void {
    this.#wanted = true;
    this.#transport.reconnect();
  }

  async act(request: RequestActionBody): Promise<RequestActionResponse> {
    const response = await (this.#sendAction ?? ((r) => postAction(this.#options, r)))(request);
    // Pending at once, before the stream says so; the same action's event changes nothing.
    if (response?.action)
      this.#store.apply({ type: 'action_requested', data: { v: PROTOCOL_VERSION, ...response } });
    return response;
  }

  configure(options: PulseClientOptions): void {
    if ('sendAction' in options) this.#sendAction = options.sendAction;
    this.#store.configure(options);
    this.#options = { ...this.#options, ...transportOptionsIn(options) };
    this.#shared = options.shared ?? this.#shared;
    if (this.#channelName() === this.#channel) this.#transport.configure(this.#transportOptions());
    else this.#replaceTransport();
  }

  /** The explicit filter where set, else the union of the elements' requirements (everything when none). */
  #transportOptions(): TransportOptions {
    const required = unionOf(this.#requirements.values());
    return {
      ...this.#options,
      types: this.#options.types ?? required.types,
      workers: this.#options.workers ?? required.workers,
    };
  }

  #channelName(): string | null {
    const { src } = this.#options;
    return this.#shared && src && typeof BroadcastChannel === 'function'
      ? channelName(src, this.#options)
      : null;
  }

  #createTransport(): Transport {
    this.#channel = this.#channelName();
    const listener = {
      event: (event: WireEvent) => transport === this.#transport && this.#onEvent(event),
      status: () => transport === this.#transport && this.#store.notify(['connection']),
      problem: (problem: string) => this.#warn(problem),
    };
    const transport: Transport = this.#channel
      ? new SharedTransport(this.#transportOptions(), listener, this.#channel, () =>
          this.#store.initialData(),
        )
      : new SseTransport(this.#transportOptions(), listener);
    return transport;
  }

  /** Another stream, or sharing turned on or off: a new transport, which starts from a fresh snapshot. */
  #replaceTransport(): void {
    const old = this.#transport;
    this.#transport = this.#createTransport();
    old.disconnect();
    this.#store.notify(['connection']);
    if (this.#wanted) this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = setTimeout(() => {
      this.#transport.configure(this.#transportOptions());
      if (this.#wanted) this.#transport.connect();
    }, REQUIRE_DEBOUNCE_MS);
  }

  #onEvent(wire: WireEvent): void {
    const result = this.#store.apply(wire);
    if (!result) return;
    // A snapshot without the recent actions (a new connection, a resync): the server lists them, for the
    // elements that show their outcomes (only to a stream that may operate).
    if (
      wire.type === 'initial_data' &&
      result.state.can.includes('operate') &&
      this.#store.watched('actions') &&
      !Array.isArray((wire.data as { actions?: unknown }).actions)
    ) {
      listActions(this.#options).then(
        (list) => this.#store.apply({ type: 'action_list', data: list }),
        (error: Error) => this.#warn(`recent actions: ${error.message}`),
      );
    }
    const event: RawPulseEvent = { ...wire, id: wire.id ?? '' };
    if (!result.skipped) this.#emit(this.#subscribers.get(wire.type), event);
    this.#emit(this.#subscribers.get('*'), event);
  }

  #emit(entries: Set<{ handler: EventHandler }> | undefined, event: RawPulseEvent): void {
    if (!entries) return;
    for (const { handler } of entries) this.#guard(handler, event.data, event);
  }

  /** Calls `handler` with `args`; one that throws is reported (once) and the rest go on. */
  #guard<Args extends unknown[]>(handler: (...args: Args) => void, ...args: Args): void {
    try {
      handler(...args);
    } catch (error) {
      if (this.#failedHandlers.has(handler)) return;
      this.#failedHandlers.add(handler);
      this.#logger.error(
        '[pulseboard] a subscriber threw; the stream goes on (reported once per handler)',
        error,
      );
    }
  }

  #warn(problem: string): void {
    if (this.#warned.has(problem)) return;
    this.#warned.add(problem);
    this.#logger.warn(`[pulseboard] ${problem} (reported once)`);
  }
}
