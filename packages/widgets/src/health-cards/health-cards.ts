import type { Resource, Worker, WorkerStatus } from '@pulseboard/protocol';
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ActionController } from '../base/action-controller.js';
import { formatAgo, formatCountOf, formatDuration, formatMs, NAME_MAX, truncate } from '../base/format.js';
import { Memo } from '../base/memo.js';
import { NameOrder } from '../base/name-order.js';
import { PulseElement } from '../base/pulse-element.js';
import { sparkline } from '../base/sparkline.js';
import {
  capitalize,
  parseStatusList,
  RESOURCE_LABEL,
  RESOURCE_TONE,
  STATUS_LABEL,
  STATUS_ORDER,
} from '../base/status.js';
import { sameStatuses } from '../store/changes.js';
import { workerSamples } from '../store/history.js';
import type { DashboardState, Slice } from '../store/types.js';
import { actionStyles } from '../styles/actions.js';
import { sharedStyles } from '../styles/shared.js';
import { GridWindow } from './grid-window.js';
import { healthCardsStyles } from './health-cards.styles.js';

export type HealthCardsSort = 'name' | 'status';

interface Card {
  key: string;
  name: string;
  tone: WorkerStatus;
  /** Departed workers fade and are not counted by the status filters. */
  departed: boolean;
  /**
   * The card, redrawn only when what it shows changed. Called for the cards in the window only:
   * with 1,000 workers, working out every card's figures each update was most of a render.
   */
  draw: (data: DashboardState) => unknown;
}

/**
 * One card per worker and per resource: status, uptime, response time, when it
 * was last heard from and a sparkline of its response time. Workers that leave
 * stay a few seconds, fading, so a disappearance is noticed. Clicking a worker's
 * card (or Enter/Space on its name) selects it (see `selection`).
 *
 * @summary Live status cards, one per worker and per resource.
 *
 * @fires {PulseActionEvent} pulse-action - An operator's action request is about to be sent (cancelable: `preventDefault()` sends nothing); `request` is `{worker, action, target, params}`.
 *
 * @csspart actions - An operator's action control and its last outcome (with the operate permission only).
 * @csspart action - The button that opens the actions dialog.
 * @csspart action-status - The last action's outcome beside it.
 * @csspart dialog - The actions dialog (native, modal).
 *
 * @csspart card - One worker or resource.
 * @csspart status - The status badge on a card.
 * @csspart value - A figure on a card.
 * @csspart sparkline - The response-time trend.
 * @csspart filter - A status filter chip.
 *
 * @cssprop --pulse-card-min-width - Narrowest a card may get before the grid wraps (272px).
 * @cssprop --pulse-depart-duration - How long a departed card takes to fade (10s).
 */
export class HealthCards extends PulseElement {
  static override styles = [...sharedStyles, actionStyles, healthCardsStyles];

  static override properties = {
    status: { reflect: true },
    sort: { reflect: true },
  };

  /**
   * Show only these statuses, e.g. `status="degraded unhealthy"` (resources map `down` to unhealthy,
   * `unknown` to offline).
   */
  declare status: string | null;
  /** `status` (worst first, the default) or `name`. */
  declare sort: HealthCardsSort;

  protected readonly slices: readonly Slice[] = ['workers', 'resources', 'history', 'actions'];
  protected readonly defaultHeading = 'Health';

  readonly #actions = new ActionController(this);
  readonly #window = new GridWindow(this, '.grid');
  /** Cards and sparklines drawn again only when what they show changed. */
  readonly #memo = new Memo();
  /** This update's clock, read as the cards in the window are drawn. */
  #now = 0;
  /** The cards of a state, and how many of each status are not departed: a tick, which changes only the clock, redraws only the window. */
  #built: { data: DashboardState; cards: Card[]; counts: Map<WorkerStatus, number> } | null = null;
  /**
   * Each worker's, departed worker's and resource's card, kept while its record is the same object
   * (the store replaces a record only when it changes): at 10,000 workers a status change makes
   * cards for the workers that changed since the last build, not for all.
   */
  #cardOf = new WeakMap<object, Card>();
  /** The last sort, reused while the cards are the same (see `#cards`). */
  #sorted: { sort: HealthCardsSort; cards: Card[]; sorted: Card[] } | null = null;
  readonly #names = new NameOrder();

  constructor() {
    super();
    this.status = null;
    this.sort = 'status';
  }

