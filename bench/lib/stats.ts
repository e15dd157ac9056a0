/** Latency histogram with 0.1 ms buckets up to 10 s: cheap to fill in a hot loop and to merge across processes. */
const RESOLUTION = 10;
const BUCKETS = 100_001;

export type SparseHist = [bucket: number, count: number][];

export class Hist {
  private counts = new Uint32Array(BUCKETS);
  n = 0;

  add(ms: number): void {
    const b = ms <= 0 ? 0 : Math.min(BUCKETS - 1, Math.round(ms * RESOLUTION));
    this.counts[b]!++;
    this.n++;
  }

  addSparse(sparse: SparseHist): void {
    for (const [b, c] of sparse) {
      this.counts[b]! += c;
      this.n += c;
    }
  }

  toSparse(): SparseHist {
    const out: SparseHist = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b]) out.push([b, this.counts[b]!]);
    return out;
  }

  /** p in 0..100; NaN when empty. */
  percentile(p: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return b / RESOLUTION;
    }
    return (BUCKETS - 1) / RESOLUTION;
  }
}

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function percentileOf(values: number[], p: number): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
}

/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
