import {
  type EventPayloads,
  LOG_LEVELS,
  type LogEntry,
  type LogLevel,
  type Worker,
  type WorkerStatus,
} from '@pulseboard/protocol';
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { compareNames, formatClock, formatCountOf, NAME_MAX, truncate, usable } from '../base/format.js';
import { PulseElement } from '../base/pulse-element.js';
import { RowWindow } from '../base/row-window.js';
import { eventTypesFor } from '../client/requirements.js';
import type { PulseClient, Requirement, Slice } from '../client/types.js';
import { sharedStyles } from '../styles/shared.js';
import { logsViewStyles } from './logs-view.styles.js';

/** A line on screen: a worker's log entry, or one synthesized from a registry event. */
export interface LogLine {
  /** Arrival order, unique per element; the row's key. */
  seq: number;
  at: number;
  level: LogLevel;
  workerId: string;
  workerName: string;
  message: string;
  kind: 'log' | 'event';
}

const DEFAULT_MAX_LINES = 1000;
const MAX_LINES_CAP = 100_000;
/** Longer messages are cut for display (the server accepts up to 8 KiB; a line is not a document). */
const MESSAGE_MAX = 2000;
/** How close to the bottom counts as "at the tail" when the user scrolls. */
const TAIL_SLACK_PX = 24;

