import type { ReactiveController, ReactiveElement } from 'lit';

/**
 * Rows rendered above and below the visible ones, so a scroll of a few rows a frame does not show blanks;
 * few, because every push redraws the rows in the DOM, seen or not.
 */
export const OVERSCAN = 3;

/** Which rows of a list to put in the DOM: `[first, end)`, and the pixels the others take above and below. */
export interface RowRange {
  first: number;
  end: number;
  before: number;
  after: number;
}

/**
 * Windowing for a scrolling list of fixed-height rows (CSS keeps them from
 * wrapping): only the rows in view, plus a few, are in the DOM, between spacers
 * that stand in for the rest, so 100,000 rows cost what 30 do and the
 * scrollbar still reflects the whole list. The host renders `range(total)`
 * and binds `onScroll` to the scroller.
 *
 * Sizes are read when the browser reports them (a ResizeObserver on the
 * scroller and a row: fonts and themes change the row height) and on scroll,
 * never right after an update: reading layout there made the browser lay out
 * the page in the middle of every element's update, once per element.
 *
 * About 1 KB minified where @lit-labs/virtualizer (variable heights) is ~30 KB
 * (~9 KB gzip, a third of the whole library's).
 */
export class RowWindow implements ReactiveController {
  readonly #host: ReactiveElement;
  readonly #scroller: string;
  readonly #row: string;
  #rowPx: number;
  #first = 0;
  /** Rows in a window; a guess until the scroller has been measured. */
  #count = 30;
  readonly #resized = new ResizeObserver(() => this.#measure());
  /** The scroller and row being observed. */
  #observed: (Element | null)[] = [];

  /** `scroller` and `row` are selectors in the host's render root; `rowPx` is the height until a row is measured. */
  constructor(host: ReactiveElement, scroller: string, row: string, rowPx: number) {
    this.#host = host;
    this.#scroller = scroller;
    this.#row = row;
    this.#rowPx = rowPx;
    host.addController(this);
  }

  /** The rows to render out of `total`; `atEnd` shows the last ones (a log following its tail). */
  range(total: number, atEnd = false): RowRange {
    const first = Math.max(0, Math.min(atEnd ? total : this.#first, total - this.#count));
    const end = Math.min(total, first + this.#count);
    return { first, end, before: first * this.#rowPx, after: (total - end) * this.#rowPx };
  }

  /** Bind to the scroller's `scroll` event (fired at most once a frame). */
  readonly onScroll = (): void => this.#measure();

  hostUpdated(): void {
    const root = this.#host.renderRoot;
    const targets = [root.querySelector(this.#scroller), root.querySelector(this.#row)];
    if (targets.every((target, i) => target === this.#observed[i])) return;
    // New elements: observing them reports their sizes after the next layout.
    this.#resized.disconnect();
    for (const target of targets) if (target) this.#resized.observe(target);
    this.#observed = targets;
  }

  hostDisconnected(): void {
    this.#resized.disconnect();
    this.#observed = [];
  }

  /** Moves the window to the scroll position and size, re-rendering if it moved. */
  #measure(): void {
    const [scroller, row] = this.#observed as [HTMLElement | null, Element | null];
    if (!scroller?.isConnected) return;
    // Exactly: a quarter pixel off is 250 rows off 100,000 rows down.
    const px = row?.isConnected ? row.getBoundingClientRect().height || this.#rowPx : this.#rowPx;
    const top = Math.floor(scroller.scrollTop / px);
    const first = Math.max(0, top - OVERSCAN);
    // No overscan above the first row: at the top of a table, a push redraws only the rows in view and below.
    const count = top - first + Math.ceil(scroller.clientHeight / px) + OVERSCAN;
    if (px === this.#rowPx && first === this.#first && count === this.#count) return;
    this.#rowPx = px;
    this.#first = first;
    this.#count = count;
    this.#host.requestUpdate();
  }
}
