import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ActionController } from '../base/action-controller.js';
import { ErrorRates } from '../base/error-rates.js';
import {
  formatCount,
  formatCountOf,
  formatDuration,
  formatNumber,
  NAME_MAX,
  truncate,
  usable,
} from '../base/format.js';
import { type Level, nextLevel, type Thresholds, worstLevel } from '../base/hysteresis.js';
import { Memo } from '../base/memo.js';
import { PulseElement } from '../base/pulse-element.js';
import { RowWindow } from '../base/row-window.js';
import { capitalize } from '../base/status.js';
import { top } from '../base/top.js';
import type { Requirement } from '../client/types.js';
import type { DashboardState, Slice } from '../store/types.js';
import { actionStyles } from '../styles/actions.js';
import { sharedStyles } from '../styles/shared.js';
import { DeadLetterPanel } from './dead-letter-panel.js';
import { deadLetterPanelStyles } from './dead-letter-panel.styles.js';
import { dlqMonitorStyles } from './dlq-monitor.styles.js';

export type ThresholdScope = 'overall' | 'queue' | 'worker';

/**
 * Fired when the overall level or a row's level changes (after hysteresis).
 * Rows start at `ok`, so a queue that is already over a threshold when the
 * dashboard opens fires once.
 */
export class PulseThresholdChangeEvent extends Event {
  /** The event's type, for `addEventListener(PulseThresholdChangeEvent.eventName, …)`. */
  static readonly eventName = 'pulse-threshold-change';
  constructor(
    /** What changed: the overall level, a queue's dead letters, or a worker's errors. */
    readonly scope: ThresholdScope,
    /** Queue name or worker id; null for `overall`. */
    readonly key: string | null,
    /** The level now: ok, warning or critical. */
    readonly level: Level,
    /** The level before this change. */
    readonly previous: Level,
    /** The value that caused the change: dead letters, a worker's errors per minute (for `overall`, the largest). */
    readonly value: number,
  ) {
    super(PulseThresholdChangeEvent.eventName, { bubbles: true, composed: true });
  }
}

interface Row {
  scope: 'queue' | 'worker';
  key: string;
  name: string;
  value: number;
}

/** Rows shown per list, worst first: 1,000 rows cost 100+ ms of layout on every metrics tick. */
const LIST_MAX = 50;

/** A level's badge: its colour and its word. */
const badge = (level: Level) =>
  html`<span class="badge tone-${level}" part="status"><span class="dot"></span>${level === 'ok' ? 'OK' : capitalize(level)}</span>`;

/** How often the workers' error rates are worked out while nothing else changes: their windows move with time. */
const RATE_STEP_MS = 1000;

/** The window of the error rates by default: 5 minutes. */
const DEFAULT_ERROR_WINDOW_S = 300;

/**
 * Dead-letter depth per queue and errors per minute per worker (over
 * `error-window`), each with a level (ok / warning / critical) from the
 * thresholds, and an overall level. A worker's level clears once its errors
 * stop: a threshold on its error count since it started would never. A value
 * must fall clearly below a threshold (see `hysteresis`) before its level
 * drops, so a queue hovering at the line does not flap. Clicking a row (or
 * Enter/Space on its name) selects the queue or worker (see `selection`); a
 * queue picked here also opens its dead letters in a dialog (searchable, each
 * entry opened to its error, stack and payload; dead-letter-panel.ts).
 *
 * @summary Dead letters per queue and errors per worker, against warning and critical thresholds.
 *
 * @fires {PulseActionEvent} pulse-action - An operator's action request is about to be sent (cancelable: `preventDefault()` sends nothing); `request` is `{worker, action, target, params}`.
 * @fires {PulseThresholdChangeEvent} pulse-threshold-change - The overall level or a row's level changed; `scope`, `key`, `level`, `previous` and `value` say which and why.
 *
 * @csspart actions - An operator's action control and its last outcome (with the operate permission only).
 * @csspart action - The button that opens the actions dialog.
 * @csspart action-status - The last action's outcome beside it.
 * @csspart dialog - The actions dialog (native, modal).
 * @csspart status - The overall status and each row's level badge.
 * @csspart row - One queue or worker.
 * @csspart value - A row's count.
 * @csspart dead-letters - The dialog listing a queue's dead letters.
 * @csspart dead-letter-actions - An open dead letter's actions (retry one, delete one) when its worker declares them.
 *
 * @cssprop --pulse-color-warning - Warning level (defaults to the degraded colour).
 * @cssprop --pulse-color-critical - Critical level (defaults to the unhealthy colour).
 * @cssprop --pulse-list-max-height - Each list scrolls beyond this height (320px).
 */
