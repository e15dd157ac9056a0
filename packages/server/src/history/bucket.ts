import type { HistoryRule } from '@pulseboard/protocol';

/** What a field keeps while its bucket is open: a running sum (avg), the peak (max) or the newest (last). */
const AVG = 0;
const MAX = 1;
const LAST = 2;
const CODES: Record<HistoryRule, number> = { avg: AVG, max: MAX, last: LAST };

/** The rules of a series' fields, in field order, as the codes Bucket reads. */
export const ruleCodes = (rules: Record<string, HistoryRule>): Uint8Array =>
  Uint8Array.from(Object.values(rules), (rule) => CODES[rule]);

/**
 * One series' open bucket: its samples folded field by field, as `rules` say.
 * Reused from bucket to bucket (`drain` empties it), so 10,000 workers do not
 * allocate 10,000 of these every 10 s.
 */
export class Bucket {
  readonly #rules: Uint8Array;
  /** Per field, its running value, then its sample count. */
  readonly #state: Float64Array;
  #samples = 0;

  constructor(rules: Uint8Array) {
    this.#rules = rules;
    this.#state = new Float64Array(rules.length * 2);
  }

  get width(): number {
    return this.#rules.length;
  }

  get empty(): boolean {
    return this.#samples === 0;
  }

  /** A sample, one value per field; NaN (or anything not finite) for a field it does not have. */
  add(sample: ArrayLike<number>): void {
    const width = this.#rules.length;
    const state = this.#state;
    for (let i = 0; i < width; i++) {
      const value = sample[i] as number;
      if (!Number.isFinite(value)) continue;
      const n = state[width + i] as number;
      const rule = this.#rules[i];
      const current = state[i] as number;
      state[i] = n === 0 || rule === LAST ? value : rule === MAX ? Math.max(current, value) : current + value;
      state[width + i] = n + 1;
    }
    this.#samples++;
  }

  /** Writes the bucket's value per field into `out` (NaN for a field without a sample) and empties it. */
  drain(out: Float64Array): void {
    const width = this.#rules.length;
    const state = this.#state;
    for (let i = 0; i < width; i++) {
      const n = state[width + i] as number;
      const value = state[i] as number;
      out[i] = n === 0 ? Number.NaN : this.#rules[i] === AVG ? value / n : value;
    }
    state.fill(0);
    this.#samples = 0;
  }
}
