import {
  type EventPayloads,
  LOG_LEVELS,
  type LogEntry,
  type LogLevel,
  type Worker,
  type WorkerStatus,
} from '@pulseboard/protocol';
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import {
  compareNames,
  dateTime,
  formatClock,
  formatCountOf,
  NAME_MAX,
  truncate,
  usable,
} from '../base/format.js';
import { Memo } from '../base/memo.js';
import { PulseElement } from '../base/pulse-element.js';
import { RowWindow } from '../base/row-window.js';
import { eventTypesFor } from '../client/requirements.js';
import type { PulseClient, Requirement } from '../client/types.js';
import type { Slice } from '../store/types.js';
import { sharedStyles } from '../styles/shared.js';
import { type LogLine, LogLines } from './log-lines.js';
import { logsViewStyles } from './logs-view.styles.js';

export type { LogLine };

const DEFAULT_MAX_LINES = 1000;
const MAX_LINES_CAP = 100_000;
/** Longer messages are cut for display (the server accepts up to 8 KiB; a line is not a document). */
const MESSAGE_MAX = 2000;
/** How close to the bottom counts as "at the tail" when the user scrolls. */
const TAIL_SLACK_PX = 24;

/** The level menu: each level, as the lowest one shown. */
const LEVEL_FILTERS: Record<LogLevel, string> = {
  debug: 'All levels',
  info: 'Info and above',
  warn: 'Warnings and errors',
  error: 'Errors only',
};
const STATUS_LEVEL: Partial<Record<WorkerStatus, LogLevel>> = {
  unhealthy: 'error',
  offline: 'warn',
  degraded: 'warn',
};

const isLevel = (value: unknown): value is LogLevel => (LOG_LEVELS as readonly unknown[]).includes(value);
const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level);

/**
 * Live log lines from every worker, plus a line for each registration, status
 * change and departure. Filter by level, worker and text; the view follows the
 * tail until the user scrolls up. Pause (the shared `paused`) freezes the view
 * while lines keep arriving into the buffer; resume shows them all. With a
 * selection (see `selection`) it shows only the selected worker's lines, or
 * those of the workers of the selected queue. Only the
 * visible lines are in the DOM, so 100,000 stay smooth: each line is one row of
 * fixed height (a long message is cut with an ellipsis on screen, its full text
 * stays in the DOM for copying and screen readers and shows as a tooltip).
 * Not @lit-labs/virtualizer: it handles variable heights, but at ~9 KB gzip it
 * alone would be a third of the library (see `RowWindow`).
 *
 * The element keeps its own ring buffer of `max-lines`, fed from the client's
 * raw events, because the store's log buffer is smaller and has no registry
 * entries.
 *
 * @summary Live log lines from every worker, filterable, following the tail.
 *
 * @csspart log - The scrolling list (`role="log"`).
 * @csspart row - One line.
 * @csspart filter - The text filter input.
 *
 * @cssprop --pulse-log-height - Height of the list (360px).
 */
export class LogsView extends PulseElement {
  static override styles = [...sharedStyles, logsViewStyles];

  static override properties = {
    maxLines: { type: Number, attribute: 'max-lines', reflect: true },
    level: { reflect: true },
    worker: { reflect: true },
    filter: { reflect: true },
    // `attribute: false` is implied by `state` for Lit, not for the manifest analyzer.
    following: { state: true, attribute: false },
  };

  /** Lines kept (default 1000, at most 100,000); the oldest go first. */
  declare maxLines: number;
  /** Lowest level shown: debug (all), info, warn or error. */
  declare level: LogLevel;
  /** Show only this worker's lines (its id). */
  declare worker: string;
  /** Show only lines containing this text. */
  declare filter: string;
  /** Whether the view sticks to the newest line. */
  declare following: boolean;

  // Lines come from raw events; the `logs` slice is watched for `ready` and resyncs.
  protected readonly slices: readonly Slice[] = ['logs'];
  protected readonly defaultHeading = 'Logs';
  protected override readonly follows = true;

  #rows = new RowWindow(this, '.log', '.line', 23);

  /** Replaced for a new client: its lines and seqs start anew. */
  #lines = new LogLines();
  #names = new Map<string, string>();
  /** The worker menu, rebuilt only when the workers or the choice change. */
  readonly #memo = new Memo();
  /** `#names` sorted for the worker menu; null when names came in since. */
  #menu: [string, string][] | null = null;
  /**
   * Whether the worker menu was focused: until then it lists only the chosen worker, as building,
   * styling and laying out 1,000 options took ~50 ms of a fleet's first paint.
   */
  #menuOpened = false;
  #unsubscribe: (() => void)[] = [];
  #seeded: PulseClient | null = null;
  #warned = false;
  /** Set by wheel/touch/keys so a scroll the user caused can stop following, and ours cannot. */
  #userScrolling = false;
  /** The scroll height the log was last scrolled to the end at; -1 while not following. */
  #pinnedAt = -1;

