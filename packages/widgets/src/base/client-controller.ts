import { ContextEvent } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ensureContextRoot, pulseClientContext } from '../client/context.js';
import type { PulseClient, Requirement } from '../client/types.js';
import type { DashboardState, Slice } from '../store/types.js';
import type { ConnectionStatus } from '../transport/types.js';

type ConnectionElement = HTMLElement & { client?: PulseClient };

export interface ClientControllerOptions {
  /** The store slices the host renders; `connection` is always added. */
  slices(): readonly Slice[];
  /** The id of the `<sse-connection>` to use instead of the enclosing one (the host's `connection`). */
  connection(): string | null;
  /** The host follows another client now (null: none); `latest` and `status` are its. */
  followed(client: PulseClient | null): void;
  /** New data or a new status from the client followed; `dataChanged` when the state is a new one. */
  changed(dataChanged: boolean): void;
}

/**
 * Finds the client its host renders from: the one an enclosing
 * `<sse-connection>` provides through context, or the one of the
 * `<sse-connection id>` named by `connection`, which may be parsed, added or
 * defined later. Watches the host's slices on it (`latest`, `status`) and
 * declares the host's requirement to it while the host is connected.
 */
export class ClientController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: ClientControllerOptions;
  /** Ends the subscription to the provider that answered last. */
  #unsubscribe: (() => void) | undefined;
  /** The client found through `connection="id"`. */
  #linked: PulseClient | null = null;
  /** Looks for the `connection="id"` element until found; null: no link wanted. */
  #linkWatch: MutationObserver | null = null;
  #followed: PulseClient | null = null;
  #unwatch: (() => void) | null = null;
  #unrequire: (() => void) | null = null;
  #needs = '';

  /** The client provided by an enclosing `<sse-connection>`, if any; kept after a move out of it (as lit's ContextConsumer keeps it). */
  provided: PulseClient | undefined;
  /** The client's latest state, null without a client. */
  latest: DashboardState | null = null;
  /** The client's connection status, null without a client. */
  status: ConnectionStatus | null = null;

  constructor(host: ReactiveControllerHost & HTMLElement, options: ClientControllerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /**
   * A provider's answer to the `context-request` sent on connect (the context protocol, as lit's
   * ContextConsumer speaks it for one subscribed value): again when a nearer provider takes over, which
   * passes its own `unsubscribe`. The update it requests attaches to the new client.
   */
  readonly #provide = (client: PulseClient, unsubscribe?: () => void): void => {
    if (unsubscribe !== this.#unsubscribe) this.#unsubscribe?.();
    this.#unsubscribe = unsubscribe;
    this.provided = client;
    this.#host.requestUpdate();
  };

  /** The client to render from: the linked one when `connection` is set. */
  get client(): PulseClient | null {
    return this.#options.connection() ? this.#linked : (this.provided ?? null);
  }

  hostConnected(): void {
    // A consumer defined before the provider (script order, late upgrade) must still find it.
    ensureContextRoot(this.#host.ownerDocument);
    this.#host.dispatchEvent(new ContextEvent(pulseClientContext, this.#host, this.#provide, true));
    // Re-attach after a move in the DOM even when no context answer triggers an update.
    this.#host.requestUpdate();
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#linkWatch?.disconnect();
    this.#linkWatch = null;
    this.#follow(null);
  }

  /**
   * Brings the link and the followed client up to date (call before rendering;
   * `relink` when `connection` changed); true if the followed client changed.
   */
  update(relink: boolean): boolean {
    if (relink || (this.#options.connection() && !this.#linkWatch)) this.#link();
    return this.#follow(this.#host.isConnected ? this.client : null);
  }

  /** Declares what the host needs to the client followed, when that changed. */
  require(needs: Requirement): void {
    const client = this.#followed;
    const key = client ? JSON.stringify(needs) : '';
    if (key === this.#needs) return;
    this.#needs = key;
    this.#unrequire?.();
    this.#unrequire = client ? client.require(this.#host, needs) : null;
  }

  /** Follows `client` (null: none); true if that changed anything. */
  #follow(client: PulseClient | null): boolean {
    if (client === this.#followed) return false;
    this.#unwatch?.();
    this.#unwatch = null;
    // A requirement belongs to the client it was declared to.
    this.#unrequire?.();
    this.#unrequire = null;
    this.#needs = '';
    this.#followed = client;
    if (client) {
      this.#unwatch = client.watch([...this.#options.slices(), 'connection'], (data, status) => {
        const dataChanged = data !== this.latest;
        this.latest = data;
        this.status = status;
        this.#options.changed(dataChanged);
      });
    }
    this.latest = client?.data ?? null;
    this.status = client?.status ?? null;
    this.#options.followed(client);
    return true;
  }

  /** Resolves `connection="id"` once `<sse-connection>` is defined and the element exists. */
  #link(): void {
    this.#linkWatch?.disconnect();
    this.#linkWatch = null;
    this.#linked = null;
    const id = this.#options.connection();
    const host = this.#host;
    if (!id || !host.isConnected) return;
    // The connection element may be parsed after this one, added later or defined later: look again on each.
    const find = () => {
      // Not when a newer link (or a disconnect) replaced this one meanwhile.
      if (this.#linkWatch !== watch) return;
      const root = host.getRootNode() as Document | ShadowRoot;
      const el = (root.getElementById?.(id) ??
        host.ownerDocument.getElementById(id)) as ConnectionElement | null;
      if (!el?.client) return;
      watch.disconnect();
      this.#linked = el.client;
      host.requestUpdate();
    };
    const watch = new MutationObserver(find);
    this.#linkWatch = watch;
    watch.observe(host.ownerDocument, { childList: true, subtree: true, attributeFilter: ['id'] });
    customElements.whenDefined('sse-connection').then(find);
  }
}
