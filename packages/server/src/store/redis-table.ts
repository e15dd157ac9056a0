import type { LogEntry } from '@pulseboard/protocol';
import { guard, type RedisClient } from './redis-client.js';
import type { CompareAndSetResult } from './redis-scripts.js';
import {
  type Change,
  type LogStore,
  type RowLimit,
  type Table,
  TableFullError,
  type TimedTable,
} from './types.js';

/**
 * Optimistic updates retry on conflict; this many conflicts in a row on one
 * key means something is badly wrong rather than busy.
 */
const MAX_ATTEMPTS = 100;

/**
 * A Table as one hash of JSON values. `update` reads, runs `fn`, and writes
 * with a compare-and-set script that succeeds only if the value is still the
 * one `fn` saw; otherwise it reads again and reruns `fn`. So of two instances
 * making the same transition, exactly one gets a change back.
 */
export class RedisTable<T> implements Table<T> {
  protected readonly client: RedisClient;
  protected readonly key: string;
  protected readonly limit: RowLimit | undefined;

  constructor(client: RedisClient, key: string, limit?: RowLimit) {
    this.client = client;
    this.key = key;
    this.limit = limit;
  }

  async get(id: string): Promise<T | undefined> {
    const raw = await guard(this.client.hGet(this.key, id));
    return raw == null ? undefined : (JSON.parse(raw) as T);
  }

  async list(): Promise<T[]> {
    const values = await guard(this.client.hVals(this.key));
    return values.map((raw) => JSON.parse(raw) as T);
  }

  async size(): Promise<number> {
    return guard(this.client.hLen(this.key));
  }

  async update(id: string, fn: (current: T | undefined) => T | undefined): Promise<Change<T>> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = (await guard(this.client.hGet(this.key, id))) ?? '';
      const before = raw === '' ? undefined : (JSON.parse(raw) as T);
      const after = fn(before);
      if (after === before) return { before, after };
      const next = after === undefined ? '' : JSON.stringify(after);
      const result = await guard(this.write(id, raw, next, after));
      if (result === 'full') throw new TableFullError(this.limit as RowLimit);
      if (result === 'written') return { before, after };
    }
    throw new Error(`Gave up updating ${this.key} ${id} after ${MAX_ATTEMPTS} conflicting writes`);
  }

  /** The compare-and-set, which also holds the row limit. */
  protected write(
    id: string,
    expected: string,
    next: string,
    _after: T | undefined,
  ): Promise<CompareAndSetResult> {
    return this.client.compareAndSetField(this.key, id, expected, next, this.limit?.max ?? 0);
  }
}

/** A RedisTable plus a sorted set of each row's time, written by the same compare-and-set script. */
export class RedisTimedTable<T> extends RedisTable<T> implements TimedTable<T> {
  readonly #indexKey: string;
  readonly #timeOf: (row: T) => number;

  constructor(
    client: RedisClient,
    key: string,
    indexKey: string,
    timeOf: (row: T) => number,
    limit?: RowLimit,
  ) {
    super(client, key, limit);
    this.#indexKey = indexKey;
    this.#timeOf = timeOf;
  }

  async due(time: number): Promise<T[]> {
    const ids = await guard(this.client.zRangeByScore(this.#indexKey, '-inf', time));
    if (ids.length === 0) return [];
    // Not atomic with the range: a row rewritten or deleted in between is re-checked by the caller's update anyway.
    const values = await guard(this.client.hmGet(this.key, ids));
    return values.flatMap((raw) => (raw == null ? [] : [JSON.parse(raw) as T]));
  }

  protected override write(
    id: string,
    expected: string,
    next: string,
    after: T | undefined,
  ): Promise<CompareAndSetResult> {
    const score = after === undefined ? 0 : this.#timeOf(after);
    return this.client.compareAndSetField(this.key, id, expected, next, this.limit?.max ?? 0, {
      key: this.#indexKey,
      score,
    });
  }
}

/** Recent log lines as a list capped at `capacity`, pushed and trimmed in one transaction. */
export class RedisLogStore implements LogStore {
  readonly #client: RedisClient;
  readonly #key: string;
  readonly #capacity: number;

  constructor(client: RedisClient, key: string, capacity: number) {
    this.#client = client;
    this.#key = key;
    this.#capacity = capacity;
  }

  async append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0 || this.#capacity === 0) return;
    await guard(
      this.#client
        .multi()
        .rPush(
          this.#key,
          entries.map((entry) => JSON.stringify(entry)),
        )
        .lTrim(this.#key, -this.#capacity, -1)
        .exec(),
    );
  }

  async recent(): Promise<LogEntry[]> {
    const values = await guard(this.#client.lRange(this.#key, 0, -1));
    return values.map((raw) => JSON.parse(raw) as LogEntry);
  }
}
