import type { ReactiveController, ReactiveElement } from 'lit';

/** Below this many cards every card is rendered: cheap enough, and find-in-page sees them all. */
const WINDOW_FROM = 150;

/**
 * Rows rendered above and below those on screen, so a fast scroll does not show blanks. One is
 * enough: the window moves on the scroll event, before the frame that shows the scroll is drawn.
 */
const OVERSCAN = 1;

/** Which cards to put in the DOM, `[first, end)`, and the pixels the rows left out take above and below. */
export interface GridRange {
  first: number;
  end: number;
  before: number;
  after: number;
}

/**
 * `base/row-window.ts` for a wrapping grid in the page's own scroll: with
 * 1,000 cards, only the rows that intersect the viewport (plus one) are in
 * the DOM, and the grid's padding stands in for the others. Laying out a grid
 * of 1,000 cards took 200–350 ms a frame; a dozen cost next to nothing.
 *
 * Columns, row height and the grid's place in the viewport are read when
 * layout is done anyway: on scroll and resize, when the browser reports that
 * the first card changed size, and in the frame after an update (content
 * above may have moved the grid). Never right after an update, which made the
 * browser lay out the page in the middle of the elements' updates. (Not the
 * grid's size: rendering the rows found by measuring changes it, which the
 * observer reports as a loop.)
 */
export class GridWindow implements ReactiveController {
  readonly #host: ReactiveElement;
  readonly #grid: string;
  #columns = 1;
  /** Row height plus gap; a guess until measured. */
  #pitch = 160;
  #firstRow = 0;
  #rows = 8;
  #active = false;
  #frame = 0;
  readonly #measure = (): void => {
    this.#frame = 0;
    const card = this.#card;
    const grid = card?.parentElement;
    if (!grid || !card.isConnected) return;
    const style = getComputedStyle(grid);
    const columns = Math.max(1, style.gridTemplateColumns.split(' ').length);
    const pitch = card.offsetHeight + (Number.parseFloat(style.rowGap) || 0);
    const top = grid.getBoundingClientRect().top;
    // The rows between the viewport's top and bottom edges (just one while the grid is out of view).
    const firstRow = Math.max(0, Math.floor(-top / pitch) - OVERSCAN);
    const rows = Math.max(1, Math.ceil((innerHeight - top) / pitch) + OVERSCAN - firstRow);
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
  };
  readonly #resized = new ResizeObserver(this.#measure);
  /** The first card, being observed. */
  #card: HTMLElement | null = null;

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
    addEventListener('scroll', this.#measure, { capture: true, passive: true });
    addEventListener('resize', this.#measure);
  }

  hostDisconnected(): void {
    removeEventListener('scroll', this.#measure, { capture: true });
    removeEventListener('resize', this.#measure);
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#resized.disconnect();
    this.#card = null;
  }

  hostUpdated(): void {
    const card = this.#active ? this.#host.renderRoot.querySelector<HTMLElement>(`${this.#grid} > *`) : null;
    this.#frame ||= card ? requestAnimationFrame(this.#measure) : 0;
    if (card === this.#card) return;
    // A new card: observing it reports its size after the next layout.
    this.#resized.disconnect();
    if (card) this.#resized.observe(card);
    this.#card = card;
  }
}
