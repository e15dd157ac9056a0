import type { QueueSummary } from '@pulseboard/protocol';
import { html, nothing, type TemplateResult } from 'lit';
import { ActionController } from '../base/action-controller.js';
import {
  compareNames,
  formatCount,
  formatCountOf,
  formatNumber,
  NAME_MAX,
  truncate,
} from '../base/format.js';
import { Memo } from '../base/memo.js';
import { PulseElement } from '../base/pulse-element.js';
import { RowWindow } from '../base/row-window.js';
import type { DashboardState, Slice } from '../store/types.js';
import { actionStyles } from '../styles/actions.js';
import { sharedStyles } from '../styles/shared.js';
import { queuesViewStyles } from './queues-view.styles.js';

export type QueueColumn = 'name' | 'depth' | 'inFlight' | 'processed' | 'failed' | 'ratePerSec' | 'consumers';

const COLUMNS: readonly { key: QueueColumn; label: string }[] = [
  { key: 'name', label: 'Queue' },
  { key: 'depth', label: 'Depth' },
  { key: 'inFlight', label: 'In flight' },
  { key: 'processed', label: 'Processed' },
  { key: 'failed', label: 'Failed' },
  { key: 'ratePerSec', label: 'Rate/s' },
  { key: 'consumers', label: 'Consumers' },
];

const isColumn = (value: unknown): value is QueueColumn => COLUMNS.some((c) => c.key === value);

/**
 * Every queue (the workers consuming it, summed by the server) in a sortable
 * table with a sticky header and a text filter. Only the rows in view (plus a
 * few) are in the DOM, between two spacer rows, so sorting or updating 1,000
 * queues costs the same as 20: moving 1,000 table rows costs Chromium a
 * relayout of the whole table. Rows carry `aria-rowindex` and the table
 * `aria-rowcount`, so assistive technology knows the full size. Clicking a
 * row (or Enter/Space on its name) selects the queue (see `selection`); in a
 * narrow column the In flight and Processed columns go first.
 *
 * @summary Every queue in a sortable, filterable table.
 *
 * @fires {PulseActionEvent} pulse-action - An operator's action request is about to be sent (cancelable: `preventDefault()` sends nothing); `request` is `{worker, action, target, params}`.
 *
 * @csspart actions - An operator's action control and its last outcome (with the operate permission only).
 * @csspart action - The button that opens the actions dialog.
 * @csspart action-status - The last action's outcome beside it.
 * @csspart dialog - The actions dialog (native, modal).
 *
 * @csspart table - The table.
 * @csspart row - One queue.
 * @csspart value - A numeric cell.
 * @csspart filter - The text filter input.
 *
 * @cssprop --pulse-table-max-height - The table scrolls beyond this height (420px).
 */
export class QueuesView extends PulseElement {
  static override styles = [...sharedStyles, actionStyles, queuesViewStyles];

  static override properties = {
    sort: { reflect: true },
    direction: { reflect: true },
    filter: { reflect: true },
  };

  /** Column to sort by: name, depth (default), inFlight, processed, failed, ratePerSec, consumers. */
  declare sort: QueueColumn;
  /** `asc` or `desc` (default). */
  declare direction: 'asc' | 'desc';
  /** Show only queues whose name contains this text. */
  declare filter: string;

  // Not `workers`, which changes every tick: the declarations (in the workers) arrive with a new consumer, and
  // every dashboard_update (5 s), which both change `queues`.
  protected readonly slices: readonly Slice[] = ['queues', 'actions'];
  protected readonly defaultHeading = 'Queues';

  readonly #actions = new ActionController(this);
  #rows = new RowWindow(this, '.scroller', 'tbody tr[aria-rowindex]', 37);
  /** Rows drawn again only when what they show changed: a queue push redraws the queues it carries. */
  readonly #memo = new Memo();

  constructor() {
    super();
    this.sort = 'depth';
    this.direction = 'desc';
    this.filter = '';
  }

  protected override renderDialog(data: DashboardState | null): unknown {
    return this.#actions.dialog(data);
  }

  protected override renderSummary(data: DashboardState): unknown {
    return html`<span class="summary">${formatCountOf(data.queues.length, 'queue')}</span>`;
  }

  protected override renderToolbar(): unknown {
    return html`<div class="toolbar" part="toolbar">
      <input
        type="search"
        part="filter"
        placeholder="Filter queues"
        aria-label="Filter queues by name"
        .value=${this.filter}
        @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)}
      />
    </div>`;
  }