export class DlqMonitor extends PulseElement {
  static override styles = [...sharedStyles, actionStyles, dlqMonitorStyles, deadLetterPanelStyles];

  static override properties = {
    warning: { type: Number, reflect: true },
    critical: { type: Number, reflect: true },
    errorWarning: { type: Number, attribute: 'error-warning' },
    errorCritical: { type: Number, attribute: 'error-critical' },
    hysteresis: { type: Number },
    errorWindow: { type: Number, attribute: 'error-window' },
  };

  /** Dead letters at which a queue turns warning (default 10). */
  declare warning: number;
  /** Dead letters at which a queue turns critical (default 100). */
  declare critical: number;
  /** A worker's errors per minute (over `error-window`) at which it turns warning (default 10). */
  declare errorWarning: number;
  /** A worker's errors per minute (over `error-window`) at which it turns critical (default 100). */
  declare errorCritical: number;
  /** Seconds over which a worker's errors per minute are counted (default 300). */
  declare errorWindow: number;
  /** Fraction below a threshold a value must fall to clear it (default 0.1). */
  declare hysteresis: number;

  protected readonly slices: readonly Slice[] = ['queues', 'workers', 'actions'];
  protected readonly defaultHeading = 'Dead letters & errors';

  readonly #actions = new ActionController(this);

