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
import { top, topAgain } from '../base/top.js';
import type { Requirement } from '../client/types.js';
import { changedWorkers } from '../store/changes.js';
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
 * entry opened to its error, stack and payload; dead-letter-panel.ts). Each
 * list shows its worst 50, and keeps only the rows in view (plus a few) in
 * the DOM, so a push redraws a dozen rows, not 50.
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
  readonly #levels: Record<Row['scope'], Map<string, Level>> = { queue: new Map(), worker: new Map() };
  /** How many rows of each scope are at each level but ok, counted as they are judged: the summary does not walk 10,000 workers per queue push. */
  readonly #tallies: Record<Row['scope'], Map<Level, number>> = { queue: new Map(), worker: new Map() };
  /** Rows drawn again only when what they show changed: a queue push redraws the queues that moved. */
  readonly #memo = new Memo();
  /** Each list's rows in view (plus a few): a push redraws those, not all 50. */
  readonly #windows = ['queue', 'worker'].map(
    (scope) => new RowWindow(this, `[data-list=${scope}]`, `[data-list=${scope}] [part=row]`, 33),
  ) as [RowWindow, RowWindow];
  /** Each queue summary's row, kept while the store keeps the summary (it replaces only those that changed). */
  #queueRows = new WeakMap<object, Row>();
  /** The queue rows of the last list of summaries read. */
  #queueList: [DashboardState['queues'], Row[]] | null = null;
  #overall: Level = 'ok';
  #evaluated: DashboardState | null = null;
  /**
   * The workers the list shows (errors in the window, or a level still clearing), by id, with their errors
   * per minute at the last evaluation, and the worst LIST_MAX of them: each kept up to date from the workers
   * that changed or whose window moved, not worked out for the whole fleet.
   */
  readonly #shown = new Map<string, Row>();
  #topWorkers: Row[] = [];
  #pending: PulseThresholdChangeEvent[] = [];
  readonly #deadLetters = new DeadLetterPanel(
    this,
    () => this.source,
    (subject) => this.latest && this.#actions.control(this.latest, subject, true),
  );
  readonly #rates = new ErrorRates();

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
    if (data?.ready && (data !== this.#evaluated || thresholdsChanged || this.#rates.moving))
      this.#evaluate(data, thresholdsChanged);
  }

  // Some worker has errors in the window: its rate moves with time, so the workers are evaluated each second.
  protected override wantsTick(): boolean {
    return super.wantsTick() || this.#rates.moving;
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

  /** A state's queue rows, each kept while the store keeps its summary (a queue push replaces a few). */
  #queues(data: DashboardState): Row[] {
    // Once per list: the evaluation and the render of one state read it.
    if (this.#queueList?.[0] === data.queues) return this.#queueList[1];
    // The store's sanitizer made every count a finite number, 0 or more.
    const rows = data.queues.map((q) => {
      const row = this.#queueRows.get(q) ?? {
        scope: 'queue',
        key: q.name,
        name: q.name,
        value: q.deadLetter,
      };
      this.#queueRows.set(q, row);
      return row;
    });
    this.#queueList = [data.queues, rows];
    return rows;
  }

  /**
   * Levels from the latest state. Workers' rates move with time as well as with their counts: the workers
   * that changed since the last evaluation are rated again, and those whose window has moved past a sample
   * (all of them when the thresholds changed, or after a resync).
   */
  #evaluate(data: DashboardState, thresholdsChanged: boolean): void {
    const last = this.#evaluated;
    this.#evaluated = data;
    // From the latest state only: an older one (held on screen) would read as counts going back.
    const now = Date.now();
    const queues = new Map(this.#queues(data).map((q) => [q.key, q]));
    this.#judge('queue', new Set([...queues.keys(), ...this.#levels.queue.keys()]), (key) => queues.get(key));
    const changed = last && !thresholdsChanged ? changedWorkers(last, data) : null;
    const ids = new Set(changed ?? [...data.workers.keys(), ...this.#levels.worker.keys()]);
    this.#rates.due(now, ids);
    const windowMs = this.#windowMs();
    this.#judge('worker', ids, (id) => {
      const w = data.workers.get(id);
      if (!w) this.#rates.forget(id);
      return (
        w?.metrics && {
          scope: 'worker',
          key: id,
          name: w.name || id,
          value: this.#rates.rate(id, w.metrics.errorCount, now, windowMs),
        }
      );
    });
    this.#topWorkers = topAgain(this.#topWorkers, this.#shown, changed && ids, LIST_MAX);
    const overall = worstLevel([...this.#tallies.queue.keys(), ...this.#tallies.worker.keys()]);
    if (overall !== this.#overall) {
      // The largest value; a worker the list leaves out has no errors in the window.
      const worst = Math.max(0, this.#topWorkers[0]?.value ?? 0, ...[...queues.values()].map((q) => q.value));
      this.#pending.push(new PulseThresholdChangeEvent('overall', null, overall, this.#overall, worst));
      this.#overall = overall;
    }
  }

  /**
   * The levels of the rows of `keys` (`row` gives each, or nothing for one that is gone), each from its
   * previous one through the hysteresis, kept with the tallies and the workers shown; an event for each that
   * changed.
   */
  #judge(scope: Row['scope'], keys: Iterable<string>, row: (key: string) => Row | null | undefined): void {
    const thresholds = this.#thresholds(scope);
    const levels = this.#levels[scope];
    const tally = this.#tallies[scope];
    // The tallies count the levels but ok.
    const count = (level: Level, n: number) => {
      if (level === 'ok') return;
      const total = (tally.get(level) ?? 0) + n;
      if (total > 0) tally.set(level, total);
      else tally.delete(level);
    };
    for (const key of keys) {
      const r = row(key);
      const previous = levels.get(key) ?? 'ok';
      count(previous, -1);
      if (!r) {
        levels.delete(key);
        this.#shown.delete(key);
        continue;
      }
      const level = nextLevel(previous, r.value, thresholds);
      levels.set(key, level);
      count(level, 1);
      if (level !== previous)
        this.#pending.push(new PulseThresholdChangeEvent(scope, key, level, previous, r.value));
      if (scope === 'queue') continue;
      if (r.value > 0 || level !== 'ok') this.#shown.set(key, r);
      else this.#shown.delete(key);
    }
  }

  protected override renderDialog(data: DashboardState | null): unknown {
    return this.#actions.dialog(data);
  }

  protected override renderSummary(): unknown {
    const q = this.#thresholds('queue');
    return html`<span class="summary">warning ≥ ${formatCount(q.warning)} · critical ≥ ${formatCount(q.critical)}</span>`;
  }

  protected renderContent(data: DashboardState): unknown {
    const queues = this.#queues(data);
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
          this.#topWorkers,
          this.#shown.size,
          'No errors reported',
          this.#thresholds('worker').critical,
          null,
          this.#windows[1],
        )}
      </div>`;
  }

  /** "1 queue critical · 2 workers warning", or "All clear". */
  #summary(): string {
    const parts = [];
    for (const level of ['critical', 'warning'] as const)
      for (const scope of ['queue', 'worker'] as const) {
        const n = this.#tallies[scope].get(level);
        if (n) parts.push(`${formatCountOf(n, scope)} ${level}`);
      }
    return parts.join(' · ') || 'All clear';
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
