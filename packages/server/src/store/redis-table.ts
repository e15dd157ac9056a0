import type { LogEntry } from '@pulseboard/protocol';
import type { LoggedEventInput } from '../events.js';
import { guard, type RedisClient } from './redis-client.js';
import type { RedisEventLog } from './redis-event-log.js';
import type { RowIndex } from './redis-scripts.js';
import {
  type Change,
  type ChangeEvents,
  type GroupedTable,
  type Groupings,
  type LogStore,
  type RowLimit,
  type Table,
  TableFullError,
} from './types.js';

/**
 * Optimistic updates retry on conflict; this many conflicts in a row on one
 * key means something is badly wrong rather than busy.
 */
const MAX_ATTEMPTS = 100;

/**
 * A Table as one hash of JSON values. `update` reads, runs `fn`, and writes
 * with a compare-and-set script that succeeds only if the value is still the
 * one `fn` saw, and logs the change's events in the same script; otherwise it
 * reads again and reruns `fn`. So of two instances making the same
 * transition, exactly one gets a change back, and the stream holds the
 * changes of a row in the order they were made.
 */
export class RedisTable<T> implements Table<T> {
  protected readonly client: RedisClient;
  protected readonly key: string;
  readonly #log: RedisEventLog;
  readonly #limit: RowLimit | undefined;

  constructor(client: RedisClient, key: string, log: RedisEventLog, limit?: RowLimit) {
    this.client = client;
    this.key = key;
    this.#log = log;
    this.#limit = limit;
  }

  async get(id: string): Promise<T | undefined> {
    const raw = await guard(this.client.hGet(this.key, id));
    return raw == null ? undefined : (JSON.parse(raw) as T);
  }

  async many(ids: readonly string[]): Promise<(T | undefined)[]> {
    // HMGET with no field is an error.
    if (ids.length === 0) return [];
    const values = await guard(this.client.hmGet(this.key, [...ids]));
    return values.map((raw) => (raw == null ? undefined : (JSON.parse(raw) as T)));
  }

  async list(): Promise<T[]> {
    const values = await guard(this.client.hVals(this.key));
    return values.map((raw) => JSON.parse(raw) as T);
  }

  async size(): Promise<number> {
    return guard(this.client.hLen(this.key));
  }

  async update(
    id: string,
    fn: (current: T | undefined) => T | undefined,
    events?: ChangeEvents<T>,
  ): Promise<Change<T>> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = (await guard(this.client.hGet(this.key, id))) ?? '';
      const before = raw === '' ? undefined : (JSON.parse(raw) as T);
      const after = fn(before);
      if (after === before) return { before, after };
      const write = {
        key: this.key,
        field: id,
        expected: raw,
        next: after === undefined ? '' : JSON.stringify(after),
        maxFields: this.#limit?.max ?? 0,
        index: this.index(before, after),
      };
      const result = await this.#log.commit(
        (history, fields) => this.client.writeField(history, write, fields),
        events?.(before, after) ?? [],
      );
      if (result === 'full') throw new TableFullError(this.#limit as RowLimit);
      if (result !== 'conflict') return { before, after };
    }
    throw new Error(`Gave up updating ${this.key} ${id} after ${MAX_ATTEMPTS} conflicting writes`);
  }

  /**
   * Each row its own compare-and-set, all under way at once (one script for many rows is still to write);
   * a row that could not be written (conflicts without end) answers its error, the others stand.
   */
  updateExisting(
    ids: readonly string[],
    fn: (current: T, i: number) => T | undefined,
    events?: ChangeEvents<T>,
  ): Promise<(Change<T> | Error)[]> {
    return Promise.all(
      ids.map((id, i) =>
        this.update(id, (current) => (current === undefined ? undefined : fn(current, i)), events).catch(
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        ),
      ),
    );
  }

  /** The sorted set written with the row, the row's score in it, and the group sets it leaves and is in. */
  protected index(_before: T | undefined, _after: T | undefined): RowIndex | undefined {
    return undefined;
  }
}

/**
 * A RedisTable plus a sorted set of each row's time and, per grouping, a set of ids per group
 * (`<prefix><grouping>:<group>`), written by the same compare-and-set script.
 */
export class RedisTimedTable<T, K extends string> extends RedisTable<T> implements GroupedTable<T, K> {
  readonly #indexKey: string;
  readonly #timeOf: (row: T) => number;
  readonly #groupPrefix: string;
  readonly #groupings: Groupings<T, K>;
  readonly #groupingList: [K, (row: T) => string | null][];

  constructor(
    client: RedisClient,
    key: string,
    log: RedisEventLog,
    index: { key: string; timeOf: (row: T) => number; groupPrefix: string; groupings: Groupings<T, K> },
    limit?: RowLimit,
  ) {
    super(client, key, log, limit);
    this.#indexKey = index.key;
    this.#timeOf = index.timeOf;
    this.#groupPrefix = index.groupPrefix;
    this.#groupings = index.groupings;
    this.#groupingList = Object.entries(index.groupings) as [K, (row: T) => string | null][];
  }

  async inGroup(grouping: K, group: string): Promise<T[]> {
    const ids = await guard(this.client.sMembers(this.#groupKey(grouping, group)));
    const groupOf = this.#groupings[grouping];
    // Not atomic with the set: a row moved in between is left out here, and its move's event marks its group again.
    return (await this.many(ids)).filter((row): row is T => row !== undefined && groupOf(row) === group);
  }

  #groupKey(grouping: K, group: string): string {
    return `${this.#groupPrefix}${grouping}:${group}`;
  }

  async due(time: number): Promise<T[]> {
    const ids = await guard(this.client.zRangeByScore(this.#indexKey, '-inf', time));
    // Not atomic with the range: a row rewritten or deleted in between is re-checked by the caller's update anyway.
    return (await this.many(ids)).filter((row) => row !== undefined);
  }

  protected override index(before: T | undefined, after: T | undefined): RowIndex {
    const leave: string[] = [];
    const join: string[] = [];
    for (const [grouping, groupOf] of this.#groupingList) {
      const from = before === undefined ? null : groupOf(before);
      const to = after === undefined ? null : groupOf(after);
      if (from !== null && from !== to) leave.push(this.#groupKey(grouping, from));
      // Joined on every write (a no-op when it is in), so rows written before a grouping existed join theirs.
      if (to !== null) join.push(this.#groupKey(grouping, to));
    }
    return { key: this.#indexKey, score: after === undefined ? 0 : this.#timeOf(after), leave, join };
  }
}

/** Recent log lines as a list capped at `capacity`, pushed, trimmed and logged in one script. */
export class RedisLogStore implements LogStore {
  readonly #client: RedisClient;
  readonly #key: string;
  readonly #capacity: number;
  readonly #log: RedisEventLog;

  constructor(client: RedisClient, key: string, capacity: number, log: RedisEventLog) {
    this.#client = client;
    this.#key = key;
    this.#capacity = capacity;
    this.#log = log;
  }

  async append(entries: readonly LogEntry[], events: readonly LoggedEventInput[] = []): Promise<void> {
    const lines = this.#capacity === 0 ? [] : entries.map((entry) => JSON.stringify(entry));
    if (lines.length === 0 && events.length === 0) return;
    const list = { key: this.#key, capacity: this.#capacity, lines };
    await this.#log.commit((history, fields) => this.#client.appendLines(history, list, fields), events);
  }

  async recent(): Promise<LogEntry[]> {
    const values = await guard(this.#client.lRange(this.#key, 0, -1));
    return values.map((raw) => JSON.parse(raw) as LogEntry);
  }
}
