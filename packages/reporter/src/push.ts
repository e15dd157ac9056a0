import type { HeartbeatBody, ResourceReport } from '@pulseboard/protocol';

/** How often a reporter sends pushed changes at most: one request per this many ms. */
export const PUSH_GAP_MS = 100;

/**
 * `next` over `into`, field by field: the latest value of each metric, queue
 * stat and status wins, resources merge by id. What a server does with two
 * partial heartbeats in a row, done before sending them as one.
 */
export function mergeHeartbeat(into: HeartbeatBody, next: HeartbeatBody): HeartbeatBody {
  const merged: HeartbeatBody = { ...into };
  if (next.status !== undefined) merged.status = next.status;
  if (next.metrics) merged.metrics = { ...into.metrics, ...next.metrics };
  if (next.queueStats) merged.queueStats = { ...into.queueStats, ...next.queueStats };
  if (next.resources) {
    const byId = new Map<string, ResourceReport>((into.resources ?? []).map((r) => [r.id, r]));
    for (const report of next.resources) byId.set(report.id, { ...byId.get(report.id), ...report });
    merged.resources = [...byId.values()];
  }
  return merged;
}

export interface Coalescer {
  /** Asks for a send: at once after a quiet spell, else `gapMs` after the previous one started. */
  schedule(): void;
  /** Cancels a scheduled send and waits for the one on its way. */
  stop(): Promise<void>;
}

/** At most one `send` per `gapMs` and one at a time; what is asked for meanwhile goes with the next. */
export function coalesce(
  send: () => Promise<void>,
  gapMs: number,
  onError: (error: unknown) => void,
): Coalescer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let sentAt = Number.NEGATIVE_INFINITY;

  function schedule(): void {
    if (stopped || timer) return;
    if (sending) {
      again = true;
      return;
    }
    timer = setTimeout(run, Math.max(0, sentAt + gapMs - Date.now()));
  }

  function run(): void {
    timer = undefined;
    sentAt = Date.now();
    sending = send()
      .catch(onError)
      .finally(() => {
        sending = undefined;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  return {
    schedule,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await sending;
    },
  };
}
