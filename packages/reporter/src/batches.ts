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
 * registered, or deregistered, in one request rather than 1,000.
 */
export function sameTurn<T>(send: (batch: Queued<T>[]) => Promise<void>): (value: T) => Promise<void> {
  let queued: Queued<T>[] = [];
  return (value) =>
    new Promise((resolve, reject) => {
      if (queued.length === 0)
        setTimeout(() => {
          const batch = queued;
          queued = [];
          void send(batch);
        }, 0);
      queued.push({ value, resolve, reject });
    });
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
