import type { Aggregates, Worker, WorkerMetrics } from '@pulseboard/protocol';
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
import { STATUS_ORDER } from '../base/status.js';
import { eventTypesFor } from '../client/requirements.js';
import type { Requirement } from '../client/types.js';
import { sameStatuses } from '../store/changes.js';
import { workerSamples } from '../store/history.js';
import type { AggregateHistory, DashboardState, Sample, Slice, WorkerSeries } from '../store/types.js';
import { sharedStyles } from '../styles/shared.js';
import { systemMetricsStyles } from './system-metrics.styles.js';

const DEFAULT_WINDOW_S = 300;

/** The figures the tiles show: the server's fleet-wide aggregates, or the same computed for the selection. */
type Figures = Pick<
  Aggregates,
  'workers' | 'cpu' | 'memoryBytes' | 'requestsPerSec' | 'responseTimeMs' | 'errorCount' | 'errorRate'
>;

/**
 * Fleet-wide figures with a trend over the last `window` seconds: CPU, memory,
 * requests per second, response time and error rate, plus workers by status.
 * Averages are over live workers that report metrics (the server computes them).
 * With a selection (see `selection`) the same figures cover only the selected
 * worker or the workers of the selected queue, computed from their metrics.
 *
 * @summary Fleet-wide CPU, memory, throughput, response time and errors, with trends.
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

  /** Seconds of history in each sparkline (default 300). */
  declare window: number;

  // Its trends are `aggregateHistory`, which moves with `aggregates`; per-worker `history` changes every metrics tick.
  // The Workers tile counts the live `workers` map (one pass per render), so it agrees with `<health-cards>`
  // instead of lagging behind with the server's 5 s aggregates.
  protected readonly slices: readonly Slice[] = ['aggregates', 'workers'];
  protected readonly defaultHeading = 'System';
  protected override readonly follows = true;

  /** The state last counted, and its workers by status. */
  #counted: { data: DashboardState; workers: Figures['workers'] } | null = null;

  constructor() {
    super();
    this.window = DEFAULT_WINDOW_S;
  }

  protected override renderSummary(): unknown {
    return html`<span class="summary">last ${formatWindow(this.#windowMs() / 1000)}</span>`;
  }

  /** Scoped, the trends come from the selected workers' own history. */
  protected override requirement(): Requirement {
    const workers = this.scope();
    return { types: eventTypesFor(workers ? [...this.slices, 'history'] : this.slices), workers };
  }

  protected renderContent(data: DashboardState): unknown {
    const ids = this.scope();
    const [a, h] = ids
      ? scoped(data, ids)
      : [data.aggregates && { ...data.aggregates, workers: this.#count(data) }, data.aggregateHistory];
    if (!a || a.workers.total === 0) {
      return ids
        ? this.renderNotice(
            'Nothing to show for the selection',
            'The selected workers have left or not registered yet.',
          )
        : this.renderNotice('No metrics yet', 'Figures appear once workers register and report metrics.');
    }
    const range = this.#range(Object.values(h));
    /** A metric's tile: the figure, a line of detail and the trend, every trend over the same `range`. */
    const metric = (label: string, value: unknown, detail: string, samples: readonly Sample[]) =>
      tile(label, value, html`<p class="detail">${detail}</p>${sparkline(samples, range)}`);
    return html`<div class="tiles">
      ${this.#workersTile(a)}
      ${metric('CPU', formatPercent(a.cpu.avg), `avg · max ${formatPercent(a.cpu.max)}`, h.cpuAvg)}
      ${metric('Memory', formatBytes(a.memoryBytes.total), `total · avg ${formatBytes(a.memoryBytes.avg)}`, h.memoryTotal)}
      ${metric('Requests', unit(formatNumber(a.requestsPerSec.total), '/s'), 'sum across workers', h.requestsPerSec)}
      ${metric('Response time', formatMs(a.responseTimeMs.avg), `avg · p95 ${formatMs(a.responseTimeMs.p95)}`, h.responseTimeAvg)}
      ${metric('Error rate', formatRatio(a.errorRate), `${formatCount(a.errorCount)} errors total`, h.errorRate)}
    </div>`;
  }

  /** The workers of `data` by status, counted again only when one joined, left or changed status. */
  #count(data: DashboardState): Figures['workers'] {
    const last = this.#counted;
    if (last && sameStatuses(last.data, data)) last.data = data;
    else this.#counted = { data, workers: count(data.workers.values()) };
    return this.#counted!.workers;
  }

  #windowMs(): number {
    // Not 0: a window of no time shows nothing.
    return (usable(this.window) || DEFAULT_WINDOW_S) * 1000;
  }

  /**
   * The window ends at the newest sample (server time), so browser clock skew never shifts the chart.
   * It starts at the oldest sample when there is less history than the window (a page just opened):
   * the trend spans the tile instead of being squeezed against its right edge.
   */
  #range(series: readonly (readonly Sample[])[]): SparklineRange {
    let to = 0;
    let first = Number.POSITIVE_INFINITY;
    for (const samples of series) {
      to = Math.max(to, samples.at(-1)?.at ?? 0);
      first = Math.min(first, samples[0]?.at ?? first);
    }
    return { from: Math.max(to - this.#windowMs(), first), to };
  }

  #workersTile(a: Figures): TemplateResult {
    const total = a.workers.total;
    const present = STATUS_ORDER.filter((s) => a.workers.byStatus[s] > 0).reverse();
    const healthy = a.workers.byStatus.healthy ?? 0;
    return tile(
      'Workers',
      html`${formatCount(healthy)}<small>/ ${formatCount(total)} healthy</small>`,
      html`<div class="stack" aria-hidden="true">
          ${present.map((s) => html`<span class="tone-${s}" style="flex: ${a.workers.byStatus[s]}"></span>`)}
        </div>
        <ul class="legend">
          ${
            // "3 healthy": the status word as it is, lower case.
            present.map(
              (s) =>
                html`<li class="tone-${s}"><span class="dot"></span>${formatCount(a.workers.byStatus[s])} ${s}</li>`,
            )
          }
        </ul>`,
    );
  }
}

