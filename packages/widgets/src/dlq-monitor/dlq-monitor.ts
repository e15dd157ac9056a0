import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ActionController } from '../base/action-controller.js';
import { compareNames, formatCount, formatCountOf, NAME_MAX, truncate, usable } from '../base/format.js';
import { type Level, nextLevel, type Thresholds, worstLevel } from '../base/hysteresis.js';
import { PulseElement } from '../base/pulse-element.js';
import { capitalize } from '../base/status.js';
import type { DashboardState, Slice } from '../store/types.js';
import { actionStyles } from '../styles/actions.js';
import { sharedStyles } from '../styles/shared.js';
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
    /** The value that caused the change (for `overall`, the largest row value). */
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

/**
 * Dead-letter depth per queue and error counts per worker, each with a level
 * (ok / warning / critical) from the thresholds, and an overall level. A value
 * must fall clearly below a threshold (see `hysteresis`) before its level
 * drops, so a queue hovering at the line does not flap. Clicking a row (or
 * Enter/Space on its name) selects the queue or worker (see `selection`).
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
 *
 * @cssprop --pulse-color-warning - Warning level (defaults to the degraded colour).
 * @cssprop --pulse-color-critical - Critical level (defaults to the unhealthy colour).
 * @cssprop --pulse-list-max-height - Each list scrolls beyond this height (320px).
 */
export class DlqMonitor extends PulseElement {
  static override styles = [...sharedStyles, actionStyles, dlqMonitorStyles];

  static override properties = {
    warning: { type: Number, reflect: true },
    critical: { type: Number, reflect: true },
    errorWarning: { type: Number, attribute: 'error-warning' },
    errorCritical: { type: Number, attribute: 'error-critical' },
    hysteresis: { type: Number },
  };

  /** Dead letters at which a queue turns warning (default 10). */
  declare warning: number;
  /** Dead letters at which a queue turns critical (default 100). */
  declare critical: number;
  /** Worker error count for warning (defaults to `warning`). */
  declare errorWarning: number | null;
  /** Worker error count for critical (defaults to `critical`). */
  declare errorCritical: number | null;
  /** Fraction below a threshold a value must fall to clear it (default 0.1). */
  declare hysteresis: number;

  protected readonly slices: readonly Slice[] = ['queues', 'workers', 'actions'];
  protected readonly defaultHeading = 'Dead letters & errors';

  readonly #actions = new ActionController(this);
  /** Current level per `scope:key`; the hysteresis needs the previous level to compute the next. */
  #levels = new Map<string, Level>();
  #overall: Level = 'ok';
  #evaluated: DashboardState | null = null;
  #built: { data: DashboardState; rows: Row[] } | null = null;
  #pending: PulseThresholdChangeEvent[] = [];

  constructor() {
    super();
    this.warning = 10;
    this.critical = 100;
    this.errorWarning = null;
    this.errorCritical = null;
    this.hysteresis = 0.1;
  }

  /** The overall level after hysteresis. */
  get level(): Level {
    return this.#overall;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const thresholdsChanged = ['warning', 'critical', 'errorWarning', 'errorCritical', 'hysteresis'].some(
      (k) => changed.has(k as keyof DlqMonitor),
    );
    // The latest state, not the one on screen: a paused monitor still alerts.
    const data = this.latest;
    if (data?.ready && (data !== this.#evaluated || thresholdsChanged)) this.#evaluate(data);
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
      warning: (queue ? null : usable(this.errorWarning)) ?? usable(this.warning) ?? 10,
      critical: (queue ? null : usable(this.errorCritical)) ?? usable(this.critical) ?? 100,
      hysteresis: usable(this.hysteresis) ?? 0.1,
    };
  }

  /** The rows of a state, built once: evaluation and rendering read the same list (1,000 workers, every tick). */
  #rows(data: DashboardState): Row[] {
    if (this.#built?.data === data) return this.#built.rows;
    const rows: Row[] = [];
    // The store's sanitizer made every count a finite number, 0 or more.
    for (const q of data.queues)
      rows.push({ scope: 'queue', key: q.name, name: q.name, value: q.deadLetter });
    for (const w of data.workers.values())
      if (w.metrics)
        rows.push({ scope: 'worker', key: w.id, name: w.name || w.id, value: w.metrics.errorCount });
    this.#built = { data, rows };
    return rows;
  }

