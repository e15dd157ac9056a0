import { type ContextCallback, ContextEvent } from '@lit/context';
import { html, LitElement } from 'lit';
import { PULSEBOARD_ELEMENT } from '../base/mark.js';
import {
  type ConfigurablePulseClient,
  createPulseClient,
  type PulseClientOptions,
} from '../client/client.js';
import { pulseClientContext } from '../client/context.js';
import { DEFAULT_STORE_OPTIONS } from '../store/state.js';
import { DEFAULT_TRANSPORT_OPTIONS } from '../transport/transport.js';
import { ConnectionChangeEvent } from './connection-change-event.js';
import { styles } from './sse-connection.styles.js';

/**
 * `types="log ping"` or `types="log,ping"` → `['log', 'ping']`; empty → null (everything).
 * Attribute to property only: the lists do not reflect.
 */
const listConverter = {
  // The runs between separators; no match is null.
  fromAttribute: (value: string | null): string[] | null => value?.match(/[^\s,]+/g) ?? null,
};

/** The properties that are the client's options, under the same names. */
const OPTIONS = {
  src: {},
  token: {},
  withCredentials: { type: Boolean, attribute: 'with-credentials' },
  maxRetries: { type: Number, attribute: 'max-retries' },
  retryBase: { type: Number, attribute: 'retry-base' },
  retryMax: { type: Number, attribute: 'retry-max' },
  types: { converter: listConverter },
  workers: { converter: listConverter },
  logCapacity: { type: Number, attribute: 'log-capacity' },
  // On unless the attribute says `false`.
  shared: { converter: { fromAttribute: (value: string | null) => value !== 'false' } },
  sendAction: { attribute: false },
};

/**
 * Connects to a Pulseboard server over Server-Sent Events and shares one
 * client with every Pulseboard element inside it (through `@lit/context`).
 * Host code gets the same client from the `client` property:
 * `document.querySelector('sse-connection').client.subscribe('log', handler)`.
 *
 * Connects when added to the document and disconnects when removed; changing
 * an attribute reconfigures the same client (a new `src`, `token` or filter
 * reconnects), so the elements inside never lose it.
 *
 * @summary The connection that feeds a Pulseboard dashboard.
 * @tag sse-connection
 * @slot - The dashboard elements that use this connection.
 * @fires {ConnectionChangeEvent} pulse-connection-change - The connection state, attempt count or error changed; `event.status` has the details.
 */
export class SseConnection extends LitElement {
  static override styles = styles;

  // `static properties` rather than decorators: tsc's lowering of standard decorators (and the
  // helpers it pulls in) cost ~1.7 KB gzip of the script-tag bundle.
  static override properties = { ...OPTIONS, theme: { reflect: true } };

  /** Marks the class as Pulseboard's, for every copy of the library (see `define/register.ts`). */
  static readonly [PULSEBOARD_ELEMENT] = true;

  /** URL of the server's `/events` stream. */
  declare src: string | null;
  /** Sent as `Authorization: Bearer <token>`. */
  declare token: string | null;
  /** Send cookies to another origin. */
  declare withCredentials: boolean;
  /** Failed attempts in a row before the state becomes `failed` (default 10). */
  declare maxRetries: number;
  /**
   * Backoff base in ms (default 3000); the server's `retry:` replaces it. A reconnect never comes
   * sooner than 1 s (plus up to 1 s of jitter) after the previous attempt began.
   */
  declare retryBase: number;
  /** Backoff cap in ms (default 15000). */
  declare retryMax: number;
  /** Only these event types, filtered on the server (the attribute separates them with spaces or commas); null: all. */
  declare types: readonly string[] | null;
  /** Only events about these worker ids, filtered on the server (the attribute as for `types`); null: all. */
  declare workers: readonly string[] | null;
  /** Log lines kept in memory (default 10000). */
  declare logCapacity: number;
  /**
   * `false` (the attribute `shared="false"`) gives this element a connection of its own; by default the tabs of this
   * origin that show the same `src` (with the same token and filters) share one connection, held by one of them.
   */
  declare shared: boolean;
  /**
   * Sends the elements' action requests instead of `POST api/actions` on `src`, e.g. through the host's own backend
   * (property only): `(request) => Promise<{ id, action }>`, rejecting with an `ActionRequestError`.
   */
  declare sendAction: PulseClientOptions['sendAction'];
  /**
   * `light`, `dark` or `auto` for every element this connection provides, unless one sets its own `theme`. `auto`
   * (or none) follows the page's `color-scheme`, then the operating system's.
   */
  declare theme: 'light' | 'dark' | 'auto' | null;

