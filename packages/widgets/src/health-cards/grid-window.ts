import type { ReactiveController, ReactiveElement } from 'lit';

/** Below this many cards every card is rendered: cheap enough, and find-in-page sees them all. */
export const WINDOW_FROM = 150;

/** Rows rendered above and below those on screen, so a fast scroll does not show blanks. */
const OVERSCAN = 2;

/** Which cards to put in the DOM, `[first, end)`, and the pixels the rows left out take above and below. */
export interface GridRange {
  first: number;
  end: number;
  before: number;
  after: number;
}

/**
 * `base/row-window.ts` for a wrapping grid in the page's own scroll: with
 * 1,000 cards, only the rows that intersect the viewport (plus a few) are in
 * the DOM, and the grid's padding stands in for the others. Laying out a grid
 * of 1,000 cards took 200–350 ms a frame; 30 cost next to nothing. Columns
 * and row height are measured from the rendered grid after each update.
 */
export class GridWindow implements ReactiveController {
  readonly #host: ReactiveElement;
  readonly #grid: string;
  #columns = 1;
  /** Row height plus gap; a guess until measured. */
  #pitch = 160;
  #firstRow = 0;
  #rows = 12;
  #active = false;
  #frame = 0;
  #resize: ResizeObserver | null = null;

  /** `grid` is a selector in the host's render root. */
  constructor(host: ReactiveElement, grid: string) {
    this.#host = host;
    this.#grid = grid;
    host.addController(this);
  }

  range(total: number): GridRange {
    this.#active = total >= WINDOW_FROM;
    if (!this.#active) return { first: 0, end: total, before: 0, after: 0 };
    const rows = Math.ceil(total / this.#columns);
    const first = Math.max(0, Math.min(this.#firstRow, rows - this.#rows));
    const end = Math.min(rows, first + this.#rows);
    return {
      first: first * this.#columns,
      end: Math.min(total, end * this.#columns),
      before: first * this.#pitch,
      after: (rows - end) * this.#pitch,
    };
  }

  hostConnected(): void {
    // Capturing sees the scroll of any scroller in the document, not only the page's.
    addEventListener('scroll', this.#schedule, { capture: true, passive: true });
    addEventListener('resize', this.#schedule);
    this.#resize = new ResizeObserver(this.#schedule);
    this.#resize.observe(this.#host);
  }

  hostDisconnected(): void {
    removeEventListener('scroll', this.#schedule, { capture: true });
    removeEventListener('resize', this.#schedule);
    this.#resize?.disconnect();
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  hostUpdated(): void {
    if (this.#active) this.#measure();
  }

  readonly #schedule = (): void => {
    if (!this.#active || this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#measure();
    });
  };

  #measure(): void {
    const grid = this.#host.renderRoot.querySelector<HTMLElement>(this.#grid);
    const card = grid?.firstElementChild as HTMLElement | null | undefined;
    if (!grid || !card) return;
    const style = getComputedStyle(grid);
    const columns = Math.max(1, style.gridTemplateColumns.split(' ').length);
    const pitch = card.offsetHeight + (Number.parseFloat(style.rowGap) || 0);
    const top = grid.getBoundingClientRect().top;
    const firstRow = Math.max(0, Math.floor(-top / pitch) - OVERSCAN);
    const rows = Math.max(1, Math.ceil(innerHeight / pitch)) + 2 * OVERSCAN;
    if (
      columns === this.#columns &&
      pitch === this.#pitch &&
      firstRow === this.#firstRow &&
      rows === this.#rows
    )
      return;
    this.#columns = columns;
    this.#pitch = pitch;
    this.#firstRow = firstRow;
    this.#rows = rows;
    this.#host.requestUpdate();
  }
}
