import type { BatchItemFailure } from '@pulseboard/protocol';
import { ReporterError } from './http.js';

/** One call waiting in a batch: what it asks for, and how its promise settles. */
export interface Queued<T> {
  value: T;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Calls made in the same turn, handed to `send` together (which settles each): 1,000 workers
 * registered, or deregistered, in one request rather than 1,000. A value asked for twice in a turn
 * is sent once and both calls share its outcome: two heartbeat batches answered `unknown_worker`
 * for the same worker register it once, as a batch may not name a worker twice.
 */
export function sameTurn<T>(send: (batch: Queued<T>[]) => Promise<void>): (value: T) => Promise<void> {
  // In the order asked (a Map keeps it), each value with the promise every call for it shares.
  let batch = new Map<T, { queued: Queued<T>; settled: Promise<void> }>();
  return (value) => {
    let asked = batch.get(value);
    if (!asked) {
      if (batch.size === 0)
        setTimeout(() => {
          const sending = [...batch.values()].map((entry) => entry.queued);
          batch = new Map();
          void send(sending);
        }, 0);
      let queued!: Queued<T>;
      const settled = new Promise<void>((resolve, reject) => (queued = { value, resolve, reject }));
      asked = { queued, settled };
      batch.set(value, asked);
    }
    return asked.settled;
  };
}

/**
 * Settles each of `batch` (worker ids) with its item's answer, in order; `what` names the request in an error.
 * A failure coded in `fine` settles as done (a deregistration of a worker already gone).
 */
export function settle(
  batch: Queued<string>[],
  results: ({ ok: true } | BatchItemFailure)[],
  what: string,
  fine: readonly string[] = [],
): void {
  results.forEach((result, index) => {
    const entry = batch[index];
    if (!entry) return;
    if (result.ok || fine.includes(result.error.code)) entry.resolve();
    else
      entry.reject(
        new ReporterError(
          `${what} of ${entry.value}: ${result.error.code} ${result.error.message}`,
          null,
          result.error.code,
        ),
      );
  });
}
