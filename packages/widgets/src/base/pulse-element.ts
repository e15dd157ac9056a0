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
import { eventTypesFor } from '../client/requirements.js';
import type { ConnectionStatus, DashboardState, PulseClient, Requirement, Slice } from '../client/types.js';
import { setTicking } from './clock.js';
import { formatClock, formatCountOf, NAME_MAX, truncate } from './format.js';
import { busFor, parseSelection, SelectEvent, type SelectionBus, select } from './selection.js';
import { connectionLabel } from './status.js';

type ConnectionElement = HTMLElement & { client?: PulseClient };

/**
 * The base of every Pulseboard widget: finds its client (context or
 * `connection="id"`), subscribes to the slices the subclass renders, and draws
 * the shared frame: title, connection indicator, reconnect button, loading,
 * empty and stale states.
 *
 * @fires {SelectEvent} pulse-select - The user selected a worker or queue (or cleared the selection); `selection` is `{kind, id}` or null.
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
 * @csspart waiting - The "N updates waiting" note while paused or while the user is in a row.
 * @csspart resume - The Resume button while paused.
 * @csspart selection - The "Showing: …" chip of an element scoped to the selection; clicking it clears the selection.
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
  // ~350 bytes minified per property, and the script-tag bundle has a gzip budget.
  static override properties: PropertyDeclarations = {
    connection: { reflect: true },
    heading: {},
    theme: { reflect: true },
    paused: { type: Boolean, reflect: true },
    selection: { reflect: true },
  };

  /** Id of an `<sse-connection>` elsewhere in the document, for widgets outside its subtree. */
  declare connection: string | null;
  /** Replaces the default title. */
  declare heading: string | null;
  /** `light` or `dark`; by default follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | null;
  /** Stop redrawing; updates keep arriving, are counted ("N updates waiting") and all show on resume. */
  declare paused: boolean;
  /**
   * The selected worker or queue, `worker:<id>` or `queue:<name>`; shared by every element of the same connection
   * (setting it on one sets it on all). `<logs-view>` and `<system-metrics>` show only what it covers.
   */
  declare selection: string | null;

  /** The store slices this element renders; `connection` is always added. */
  protected abstract readonly slices: readonly Slice[];

  protected abstract readonly defaultHeading: string;

  /** Whether this element shows only what the selection covers (and asks the server only for that). */
  protected readonly follows: boolean = false;

  // Answering it requests an update, which attaches to the new client.
  readonly #consumer = new ContextConsumer(this, { context: pulseClientContext, subscribe: true });

  /** The client found through `connection="id"`. */
  #linked: PulseClient | null = null;

  /** The state on screen: the client's latest, except while held (paused, or the user is in a row). */
  protected data: DashboardState | null = null;
  protected connectionStatus: ConnectionStatus | null = null;
  /** The client's latest state, also while `data` is held back. */
  protected latest: DashboardState | null = null;
  /** Data notifications received while held. */
  #waiting = 0;
  /** Focus or a text selection is in a row: redrawing would move it under the user. */
  #userIn = false;
  /** The last body rendered, reused while held so nothing in it redraws; null: render anew. */
  #body: unknown = null;
  #bus: SelectionBus | null = null;
  #unrequire: (() => void) | null = null;
  #needs = '';

  #subscribed: PulseClient | null = null;
  #unwatch: (() => void) | null = null;
  /** Looks for the `connection="id"` element until found; null: no link wanted. */
  #linkWatch: MutationObserver | null = null;

  constructor() {
    super();
    this.connection = null;
    this.heading = null;
    this.theme = null;
    this.paused = false;
    this.selection = null;
    this.addEventListener('focusin', this.#checkUser);
    this.addEventListener('focusout', this.#checkUser);
    // Rows carry `data-pick`; one listener selects, whatever the row's markup.
    this.addEventListener('click', (e) => {
      const key = e.composedPath().find((n): n is HTMLElement => !!(n as HTMLElement).dataset?.pick)
        ?.dataset.pick;
      if (key) this.pick(this.selection === key ? null : key);
    });
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
    document.addEventListener('selectionchange', this.#checkUser);
    // Re-attach after a move in the DOM even when no context answer triggers an update.
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('selectionchange', this.#checkUser);
    this.#linkWatch?.disconnect();
    this.#linkWatch = null;
    this.#attach(null);
    this.#require();
    setTicking(this, false);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('connection') || (this.connection && !this.#linkWatch)) this.#link();
    const attached = this.#attach(this.isConnected ? this.source : null);
    if (changed.has('selection') && this.#bus) select(this.#bus, this.selection);
    const held = this.held;
    if (!held) {
      this.data = this.latest;
      this.#waiting = 0;
    }
    // Only an update with no property change (new data, a tick) is held; a filter or sort the user changes applies.
    if (!(held && !attached && changed.size === 0 && this.hasUpdated)) this.#body = null;
    this.#require();
    setTicking(this, this.isConnected && this.wantsTick());
  }

  /** Whether redraws are held back: paused, or the user is in a row; never before the first snapshot is shown. */
  protected get held(): boolean {
    return (this.paused || this.#userIn) && !!this.data?.ready;
  }

  /** Updates `#userIn` from focus (in a row or card) and the text selection (anywhere in the element). */
  readonly #checkUser = (): void => {
    // Listened to only while connected, when the shadow root exists.
    const root = this.renderRoot as ShadowRoot;
    // Chromium reports a selection inside a shadow root only through the root; others through the document.
    const sel = (root as unknown as Document).getSelection?.() ?? document.getSelection();
    const userIn = Boolean(
      root.activeElement?.closest('[part~=row],[part~=card]') ||
        (sel && !sel.isCollapsed && root.contains(sel.anchorNode)),
    );
    if (userIn === this.#userIn) return;
    this.#userIn = userIn;
    this.requestUpdate();
  };

  /** Number of data updates held back while paused or while the user is in a row. */
  get waiting(): number {
    return this.#waiting;
  }

  /** What this element needs from the server; subclasses add the events they `subscribe()` to directly. */
  protected requirement(): Requirement {
    return { types: eventTypesFor(this.slices), workers: this.scope() };
  }

  /** Declares `requirement()` to the client when it changed, and withdraws it when detached. */
  #require(): void {
    // Detached (and so disconnected, see willUpdate), an element needs nothing.
    const client = this.#subscribed;
    const needs = client && this.requirement();
    const key = JSON.stringify(needs);
    if (key === this.#needs) return;
    this.#needs = key;
    this.#unrequire?.();
    this.#unrequire = client && needs ? client.require(this, needs) : null;
  }

  /** The worker ids the selection covers, for an element that follows it; null: all workers. */
  protected scope(): string[] | null {
    const s = this.follows ? parseSelection(this.selection) : null;
    if (!s) return null;
    if (s.kind === 'worker') return [s.id];
    return [...(this.latest?.workers.values() ?? [])].filter((w) => w.queue === s.id).map((w) => w.id);
  }

  /** The user selected `value` (`kind:id`, or null to clear): every element of the connection follows. */
  protected pick(value: string | null): void {
    this.selection = value;
    this.dispatchEvent(new SelectEvent(parseSelection(value)));
  }

  /** A row's name as the button that selects it (the keyboard's way in); the row itself carries `data-pick`. */
  protected picker(key: string, label: string): TemplateResult {
    return html`<button type="button" class="pick" aria-pressed=${this.selection === key}>${label}</button>`;
  }

  /** Whether this render shows a time that moves on its own; subclasses add their own reasons. */
  protected wantsTick(): boolean {
    // A retry time is set only while reconnecting: the countdown.
    return this.connectionStatus?.nextRetryAt != null;
  }

  /** Called when the element starts or stops following a client (after the watch is set up). */
  protected clientChanged?(client: PulseClient | null): void;

  /** Follows `client` (null: none); true if that changed anything. */
  #attach(client: PulseClient | null): boolean {
    if (client === this.#subscribed) return false;
    this.#unwatch?.();
    this.#unwatch = null;
    this.#bus?.members.delete(this);
    this.#bus = null;
    this.#subscribed = client;
    if (client) {
      this.#unwatch = client.watch([...this.slices, 'connection'], (data, status) => {
        if (data !== this.latest && this.held) this.#waiting++;
        this.latest = data;
        this.connectionStatus = status;
        this.requestUpdate();
      });
      const bus = busFor(client);
      this.#bus = bus;
      bus.members.add(this);
      // A selection set on this element (by the host page) wins; otherwise it takes the connection's.
      if (this.selection) select(bus, this.selection);
      else this.selection = bus.value;
    }
    this.data = this.latest = client?.data ?? null;
    this.#waiting = 0;
    this.connectionStatus = client?.status ?? null;
    this.clientChanged?.(client);
    return true;
  }

  /** Counts a change the store does not carry (a subclass's own buffer) and redraws unless held. */
  protected arrived(): void {
    if (this.held) this.#waiting++;
    this.requestUpdate();
  }

  /** Resolves `connection="id"` once `<sse-connection>` is defined and the element exists. */
  #link(): void {
    this.#linkWatch?.disconnect();
    this.#linkWatch = null;
    this.#linked = null;
    const id = this.connection;
    if (!id || !this.isConnected) return;
    // The connection element may be parsed after this one, added later or defined later: look again on each.
    const find = () => {
      // Not when a newer link (or a disconnect) replaced this one meanwhile.
      if (this.#linkWatch !== watch) return;
      const root = this.getRootNode() as Document | ShadowRoot;
      const el = (root.getElementById?.(id) ??
        this.ownerDocument.getElementById(id)) as ConnectionElement | null;
      if (!el?.client) return;
      watch.disconnect();
      this.#linked = el.client;
      this.requestUpdate();
    };
    const watch = new MutationObserver(find);
    this.#linkWatch = watch;
    watch.observe(this.ownerDocument, { childList: true, subtree: true, attributeFilter: ['id'] });
    customElements.whenDefined('sse-connection').then(find);
  }

  protected override render(): TemplateResult {
    const status = this.connectionStatus;
    const data = this.data;
    this.#body ??= this.#renderBody(data);
    // `staleSince` is null while open (see ConnectionStatus).
    const stale = Boolean(data?.ready && status && status.staleSince !== null);
    return html`<section class="frame" part="frame" aria-labelledby="title">
      <header class="header" part="header">
        <h2 class="title" id="title" part="title">${this.heading ?? this.defaultHeading}</h2>
        ${data?.ready ? this.renderSummary?.(data) : nothing}
        ${this.#renderChip()}
        ${status ? this.#renderStatusLine(status, stale) : nothing}
      </header>
      ${data?.ready ? this.renderToolbar?.(data) : nothing}
      <div class="body ${stale ? 'stale' : ''}" part="body" aria-busy=${Boolean(data && !data.ready)}>
        ${this.#body}
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

  /** "Showing: email-sender-1 ✕" on an element scoped to the selection; clicking clears it for all. */
  #renderChip(): unknown {
    const s = this.follows ? parseSelection(this.selection) : null;
    if (!s) return nothing;
    const name = s.kind === 'worker' ? this.data?.workers.get(s.id)?.name || s.id : `queue ${s.id}`;
    return html`<button type="button" class="chip" part="selection" title="Clear the selection" @click=${() => this.pick(null)}>
      Showing: ${truncate(name, NAME_MAX)}<span aria-hidden="true">✕</span><span class="visually-hidden">(clear)</span>
    </button>`;
  }

  #renderStatusLine(status: ConnectionStatus, stale: boolean): TemplateResult {
    // Set only while reconnecting, failed or unauthorized (see ConnectionStatus).
    const error = status.error;
    return html`<div class="status-line">
      ${
        this.paused || this.#waiting
          ? html`<span class="waiting" part="waiting">${this.paused ? 'Paused · ' : ''}${formatCountOf(this.#waiting, 'update')} waiting</span>`
          : nothing
      }
      ${this.paused ? html`<button type="button" part="resume" @click=${() => (this.paused = false)}>Resume</button>` : nothing}
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

  /** Short text beside the title, e.g. "12 workers". Optional, as the toolbar: lit renders the undefined of none as nothing. */
  protected renderSummary?(data: DashboardState): unknown;

  /** Filters and sort controls under the header, shown once data is ready. */
  protected renderToolbar?(data: DashboardState): unknown;

  /** The element's content, once `initial_data` has been applied. */
  protected abstract renderContent(data: DashboardState): unknown;
}

// Beside the element that fires it, so each element's .d.ts carries its events.
declare global {
  interface GlobalEventHandlersEventMap {
    'pulse-select': SelectEvent;
  }
}