  constructor() {
    super();
    this.maxLines = DEFAULT_MAX_LINES;
    this.level = 'debug';
    this.worker = '';
    this.filter = '';
    this.following = true;
  }

  /** Lines in the buffer, oldest first (a copy). */
  get lines(): readonly LogLine[] {
    return this.#lines.all;
  }

  #capacity(): number {
    // Below one line (0, 0.5, unusable): the default.
    return Math.min(Math.floor(usable(this.maxLines) ?? 0) || DEFAULT_MAX_LINES, MAX_LINES_CAP);
  }

  protected override clientChanged(client: PulseClient | null): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    if (!client) return;
    if (client !== this.#seeded) {
      this.#seeded = client;
      this.#lines = new LogLines();
      this.#rememberWorkers(client.data.workers.values());
      this.#appendEntries(client.data.logs);
    }
    this.#unsubscribe = [
      client.subscribe('initial_data', (d) => this.#onSnapshot(d)),
      // No redraw of its own: the same event changes the `logs` slice, which the base watches.
      client.subscribe('log', (d) => this.#appendEntries(this.#entries(d.entries))),
      // The client hands a typed subscriber only events the store applied: the payload is an object,
      // its lists are arrays and the worker or id the store needed is there (list items may not be).
      client.subscribe('worker_registered', ({ worker }) => {
        this.#rememberWorkers([worker]);
        const message = worker.queue ? `Registered · queue ${worker.queue}` : 'Registered';
        this.#synth(worker.id, 'info', worker.registeredAt, message);
      }),
      client.subscribe('worker_status_change', (d) => {
        const reason = d.reason ? ` (${d.reason})` : '';
        this.#synth(d.id, STATUS_LEVEL[d.to] ?? 'info', d.at, `Status ${d.from} → ${d.to}${reason}`);
      }),
      client.subscribe('worker_deregistered', (d) => {
        const expired = d.reason === 'expired';
        const message = expired ? 'Expired after going offline' : 'Deregistered';
        this.#synth(d.id, expired ? 'warn' : 'info', Date.now(), message);
      }),
    ];
  }

  /**
   * A snapshot arrives on a fresh connection or a resync (a resume inside the
   * replay window replays events instead). Its lines newer than ours are the
   * ones this view has not seen.
   */
  #onSnapshot(d: EventPayloads['initial_data']): void {
    this.#rememberWorkers(d.workers);
    let newest = Number.NEGATIVE_INFINITY;
    // A time no Date holds (from an older server) must not hide every later line.
    for (const l of this.#lines.all) if (l.kind === 'log') newest = Math.max(newest, dateTime(l.at) ?? 0);
    this.#appendEntries(this.#entries(d.logs).filter((e) => e.at > newest));
  }

  #synth(workerId: string, level: LogLevel, at: unknown, message: string): void {
    this.#append([this.#line(workerId, at, level, message, 'event')]);
    this.arrived();
  }

  /** Entries that can be shown; the rest are skipped with one warning per element. */
  #entries(list: Partial<LogEntry>[]): LogEntry[] {
    const ok = list.filter(
      (e): e is LogEntry =>
        typeof e?.message === 'string' && typeof e.workerId === 'string' && isLevel(e.level),
    );
    if (ok.length !== list.length && !this.#warned) {
      this.#warned = true;
      console.warn('<logs-view>: skipped log entries without message, worker or level.');
    }
    return ok;
  }

  #rememberWorkers(workers: Iterable<Worker>): void {
    for (const w of workers)
      if (typeof w?.id === 'string') this.#names.set(w.id, truncate(w.name || w.id, NAME_MAX));
    this.#menu = null;
  }

  #line(workerId: string, at: unknown, level: LogLevel, message: string, kind: LogLine['kind']): LogLine {
    return {
      seq: 0,
      at: usable(at) ?? Date.now(),
      workerId,
      workerName: this.#names.get(workerId) ?? truncate(workerId, NAME_MAX),
      level,
      message,
      kind,
    };
  }

  #appendEntries(entries: readonly LogEntry[]): void {
    this.#append(
      entries.map((e) => this.#line(e.workerId, e.at, e.level, truncate(e.message, MESSAGE_MAX), 'log')),
    );
  }

  #append(lines: LogLine[]): void {
    this.#lines.append(lines, this.#capacity());
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('maxLines')) this.#lines.trim(this.#capacity());
    if (changed.has('paused') && !this.paused) this.following = true;
  }

  /** The `worker` attribute asks the server for one worker; otherwise the selection's workers, if any. */
  protected override requirement(): Requirement {
    return {
      types: [
        ...eventTypesFor(this.slices),
        'worker_registered',
        'worker_status_change',
        'worker_deregistered',
      ],
      workers: this.worker ? [this.worker] : this.scope(),
    };
  }

  /** Filters the lines up to the last one on screen; how many pass. */
  #filter(): number {
    const scope = this.scope();
    // An unknown level ranks -1: everything shows, as with `debug`.
    const min = rank(this.level);
    const needle = this.filter.trim().toLowerCase();
    const worker = this.worker;
    const inScope = scope && new Set(scope);
    // Held (paused, or the user is in a line), the lines on screen stay put.
    return this.#lines.filter(
      this.held,
      `${min}|${worker}|${needle}|${scope}`,
      (l) =>
        rank(l.level) >= min &&
        (!worker || l.workerId === worker) &&
        (!inScope || inScope.has(l.workerId)) &&
        (!needle || l.message.toLowerCase().includes(needle) || l.workerName.toLowerCase().includes(needle)),
    );
  }

  protected override renderSummary(): unknown {
    return html`<span class="summary">${formatCountOf(this.#lines.size, 'line')}</span>`;
  }

  protected override renderToolbar(): unknown {
    // Sorted once per change of names, and not redrawn otherwise.
    if (this.#menuOpened) this.#menu ??= [...this.#names].sort((a, b) => compareNames(a[1], b[1]));
    const chosen = this.#names.get(this.worker);
    const workers = this.#menu ?? (chosen === undefined ? [] : [[this.worker, chosen]]);
    return html`<div class="toolbar" part="toolbar">
      <select aria-label="Level" @change=${(e: Event) => (this.level = (e.target as HTMLSelectElement).value as LogLevel)}>
        ${LOG_LEVELS.map((level) => html`<option value=${level} ?selected=${level === this.level}>${LEVEL_FILTERS[level]}</option>`)}
      </select>
      <select
        class="workers"
        aria-label="Worker"
        @focus=${() => {
          this.#menuOpened = true;
          this.requestUpdate();
        }}
        @change=${(e: Event) => (this.worker = (e.target as HTMLSelectElement).value)}
      >
        ${this.#memo.get(
          workers,
          [this.worker],
          () =>
            html`<option value="" ?selected=${!this.worker}>All workers</option>
              ${workers.map(([id, name]) => html`<option value=${id} ?selected=${id === this.worker}>${name}</option>`)}`,
        )}
      </select>
      <input
        type="search"
        part="filter"
        placeholder="Search lines"
        aria-label="Search lines"
        .value=${this.filter}
        @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)}
      />
      <button type="button" class="toggle" aria-pressed=${this.following} @click=${() => (this.following = !this.following)}>
        Follow
      </button>
      <button type="button" class="toggle" aria-pressed=${this.paused} @click=${() => (this.paused = !this.paused)}>
        Pause
      </button>
    </div>`;
  }

  protected renderContent(): unknown {
    if (this.#lines.size === 0) {
      return this.renderNotice(
        'No log lines yet',
        'Lines appear as workers send them, with registrations and status changes.',
      );
    }
    const total = this.#filter();
    const { first, end, before, after } = this.#rows.range(total, this.#sticksToEnd());
    return html`<div
        class="log"
        part="log"
        role="log"
        aria-label="Log lines"
        tabindex="0"
        @scroll=${this.#onScroll}
        @wheel=${this.#onUserScroll}
        @touchmove=${this.#onUserScroll}
        @keydown=${this.#onUserScroll}
        @pointerdown=${this.#onUserScroll}
      >
        <div style="padding-block: ${before}px ${after}px">
          ${this.#lines.shown(first, end).map((l) => this.#row(l))}
        </div>
      </div>
      <div class="footer">
        ${total === 0 ? html`<span>No lines match the filters.</span>` : nothing}
        ${
          this.following || this.paused
            ? nothing
            : html`<button type="button" @click=${() => (this.following = true)}>Jump to latest</button>`
        }
      </div>`;
  }

  #row(l: LogLine): TemplateResult {
    return html`<div class="line level-${l.level} kind-${l.kind}" part="row">
      <time>${formatClock(l.at)}</time><span class="lvl">${l.level.toUpperCase()}</span
      ><span class="who" title=${l.workerId}>${l.workerName}</span><span class="msg" title=${l.message}>${l.message}</span>
    </div>`;
  }

  #sticksToEnd(): boolean {
    return this.following && !this.held;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const log = this.renderRoot.querySelector('.log');
    if (!log || !this.#sticksToEnd()) {
      this.#pinnedAt = -1;
      return;
    }
    // Only when the end moved: re-pinning on every update (the status line changes with each
    // event) would cancel a keyboard or wheel scroll before it reports.
    if (log.scrollHeight !== this.#pinnedAt) log.scrollTop = this.#pinnedAt = log.scrollHeight;
  }

  #onUserScroll = () => {
    this.#userScrolling = true;
  };

  #onScroll = (e: Event) => {
    this.#rows.onScroll();
    const el = e.currentTarget as HTMLElement;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight <= TAIL_SLACK_PX;
    if (atEnd) this.following = true;
    else if (this.#userScrolling) this.following = false;
    this.#userScrolling = false;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'logs-view': LogsView;
  }
}
