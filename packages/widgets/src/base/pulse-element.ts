import { ContextConsumer } from '@lit/context';
import {
  html,
  LitElement,
  nothing,
  type PropertyDeclarations,
  type PropertyValues,
  type TemplateResult,
} from 'lit';
import { ensureContextRoot, pulseClientContext } from '../client/context.js';
import type { ConnectionStatus, DashboardState, PulseClient, Slice } from '../client/types.js';
import { TickController } from './clock.js';
import { formatClock } from './format.js';
import { connectionLabel } from './status.js';

type ConnectionElement = HTMLElement & { client?: PulseClient };

/**
 * The base of every Pulseboard widget: finds its client (context or
 * `connection="id"`), subscribes to the slices the subclass renders, and draws
 * the shared frame: title, connection indicator, reconnect button, loading,
 * empty and stale states.
 *
 * @attr connection - Id of an `<sse-connection>` elsewhere in the document, for widgets outside its subtree.
 * @attr heading - Replaces the default title.
 * @attr theme - `light` or `dark`; by default follows `prefers-color-scheme`.
 *
 * @csspart frame - The panel around everything.
 * @csspart header - Title row with the connection indicator.
 * @csspart title - The heading.
 * @csspart connection - The connection indicator (dot and words).
 * @csspart reconnect - The Reconnect button shown after the connection failed.
 * @csspart toolbar - Filters and sort controls.
 * @csspart body - The content; dimmed while the data is stale.
 * @csspart stale - The "Stale since hh:mm:ss" note.
 * @csspart notice - Empty, waiting and not-connected messages.
 *
 * @cssprop --pulse-color-bg - Panel background.
 * @cssprop --pulse-color-surface - Inset surfaces: inputs, table header, tracks.
 * @cssprop --pulse-color-surface-raised - Cards.
 * @cssprop --pulse-color-border - Hairlines.
 * @cssprop --pulse-color-text - Body text.
 * @cssprop --pulse-color-text-muted - Secondary text.
 * @cssprop --pulse-color-accent - Sparklines, primary buttons, selection.
 * @cssprop --pulse-color-focus - Focus ring.
 * @cssprop --pulse-color-healthy - Status palette (also -degraded, -unhealthy, -offline, -starting, -stopping).
 * @cssprop --pulse-font-family - Text font.
 * @cssprop --pulse-font-mono - Log lines and ids.
 * @cssprop --pulse-radius - Panel corner radius.
 * @cssprop --pulse-stale-opacity - Opacity of stale content (0.5).
 */
export abstract class PulseElement extends LitElement {
  // `static properties` rather than decorators: tsc's lowering of standard decorators costs
  // ~350 bytes minified per property, and the script-tag bundle has a 30 KB gzip budget.
  static override properties: PropertyDeclarations = {
    connection: { reflect: true },
    heading: {},
    theme: { reflect: true },
  };

  declare connection: string | null;
  declare heading: string | null;
  declare theme: 'light' | 'dark' | null;

  /** The store slices this element renders; `connection` is always added. */
  protected abstract readonly slices: readonly Slice[];

  protected abstract readonly defaultHeading: string;

  // Answering it requests an update, which attaches to the new client.
  readonly #consumer = new ContextConsumer(this, { context: pulseClientContext, subscribe: true });

  /** The client found through `connection="id"`. */
  #linked: PulseClient | null = null;

  /** Latest state and status from the client; set together in one place so a future `paused` can hold `data` back. */
  protected data: DashboardState | null = null;
  protected connectionStatus: ConnectionStatus | null = null;

  protected readonly ticker = new TickController(this);

  #subscribed: PulseClient | null = null;
  #unwatch: (() => void) | null = null;
  #linkAbort: AbortController | null = null;

  constructor() {
    super();
    this.connection = null;
    this.heading = null;
    this.theme = null;
  }

  /** The client provided by an enclosing `<sse-connection>`, if any. */
  get client(): PulseClient | undefined {
    return this.#consumer.value;
  }

  /** The client this element renders from: the linked one when `connection` is set. */
  get source(): PulseClient | null {
    return this.connection ? this.#linked : (this.client ?? null);
  }

  override connectedCallback(): void {
    // A consumer defined before the provider (script order, late upgrade) must still find it.
    ensureContextRoot(this.ownerDocument);
    super.connectedCallback();
    // Re-attach after a move in the DOM even when no context answer triggers an update.
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#linkAbort?.abort();
    this.#linkAbort = null;
    this.#attach(null);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('connection') || (this.connection && !this.#linkAbort)) this.#link();
    this.#attach(this.isConnected ? this.source : null);
    this.ticker.running = this.isConnected && this.wantsTick();
  }

  /** Whether this render shows a time that moves on its own; subclasses add their own reasons. */
  protected wantsTick(): boolean {
    return this.connectionStatus?.state === 'reconnecting' && this.connectionStatus.nextRetryAt !== null;
  }

  /** Called when the element starts or stops following a client (after the watch is set up). */
  protected clientChanged(_client: PulseClient | null): void {}

