import type { Aggregates } from '@pulseboard/protocol';
import { html, type TemplateResult } from 'lit';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPercent,
  formatRatio,
  usable,
} from '../base/format.js';
import { PulseElement } from '../base/pulse-element.js';
import { type SparklineRange, sparkline } from '../base/sparkline.js';
import { STATUS_LABEL, STATUS_ORDER } from '../base/status.js';
import type { DashboardState, Sample, Slice } from '../client/types.js';
import { sharedStyles } from '../styles/shared.js';
import { systemMetricsStyles } from './system-metrics.styles.js';

const DEFAULT_WINDOW_S = 300;

/**
 * Fleet-wide figures with a trend over the last `window` seconds: CPU, memory,
 * requests per second, response time and error rate, plus workers by status.
 * Averages are over live workers that report metrics (the server computes them).
 *
 * @attr window - Seconds of history in each sparkline (default 300).
 *
 * @csspart card - One metric tile.
 * @csspart value - A tile's main figure.
 * @csspart sparkline - A tile's trend.
 *
 * @cssprop --pulse-tile-min-width - Narrowest a tile may get before the row wraps (180px).
 */
export class SystemMetrics extends PulseElement {
  static override styles = [...sharedStyles, systemMetricsStyles];

  static override properties = {
    window: { type: Number, reflect: true },
  };

  declare window: number;

  protected readonly slices: readonly Slice[] = ['aggregates', 'history'];
  protected readonly defaultHeading = 'System';

  constructor() {
    super();
    this.window = DEFAULT_WINDOW_S;
  }

  protected override renderSummary(): unknown {
    return html`<span class="summary">last ${formatWindow(this.#windowMs() / 1000)}</span>`;
  }

  protected renderContent(data: DashboardState): unknown {
    const a = data.aggregates;
    if (!a || a.workers.total === 0) {
      return this.renderNotice('No metrics yet', 'Figures appear once workers register and report metrics.');
    }
    const h = data.aggregateHistory;
    const range = this.#range(Object.values(h));
    return html`<div class="tiles">
      ${this.#workersTile(a)}
      ${tile('CPU', formatPercent(a.cpu.avg), `avg · max ${formatPercent(a.cpu.max)}`, h.cpuAvg, range)}
      ${tile('Memory', formatBytes(a.memoryBytes.total), `total · avg ${formatBytes(a.memoryBytes.avg)}`, h.memoryTotal, range)}
      ${tile('Requests', unit(formatNumber(a.requestsPerSec.total), '/s'), 'sum across workers', h.requestsPerSec, range)}
      ${tile('Response time', formatMs(a.responseTimeMs.avg), `avg · p95 ${formatMs(a.responseTimeMs.p95)}`, h.responseTimeAvg, range)}
      ${tile('Error rate', formatRatio(a.errorRate), `${formatCount(a.errorCount)} errors total`, h.errorRate, range)}
    </div>`;
  }

  #windowMs(): number {
    const seconds = usable(this.window);
    return (seconds && seconds > 0 ? seconds : DEFAULT_WINDOW_S) * 1000;
  }

  /** The window ends at the newest sample (server time), so browser clock skew never shifts the chart. */
  #range(series: readonly (readonly Sample[])[]): SparklineRange {
    let to = 0;
    for (const samples of series) to = Math.max(to, samples.at(-1)?.at ?? 0);
    return { from: to - this.#windowMs(), to };
  }

  #workersTile(a: Aggregates): TemplateResult {
    const total = a.workers.total;
    const present = STATUS_ORDER.filter((s) => (usable(a.workers.byStatus[s]) ?? 0) > 0).reverse();
    const healthy = usable(a.workers.byStatus.healthy) ?? 0;
    return html`<section class="tile" part="card" aria-labelledby="t-workers">
      <h3 class="label" id="t-workers">Workers</h3>
      <p class="value" part="value">${formatCount(healthy)}<small>/ ${formatCount(total)} healthy</small></p>
      <div class="stack" aria-hidden="true">
        ${present.map((s) => html`<span class="tone-${s}" style="flex: ${a.workers.byStatus[s]}"></span>`)}
      </div>
      <ul class="legend">
        ${present.map(
          (s) =>
            html`<li class="tone-${s}"><span class="dot"></span>${formatCount(a.workers.byStatus[s])} ${STATUS_LABEL[s].toLowerCase()}</li>`,
        )}
      </ul>
    </section>`;
  }
}

const formatWindow = (seconds: number) =>
  seconds % 60 === 0 ? `${seconds / 60} min` : `${formatNumber(seconds)} s`;

const unit = (value: string, suffix: string) => html`${value}<small>${suffix}</small>`;

function tile(
  label: string,
  value: unknown,
  detail: string,
  samples: readonly Sample[],
  range: SparklineRange,
) {
  const id = `t-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return html`<section class="tile" part="card" aria-labelledby=${id}>
    <h3 class="label" id=${id}>${label}</h3>
    <p class="value" part="value">${value}</p>
    <p class="detail">${detail}</p>
    ${sparkline(samples, range)}
  </section>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'system-metrics': SystemMetrics;
  }
}
