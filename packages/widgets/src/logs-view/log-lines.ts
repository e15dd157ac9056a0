import type { LogLevel } from '@pulseboard/protocol';

/** A line on screen: a worker's log entry, or one synthesized from a registry event. */
export interface LogLine {
  /** Arrival order, unique per element. */
  seq: number;
  at: number;
  level: LogLevel;
  workerId: string;
  workerName: string;
  message: string;
  kind: 'log' | 'event';
}

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
 * The lines `<logs-view>` keeps, and the ones its filters let through.
 *
 * At 100,000 lines and 1,000 new ones a second, filtering the whole buffer on
 * every render was the cost of a frame. The filtered view is kept instead:
 * while the filters are the same, a render only drops the lines trimmed since
 * (at its front, as seqs only grow) and tests the lines that arrived since;
 * a changed filter filters everything once.
 */
export class LogLines {
  /** Oldest first, with consecutive seqs: line `s` is at `s - at(0).seq`. */
  readonly #all = new Tail<LogLine>();
  #seq = 0;
  #view = new Tail<LogLine>();
  #key = '';
  /** The newest line on screen: newer ones wait while the view is held. */
  #shown = 0;
  /** Every line up to this seq has been tested for the view. */
  #tested = 0;

  /** Lines kept, shown or not. */
  get size(): number {
    return this.#all.size;
  }

  /** The lines, oldest first (a copy). */
  get all(): LogLine[] {
    return this.#all.slice();
  }

  /** Numbers and keeps `lines`, then drops the oldest beyond `capacity`. */
  append(lines: readonly LogLine[], capacity: number): void {
    for (const line of lines) {
      line.seq = ++this.#seq;
      this.#all.items.push(line);
    }
    this.trim(capacity);
  }

  trim(capacity: number): void {
    this.#all.drop(Math.max(0, this.#all.size - capacity));
  }

  /**
   * Brings the view up to date and returns how many lines it holds: those
   * `keep` lets through, oldest first; while `held`, none newer than those
   * shown by the last call that was not held. `key` names the filter `keep`
   * applies: the same key must mean the same filter.
   */
  filter(held: boolean, key: string, keep: (line: LogLine) => boolean): number {
    if (!held) this.#shown = this.#seq;
    if (key !== this.#key) {
      this.#key = key;
      this.#view = new Tail();
      this.#tested = 0;
    }
    const all = this.#all;
    const view = this.#view;
    const first = all.at(0)?.seq ?? this.#seq + 1;
    let trimmed = 0;
    while (trimmed < view.size && view.at(trimmed)!.seq < first) trimmed++;
    view.drop(trimmed);
    for (let seq = Math.max(first, this.#tested + 1); seq <= this.#shown; seq++) {
      const line = all.at(seq - first)!;
      if (keep(line)) view.items.push(line);
    }
    this.#tested = this.#shown;
    return view.size;
  }

  /** Lines `[start, end)` of the view as the last `filter()` left it. */
  shown(start: number, end: number): LogLine[] {
    return this.#view.slice(start, end);
  }
}