  #sortBy(key: QueueColumn): void {
    if (this.sort === key) this.direction = this.direction === 'asc' ? 'desc' : 'asc';
    else {
      this.sort = key;
      this.direction = key === 'name' ? 'asc' : 'desc';
    }
  }

  protected renderContent(data: DashboardState): unknown {
    if (data.queues.length === 0) {
      return this.renderNotice(
        'No queues yet',
        'Workers that consume a queue appear here, grouped by queue.',
      );
    }
    const needle = this.filter.trim().toLowerCase();
    const rows = needle ? data.queues.filter((q) => q.name.toLowerCase().includes(needle)) : [...data.queues];
    const key = isColumn(this.sort) ? this.sort : 'depth';
    const sign = this.direction === 'asc' ? 1 : -1;
    // The store's sanitizer made every count a finite number, 0 or more.
    rows.sort((a, b) => {
      const order = key === 'name' ? compareNames(a.name, b.name) : a[key] - b[key];
      return sign * order || compareNames(a.name, b.name);
    });
    let maxDepth = 0;
    for (const q of rows) maxDepth = Math.max(maxDepth, q.depth);
    const { first, end, before, after } = this.#rows.range(rows.length);
    const acting = this.#actions.offers(data, 'queue');
    return html`<div class="scroller hold" tabindex="0" role="region" aria-label="Queues table" @scroll=${this.#rows.onScroll}>
      <table part="table" aria-rowcount=${rows.length + 1}>
        <thead>
          <tr aria-rowindex="1">
            ${COLUMNS.map((c) => this.#header(c.key, c.label, key))}
            ${acting ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : nothing}
          </tr>
        </thead>
        <tbody>
          ${before ? spacer(before) : nothing}
          ${
            // Not keyed (no \`repeat\`): a sort or scroll rewrites the ~40 rows in place instead of moving them,
            // and nothing redraws under a pointer over the table (see \`held\`).
            rows.slice(first, end).map((q, i) => this.#row(data, q, maxDepth, first + i + 2, acting))
          }
          ${after ? spacer(after) : nothing}
        </tbody>
      </table>
    </div>
    ${
      rows.length === 0
        ? html`<p class="count">No queue matches “${truncate(this.filter, 60)}”.</p>`
        : needle
          ? html`<p class="count">${formatCount(rows.length)} of ${formatCount(data.queues.length)} queues</p>`
          : nothing
    }`;
  }

  #header(column: QueueColumn, label: string, sorted: QueueColumn): TemplateResult {
    const active = column === sorted;
    const ariaSort = active ? (this.direction === 'asc' ? 'ascending' : 'descending') : nothing;
    return html`<th scope="col" aria-sort=${ariaSort}>
      <button type="button" @click=${() => this.#sortBy(column)}>
        ${label}<span class="arrow" aria-hidden="true">${active ? (this.direction === 'asc' ? '↑' : '↓') : ''}</span>
      </button>
    </th>`;
  }

  #row(
    data: DashboardState,
    q: QueueSummary,
    maxDepth: number,
    index: number,
    acting: boolean,
  ): TemplateResult {
    const key = `queue:${q.name}`;
    // With actions, any new state: the control reads who declares them, who may, and their outcomes.
    const deps = [maxDepth, index, this.selection === key, acting && data];
    return this.#memo.get(q, deps, () => {
      const name = truncate(q.name, NAME_MAX);
      return html`<tr part="row" aria-rowindex=${index} data-pick=${key}>
      <td class="queue" title=${name}>${this.picker(key, name)}</td>
      <td part="value">
        <span class="depth">
          <span class="bar" aria-hidden="true"><span style="width: ${maxDepth ? (q.depth / maxDepth) * 100 : 0}%"></span></span>
          ${formatCount(q.depth)}
        </span>
      </td>
      <td part="value">${formatCount(q.inFlight)}</td>
      <td part="value">${formatCount(q.processed)}</td>
      <td part="value">
        ${
          q.failed
            ? html`<span class="failed"><span class="dot tone-unhealthy" aria-hidden="true"></span>${formatCount(q.failed)}</span>`
            : html`<span class="zero">${formatCount(q.failed)}</span>`
        }
      </td>
      <td part="value">${formatNumber(q.ratePerSec)}</td>
      <td part="value">${formatCount(q.consumers)}</td>
      ${acting ? html`<td class="acts-cell">${this.#actions.control(data, { target: 'queue', key: q.name, name: `queue ${name}` })}</td>` : nothing}
    </tr>`;
    });
  }
}

/** Stands in for the rows scrolled out of view, so the scrollbar reflects the whole table. */
const spacer = (px: number) => html`<tr class="spacer" aria-hidden="true" style="height: ${px}px"></tr>`;

declare global {
  interface HTMLElementTagNameMap {
    'queues-view': QueuesView;
  }
}
