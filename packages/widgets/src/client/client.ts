import type { EventType, PulseEvent } from '@pulseboard/protocol';
import { pruneDeparted, type Reduction, reduce } from '../store/reduce.js';
import { createState, type StoreOptions, type StoreState, withOptions } from '../store/state.js';
import { SseTransport, type TransportOptions, type WireEvent } from '../transport/transport.js';
import type {
  ConnectionState,
  ConnectionStatus,
  DashboardState,
  EventHandler,
  PulseClient,
  Slice,
} from './types.js';

export interface PulseClientOptions extends Partial<TransportOptions>, Partial<StoreOptions> {
  /** Where warnings about bad input and throwing handlers go (default: `console`). */
  logger?: Pick<Console, 'warn' | 'error'>;
}

/** The client as its owner sees it: the public {@link PulseClient} plus reconfiguration. */
export interface ConfigurablePulseClient extends PulseClient {
  readonly data: StoreState;
  /** Applies new options; changing the address, filters or credentials reconnects. */
  configure(options: PulseClientOptions): void;
}

type AnyHandler = (data: unknown, event: PulseEvent) => void;
type Watcher = (state: DashboardState, status: ConnectionStatus) => void;

const TRANSPORT_KEYS = [
  'src',
  'token',
  'withCredentials',
  'maxRetries',
  'retryBase',
  'retryMax',
  'types',
  'workers',
  'lastEventId',
] as const satisfies readonly (keyof TransportOptions)[];

const pick = <T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> =>
  Object.fromEntries(
    keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]]),
  ) as Partial<Pick<T, K>>;

/**
 * Creates the client that `<sse-connection>` provides: the SSE transport
 * feeding the store, raw event subscriptions, and slice watchers. Usable on its
 * own (also in Node) by host code that wants the data without the elements.
 */
export function createPulseClient(options: PulseClientOptions = {}): ConfigurablePulseClient {
  return new Client(options);
}

class Client implements ConfigurablePulseClient {
  #state: StoreState;
  readonly #transport: SseTransport;
  readonly #logger: Pick<Console, 'warn' | 'error'>;
  // Entries are fresh objects, so subscribing one function twice gives two independent subscriptions.
  readonly #subscribers = new Map<string, Set<{ handler: AnyHandler }>>();
  readonly #watchers = new Set<{ slices: ReadonlySet<Slice>; handler: Watcher }>();
  /** Problems already reported, so a stream of bad events warns once per kind. */
  readonly #warned = new Set<string>();
  readonly #failedHandlers = new WeakSet<object>();
  #pruneTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: PulseClientOptions) {
    this.#logger = options.logger ?? console;
    this.#state = createState(options);
    this.#transport = new SseTransport(pick(options, TRANSPORT_KEYS), {
      event: (event) => this.#onEvent(event),
      status: (status) => this.#notify(['connection'], status),
      problem: (problem) => this.#warn(problem),
    });
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

  get data(): StoreState {
    return this.#state;
  }

  subscribe<T extends EventType>(type: T, handler: EventHandler<T>): () => void;
  subscribe(type: '*', handler: AnyHandler): () => void;
  subscribe(type: string, handler: AnyHandler): () => void {
    const entries = this.#subscribers.get(type) ?? new Set();
    this.#subscribers.set(type, entries);
    const entry = { handler };
    entries.add(entry);
    return () => {
      entries.delete(entry);
    };
  }

  watch(slices: readonly Slice[], handler: Watcher): () => void {
    const entry = { slices: new Set(slices), handler };
    this.#watchers.add(entry);
    return () => {
      this.#watchers.delete(entry);
    };
  }

  connect(): void {
    this.#transport.connect();
  }

  disconnect(): void {
    this.#transport.disconnect();
    clearTimeout(this.#pruneTimer);
    this.#pruneTimer = undefined;
  }

  reconnect(): void {
    this.#transport.reconnect();
  }

  configure(options: PulseClientOptions): void {
    const state = withOptions(this.#state, options);
    if (state !== this.#state) {
      this.#state = state;
      this.#notify(['logs', 'history', 'aggregates']);
    }
    this.#transport.configure(pick(options, TRANSPORT_KEYS));
  }

  #onEvent(wire: WireEvent): void {
    let result: Reduction;
    try {
      result = reduce(this.#state, wire);
    } catch {
      // The reducers are written not to throw; this keeps the stream alive if one does.
      this.#warn(`${wire.type}: could not be applied; skipped`);
      return;
    }
    if (result.problem) this.#warn(result.problem);
    this.#state = result.state;
    if (result.changed.size > 0) this.#notify(result.changed);
    if (result.state.departed.size > 0) this.#schedulePrune();
    const event = { id: wire.id ?? '', type: wire.type, data: wire.data } as PulseEvent;
    if (!result.skipped) this.#emit(this.#subscribers.get(wire.type), event);
    this.#emit(this.#subscribers.get('*'), event);
  }

  #emit(entries: Set<{ handler: AnyHandler }> | undefined, event: PulseEvent): void {
    if (!entries) return;
    for (const { handler } of entries) this.#guard(handler, () => handler(event.data, event));
  }

  #notify(changed: Iterable<Slice>, status: ConnectionStatus = this.status): void {
    const slices = [...changed];
    for (const { slices: watched, handler } of this.#watchers) {
      if (slices.some((slice) => watched.has(slice)))
        this.#guard(handler, () => handler(this.#state, status));
    }
  }

  #guard(handler: object, call: () => void): void {
    try {
      call();
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

  /** Lets departed workers fade out and then forgets them. */
  #schedulePrune(): void {
    if (this.#pruneTimer !== undefined) return;
    const { departed, options } = this.#state;
    const oldest = Math.min(...[...departed.values()].map((d) => d.at));
    this.#pruneTimer = setTimeout(
      () => {
        this.#pruneTimer = undefined;
        const result = pruneDeparted(this.#state);
        this.#state = result.state;
        if (result.changed.size > 0) this.#notify(result.changed);
        if (this.#state.departed.size > 0) this.#schedulePrune();
      },
      Math.max(0, oldest + options.departedTtlMs - Date.now()),
    );
  }
}
