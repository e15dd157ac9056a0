/**
 * A fixed window per key: at most `max` hits per `windowMs`. Kept per instance
 * (a burst spread over instances gets each instance's allowance); keys are
 * token labels, few, so the map stays small.
 */
export function createRateLimit(options: { max: number; windowMs: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; hits: number }>();
  return {
    /** Counts a hit for `key`; returns 0 when allowed, else the seconds until the window resets. */
    hit(key: string): number {
      const time = now();
      let window = windows.get(key);
      if (!window || time - window.start >= options.windowMs) {
        window = { start: time, hits: 0 };
        windows.set(key, window);
      }
      if (window.hits >= options.max)
        return Math.max(1, Math.ceil((window.start + options.windowMs - time) / 1000));
      window.hits++;
      return 0;
    },
  };
}
