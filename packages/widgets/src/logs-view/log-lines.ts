import type { LineList, LogLine } from '../store/types.js';

/**
 * A list that loses items at its front: they are dropped from the array in
 * batches (once 1,024 of them, or as many as are left), because `splice(0, n)`
 * moves every item of a large V8 array: 0.4 ms at 100,000, on every event.
 */
class Tail<T> {
  items: T[] = [];
  /** Items before this index are gone. */
  #from = 0;

  get size(): number {
    return this.items.length - this.#from;
  }

  at(i: number): T | undefined {
    return this.items[this.#from + i];
  }

  drop(n: number): void {
    this.#from += n;
    if (this.#from >= Math.min(1024, this.size)) {
      this.items = this.items.slice(this.#from);
      this.#from = 0;
    }
  }

  slice(start = 0, end = this.size): T[] {
    return this.items.slice(this.#from + start, this.#from + end);
  }
}

/**
 * The store's lines that `<logs-view>`'s filters let through.
 *
 * At 100,000 lines and 1,000 new ones a second, filtering every line on
 * every render was the cost of a frame. The filtered view is kept instead:
 * while the filters are the same, a render only drops the lines gone since
 * from the front (seqs only grow) and tests the lines that arrived since; a
 * changed filter, or a window that reaches further back, filters everything
 * once.
 */
export class FilteredLines {
  #view = new Tail<LogLine>();
  #key = '';
  /** The first seq in the window last time; a window starting before it was not all tested. */
  #first = Number.POSITIVE_INFINITY;
  /** Every line up to this seq has been tested for the view. */
  #tested = 0;

  /**
   * Brings the view up to date with the newest `capacity` of `lines` (whose
   * seqs are consecutive) and returns how many it holds: those `keep` lets
   * through, oldest first. `key` names the filter `keep` applies: the same key
   * must mean the same filter.
   */
  filter(lines: LineList, capacity: number, key: string, keep: (line: LogLine) => boolean): number {
    const offset = Math.max(0, lines.size - Math.max(0, capacity));
    const first = lines.at(offset)?.seq ?? Number.POSITIVE_INFINITY;
    if (key !== this.#key || first < this.#first) {
      this.#key = key;
      this.#view = new Tail();
      this.#tested = 0;
    }
    this.#first = first;
    const view = this.#view;
    let gone = 0;
    while (gone < view.size && view.at(gone)!.seq < first) gone++;
    view.drop(gone);
    const last = lines.at(lines.size - 1)?.seq ?? 0;
    for (let seq = Math.max(first, this.#tested + 1); seq <= last; seq++) {
      const line = lines.at(offset + seq - first)!;
      if (keep(line)) view.items.push(line);
    }
    this.#tested = Math.max(this.#tested, last);
    return view.size;
  }

  /** Lines `[start, end)` of the view as the last `filter()` left it. */
  shown(start: number, end: number): LogLine[] {
    return this.#view.slice(start, end);
  }
}
