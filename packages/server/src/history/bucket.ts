import type { HistoryRule } from '@pulseboard/protocol';

/** What a field keeps while its bucket is open: a running sum (avg), the peak (max) or the newest (last). */
const AVG = 0;
const MAX = 1;
const LAST = 2;
const CODES: Record<HistoryRule, number> = { avg: AVG, max: MAX, last: LAST };

/** The rules of a series' fields, in field order, as the codes Bucket reads. */
export const ruleCodes = (rules: Record<string, HistoryRule>): Uint8Array =>
  Uint8Array.from(Object.values(rules), (rule) => CODES[rule]);

/** One series' open bucket: its samples folded field by field, as `rules` say. */
export class Bucket {
  readonly #rules: Uint8Array;
  readonly #values: Float64Array;
  readonly #counts: Uint32Array;

  constructor(rules: Uint8Array) {
    this.#rules = rules;
    this.#values = new Float64Array(rules.length);
    this.#counts = new Uint32Array(rules.length);
  }

  get width(): number {
    return this.#rules.length;
  }

  /** A sample, one value per field; NaN (or anything not finite) for a field it does not have. */
  add(sample: ArrayLike<number>): void {
    for (let i = 0; i < this.#rules.length; i++) {
      const value = sample[i] as number;
      if (!Number.isFinite(value)) continue;
      const n = this.#counts[i] as number;
      const rule = this.#rules[i];
      const current = this.#values[i] as number;
      this.#values[i] =
        n === 0 || rule === LAST ? value : rule === MAX ? Math.max(current, value) : current + value;
      this.#counts[i] = n + 1;
    }
  }

  /** The bucket's value per field: NaN for a field without a sample. */
  result(): Float64Array {
    const out = new Float64Array(this.#rules.length);
    for (let i = 0; i < out.length; i++) {
      const n = this.#counts[i] as number;
      const value = this.#values[i] as number;
      out[i] = n === 0 ? Number.NaN : this.#rules[i] === AVG ? value / n : value;
    }
    return out;
  }
}
