import { html, nothing, type ReactiveController, type ReactiveElement, type TemplateResult } from 'lit';
import type { Subject } from '../base/action-controller.js';
import { formatCount, formatCountOf, formatStamp } from '../base/format.js';
import { RowWindow } from '../base/row-window.js';
import type { PulseClient } from '../client/types.js';
import { type Letter, LetterList, payloadText, readLetter } from './dead-letter-list.js';

/** Entries per `GET /api/dead-letters` page: half the maximum, so parsing one is a short task. */
const PAGE = 500;
const ROW_PX = 32;

/** hh:mm:ss today, "4 Dec hh:mm:ss" another day. */
const formatWhen = (at: number) => formatStamp(at, Date.now());

interface Page {
  deadLetters?: unknown;
  total?: unknown;
  nextCursor?: unknown;
}

/**
 * The dead letters of one queue, in a modal dialog over its `<dlq-monitor>`:
 * loaded a page at a time from `GET /api/dead-letters` when opened, kept up
 * to date by `dead_letters_update` deltas (loaded again after a fresh
 * `initial_data`, since the deltas in between were never sent), windowed
 * (RowWindow) so 10,000 entries cost what 30 do, searchable, and each one
 * opened to its error, stack and payload. Keyboard: arrows move, Enter opens,
 * Escape closes the entry, then the dialog. Everything is rendered as text.
 * The queue's dead-letter actions sit in the header, an entry's in the entry
 * (drawn by `actions`: the element's ActionController, its one dialog).
 */
export class DeadLetterPanel implements ReactiveController {
  readonly #host: ReactiveElement;
  readonly #client: () => PulseClient | null;
  readonly #actions: (subject: Subject) => unknown;
  readonly #window: RowWindow;
  #queue: string | null = null;
  #list = new LetterList();
  #total = 0;
  #query = '';
  #shown: readonly Letter[] = [];
  #shownFrom: { list: LetterList; query: string } | null = null;
  #active = 0;
  #detail: Letter | null = null;
  /** 'loading', 'ready', or why loading failed. */
  #state = 'loading';
  #note = '';
  /** Deltas that arrived while a load was under way, applied over it. */
  #buffered: unknown[] | null = null;
  /** Bumped by each load and by closing, so a superseded load's pages are dropped. */
  #load = 0;
  #unsubscribe: (() => void)[] = [];
  #scrollToActive = false;

  constructor(
    host: ReactiveElement,
    client: () => PulseClient | null,
    actions: (subject: Subject) => unknown,
  ) {
    this.#host = host;
    this.#client = client;
    this.#actions = actions;
    this.#window = new RowWindow(host, '.dl-list', '.dl-row', ROW_PX);
    host.addController(this);
  }

  /** The queue shown, or null while closed. */
  get queue(): string | null {
    return this.#queue;
  }