  // Created once and never replaced: consumers hold on to it across attribute changes.
  readonly #client: ConfigurablePulseClient = createPulseClient();

  /**
   * The consumers subscribed to this provider, by callback, each with the `unsubscribe` it was given: the same
   * one each time it asks again, since a consumer ends its subscription when it gets another.
   */
  readonly #subscribed = new Map<ContextCallback<unknown>, [consumer: Element, unsubscribe: () => void]>();

  constructor() {
    super();
    // The provider's side of the context protocol, as lit's ContextProvider speaks it, for a value that never
    // changes.
    this.addEventListener('context-request', (event) => {
      if (event.context !== pulseClientContext) return;
      event.stopPropagation();
      const { callback } = event;
      if (!event.subscribe) return callback(this.#client);
      const subscription = this.#subscribed.get(callback) ?? [
        event.contextTarget ?? (event.composedPath()[0] as Element),
        () => this.#subscribed.delete(callback),
      ];
      this.#subscribed.set(callback, subscription);
      callback(this.#client, subscription[1]);
    });
    // A provider connected inside this one: the consumers in its subtree ask again, and it answers them.
    this.addEventListener('context-provider', (event) => {
      if (event.context !== pulseClientContext || event.contextTarget === this) return;
      event.stopPropagation();
      for (const [callback, [consumer]] of this.#subscribed)
        consumer.dispatchEvent(new ContextEvent(pulseClientContext, consumer, callback, true));
    });
    // The client's own defaults, and sharing on.
    const defaults: Record<string, unknown> = {
      ...DEFAULT_TRANSPORT_OPTIONS,
      ...DEFAULT_STORE_OPTIONS,
      shared: true,
    };
    for (const key in OPTIONS) (this as Record<string, unknown>)[key] = defaults[key];
    this.theme = null;
    this.client.watch(['connection'], (_, status) => this.dispatchEvent(new ConnectionChangeEvent(status)));
  }

  /** The connection's client: subscribe to events and slices, connect, disconnect, reconnect. */
  get client(): ConfigurablePulseClient {
    return this.#client;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Announces the provider: the ContextRoot answers the requests that came before it, and a provider around
    // this one hands it the consumers inside it. (@lit/context exports no class for this event.)
    this.dispatchEvent(
      Object.assign(new Event('context-provider', { bubbles: true, composed: true }), {
        context: pulseClientContext,
        contextTarget: this,
      }),
    );
    // Attributes are already parsed here; properties set later arrive through willUpdate.
    this.client.configure(this.#options());
    this.client.connect();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Moving the element (removed and re-added in one task) keeps the connection.
    queueMicrotask(() => {
      if (!this.isConnected) this.client.disconnect();
    });
  }

  protected override willUpdate(): void {
    // Unchanged options change nothing in the client.
    this.client.configure(this.#options());
    this.client.theme.set(this.theme);
  }

  protected override render() {
    return html`<slot></slot>`;
  }

  /** The client's options are this element's properties, under the same names; an empty `src` or `token` is none. */
  #options(): PulseClientOptions {
    const options: Record<string, unknown> = {};
    for (const key in OPTIONS) options[key] = this[key as keyof this];
    return { ...options, src: this.src || null, token: this.token || null };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sse-connection': SseConnection;
  }
  interface GlobalEventHandlersEventMap {
    'pulse-connection-change': ConnectionChangeEvent;
  }
}
