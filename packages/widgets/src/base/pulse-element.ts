import {
  html,
  LitElement,
  nothing,
  type PropertyDeclarations,
  type PropertyValues,
  type TemplateResult,
} from 'lit';
import { eventTypesFor } from '../client/requirements.js';
import type { PulseClient, Requirement } from '../client/types.js';
import type { DashboardState, Slice } from '../store/types.js';
import type { ConnectionStatus } from '../transport/types.js';
import { ClientController } from './client-controller.js';
import { ClockController } from './clock-controller.js';
import { NAME_MAX, truncate } from './format.js';
import { frame, notice } from './frame.js';
import { HoldController } from './hold-controller.js';
import { PULSEBOARD_ELEMENT } from './mark.js';
import { sharedNames, workerLabel } from './names.js';
import { parseSelection, type SelectEvent } from './selection.js';
import { SelectionController } from './selection-controller.js';

/**
 * The base of every Pulseboard widget. Its behaviour is in controllers: the
 * client (context or `connection="id"`, the slices it watches, what it
 * requires), holding updates (pause, or the pointer or a text selection in a
 * list), the connection's selection, and the clock. It draws the shared frame
 * (`frame()`): title, connection indicator, Retry now, loading, empty and
 * stale states. Its theme is its own, else its connection's, else the page's
 * `color-scheme`, as the custom state `:state(light)` or `:state(dark)`.
 *
 * @fires {SelectEvent} pulse-select - The user selected a worker or queue (or cleared the selection); `selection` is `{kind, id}` or null.
 *
 * @csspart frame - The panel around everything.
 * @csspart header - Title row with the connection indicator.
 * @csspart title - The heading.
 * @csspart connection - The connection indicator (dot and words; the dot alone in a narrow column, the words its title).
 * @csspart reconnect - The Retry now button, while reconnecting and after the connection failed.
 * @csspart toolbar - Filters and sort controls.
 * @csspart body - The content; dimmed while the data is stale.
 * @csspart stale - The "Stale since hh:mm:ss" note.
 * @csspart notice - Empty, waiting and not-connected messages.
 * @csspart waiting - The "N updates waiting" note while paused, or while the pointer or a text selection holds a list (10 s at most).
 * @csspart resume - The Resume button beside it: shows what waits.
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

  /** Marks the class as Pulseboard's, for every copy of the library (see `define/register.ts`). */
  static readonly [PULSEBOARD_ELEMENT] = true;

  /** Id of an `<sse-connection>` elsewhere in the document, for widgets outside its subtree. */
  declare connection: string | null;
  /** Replaces the default title. */
  declare heading: string | null;
  /**
   * `light`, `dark` or `auto`. By default the `theme` of the `<sse-connection>` that provides this element;
   * `auto` (or none) follows the page's `color-scheme`, then the operating system's `prefers-color-scheme`.
   */
  declare theme: 'light' | 'dark' | 'auto' | null;
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

  readonly #client = new ClientController(this, {
    slices: () => this.slices,
    connection: () => this.connection,
    followed: (client) => {
      this.#selection.join(client?.selection ?? null);
      this.#themeStop?.();
      this.#themeStop = client?.theme.observe(() => this.requestUpdate()) ?? null;
      this.data = this.latest;
      this.#hold.release();
      this.clientChanged?.(client);
    },
    changed: (dataChanged) => {
      if (dataChanged) this.#hold.arrived();
      this.requestUpdate();
    },
  });
  readonly #hold = new HoldController(this, () => !!this.data?.ready);
  readonly #selection = new SelectionController(this);
  readonly #clock = new ClockController(this);

  /** Applies the theme chosen as the custom state `light` or `dark` (none: the operating system's). */
  readonly #internals = this.attachInternals();
  #themeStop: (() => void) | null = null;
  /** The own and the connection's theme the custom state was worked out from; '' after a move. */
  #themeFrom = '';

  /** The state on screen: the client's latest, except while held (paused, or the user's pointer or selection in a list). */
  protected data: DashboardState | null = null;
  /** The last body rendered, reused while held so nothing in it redraws; null: render anew. */
  #body: unknown = null;

  constructor() {
    super();
    this.connection = null;
    this.heading = null;
    this.theme = null;
    this.paused = false;
    this.selection = null;
  }

  /** The client provided by an enclosing `<sse-connection>`, if any. */
  get client(): PulseClient | undefined {
    return this.#client.provided;
  }

  /** The client this element renders from: the linked one when `connection` is set. */
  get source(): PulseClient | null {
    return this.#client.client;
  }

  /** The client's latest state, also while `data` is held back. */
  protected get latest(): DashboardState | null {
    return this.#client.latest;
  }

  protected get connectionStatus(): ConnectionStatus | null {
    return this.#client.status;
  }

  /** Number of data updates held back while paused or while the pointer or a text selection holds a list. */
  get waiting(): number {
    return this.#hold.waiting;
  }

  /** Whether redraws are held back: paused, or the user's pointer or text selection in a list; never before the first snapshot is shown. */
  protected get held(): boolean {
    return this.#hold.held;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Another place in the page may have another color-scheme.
    this.#themeFrom = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const attached = this.#client.update(changed.has('connection'));
    this.#applyTheme();
    if (changed.has('selection')) this.#selection.changed();
    const held = this.held;
    if (!held) {
      this.data = this.latest;
      this.#hold.release();
    }
    // Only an update with no property change (new data, a tick) is held; a filter or sort the user changes applies.
    if (!(held && !attached && changed.size === 0 && this.hasUpdated)) this.#body = null;
    this.#client.require(this.requirement());
    this.#clock.set(this.isConnected && this.wantsTick());
  }

  /**
   * Its own theme, else the connection's; `auto` (or none) looks at the page's `color-scheme` where the element
   * sits (read once per change and per move: reading it on every update would cost a style recalculation).
   */
  #applyTheme(): void {
    const given = this.source?.theme.value;
    const from = `${this.theme}|${given}`;
    if (from === this.#themeFrom) return;
    this.#themeFrom = from;
    const wanted = this.theme || given;
    const scheme =
      wanted === 'light' || wanted === 'dark'
        ? wanted
        : getComputedStyle(this.parentElement ?? document.documentElement).colorScheme;
    const { states } = this.#internals;
    for (const tone of ['light', 'dark'])
      if (scheme.includes(tone) && !scheme.includes(tone === 'light' ? 'dark' : 'light')) states.add(tone);
      else states.delete(tone);
  }

  /** What this element needs from the server; subclasses add the events they `subscribe()` to directly. */
  protected requirement(): Requirement {
    return { types: eventTypesFor(this.slices), workers: this.scope() };
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
    this.#selection.pick(value);
  }

  /** A row's name as the button that selects it (the keyboard's way in); the row itself carries `data-pick`. */
  protected picker(key: string, label: string): TemplateResult {
    return this.#selection.picker(key, label);
  }

  /** Whether this render shows a time that moves on its own; subclasses add their own reasons. */
  protected wantsTick(): boolean {
    // A retry time is set only while reconnecting: the countdown.
    return this.connectionStatus?.nextRetryAt != null;
  }

  /** Called when the element starts or stops following a client (after the watch is set up). */
  protected clientChanged?(client: PulseClient | null): void;

  /** Counts a change the store does not carry (a subclass's own buffer) and redraws unless held. */
  protected arrived(): void {
    this.#hold.arrived();
    this.requestUpdate();
  }

  protected override render(): TemplateResult {
    const status = this.connectionStatus;
    const data = this.data;
    this.#body ??= this.#renderBody(data);
    const ready = data?.ready ?? false;
    return html`${frame({
      // The body tells why it could not connect before the first snapshot; the status line, once there is data.
      error: refused(status) && !ready ? null : (status?.error ?? null),
      heading: this.heading ?? this.defaultHeading,
      summary: ready ? this.renderSummary?.(data!) : nothing,
      chip: this.#renderChip(),
      toolbar: ready ? this.renderToolbar?.(data!) : nothing,
      body: this.#body,
      status,
      // `staleSince` is null while open (see ConnectionStatus).
      stale: ready && !!status && status.staleSince !== null,
      busy: Boolean(data && !ready),
      paused: this.paused,
      waiting: this.#hold.waiting,
      resume: () => {
        this.paused = false;
        this.#hold.resume();
      },
      reconnect: () => this.source?.reconnect(),
    })}${this.renderDialog?.(this.latest)}`;
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
      if (refused(status)) {
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
    const workers = this.data?.workers;
    const name =
      s.kind === 'worker'
        ? workerLabel(
            s.id,
            workers?.get(s.id)?.name,
            sharedNames(Array.from(workers?.values() ?? [], (w) => w.name)),
          )
        : `queue ${s.id}`;
    return html`<button type="button" class="chip" part="selection" title="Clear the selection" @click=${() => this.pick(null)}>
      Showing: ${truncate(name, NAME_MAX)}<span aria-hidden="true">✕</span><span class="visually-hidden">(clear)</span>
    </button>`;
  }

  /** A centred message: empty states, missing connection. */
  protected renderNotice(title: string, hint: unknown): TemplateResult {
    return notice(title, hint);
  }

  /** Short text beside the title, e.g. "12 workers". Optional, as the toolbar: lit renders the undefined of none as nothing. */
  protected renderSummary?(data: DashboardState): unknown;

  /** Filters and sort controls under the header, shown once data is ready. */
  protected renderToolbar?(data: DashboardState): unknown;

  /** A dialog beside the frame, drawn from the latest state even while the body is held. */
  protected renderDialog?(data: DashboardState | null): unknown;

  /** The element's content, once `initial_data` has been applied. */
  protected abstract renderContent(data: DashboardState): unknown;
}

/** The connection gave up or was refused: the state that says why. */
const refused = (status: ConnectionStatus | null): status is ConnectionStatus =>
  status?.state === 'failed' || status?.state === 'unauthorized';

// Beside the element that fires it, so each element's .d.ts carries its events.
declare global {
  interface GlobalEventHandlersEventMap {
    'pulse-select': SelectEvent;
  }
}