  protected override wantsTick(): boolean {
    const data = this.data;
    return super.wantsTick() || Boolean(data?.ready && (data.workers.size > 0 || data.departed.size > 0));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.#now = Date.now();
  }

  protected override renderDialog(data: DashboardState | null): unknown {
    return this.#actions.dialog(data);
  }

  protected override renderSummary(data: DashboardState): unknown {
    const resources = data.resources.size;
    return html`<span class="summary"
      >${formatCountOf(data.workers.size, 'worker')}${resources ? ` · ${formatCountOf(resources, 'resource')}` : ''}</span
    >`;
  }

  protected override renderToolbar(data: DashboardState): unknown {
    const { counts } = this.#cards(data);
    const active = new Set(parseStatusList(this.status));
    const shown = STATUS_ORDER.filter((s) => counts.has(s) || active.has(s));
    return html`<div class="toolbar" part="toolbar">
      <div class="segmented" role="group" aria-label="Sort by">
        ${(['status', 'name'] as const).map(
          (key) =>
            html`<button type="button" aria-pressed=${this.sort === key} @click=${() => (this.sort = key)}>
              ${capitalize(key)}
            </button>`,
        )}
      </div>
      <div role="group" aria-label="Filter by status" class="toolbar">
        ${shown.map(
          (s) =>
            html`<button
              type="button"
              class="chip tone-${s}"
              part="filter"
              aria-pressed=${active.has(s)}
              @click=${() => this.#toggleStatus(s)}
            >
              <span class="dot"></span>${STATUS_LABEL[s]} <span class="count">${counts.get(s) ?? 0}</span>
            </button>`,
        )}
      </div>
    </div>`;
  }

  #toggleStatus(status: WorkerStatus): void {
    const active = new Set(parseStatusList(this.status));
    if (active.has(status)) active.delete(status);
    else active.add(status);
    this.status = active.size ? [...active].join(' ') : null;
  }

  protected renderContent(data: DashboardState): unknown {
    const all = this.#sort(this.#cards(data).cards);
    if (all.length === 0) {
      return this.renderNotice(
        'No workers yet',
        'Workers and resources appear here as soon as they register.',
      );
    }
    const filter = new Set(parseStatusList(this.status));
    const cards = filter.size ? all.filter((c) => filter.has(c.tone)) : all;
    if (cards.length === 0) {
      return this.renderNotice(
        'Nothing matches the filter',
        html`<button type="button" @click=${() => (this.status = null)}>Show all</button>`,
      );
    }
    const { first, end, before, after } = this.#window.range(cards.length);
    return html`<div
      class="grid hold ${end - first < cards.length ? 'windowed' : ''}"
      style="padding: ${before}px 0 ${after}px"
    >
      ${cards.slice(first, end).map((c) => c.draw(data))}
    </div>`;
  }

