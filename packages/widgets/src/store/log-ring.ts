import type { LogEntry } from '@pulseboard/protocol';

/**
 * An immutable, bounded list of log entries (or lines, or a worker's samples) with amortised O(1) append.
 *
 * Each instance is a window `[start, end)` over a shared backing array whose
 * slots are never rewritten once inside some window, so older instances stay
 * valid while newer ones append past their end. Copying happens only when the
 * dead prefix outgrows the capacity (amortised) or when an old instance is
 * appended to a second time (a branch). At 100,000 lines and 1,000 lines/s
 * this keeps appends off the O(capacity) path a copy-per-event array takes.
 */
export class LogRing<T = LogEntry> {
  static empty<T = LogEntry>(capacity: number): LogRing<T> {
    return new LogRing<T>([], 0, 0, Math.max(1, Math.floor(capacity)));
  }

  readonly #buffer: T[];
  readonly #start: number;
  readonly #end: number;
  #array: readonly T[] | undefined;

  private constructor(
    buffer: T[],
    start: number,
    end: number,
    /** Lines kept at most; the oldest go first. */
    readonly capacity: number,
  ) {
    this.#buffer = buffer;
    this.#start = start;
    this.#end = end;
  }

  /** Lines held now. */
  get size(): number {
    return this.#end - this.#start;
  }

  /** The item at `index` (0: the oldest held). */
  at(index: number): T | undefined {
    return index >= 0 && index < this.size ? this.#buffer[this.#start + index] : undefined;
  }

  append(entries: readonly T[]): LogRing<T> {
    const kept = entries.length > this.capacity ? entries.slice(-this.capacity) : entries;
    let buffer = this.#buffer;
    let start = this.#start;
    let end = this.#end;
    // Another instance already wrote past our end, or the dead prefix is as big as
    // the live part may get: start a fresh backing array with only the live lines.
    if (buffer.length !== end || start >= this.capacity) {
      buffer = buffer.slice(Math.max(start, end + kept.length - this.capacity), end);
      start = 0;
      end = buffer.length;
    }
    for (const entry of kept) buffer.push(entry);
    end += kept.length;
    return new LogRing(buffer, Math.max(start, end - this.capacity), end, this.capacity);
  }

  /** The same items with room for `capacity`, keeping the newest that fit. */
  resized(capacity: number): LogRing<T> {
    return capacity === this.capacity ? this : LogRing.empty<T>(capacity).append(this.toArray());
  }

  /** The lines, oldest first; built once per instance, on first read. */
  toArray(): readonly T[] {
    this.#array ??= Object.freeze(this.#buffer.slice(this.#start, this.#end));
    return this.#array;
  }
}
