import type { QueueSummary } from '@pulseboard/protocol';
import { html, nothing, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { formatCount, formatNumber, truncate, usable } from '../base/format.js';
import { PulseElement } from '../base/pulse-element.js';
import type { DashboardState, Slice } from '../client/types.js';
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
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const NAME_MAX = 200;

/**
 * Every queue (the workers consuming it, summed by the server) in a sortable
 * table with a sticky header and a text filter. Rows are keyed, so an update
 * touches only the cells that changed; off-screen rows skip layout and paint
 * (`content-visibility`), which keeps 1,000 queues smooth.
 *
 * @attr sort - Column to sort by: name, depth (default), inFlight, processed, failed, ratePerSec, consumers.
 * @attr direction - `asc` or `desc` (default).
 * @attr filter - Show only queues whose name contains this text.
 *
 * @csspart table - The table.
 * @csspart row - One queue.
 * @csspart value - A numeric cell.
 * @csspart filter - The text filter input.
 *
 * @cssprop --pulse-table-max-height - The table scrolls beyond this height (420px).
 */
export class QueuesView extends PulseElement {
  static override styles = [...sharedStyles, queuesViewStyles];

  @property({ reflect: true }) accessor sort: QueueColumn = 'depth';
  @property({ reflect: true }) accessor direction: 'asc' | 'desc' = 'desc';
  @property({ reflect: true }) accessor filter = '';

  protected readonly slices: readonly Slice[] = ['queues'];
  protected readonly defaultHeading = 'Queues';

  protected override renderSummary(data: DashboardState): unknown {
    const n = data.queues.length;
    return html`<span class="summary">${formatCount(n)} ${n === 1 ? 'queue' : 'queues'}</span>`;
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
    rows.sort((a, b) => {
      const order =
        key === 'name' ? byName.compare(a.name, b.name) : (usable(a[key]) ?? -1) - (usable(b[key]) ?? -1);
      return sign * order || byName.compare(a.name, b.name);
    });
    let maxDepth = 0;
    for (const q of rows) maxDepth = Math.max(maxDepth, usable(q.depth) ?? 0);
    return html`<div class="scroller" tabindex="0" role="region" aria-label="Queues table">
      <table part="table">
        <thead>
          <tr>
            ${COLUMNS.map((c) => this.#header(c.key, c.label, key))}
          </tr>
        </thead>
        <tbody>
          ${repeat(
            rows,
            (q) => q.name,
            (q) => this.#row(q, maxDepth),
          )}
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

  #row(q: QueueSummary, maxDepth: number): TemplateResult {
    const depth = usable(q.depth) ?? 0;
    const failed = usable(q.failed);
    return html`<tr part="row">
      <td class="queue" title=${truncate(q.name, NAME_MAX)}>${truncate(q.name, NAME_MAX)}</td>
      <td part="value">
        <span class="depth">
          <span class="bar" aria-hidden="true"><span style="width: ${maxDepth ? (depth / maxDepth) * 100 : 0}%"></span></span>
          ${formatCount(q.depth)}
        </span>
      </td>
      <td part="value">${formatCount(q.inFlight)}</td>
      <td part="value">${formatCount(q.processed)}</td>
      <td part="value">
        ${
          failed
            ? html`<span class="failed"><span class="dot tone-unhealthy" aria-hidden="true"></span>${formatCount(failed)}</span>`
            : html`<span class="zero">${formatCount(q.failed)}</span>`
        }
      </td>
      <td part="value">${formatNumber(q.ratePerSec)}</td>
      <td part="value">${formatCount(q.consumers)}</td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'queues-view': QueuesView;
  }
}