const LEVEL_FILTERS: readonly { level: LogLevel; label: string }[] = [
  { level: 'debug', label: 'All levels' },
  { level: 'info', label: 'Info and above' },
  { level: 'warn', label: 'Warnings and errors' },
  { level: 'error', label: 'Errors only' },
];
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
 * alone was a third of the library's 30 KB budget (see `RowWindow`).
 *
 * The element keeps its own ring buffer of `max-lines`, fed from the client's
 * raw events, because the store's log buffer is smaller and has no registry
 * entries.
 *
 * @attr max-lines - Lines kept (default 1000, at most 100,000); the oldest go first.
 * @attr level - Lowest level shown: debug (all), info, warn or error.
 * @attr worker - Show only this worker's lines (its id).
 * @attr filter - Show only lines containing this text.
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

  declare maxLines: number;
  declare level: LogLevel;
  declare worker: string;
  declare filter: string;
  /** Whether the view sticks to the newest line. */
  declare following: boolean;

  // Lines come from raw events; the `logs` slice is watched for `ready` and resyncs.
  protected readonly slices: readonly Slice[] = ['logs'];
  protected readonly defaultHeading = 'Logs';
  protected override readonly follows = true;

  #rows = new RowWindow(this, '.log', '.line', 23);

  #lines: LogLine[] = [];
  #seq = 0;
  /** Last `seq` on screen: it stays put while the view is held (paused, or the user is in a line). */
  #upTo = 0;
  #names = new Map<string, string>();
  #unsubscribe: (() => void)[] = [];
  #seeded: PulseClient | null = null;
  #view: { key: string; lines: LogLine[] } = { key: '', lines: [] };
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
    return this.#lines.slice();
  }

  #capacity(): number {
    const n = usable(this.maxLines);
    return n === null || n < 1 ? DEFAULT_MAX_LINES : Math.min(Math.floor(n), MAX_LINES_CAP);
  }

  protected override clientChanged(client: PulseClient | null): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    if (!client) return;
    if (client !== this.#seeded) {
      this.#seeded = client;
      this.#lines = [];
      this.#rememberWorkers(client.data.workers.values());
      this.#append(client.data.logs.map((e) => this.#fromEntry(e)));
    }
    this.#unsubscribe = [
      client.subscribe('initial_data', (d) => this.#onSnapshot(d)),
      // No redraw of its own: the same event changes the `logs` slice, which the base watches.
      client.subscribe('log', (d) => this.#append(this.#entries(d).map((e) => this.#fromEntry(e)))),
      client.subscribe('worker_registered', (d) => this.#onRegistered(d)),
      client.subscribe('worker_status_change', (d) => this.#onStatusChange(d)),
      client.subscribe('worker_deregistered', (d) => this.#onDeregistered(d)),
    ];
  }

  /**
   * A snapshot arrives on a fresh connection or a resync (a resume inside the
   * replay window replays events instead). Its lines newer than ours are the
   * ones this view has not seen.
   */
  #onSnapshot(d: EventPayloads['initial_data']): void {
    this.#rememberWorkers(Array.isArray(d.workers) ? d.workers : []);
    let newest = Number.NEGATIVE_INFINITY;
    for (const l of this.#lines) if (l.kind === 'log') newest = Math.max(newest, l.at);
    const entries = this.#entries({ entries: d.logs });
    this.#append(entries.filter((e) => e.at > newest).map((e) => this.#fromEntry(e)));
  }

  #onRegistered(d: EventPayloads['worker_registered']): void {
    const w = d?.worker;
    this.#rememberWorkers([w]);
    this.#synth(w?.id, 'info', w?.registeredAt, w?.queue ? `Registered · queue ${w.queue}` : 'Registered');
  }

  #onStatusChange(d: EventPayloads['worker_status_change']): void {
    const reason = d?.reason ? ` (${d.reason})` : '';
    this.#synth(d?.id, STATUS_LEVEL[d?.to] ?? 'info', d?.at, `Status ${d?.from} → ${d?.to}${reason}`);
  }

  #onDeregistered(d: EventPayloads['worker_deregistered']): void {
    const expired = d?.reason === 'expired';
    this.#synth(
      d?.id,
      expired ? 'warn' : 'info',
      Date.now(),
      expired ? 'Expired after going offline' : 'Deregistered',
    );
  }

  #synth(workerId: unknown, level: LogLevel, at: unknown, message: string): void {
    if (typeof workerId !== 'string') {
      this.#warn('a registry event without a worker id');
      return;
    }
    this.#append([{ ...this.#line(workerId, at), level, message, kind: 'event' }]);
    this.arrived();
  }

  /** Entries that can be shown; the rest are skipped with one warning per element. */
  #entries(d: { entries?: unknown }): LogEntry[] {
    const list = Array.isArray(d?.entries) ? (d.entries as Partial<LogEntry>[]) : [];
    const ok = list.filter(
      (e): e is LogEntry =>
        typeof e?.message === 'string' && typeof e.workerId === 'string' && isLevel(e.level),
    );
    if (ok.length !== list.length || !Array.isArray(d?.entries))
      this.#warn('log entries without message, worker or level');
    return ok;
  }

  #warn(what: string): void {
    if (this.#warned) return;
    this.#warned = true;
    console.warn(`<logs-view>: skipped ${what}.`);
  }

  #rememberWorkers(workers: Iterable<Worker>): void {
    for (const w of workers)
      if (typeof w?.id === 'string') this.#names.set(w.id, truncate(w.name || w.id, NAME_MAX));
  }

  #line(workerId: string, at: unknown): Omit<LogLine, 'level' | 'message' | 'kind'> {
    return {
      seq: 0,
      at: usable(at) ?? Date.now(),
      workerId,
      workerName: this.#names.get(workerId) ?? truncate(workerId, NAME_MAX),
    };
  }

  #fromEntry(e: LogEntry): LogLine {
    return {
      ...this.#line(e.workerId, e.at),
      level: e.level,
      message: truncate(e.message, MESSAGE_MAX),
      kind: 'log',
    };
  }

  #append(lines: LogLine[]): void {
    if (lines.length === 0) return;
    for (const line of lines) {
      line.seq = ++this.#seq;
      this.#lines.push(line);
    }
    this.#trim();
  }

  #trim(): void {
    const excess = this.#lines.length - this.#capacity();
    if (excess > 0) this.#lines.splice(0, excess);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('maxLines')) this.#trim();
    if (changed.has('paused') && !this.paused) this.following = true;
    if (!this.held) this.#upTo = this.#seq;
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

  /** The filtered lines, recomputed only when the buffer (or, held, the filters) change. */
  #visible(): LogLine[] {
    const upTo = this.#upTo;
    const scope = this.scope();
    const key = `${upTo}|${this.#lines[0]?.seq}|${this.level}|${this.worker}|${this.filter}|${scope}`;
    if (key === this.#view.key) return this.#view.lines;
    const min = rank(isLevel(this.level) ? this.level : 'debug');
    const needle = this.filter.trim().toLowerCase();
    const lines = this.#lines.filter(
      (l) =>
        l.seq <= upTo &&
        rank(l.level) >= min &&
        (!this.worker || l.workerId === this.worker) &&
        (!scope || scope.includes(l.workerId)) &&
        (!needle || l.message.toLowerCase().includes(needle) || l.workerName.toLowerCase().includes(needle)),
    );
    // While held, the key ignores new arrivals, so the frozen list keeps its identity and nothing redraws.
    this.#view = { key, lines };
    return lines;
  }

  protected override renderSummary(): unknown {
    return html`<span class="summary">${formatCountOf(this.#lines.length, 'line')}</span>`;
  }

  protected override renderToolbar(): unknown {
    const workers = [...this.#names].sort((a, b) => compareNames(a[1], b[1]));
    return html`<div class="toolbar" part="toolbar">
      <select aria-label="Level" @change=${(e: Event) => (this.level = (e.target as HTMLSelectElement).value as LogLevel)}>
        ${LEVEL_FILTERS.map((f) => html`<option value=${f.level} ?selected=${f.level === this.level}>${f.label}</option>`)}
      </select>
      <select aria-label="Worker" @change=${(e: Event) => (this.worker = (e.target as HTMLSelectElement).value)}>
        <option value="" ?selected=${!this.worker}>All workers</option>
        ${workers.map(([id, name]) => html`<option value=${id} ?selected=${id === this.worker}>${name}</option>`)}
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
    if (this.#lines.length === 0) {
      return this.renderNotice(
        'No log lines yet',
        'Lines appear as workers send them, with registrations and status changes.',
      );
    }
    const lines = this.#visible();
    const { first, end, before, after } = this.#rows.range(lines.length, this.#sticksToEnd());
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
          ${repeat(
            lines.slice(first, end),
            (l) => l.seq,
            (l) => this.#row(l),
          )}
        </div>
      </div>
      <div class="footer">
        ${lines.length === 0 ? html`<span>No lines match the filters.</span>` : nothing}
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
    this.#rows.onScroll(e);
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