  #evaluate(data: DashboardState): void {
    this.#evaluated = data;
    const levels = new Map<string, Level>();
    let worstValue = 0;
    const thresholds = { queue: this.#thresholds('queue'), worker: this.#thresholds('worker') };
    for (const row of this.#rows(data)) {
      const id = `${row.scope}:${row.key}`;
      const previous = this.#levels.get(id) ?? 'ok';
      const level = nextLevel(previous, row.value, thresholds[row.scope]);
      levels.set(id, level);
      worstValue = Math.max(worstValue, row.value);
      if (level !== previous) {
        this.#pending.push(new PulseThresholdChangeEvent(row.scope, row.key, level, previous, row.value));
      }
    }
    this.#levels = levels;
    const overall = worstLevel(levels.values());
    if (overall !== this.#overall) {
      this.#pending.push(new PulseThresholdChangeEvent('overall', null, overall, this.#overall, worstValue));
      this.#overall = overall;
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
    const rows = this.#rows(data);
    const queues = rows.filter((r) => r.scope === 'queue');
    const workers = rows.filter((r) => r.scope === 'worker' && r.value > 0);
    if (queues.length === 0 && data.workers.size === 0) {
      return this.renderNotice('Nothing to watch yet', 'Queues and workers appear here as workers register.');
    }
    const q = this.#thresholds('queue');
    return html`<div class="overall tone-${this.#overall}">
        ${badge(this.#overall)}
        <span class="overall-text">${this.#summary()}</span>
      </div>
      <div class="columns">
        ${this.#list('Dead letters by queue', queues, 'No queues', q.critical, data)}
        ${this.#list('Errors by worker', workers, 'No errors reported', this.#thresholds('worker').critical, null)}
      </div>`;
  }

  /** "1 queue critical · 2 workers warning", or "All clear". */
  #summary(): string {
    // Keyed "critical queue", "warning worker"…: sorting the keys puts critical first and queues before
    // workers, because those words happen to sort that way. A new level or scope must keep that true.
    const counts = new Map<string, number>();
    for (const [id, level] of this.#levels) {
      if (level === 'ok') continue;
      const key = `${level} ${id.slice(0, id.indexOf(':'))}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const parts = [...counts.keys()].sort().map((key) => {
      const [level, scope] = key.split(' ') as [string, string];
      return `${formatCountOf(counts.get(key)!, scope)} ${level}`;
    });
    return parts.join(' · ') || 'All clear';
  }

  /** A list of rows; with `data`, the dead-letter actions of each queue, when some worker declares them. */
  #list(
    title: string,
    rows: Row[],
    none: string,
    scale: number,
    data: DashboardState | null,
  ): TemplateResult {
    const acting = data && this.#actions.offers(data, 'deadLetters');
    const id = `h-${title.split(' ')[0]?.toLowerCase()}`;
    return html`<section aria-labelledby=${id}>
      <h3 id=${id}>${title}</h3>
      ${
        rows.length === 0
          ? html`<p class="none">${none}</p>`
          : html`<ul class=${acting ? 'acting' : ''}>
                ${top(rows, LIST_MAX).map((r) => this.#row(r, scale, acting ? data : null))}
              </ul>
              ${rows.length > LIST_MAX ? html`<p class="none">and ${formatCount(rows.length - LIST_MAX)} more</p>` : nothing}`
      }
    </section>`;
  }

  #row(row: Row, scale: number, data: DashboardState | null): TemplateResult {
    const key = `${row.scope}:${row.key}`;
    const level = this.#levels.get(key) ?? 'ok';
    const width = Math.min(100, scale > 0 ? (row.value / scale) * 100 : 0);
    const name = truncate(row.name, NAME_MAX);
    // Worker names repeat across a fleet; the id under the name tells them apart.
    return html`<li part="row" class="tone-${level}" data-pick=${key}>
      <span class="name" title=${name}
        >${this.picker(key, name)}${
          row.scope === 'worker' ? html`<span class="sub">${truncate(row.key, NAME_MAX)}</span>` : nothing
        }</span
      >
      <span class="meter" aria-hidden="true"><span style="width: ${width}%"></span></span>
      <span class="num" part="value">${formatCount(row.value)}</span>
      ${badge(level)}
      ${data ? html`<span>${this.#actions.control(data, { target: 'deadLetters', key: row.key, name: `dead letters of ${name}` })}</span>` : nothing}
    </li>`;
  }
}

/**
 * The `n` rows with the highest values, ties by name. Only the rows that can
 * make the cut are compared by name: a collated sort of all 1,000 workers took
 * longer than the rest of the element's update, on every tick.
 */
function top(rows: Row[], n: number): Row[] {
  const byValue = [...rows].sort((a, b) => b.value - a.value);
  const cut = byValue[n - 1]?.value ?? Number.NEGATIVE_INFINITY;
  return byValue
    .filter((r) => r.value >= cut)
    .sort((a, b) => b.value - a.value || compareNames(a.name, b.name))
    .slice(0, n);
}

declare global {
  interface HTMLElementTagNameMap {
    'dlq-monitor': DlqMonitor;
  }
  interface GlobalEventHandlersEventMap {
    'pulse-threshold-change': PulseThresholdChangeEvent;
  }
}