/** Workers by status, counted in one pass. */
function count(workers: Iterable<Worker>): Figures['workers'] {
  const byStatus = {} as Figures['workers']['byStatus'];
  let total = 0;
  for (const w of workers) {
    byStatus[w.status] = (byStatus[w.status] ?? 0) + 1;
    total++;
  }
  return { total, byStatus };
}

/** Figures and trends for the workers `ids`, computed as the server computes the fleet's. */
function scoped(data: DashboardState, ids: string[]): [Figures, AggregateHistory] {
  const workers = ids.flatMap((id) => data.workers.get(id) ?? []);
  const live = workers.flatMap((w: Worker) => (w.status !== 'offline' && w.metrics ? [w.metrics] : []));
  const values = (key: keyof WorkerMetrics) => live.map((m) => m[key]).sort((x, y) => x - y);
  const sum = (key: keyof WorkerMetrics) => values(key).reduce((t, v) => t + v, 0);
  // NaN shows as a dash: no live worker, no average.
  const avg = (key: keyof WorkerMetrics) => sum(key) / (live.length || Number.NaN);
  const times = values('responseTimeMs');
  // Samples of one metrics tick share their time, so per-worker series merge by time.
  const trend = (key: WorkerSeries, mean: boolean): Sample[] => {
    const at = new Map<number, number[]>();
    for (const id of ids)
      for (const s of workerSamples(data.history.get(id), key))
        at.set(s.at, [...(at.get(s.at) ?? []), s.value]);
    return [...at]
      .sort((x, y) => x[0] - y[0])
      .map(([t, v]) => ({ at: t, value: v.reduce((x, y) => x + y, 0) / (mean ? v.length : 1) }));
  };
  return [
    {
      workers: count(workers),
      cpu: { avg: avg('cpu'), max: values('cpu').at(-1) ?? Number.NaN },
      memoryBytes: { avg: avg('memoryBytes'), total: sum('memoryBytes') },
      requestsPerSec: { total: sum('requestsPerSec') },
      responseTimeMs: {
        avg: avg('responseTimeMs'),
        p95: times[Math.ceil(times.length * 0.95) - 1] ?? Number.NaN,
      },
      errorCount: sum('errorCount'),
      // Errors per request need the server's per-interval counts, which are fleet-wide only.
      errorRate: Number.NaN,
    },
    {
      cpuAvg: trend('cpu', true),
      memoryTotal: [],
      requestsPerSec: trend('requestsPerSec', false),
      responseTimeAvg: trend('responseTimeMs', true),
      responseTimeP95: [],
      errorRate: [],
    },
  ];
}

const formatWindow = (seconds: number) =>
  seconds % 60 === 0 ? `${seconds / 60} min` : `${formatNumber(seconds)} s`;

const unit = (value: string, suffix: string) => html`${value}<small>${suffix}</small>`;

/** A tile: its label (which names it), its main figure, then `body`. */
function tile(label: string, value: unknown, body: unknown): TemplateResult {
  const id = `t-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return html`<section class="tile" part="card" aria-labelledby=${id}>
    <h3 class="label" id=${id}>${label}</h3>
    <p class="value" part="value">${value}</p>
    ${body}
  </section>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'system-metrics': SystemMetrics;
  }
}
