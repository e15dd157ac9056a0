import type { ReactiveController, ReactiveElement } from 'lit';

/** Rows rendered above and below the visible ones, so a fast scroll does not show blanks. */
export const OVERSCAN = 8;

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
 * and binds `onScroll` to the scroller. The row height is measured from a
 * rendered row after each update (fonts and themes change it).
 *
 * About 1 KB minified where @lit-labs/virtualizer (variable heights) is ~30 KB,
 * a third of the library's 30 KB gzip budget.
 */
export class RowWindow implements ReactiveController {
  readonly #host: ReactiveElement;
  readonly #scroller: string;
  readonly #row: string;
  #rowPx: number;
  #first = 0;
  /** Rows in a window; a guess until the scroller has been measured. */
  #count = 30;
  #frame = 0;

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

  /** Bind to the scroller's `scroll` event. */
  readonly onScroll = (event: Event): void => {
    const scroller = event.currentTarget as HTMLElement;
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#measure(scroller);
    });
  };

  hostUpdated(): void {
    const root = this.#host.renderRoot;
    const px = root.querySelector(this.#row)?.getBoundingClientRect().height;
    // Exactly: a quarter pixel off is 250 rows off 100,000 rows down.
    const calibrated = Boolean(px) && px !== this.#rowPx;
    if (calibrated) this.#rowPx = px!;
    const scroller = root.querySelector<HTMLElement>(this.#scroller);
    if (scroller) this.#measure(scroller, calibrated);
  }

  hostDisconnected(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  /** Moves the window to the scroll position; `changed` re-renders even if it did not move (new row height). */
  #measure(scroller: HTMLElement, changed = false): void {
    const first = Math.max(0, Math.floor(scroller.scrollTop / this.#rowPx) - OVERSCAN);
    const count = Math.ceil(scroller.clientHeight / this.#rowPx) + 2 * OVERSCAN;
    if (!changed && first === this.#first && count === this.#count) return;
    this.#first = first;
    this.#count = count;
    this.#host.requestUpdate();
  }
}
