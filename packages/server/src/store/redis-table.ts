import type { LogEntry } from '@pulseboard/protocol';
import { guard, type RedisClient } from './redis-client.js';
import type { Change, LogStore, Table } from './types.js';

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
  readonly #client: RedisClient;
  readonly #key: string;

  constructor(client: RedisClient, key: string) {
    this.#client = client;
    this.#key = key;
  }

  async get(id: string): Promise<T | undefined> {
    const raw = await guard(this.#client.hGet(this.#key, id));
    return raw == null ? undefined : (JSON.parse(raw) as T);
  }

  async list(): Promise<T[]> {
    const values = await guard(this.#client.hVals(this.#key));
    return values.map((raw) => JSON.parse(raw) as T);
  }

  async size(): Promise<number> {
    return guard(this.#client.hLen(this.#key));
  }

  async update(id: string, fn: (current: T | undefined) => T | undefined): Promise<Change<T>> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = (await guard(this.#client.hGet(this.#key, id))) ?? '';
      const before = raw === '' ? undefined : (JSON.parse(raw) as T);
      const after = fn(before);
      if (after === before) return { before, after };
      const next = after === undefined ? '' : JSON.stringify(after);
      if (await guard(this.#client.compareAndSetField(this.#key, id, raw, next))) return { before, after };
    }
    throw new Error(`Gave up updating ${this.#key} ${id} after ${MAX_ATTEMPTS} conflicting writes`);
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