  #sort(cards: Card[]): Card[] {
    const last = this.#sorted;
    // The same cards (a metrics tick keeps them) sorted the same way: nothing to do.
    if (last?.cards === cards && last.sort === this.sort) return last.sorted;
    this.#names.prepare(cards.map((c) => c.name));
    const byStatus = this.sort === 'status';
    // One integer per card and key: the comparisons of a 10,000-card sort read arrays, nothing more.
    const keys = cards.map(
      (c) => (byStatus ? STATUS_ORDER.indexOf(c.tone) * cards.length : 0) + this.#names.place(c.name),
    );
    const sorted = keys
      .map((_, i) => i)
      .sort((a, b) => keys[a]! - keys[b]!)
      .map((i) => cards[i]!);
    this.#sorted = { sort: this.sort, cards, sorted };
    return sorted;
  }

  /**
   * Workers, resources and recently departed workers, each with how to draw it; built again only when a
   * worker joined, left, or changed its name or status, or a resource or departure changed: a metrics tick
   * keeps the cards, their counts and their order, and each card draws its worker's latest record.
   */
  #cards(data: DashboardState): { cards: Card[]; counts: Map<WorkerStatus, number> } {
    const last = this.#built;
    if (
      last &&
      last.data.departed === data.departed &&
      last.data.resources === data.resources &&
      sameStatuses(last.data, data)
    ) {
      last.data = data;
      return last;
    }
    const cards: Card[] = [];
    const counts = new Map<WorkerStatus, number>();
    const add = (record: object, make: () => Card) => {
      let card = this.#cardOf.get(record);
      if (!card) {
        card = make();
        this.#cardOf.set(record, card);
      }
      cards.push(card);
      // The status filters count the workers and resources still here, not the fading ones.
      if (!card.departed) counts.set(card.tone, (counts.get(card.tone) ?? 0) + 1);
    };
    // The store's sanitizer admits only known statuses: every worker and resource has a tone.
    for (const worker of data.workers.values())
      add(worker, () => ({
        key: `w:${worker.id}`,
        name: worker.name || worker.id,
        tone: worker.status,
        departed: false,
        draw: (state) => this.#worker(state.workers.get(worker.id)!, state, null),
      }));
    // The store forgets departed workers after a few seconds; until then their cards fade.
    for (const [id, gone] of data.departed)
      if (!data.workers.has(id))
        add(gone, () => ({
          key: `w:${id}`,
          name: gone.worker.name || id,
          tone: 'offline',
          departed: true,
          draw: (state) => this.#worker(gone.worker, state, gone.reason),
        }));
    for (const resource of data.resources.values()) {
      const tone = RESOURCE_TONE[resource.status];
      add(resource, () => ({
        key: `r:${resource.id}`,
        name: resource.name || resource.id,
        tone,
        departed: false,
        draw: () => this.#resource(resource, tone),
      }));
    }
    this.#built = { data, cards, counts };
    return this.#built;
  }

  /** A worker's card, drawn again only when what it shows changed. */
  #worker(worker: Worker, data: DashboardState, departed: string | null): unknown {
    const history = data.history.get(worker.id);
    const ago = formatAgo(worker.lastHeartbeatAt, this.#now);
    const key = `worker:${worker.id}`;
    const subject = { target: 'worker' as const, key: worker.id, name: worker.name || worker.id };
    const acted = departed ? null : this.#actions.stateOf(data, subject);
    return this.#memo.get(worker, [history, ago, departed, this.selection === key, data.can, acted], () =>
      this.#card(
        departed ? 'offline' : worker.status,
        departed ? 'departed' : '',
        worker.id,
        worker.name,
        worker.queue ? `${worker.id} · ${worker.queue}` : worker.id,
        departed ? (departed === 'expired' ? 'Expired' : 'Left') : STATUS_LABEL[worker.status],
        [
          ['Uptime', formatDuration(worker.metrics?.uptimeSec)],
          ['Response', formatMs(worker.metrics?.responseTimeMs)],
          ['Last seen', ago],
        ],
        html`${
          // Remembered on its own: the card redraws every second for "Last seen", the line only with a new sample.
          history?.size
            ? this.#memo.get(history, [], () => sparkline(workerSamples(history, 'responseTimeMs')))
            : html`<div class="spark-empty" aria-hidden="true"></div>`
        }${departed ? nothing : this.#actions.control(data, subject)}`,
        key,
      ),
    );
  }

  /** A resource's card, drawn again only when what it shows changed. */
  #resource(resource: Resource, tone: WorkerStatus): unknown {
    const updated = formatAgo(resource.updatedAt, this.#now);
    return this.#memo.get(resource, [updated], () =>
      this.#card(
        tone,
        '',
        resource.id,
        resource.name,
        `${resource.kind} · ${resource.id}`,
        RESOURCE_LABEL[resource.status],
        [
          ['Latency', formatMs(resource.latencyMs)],
          ['Updated', updated],
        ],
        resource.message
          ? html`<p class="message" title=${truncate(resource.message, 1024)}>${truncate(resource.message, 160)}</p>`
          : nothing,
      ),
    );
  }

  /**
   * The card both workers and resources use: name and id, status badge, figures, then `footer`.
   * A selectable card has a `pick` key and shows its name as the button that selects it.
   */
  #card(
    tone: WorkerStatus,
    modifier: string,
    id: string,
    name: string,
    sub: string,
    label: string,
    stats: readonly [string, string][],
    footer: unknown,
    pick?: string,
  ): TemplateResult {
    const title = truncate(name || id, NAME_MAX);
    return html`<article class="card tone-${tone} ${modifier}" part="card" data-id=${id} data-pick=${pick ?? nothing}>
    <div class="card-head">
      <div class="names">
        <h3 class="name" title=${title}>${pick ? this.picker(pick, title) : title}</h3>
        <span class="sub">${truncate(sub, NAME_MAX)}</span>
      </div>
      <span class="badge tone-${tone}" part="status"><span class="dot"></span>${label}</span>
    </div>
    <dl class="stats">
      ${stats.map(([term, value]) => html`<div><dt>${term}</dt><dd part="value">${value}</dd></div>`)}
    </dl>
    ${footer}
  </article>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'health-cards': HealthCards;
  }
}