  /** Current level per queue name and per worker id; the hysteresis needs the previous level to compute the next. */
  #levels: Record<Row['scope'], Map<string, Level>> = { queue: new Map(), worker: new Map() };
  /** How many rows of each scope are at each level but ok, counted as they are judged: the summary does not walk 10,000 workers per queue push. */
  #tallies: Record<Row['scope'], Map<Level, number>> = { queue: new Map(), worker: new Map() };
  /** Rows drawn again only when what they show changed: a queue push redraws the queues that moved. */
  readonly #memo = new Memo();
  /** Each list's rows in view (plus a few): a push redraws those, not all 50. */
  readonly #windows = ['queue', 'worker'].map(
    (scope) => new RowWindow(this, `[data-list=${scope}]`, `[data-list=${scope}] [part=row]`, 33),
  ) as [RowWindow, RowWindow];
  /** Each queue summary's row, kept while the store keeps the summary (it replaces only those that changed). */
  #queueRows = new WeakMap<object, Row>();
  /** The largest value of each scope at the last evaluation, for the overall level's event. */
  #worst: Record<Row['scope'], number> = { queue: 0, worker: 0 };
  #overall: Level = 'ok';
  #evaluated: DashboardState | null = null;
  /** The rows drawn, each half kept while what it was built from is the same (see `#rows`). */
  #built: {
    queuesOf: DashboardState['queues'];
    queues: Row[];
    workersOf: DashboardState['workers'];
    perMinute: ReadonlyMap<string, number>;
    workers: Row[];
  } | null = null;
  /** The worker rows the list shows (errors in the window or a level clearing), worst first, and what they came from. */
  #shownWorkers: { rows: Row[]; levels: ReadonlyMap<string, Level>; top: Row[]; count: number } | null = null;
  #pending: PulseThresholdChangeEvent[] = [];
  readonly #deadLetters = new DeadLetterPanel(
    this,
    () => this.source,
    (subject) => this.latest && this.#actions.control(this.latest, subject, true),
  );
  readonly #rates = new ErrorRates();
  /** Each worker's errors per minute at the last evaluation of the workers, and when that was. */
  #perMinute: ReadonlyMap<string, number> = new Map();
  #ratesAt = 0;
  /** Some worker has errors in the window, or a level to clear: evaluated each second, as the window moves. */
  #moving = false;

  constructor() {
    super();
    // A queue picked here (a click in its row, or Enter on its name) opens its dead letters, also when the
    // pick clears an existing selection.
    this.addEventListener('click', (e) => {
      const key = e.composedPath().find((n): n is HTMLElement => !!(n as HTMLElement).dataset?.pick)
        ?.dataset.pick;
      if (key?.startsWith('queue:')) this.openDeadLetters(key.slice(6));
    });
    this.warning = 10;
    this.critical = 100;
    this.errorWarning = 10;
    this.errorCritical = 100;
    this.hysteresis = 0.1;
    this.errorWindow = DEFAULT_ERROR_WINDOW_S;
  }

  /** The overall level after hysteresis. */
  get level(): Level {
    return this.#overall;
  }

  /** Opens the dialog listing `queue`'s dead letters (what picking the queue does). */
  openDeadLetters(queue: string): void {
    this.#deadLetters.open(queue);
  }

  /** Closes the dead-letter dialog. */
  closeDeadLetters(): void {
    this.#deadLetters.close();
  }

  /** The queue whose dead letters are open, or null. */
  get deadLetterQueue(): string | null {
    return this.#deadLetters.queue;
  }

  // Always, not only while the dialog is open: widening the stream's filter would reconnect it.
  protected override requirement(): Requirement {
    const needs = super.requirement();
    return needs.types ? { ...needs, types: [...needs.types, 'dead_letters_update'] } : needs;
  }

  // After the frame, not in its body: the body is held while the user is in a row, the dialog never is.
  protected override render(): TemplateResult {
    return html`${super.render()}${this.#deadLetters.render()}`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const thresholdsChanged = [
      'warning',
      'critical',
      'errorWarning',
      'errorCritical',
      'hysteresis',
      'errorWindow',
    ].some((k) => changed.has(k as keyof DlqMonitor));
    // The latest state, not the one on screen: a paused monitor still alerts.
    const data = this.latest;
    if (data?.ready && (data !== this.#evaluated || thresholdsChanged || this.#moving))
      this.#evaluate(data, thresholdsChanged);
  }

  protected override wantsTick(): boolean {
    return super.wantsTick() || this.#moving;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const events = this.#pending;
    this.#pending = [];
    for (const event of events) this.dispatchEvent(event);
  }

  #thresholds(scope: 'queue' | 'worker'): Thresholds {
    const queue = scope === 'queue';
    return {
      warning: usable(queue ? this.warning : this.errorWarning) ?? 10,
      critical: usable(queue ? this.critical : this.errorCritical) ?? 100,
      hysteresis: usable(this.hysteresis) ?? 0.1,
    };
  }

  #windowMs(): number {
    // Not 0: a window of no time has no rate.
    return (usable(this.errorWindow) || DEFAULT_ERROR_WINDOW_S) * 1000;
  }

  /**
   * The rows of a state: queues from its queue summaries, workers from its workers with their errors per
   * minute at the last evaluation. Each half is built again only when what it comes from changed: a queue
   * push does not walk 10,000 workers.
   */
  #rows(data: DashboardState): { queues: Row[]; workers: Row[] } {
    const last = this.#built;
    // The store's sanitizer made every count a finite number, 0 or more.
    const queues =
      last?.queuesOf === data.queues
        ? last.queues
        : data.queues.map((q) => {
            const row = this.#queueRows.get(q) ?? {
              scope: 'queue',
              key: q.name,
              name: q.name,
              value: q.deadLetter,
            };
            this.#queueRows.set(q, row);
            return row;
          });
    let workers = last?.workers ?? [];
    if (last?.workersOf !== data.workers || last.perMinute !== this.#perMinute) {
      workers = [];
      for (const w of data.workers.values())
        if (w.metrics)
          workers.push({
            scope: 'worker',
            key: w.id,
            name: w.name || w.id,
            value: this.#perMinute.get(w.id) ?? 0,
          });
    }
    this.#built = {
      queuesOf: data.queues,
      queues,
      workersOf: data.workers,
      perMinute: this.#perMinute,
      workers,
    };
    return { queues, workers };
  }

  /**
   * Levels from the latest state. Workers' rates move with time as well as with their counts, so the
   * workers are evaluated when they changed, when the thresholds did, or a second after the last time.
   */
  #evaluate(data: DashboardState, thresholdsChanged: boolean): void {
    this.#evaluated = data;
    // From the latest state only: an older one (held on screen) would read as counts going back.
    const now = Date.now();
    const workersDue =
      thresholdsChanged || this.#built?.workersOf !== data.workers || now - this.#ratesAt >= RATE_STEP_MS;
    if (workersDue) {
      const windowMs = this.#windowMs();
      const perMinute = new Map<string, number>();
      for (const w of data.workers.values())
        if (w.metrics) perMinute.set(w.id, this.#rates.rate(w.id, w.metrics.errorCount, now, windowMs));
      this.#rates.retain(data.workers);
      this.#perMinute = perMinute;
      this.#ratesAt = now;
    }
    const rows = this.#rows(data);
    this.#judge(rows.queues, 'queue');
    if (workersDue) {
      const levels = this.#judge(rows.workers, 'worker');
      this.#moving = rows.workers.some((r) => r.value > 0 || levels.get(r.key) !== 'ok');
    }
    const overall = worstLevel([...this.#tallies.queue.keys(), ...this.#tallies.worker.keys()]);
    if (overall !== this.#overall) {
      const worstValue = Math.max(this.#worst.queue, this.#worst.worker);
      this.#pending.push(new PulseThresholdChangeEvent('overall', null, overall, this.#overall, worstValue));
      this.#overall = overall;
    }
  }

  /** The levels of `rows`, from the previous ones through the hysteresis; an event for each that changed. */
  #judge(rows: readonly Row[], scope: Row['scope']): Map<string, Level> {
    const thresholds = this.#thresholds(scope);
    const previousLevels = this.#levels[scope];
    const levels = new Map<string, Level>();
    const tally = new Map<Level, number>();
    let worst = 0;
    for (const row of rows) {
      const previous = previousLevels.get(row.key) ?? 'ok';
      const level = nextLevel(previous, row.value, thresholds);
      levels.set(row.key, level);
      if (level !== 'ok') tally.set(level, (tally.get(level) ?? 0) + 1);
      worst = Math.max(worst, row.value);
      if (level !== previous) {
        this.#pending.push(new PulseThresholdChangeEvent(scope, row.key, level, previous, row.value));
      }
    }
    this.#levels[scope] = levels;
    this.#tallies[scope] = tally;
    this.#worst[scope] = worst;
    return levels;
  }

  protected override renderDialog(data: DashboardState | null): unknown {
    return this.#actions.dialog(data);
  }

  protected override renderSummary(): unknown {
    const q = this.#thresholds('queue');
    return html`<span class="summary">warning ≥ ${formatCount(q.warning)} · critical ≥ ${formatCount(q.critical)}</span>`;
  }

  protected renderContent(data: DashboardState): unknown {
    const { queues, workers } = this.#rows(data);
    if (queues.length === 0 && data.workers.size === 0) {
      return this.renderNotice('Nothing to watch yet', 'Queues and workers appear here as workers register.');
    }
    const q = this.#thresholds('queue');
    return html`<div class="overall tone-${this.#overall}">
        ${badge(this.#overall)}
        <span class="overall-text">${this.#summary()}</span>
      </div>
      <div class="columns">
        ${this.#list('Dead letters by queue', top(queues, LIST_MAX), queues.length, 'No queues', q.critical, data, this.#windows[0])}
        ${this.#list(
          `Errors per minute by worker, last ${formatDuration(this.#windowMs() / 1000)}`,
          ...this.#workersShown(workers),
          'No errors reported',
          this.#thresholds('worker').critical,
          null,
          this.#windows[1],
        )}
      </div>`;
  }

  /** "1 queue critical · 2 workers warning", or "All clear". */
  #summary(): string {
    // Keyed "critical queue", "warning worker"…: sorting the keys puts critical first and queues before
    // workers, because those words happen to sort that way. A new level or scope must keep that true.
    const counts = new Map<string, number>();
    for (const scope of ['queue', 'worker'] as const)
      for (const [level, n] of this.#tallies[scope]) counts.set(`${level} ${scope}`, n);
    const parts = [...counts.keys()].sort().map((key) => {
      const [level, scope] = key.split(' ') as [string, string];
      return `${formatCountOf(counts.get(key)!, scope)} ${level}`;
    });
    return parts.join(' · ') || 'All clear';
  }

  /**
   * The workers with errors in the window or a level still clearing, the worst LIST_MAX of them, and how
   * many there are; worked out again only when the rows or the levels changed.
   */
  #workersShown(rows: Row[]): [top: Row[], count: number] {
    const levels = this.#levels.worker;
    const last = this.#shownWorkers;
    if (last?.rows !== rows || last.levels !== levels) {
      const shown = rows.filter((r) => r.value > 0 || (levels.get(r.key) ?? 'ok') !== 'ok');
      this.#shownWorkers = { rows, levels, top: top(shown, LIST_MAX), count: shown.length };
    }
    return [this.#shownWorkers!.top, this.#shownWorkers!.count];
  }

  /** A list of rows; with `data`, the dead-letter actions of each queue, when some worker declares them. */
  #list(
    title: string,
    rows: Row[],
    count: number,
    none: string,
    scale: number,
    data: DashboardState | null,
    window: RowWindow,
  ): TemplateResult {
    const acting = data && this.#actions.offers(data, 'deadLetters');
    const id = `h-${title.split(' ')[0]?.toLowerCase()}`;
    const { first, end, before, after } = window.range(rows.length);
    return html`<section aria-labelledby=${id}>
      <h3 id=${id}>${title}</h3>
      ${
        count === 0
          ? html`<p class="none">${none}</p>`
          : html`<ul class="hold ${acting ? 'acting' : ''}" data-list=${rows[0]!.scope} @scroll=${window.onScroll}>
                ${before ? spacer(before) : nothing}
                ${rows.slice(first, end).map((r, i) => this.#row(r, scale, acting ? data : null, first + i + 1, rows.length))}
                ${after ? spacer(after) : nothing}
              </ul>
              ${count > rows.length ? html`<p class="none">and ${formatCount(count - rows.length)} more</p>` : nothing}`
      }
    </section>`;
  }

  /** A row, `position` of `size` in its list (only the rows in view are in the DOM: assistive technology hears both). */
  #row(row: Row, scale: number, data: DashboardState | null, position: number, size: number): TemplateResult {
    const key = `${row.scope}:${row.key}`;
    const level = this.#levels[row.scope].get(row.key) ?? 'ok';
    // With actions (`data`), any new state: the control reads who declares them, who may, and their outcomes.
    const deps = [level, scale, this.selection === key, data, position, size];
    return this.#memo.get(row, deps, () => {
      const width = Math.min(100, scale > 0 ? (row.value / scale) * 100 : 0);
      const name = truncate(row.name, NAME_MAX);
      // Worker names repeat across a fleet; the id under the name tells them apart.
      return html`<li part="row" class="tone-${level}" data-pick=${key} aria-posinset=${position} aria-setsize=${size}>
      <span class="name" title=${name}
        >${this.picker(key, name)}${
          row.scope === 'worker' ? html`<span class="sub">${truncate(row.key, NAME_MAX)}</span>` : nothing
        }</span
      >
      <span class="meter" aria-hidden="true"><span style="width: ${width}%"></span></span>
      <span class="num" part="value">${row.scope === 'worker' ? formatNumber(row.value) : formatCount(row.value)}</span>
      ${badge(level)}
      ${data ? html`<span>${this.#actions.control(data, { target: 'deadLetters', key: row.key, name: `dead letters of ${name}` })}</span>` : nothing}
    </li>`;
    });
  }
}

/** Stands in for the rows scrolled out of view, so the scrollbar reflects the whole list. */
const spacer = (px: number) => html`<li class="spacer" aria-hidden="true" style="height: ${px}px"></li>`;

declare global {
  interface HTMLElementTagNameMap {
    'dlq-monitor': DlqMonitor;
  }
  interface GlobalEventHandlersEventMap {
    'pulse-threshold-change': PulseThresholdChangeEvent;
  }
}
