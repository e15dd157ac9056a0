import { LOG_LEVELS, type LogLevel } from '@pulseboard/protocol';
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import {
  compareNames,
  formatCount,
  formatCountOf,
  formatStamp,
  NAME_MAX,
  sameDay,
  truncate,
  usable,
} from '../base/format.js';
import { Memo } from '../base/memo.js';
import { sharedNames, workerLabel } from '../base/names.js';
import { PulseElement } from '../base/pulse-element.js';
import { RowWindow } from '../base/row-window.js';
import { parseSelection } from '../base/selection.js';
import { eventTypesFor } from '../client/requirements.js';
import type { Requirement } from '../client/types.js';
import type { DashboardState, LineList, LogLine, Slice } from '../store/types.js';
import { sharedStyles } from '../styles/shared.js';
import { FilteredLines } from './log-lines.js';
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
const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level);

/** The worker menu's entries, and what they were built from. */
interface Menu {
  /** The store's `rosterVersion` it was built at: heartbeats leave it as it is. */
  roster: number;
  /** Id and label, sorted by label: a name, with the id where names repeat. */
  list: [string, string][];
  /** The names more than one worker has. */
  shared: Set<string>;
}

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
 * The lines are the store's (`lines`, which keeps at least as many as the
 * largest `max-lines` on the connection asks for); the element keeps only the
 * ones its filters let through.
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

  // `lines` belong to the `logs` slice.
  protected readonly slices: readonly Slice[] = ['logs'];
  protected readonly defaultHeading = 'Logs';
  protected override readonly follows = true;

  #rows = new RowWindow(this, '.log', '.line', 23);

  /** Replaced for a new client: its lines and seqs start anew. */
  #shown = new FilteredLines();
  /** The worker menu, rebuilt only when the workers or the choice change. */
  readonly #memo = new Memo();
  /**
   * The workers' labels sorted for the worker menu (a name with its id where names repeat), the names that
   * repeat, and the maps and labels they were built from.
   */
  #menu: Menu | null = null;
  /** Lines the filters let through at the last render, and whether any filter applies: "N of M lines". */
  #matched = 0;
  #filtered = false;
  /**
   * Whether the worker menu was focused: until then it lists only the chosen worker, as building,
   * styling and laying out 1,000 options took ~50 ms of a fleet's first paint.
   */
  #menuOpened = false;
  /** Set by wheel/touch/keys so a scroll the user caused can stop following, and ours cannot. */
  #userScrolling = false;
  /** Which lines the last render drew (count, first, newest), and which the log was pinned to the end with. */
  #drawn = '';
  #pinnedDrawn = '';
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

  /** The lines kept for this element (the newest `max-lines` of the store's), oldest first (a copy). */
  get lines(): readonly LogLine[] {
    const lines = this.latest?.lines;
    if (!lines) return [];
    const from = lines.size - this.#count(lines);
    return Array.from({ length: lines.size - from }, (_, i) => lines.at(from + i)!);
  }

  #capacity(): number {
    // Below one line (0, 0.5, unusable): the default.
    return Math.min(Math.floor(usable(this.maxLines) ?? 0) || DEFAULT_MAX_LINES, MAX_LINES_CAP);
  }

  /** How many of `lines` this element keeps. */
  #count(lines: LineList): number {
    return Math.min(lines.size, this.#capacity());
  }

  protected override clientChanged(): void {
    this.#shown = new FilteredLines();
    // Another store counts its roster versions on its own.
    this.#menu = null;
  }

  /** Workers and departed workers by label, for the worker menu; worked out again only when the roster changed. */
  #names(data: DashboardState): Menu {
    if (this.#menu?.roster === data.rosterVersion) return this.#menu;
    const workers = new Map<string, string>();
    for (const { worker } of data.departed.values()) workers.set(worker.id, worker.name);
    for (const w of data.workers.values()) workers.set(w.id, w.name);
    const shared = sharedNames(workers.values());
    const list = [...workers]
      .map(([id, name]): [string, string] => [id, truncate(workerLabel(id, name, shared), NAME_MAX)])
      .sort((a, b) => compareNames(a[1], b[1]));
    this.#menu = { roster: data.rosterVersion, list, shared };
    return this.#menu;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
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
      logLines: this.#capacity(),
    };
  }

  /** Filters the lines of `lines`; how many pass. */
  #filter(lines: LineList): number {
    const scope = this.scope();
    // An unknown level ranks -1: everything shows, as with `debug`.
    const min = rank(this.level);
    const needle = this.filter.trim().toLowerCase();
    const worker = this.worker;
    const inScope = scope && new Set(scope);
    this.#filtered = min > 0 || !!worker || !!needle || !!scope;
    // Held (paused, or the user is in a line), `lines` are those of the state on screen, which stays put.
    return this.#shown.filter(
      lines,
      this.#capacity(),
      `${min}|${worker}|${needle}|${scope}`,
      (l) =>
        rank(l.level) >= min &&
        (!worker || l.workerId === worker) &&
        (!inScope || inScope.has(l.workerId)) &&
        (!needle || l.message.toLowerCase().includes(needle) || l.workerName.toLowerCase().includes(needle)),
    );
  }

  protected override renderSummary(data: DashboardState): unknown {
    // The lines on screen: held back (paused), the count stays with them.
    const kept = formatCountOf(this.#count(data.lines), 'line');
    return html`<span class="summary">${this.#filtered ? `${formatCount(this.#matched)} of ${kept}` : kept}</span>`;
  }

  protected override renderToolbar(data: DashboardState): unknown {
    // Sorted once per change of names, and not redrawn otherwise.
    const all = this.#names(data).list;
    // The menu shows what the lines are scoped to: the `worker` attribute, else the selection.
    const scoped = this.worker ? null : parseSelection(this.selection);
    const value = this.worker || (scoped ? (scoped.kind === 'worker' ? scoped.id : this.selection!) : '');
    const chosen = all.find(([id]) => id === value);
    const workers = this.#menuOpened ? all : chosen ? [chosen] : [];
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
        @change=${(e: Event) => this.#chooseWorker((e.target as HTMLSelectElement).value, !!scoped)}
      >
        ${this.#memo.get(
          workers,
          [value],
          () =>
            html`<option value="" ?selected=${!value}>All workers</option>
              ${scoped?.kind === 'queue' ? html`<option value=${value} selected>Queue ${truncate(scoped.id, NAME_MAX)}</option>` : nothing}
              ${workers.map(([id, name]) => html`<option value=${id} ?selected=${id === value}>${name}</option>`)}`,
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

  protected renderContent(data: DashboardState): unknown {
    if (data.lines.size === 0) {
      return this.renderNotice(
        'No log lines yet',
        'Lines appear as workers send them, with registrations and status changes.',
      );
    }
    const total = this.#filter(data.lines);
    this.#matched = total;
    if (total === 0) {
      return this.renderNotice(
        'No lines match the filters',
        html`<button type="button" @click=${this.#clearFilters}>Clear filters</button>`,
      );
    }
    const { first, end, before, after } = this.#rows.range(total, this.#sticksToEnd());
    const now = Date.now();
    const shown = this.#shown.shown(first, end);
    this.#drawn = `${total} ${first} ${shown.at(-1)?.seq}`;
    const shared = this.#names(data).shared;
    // Lines of another day carry their date, in a wider column.
    const dated = shown.some((l) => !sameDay(l.at, now));
    return html`<div
        class="log hold ${dated ? 'dated' : ''}"
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
          ${shown.map((l) => this.#row(l, now, shared))}
        </div>
      </div>
      <div class="footer">
        ${
          this.following || this.paused
            ? nothing
            : html`<button type="button" @click=${() => (this.following = true)}>Jump to latest</button>`
        }
      </div>`;
  }

  /** From the worker menu: moves the selection when the lines follow one (every element follows), else `worker`. */
  #chooseWorker(id: string, selected: boolean): void {
    if (selected) this.pick(id ? `worker:${id}` : null);
    else this.worker = id;
  }

  /** Level, worker, text and the selection back to showing everything. */
  #clearFilters = (): void => {
    this.level = 'debug';
    this.worker = '';
    this.filter = '';
    if (this.scope()) this.pick(null);
  };

  #row(l: LogLine, now: number, shared: ReadonlySet<string>): TemplateResult {
    const message = truncate(l.message, MESSAGE_MAX);
    return html`<div class="line level-${l.level} kind-${l.kind}" part="row">
      <time>${formatStamp(l.at, now)}</time><span class="lvl">${l.level.toUpperCase()}</span
      ><span class="who" title=${l.workerId}>${truncate(workerLabel(l.workerId, l.workerName, shared), NAME_MAX)}</span
      ><span class="msg" title=${message}>${message}</span>
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
      this.#pinnedDrawn = '';
      return;
    }
    // Only when other lines were drawn: reading the height lays out the page there and then, and the
    // other elements' updates in the same frame would make the browser lay it out again.
    if (this.#drawn === this.#pinnedDrawn) return;
    this.#pinnedDrawn = this.#drawn;
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