  /** Opens the dialog on `queue`'s dead letters and loads them. */
  open(queue: string): void {
    const client = this.#client();
    if (!client) return;
    this.#stop();
    this.#queue = queue;
    this.#query = '';
    this.#active = 0;
    this.#detail = null;
    this.#unsubscribe = [
      client.subscribe('dead_letters_update', (data) => this.#delta(data)),
      // A fresh snapshot (a resync, a new connection): the deltas in between were never sent.
      client.subscribe('initial_data', () => void this.#reload(client)),
    ];
    void this.#reload(client);
    this.#host.requestUpdate();
  }

  close(): void {
    // Closed, not just removed: the browser then gives focus back to where it was before the dialog.
    const dialog = this.#host.renderRoot.querySelector<HTMLDialogElement>('dialog.dl');
    if (dialog?.open) dialog.close();
    this.#stop();
    this.#queue = null;
    this.#list = new LetterList();
    this.#detail = null;
    this.#host.requestUpdate();
  }

  hostUpdated(): void {
    const dialog = this.#host.renderRoot.querySelector<HTMLDialogElement>('dialog.dl');
    if (this.#queue !== null && dialog && !dialog.open) dialog.showModal();
    if (!this.#scrollToActive) return;
    this.#scrollToActive = false;
    const list = this.#host.renderRoot.querySelector<HTMLElement>('.dl-list');
    const row = this.#host.renderRoot.querySelector<HTMLElement>(`#dl-${this.#active}`);
    if (row) row.scrollIntoView({ block: 'nearest' });
    else if (list) list.scrollTop = this.#active * (list.querySelector('.dl-row')?.clientHeight || ROW_PX);
  }

  hostDisconnected(): void {
    this.#stop();
  }

  #stop(): void {
    this.#load++;
    for (const stop of this.#unsubscribe.splice(0)) stop();
  }

  async #reload(client: PulseClient): Promise<void> {
    const load = ++this.#load;
    const queue = this.#queue as string;
    this.#state = 'loading';
    this.#buffered = [];
    this.#host.requestUpdate();
    const letters: Letter[] = [];
    let cursor = '';
    try {
      do {
        const query = `queue=${encodeURIComponent(queue)}&limit=${PAGE}${cursor && `&cursor=${encodeURIComponent(cursor)}`}`;
        const page = (await client.request(`api/dead-letters?${query}`)) as Page;
        if (load !== this.#load) return;
        for (const raw of Array.isArray(page.deadLetters) ? page.deadLetters : []) {
          const letter = readLetter(raw);
          if (letter) letters.push(letter);
        }
        this.#total = typeof page.total === 'number' ? page.total : letters.length;
        cursor = typeof page.nextCursor === 'string' ? page.nextCursor : '';
      } while (cursor);
    } catch (error) {
      if (load !== this.#load) return;
      this.#state = `Could not load the dead letters: ${(error as Error).message}`;
      this.#host.requestUpdate();
      return;
    }
    // An entry that moved between two pages while they were read comes twice: the later read wins.
    let list = new LetterList([...new Map(letters.map((letter) => [letter.id, letter])).values()]).apply({});
    for (const data of this.#buffered ?? []) list = list.apply(data as object);
    this.#buffered = null;
    this.#list = list;
    this.#state = 'ready';
    this.#host.requestUpdate();
  }

  #delta(data: unknown): void {
    const delta = data as { queue?: unknown; total?: unknown; added?: unknown; removed?: unknown };
    if (typeof delta !== 'object' || delta === null || delta.queue !== this.#queue) return;
    if (this.#buffered) {
      this.#buffered.push(delta);
      return;
    }
    this.#list = this.#list.apply(delta);
    if (typeof delta.total === 'number') this.#total = delta.total;
    this.#host.requestUpdate();
  }

  /** The letters the search matches, computed once per list and query. */
  #letters(): readonly Letter[] {
    if (this.#shownFrom?.list !== this.#list || this.#shownFrom.query !== this.#query) {
      this.#shown = this.#list.search(this.#query);
      this.#shownFrom = { list: this.#list, query: this.#query };
      this.#active = Math.min(this.#active, Math.max(0, this.#shown.length - 1));
    }
    return this.#shown;
  }

  #move(to: number): void {
    const last = this.#shown.length - 1;
    this.#active = Math.max(0, Math.min(last, to));
    this.#scrollToActive = true;
    this.#host.requestUpdate();
  }

  #show(letter: Letter | null): void {
    this.#detail = letter;
    this.#note = '';
    this.#host.requestUpdate();
  }

  readonly #onKey = (event: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor((event.currentTarget as HTMLElement).clientHeight / ROW_PX) - 1);
    const moves: Record<string, number> = {
      ArrowDown: this.#active + 1,
      ArrowUp: this.#active - 1,
      PageDown: this.#active + page,
      PageUp: this.#active - page,
      Home: 0,
      End: this.#shown.length - 1,
    };
    if (event.key in moves) this.#move(moves[event.key] as number);
    else if (event.key === 'Enter') this.#show(this.#shown[this.#active] ?? null);
    else return;
    event.preventDefault();
  };

  /** Escape closes the open entry first, then the dialog. */
  readonly #onCancel = (event: Event): void => {
    if (!this.#detail) return;
    event.preventDefault();
    this.#show(null);
    this.#host.renderRoot.querySelector<HTMLElement>('.dl-list')?.focus();
  };

  readonly #copy = async (): Promise<void> => {
    const text = this.#detail ? payloadText(this.#detail) : '';
    try {
      await navigator.clipboard.writeText(text);
      this.#note = 'Copied';
    } catch {
      this.#note = 'Copy failed: select the text and copy it';
    }
    this.#host.requestUpdate();
  };

