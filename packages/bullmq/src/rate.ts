/**
 * Jobs completed per second over a sliding window, from the `completed` events
 * as they arrive: counted per second-wide bucket, so 10,000 completions a
 * second cost one number each, not one timestamp each.
 */
export interface RateWindow {
  record(at: number): void;
  /** Completions in the window ending at `now`, per second (over the time watched, while shorter). */
  perSec(now: number): number;
}

export function createRateWindow(windowMs: number, startedAt: number): RateWindow {
  const buckets = new Map<number, number>();
  const bucketOf = (at: number) => Math.floor(at / 1000);
  return {
    record(at) {
      const bucket = bucketOf(at);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    },
    perSec(now) {
      const oldest = bucketOf(now - windowMs);
      let total = 0;
      for (const [bucket, count] of buckets) {
        if (bucket <= oldest) buckets.delete(bucket);
        else total += count;
      }
      const spanMs = Math.min(windowMs, Math.max(1000, now - startedAt));
      // Two decimals: the dashboard shows no more, and a steady rate then repeats exactly, so no push.
      return Math.round((total / spanMs) * 100_000) / 100;
    },
  };
}