  #attach(client: PulseClient | null): void {
    if (client === this.#subscribed) return;
    this.#unwatch?.();
    this.#unwatch = null;
    this.#subscribed = client;
    if (client) {
      this.#unwatch = client.watch([...new Set<Slice>([...this.slices, 'connection'])], (data, status) => {
        this.data = data;
        this.connectionStatus = status;
        this.requestUpdate();
      });
    }
    this.data = client?.data ?? null;
    this.connectionStatus = client?.status ?? null;
    this.clientChanged(client);
  }

  /** Resolves `connection="id"` once `<sse-connection>` is defined and the element exists. */
  #link(): void {
    this.#linkAbort?.abort();
    this.#linkAbort = null;
    this.#linked = null;
    const id = this.connection;
    if (!id || !this.isConnected) return;
    const abort = new AbortController();
    this.#linkAbort = abort;
    const found = () => {
      const root = this.getRootNode() as Document | ShadowRoot;
      const el = (root.getElementById?.(id) ??
        this.ownerDocument.getElementById(id)) as ConnectionElement | null;
      if (!el?.client || abort.signal.aborted) return false;
      this.#linked = el.client;
      this.requestUpdate();
      return true;
    };
    customElements.whenDefined('sse-connection').then(() => {
      if (abort.signal.aborted || found()) return;
      // The connection element may be parsed after this one, or added later.
      const observer = new MutationObserver(() => {
        if (found()) observer.disconnect();
      });
      observer.observe(this.ownerDocument, {
        childList: true,
        subtree: true,
        attributes: true,
        attributeFilter: ['id'],
      });
      abort.signal.addEventListener('abort', () => observer.disconnect());
    });
  }

  protected override render(): TemplateResult {
    const status = this.connectionStatus;
    const data = this.data;
    const stale = Boolean(data?.ready && status && status.state !== 'open' && status.staleSince !== null);
    return html`<section class="frame" part="frame" aria-labelledby="title">
      <header class="header" part="header">
        <h2 class="title" id="title" part="title">${this.heading ?? this.defaultHeading}</h2>
        ${data?.ready ? this.renderSummary(data) : nothing}
        ${status ? this.#renderStatusLine(status, stale) : nothing}
      </header>
      ${data?.ready ? this.renderToolbar(data) : nothing}
      <div class="body ${stale ? 'stale' : ''}" part="body" aria-busy=${data && !data.ready ? 'true' : 'false'}>
        ${this.#renderBody(data)}
      </div>
    </section>`;
  }

  #renderBody(data: DashboardState | null): unknown {
    if (!this.source) {
      return this.connection
        ? this.renderNotice(
            'Waiting for the connection…',
            html`Looking for <code>&lt;sse-connection id="${this.connection}"&gt;</code> in this page.`,
          )
        : this.renderNotice(
            'Not connected to an <sse-connection>',
            html`Place this element inside <code>&lt;sse-connection src="…"&gt;</code>, or point
              <code>connection="id"</code> at one.`,
          );
    }
    if (!data?.ready) {
      const status = this.connectionStatus;
      if (status?.state === 'failed' || status?.state === 'unauthorized') {
        return this.renderNotice(
          status.state === 'failed' ? 'Could not connect' : 'Not allowed to connect',
          status.error ?? '',
        );
      }
      return html`<div class="skeleton" role="status" aria-label="Loading"><span></span><span></span><span></span></div>`;
    }
    return this.renderContent(data);
  }

  #renderStatusLine(status: ConnectionStatus, stale: boolean): TemplateResult {
    const retry = status.state === 'failed' || status.state === 'unauthorized';
    const error = retry || status.state === 'reconnecting' ? status.error : null;
    return html`<div class="status-line">
      ${stale ? html`<span part="stale">Stale since ${formatClock(status.staleSince)}</span>` : nothing}
      ${error ? html`<span class="error-note" title=${error}>${error}</span>` : nothing}
      <span class="connection" part="connection" data-state=${status.state}>
        <span class="dot"></span>${connectionLabel(status, Date.now())}
      </span>
      <span class="visually-hidden" role="status">${connectionLabel(status)}</span>
      ${
        status.state === 'failed'
          ? html`<button type="button" class="primary" part="reconnect" @click=${() => this.source?.reconnect()}>
              Reconnect
            </button>`
          : nothing
      }
    </div>`;
  }

  /** A centred message: empty states, missing connection. */
  protected renderNotice(title: string, hint: unknown): TemplateResult {
    return html`<div class="notice" part="notice"><strong>${title}</strong><span>${hint}</span></div>`;
  }

  /** Short text beside the title, e.g. "12 workers". */
  protected renderSummary(_data: DashboardState): unknown {
    return nothing;
  }

  /** Filters and sort controls under the header, shown once data is ready. */
  protected renderToolbar(_data: DashboardState): unknown {
    return nothing;
  }

  /** The element's content, once `initial_data` has been applied. */
  protected abstract renderContent(data: DashboardState): unknown;
}
