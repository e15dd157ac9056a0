interface Series {
  /** The count last seen. */
  last: number;
  /** Errors seen since the worker was first seen (across restarts, which start its count again). */
  total: number;
  /** `total` over time, oldest first; the first is at or before the window's start (or when first seen). */
  samples: { at: number; total: number }[];
  /** The second it is filed under in `#due`, if any. */
  due?: number;
}

/** Samples kept per window: a new one at most every window/60, so a worker costs ~60 whatever its heartbeat. */
const SAMPLES_PER_WINDOW = 60;

/**
 * Errors per minute per worker over a sliding window, from the error count
 * each worker reports (a total since it started): a threshold on the total
 * would stay crossed for good, one on the rate clears when the errors stop.
 * Errors before a worker was first seen do not count: when they happened is
 * unknown.
 */
export class ErrorRates {
  readonly #series = new Map<string, Series>();
  /**
   * Workers by the second in which the window's start passes their second sample: with no new count, a rate
   * changes only then, so a view rates those (see `due`) and not the whole fleet every second.
   */
  readonly #due = new Map<number, Set<string>>();

  /** Records worker `id`'s `count` at `now` and returns its errors per minute over the last `windowMs`. */
  rate(id: string, count: number, now: number, windowMs: number): number {
    let s = this.#series.get(id);
    if (!s) {
      s = { last: count, total: 0, samples: [{ at: now, total: 0 }] };
      this.#series.set(id, s);
    }
    // A count lower than the last: the worker restarted, and counts from 0 again.
    s.total += count >= s.last ? count - s.last : count;
    s.last = count;
    const { samples } = s;
    const newest = samples[samples.length - 1]!;
    // The first sample stays put: it is the baseline until the window has passed it.
    if (samples.length > 1 && now - newest.at < windowMs / SAMPLES_PER_WINDOW) newest.total = s.total;
    else if (s.total !== newest.total) samples.push({ at: now, total: s.total });
    // The newest sample at or before the window's start is its baseline.
    while (samples.length > 1 && samples[1]!.at <= now - windowMs) samples.shift();
    this.#file(id, s, samples[1] && Math.floor((samples[1].at + windowMs) / 1000));
    return ((s.total - samples[0]!.total) * 60_000) / windowMs;
  }

  /**
   * Adds to `ids` the workers whose rate time alone may have changed by `now`, each once (and a few early,
   * whose rate is the same): rating them files them again.
   */
  due(now: number, ids: Set<string>): void {
    for (const [second, set] of this.#due) {
      if (second * 1000 > now) continue;
      // Their `due` still names the second: harmless, as they are no longer filed there.
      for (const id of set) ids.add(id);
      this.#due.delete(second);
    }
  }

  /** Whether some worker's rate may change with time alone (it has errors in the window). */
  get moving(): boolean {
    return this.#due.size > 0;
  }

  /** Forgets worker `id` (gone from the registry). */
  forget(id: string): void {
    const due = this.#series.get(id)?.due;
    if (due !== undefined) this.#due.get(due)?.delete(id);
    this.#series.delete(id);
  }

  /**
   * Files `id` under `second` in `#due` (nowhere when undefined), out of where it was. A second left empty
   * stays until it passes: `moving` may stay true a little longer, and `due` finds nothing there.
   */
  #file(id: string, s: Series, second: number | undefined): void {
    this.#due.get(s.due!)?.delete(id);
    s.due = second;
    if (second !== undefined) this.#due.set(second, (this.#due.get(second) ?? new Set()).add(id));
  }
}