  render(): TemplateResult | typeof nothing {
    const queue = this.#queue;
    if (queue === null) return nothing;
    const letters = this.#letters();
    const range = this.#window.range(letters.length);
    const rows: TemplateResult[] = [];
    for (let i = range.first; i < range.end; i++) rows.push(this.#row(letters[i] as Letter, i));
    const loading = this.#state === 'loading';
    const failed = !loading && this.#state !== 'ready';
    // autofocus: opening focuses the search, not an action in the header that Enter would send.
    return html`<dialog class="dl ${this.#detail ? 'with-entry' : ''}" part="dead-letters" aria-labelledby="dl-title" @cancel=${this.#onCancel} @close=${() => this.close()}>
      <header class="dl-head">
        <h2 id="dl-title">Dead letters · <span class="dl-queue">${queue}</span></h2>
        <span class="dl-count">${
          this.#query
            ? `${formatCount(letters.length)} of ${formatCount(this.#total)}`
            : formatCountOf(this.#total, 'dead letter')
        }</span>
        ${this.#actions({ target: 'deadLetters', key: queue, name: `dead letters of ${queue}` })}
        <input type="search" autofocus aria-label="Search dead letters" placeholder="Search id, name, error" .value=${this.#query}
          @input=${(e: Event) => {
            this.#query = (e.target as HTMLInputElement).value;
            this.#host.requestUpdate();
          }}>
        <button type="button" class="dl-close" aria-label="Close" @click=${() => this.close()}>✕</button>
      </header>
      ${
        loading || failed
          ? html`<p class="dl-state" role=${failed ? 'alert' : 'status'}>${loading ? 'Loading…' : this.#state}</p>`
          : letters.length === 0
            ? html`<p class="dl-state">${this.#query ? 'No dead letter matches' : 'No dead letters'}</p>`
            : nothing
      }
      <div class="dl-list" role="listbox" tabindex="0" aria-label="Dead letters of ${queue}"
        aria-activedescendant=${letters.length ? `dl-${this.#active}` : nothing}
        @keydown=${this.#onKey} @scroll=${this.#window.onScroll}>
        <div role="none" style="height:${range.before}px"></div>${rows}<div role="none" style="height:${range.after}px"></div>
      </div>
      ${this.#detail ? this.#renderDetail(this.#detail) : nothing}
    </dialog>`;
  }

  #row(letter: Letter, i: number): TemplateResult {
    return html`<div class="dl-row" role="option" id="dl-${i}" aria-selected=${i === this.#active}
      @click=${() => {
        this.#active = i;
        this.#show(letter);
      }}>
      <span class="dl-time">${formatWhen(letter.failedAt)}</span>
      <span class="dl-name">${letter.name || letter.id}</span>
      <span class="dl-msg">${letter.message}</span>
      <span class="dl-att">${formatCountOf(letter.attempts, 'attempt')}</span>
    </div>`;
  }

  #renderDetail(letter: Letter): TemplateResult {
    const payload = payloadText(letter);
    return html`<section class="dl-detail" aria-labelledby="dl-detail-title">
      <h3 id="dl-detail-title" class="dl-error">${letter.message || '(no message)'}</h3>
      <dl>
        <dt>Job</dt><dd>${letter.id}</dd>
        ${letter.name ? html`<dt>Name</dt><dd>${letter.name}</dd>` : nothing}
        <dt>Failed</dt><dd>${formatWhen(letter.failedAt)}</dd>
        <dt>Attempts</dt><dd>${formatCount(letter.attempts)}</dd>
        <dt>Worker</dt><dd>${letter.workerId}</dd>
      </dl>
      <h4>Stack</h4>
      <pre class="dl-stack">${letter.stack || '(none reported)'}</pre>
      <h4>Payload <button type="button" class="dl-copy" ?disabled=${!payload} @click=${this.#copy}>Copy</button>
        <span role="status" class="dl-note">${this.#note}</span></h4>
      <pre class="dl-payload">${payload || '(none)'}</pre>
      <div class="dl-actions" part="dead-letter-actions">${this.#actions({
        target: 'deadLetters',
        key: this.#queue as string,
        id: letter.id,
        worker: letter.workerId,
        name: `job ${letter.id}`,
      })}</div>
    </section>`;
  }
}
