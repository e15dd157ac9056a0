import { type LogEntry, parseEventId } from '@pulseboard/protocol';
import { type AnyLoggedEvent, createLoggedEvent, type LoggedEventInput, retainedEvent } from '../events.js';
import { MemoryActionStore } from './memory-actions.js';
import { MemoryHistoryStore } from './memory-history.js';
import {
  type Change,
  type ChangeEvents,
  type EventLog,
  type GroupedTable,
  type Groupings,
  type LiveListener,
  type LogStore,
  type RegistryLimits,
  type RegistryStore,
  type RowLimit,
  rowLimits,
  type Storage,
  type StoredWorker,
  type Table,
  TableFullError,
  WORKER_GROUPINGS,
} from './types.js';

type Append = (input: LoggedEventInput) => Promise<unknown>;

/**
 * Logs `inputs` in this tick, so nothing can come between them and the write they describe. Most
 * writes (a heartbeat that changes no status) log nothing: no promise for them.
 */
function logAll(append: Append, inputs: readonly LoggedEventInput[]): Promise<unknown> | undefined {
  return inputs.length ? Promise.all(inputs.map(append)) : undefined;
}

class MemoryTable<T> implements Table<T> {
  protected readonly rows = new Map<string, T>();
  readonly #append: Append;
  readonly #limit: RowLimit | undefined;

  constructor(append: Append, limit?: RowLimit) {
    this.#append = append;
    this.#limit = limit;
  }

  async get(id: string): Promise<T | undefined> {
    return this.rows.get(id);
  }

  async many(ids: readonly string[]): Promise<(T | undefined)[]> {
    return ids.map((id) => this.rows.get(id));
  }

  async list(): Promise<T[]> {
    return [...this.rows.values()];
  }

  async size(): Promise<number> {
    return this.rows.size;
  }

  async update(
    id: string,
    fn: (current: T | undefined) => T | undefined,
    events?: ChangeEvents<T>,
  ): Promise<Change<T>> {
    const before = this.rows.get(id);
    const after = fn(before);
    const logged = after === before ? undefined : this.#write(id, before, after, events);
    if (logged) await logged;
    return { before, after };
  }

  async updateExisting(
    ids: readonly string[],
    fn: (current: T, i: number) => T | undefined,
    events?: ChangeEvents<T>,
  ): Promise<Change<T>[]> {
    const changes: Change<T>[] = new Array(ids.length);
    // Made only when a write logs events (a status change): most heartbeats log none.
    let logged: Promise<unknown>[] | undefined;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const before = this.rows.get(id);
      const after = before === undefined ? undefined : fn(before, i);
      changes[i] = { before, after };
      const log = after === before ? undefined : this.#write(id, before, after, events);
      if (!log) continue;
      if (logged) logged.push(log);
      else logged = [log];
    }
    if (logged) await Promise.all(logged);
    return changes;
  }

  /** Stores a changed row and logs its events, in this tick; what to wait for, when they log any. */
  #write(
    id: string,
    before: T | undefined,
    after: T | undefined,
    events: ChangeEvents<T> | undefined,
  ): Promise<unknown> | undefined {
    if (after === undefined) this.rows.delete(id);
    else {
      if (before === undefined && this.#limit && this.rows.size >= this.#limit.max) {
        throw new TableFullError(this.#limit);
      }
      this.rows.set(id, after);
    }
    this.changed(id, before, after);
    return events && logAll(this.#append, events(before, after));
  }

  /** Runs for every row stored or deleted, in the same tick. */
  protected changed(_id: string, _before: T | undefined, _after: T | undefined): void {}
}

interface HeapEntry {
  time: number;
  id: string;
}

/** A binary min-heap by time. */
class TimeHeap {
  #items: HeapEntry[] = [];

  get length(): number {
    return this.#items.length;
  }

  peek(): HeapEntry | undefined {
    return this.#items[0];
  }

  push(entry: HeapEntry): void {
    const items = this.#items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as HeapEntry).time <= entry.time) break;
      items[i] = items[parent] as HeapEntry;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): HeapEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as HeapEntry).time < (items[left] as HeapEntry).time
          ? right
          : left;
      if ((items[child] as HeapEntry).time >= last.time) break;
      items[i] = items[child] as HeapEntry;
      i = child;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.#items = [];
  }
}

/**
 * A heap of (time, id) beside the rows, with at most one live entry per row,
 * at or before the row's time. A rewrite that moves a row's time later (a
 * heartbeat) touches no heap: the entry is moved to the row's time when it
 * surfaces. One that moves it earlier pushes a new entry and supersedes the
 * old, which is dropped when it surfaces. So a sweep touches only rows whose
 * entry is due, and a heartbeat costs one map read. And the ids of each
 * group of each grouping, kept with every write.
 */
class MemoryTimedTable<T, K extends string> extends MemoryTable<T> implements GroupedTable<T, K> {
  readonly #timeOf: (row: T) => number;
  readonly #groupings: [K, (row: T) => string | null][];
  readonly #heap = new TimeHeap();
  /** The time of each row's live entry. */
  readonly #queued = new Map<string, number>();
  /** Per grouping, the ids of each group. */
  readonly #groups = new Map<K, Map<string, Set<string>>>();

  constructor(
    append: Append,
    index: { timeOf: (row: T) => number; groupings: Groupings<T, K> },
    limit?: RowLimit,
  ) {
    super(append, limit);
    this.#timeOf = index.timeOf;
    this.#groupings = Object.entries(index.groupings) as [K, (row: T) => string | null][];
    for (const [grouping] of this.#groupings) this.#groups.set(grouping, new Map());
  }

  async inGroup(grouping: K, group: string): Promise<T[]> {
    return [...(this.#groups.get(grouping)?.get(group) ?? [])].map((id) => this.rows.get(id) as T);
  }

  async due(time: number): Promise<T[]> {
    const due: T[] = [];
    const requeue: HeapEntry[] = [];
    for (let top = this.#heap.peek(); top && top.time <= time; top = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#queued.get(top.id) !== top.time) continue;
      const row = this.rows.get(top.id);
      if (row === undefined) {
        this.#queued.delete(top.id);
        continue;
      }
      // Requeued at the row's time; one still due stays due until someone rewrites it.
      const rowTime = this.#timeOf(row);
      requeue.push({ time: rowTime, id: top.id });
      this.#queued.set(top.id, rowTime);
      if (rowTime <= time) due.push(row);
    }
    for (const entry of requeue) this.#heap.push(entry);
    return due.sort((a, b) => this.#timeOf(a) - this.#timeOf(b));
  }

  protected override changed(id: string, before: T | undefined, after: T | undefined): void {
    for (const [grouping, groupOf] of this.#groupings) {
      const from = before === undefined ? null : groupOf(before);
      const to = after === undefined ? null : groupOf(after);
      if (from === to) continue;
      const groups = this.#groups.get(grouping) as Map<string, Set<string>>;
      const left = from === null ? undefined : groups.get(from);
      left?.delete(id);
      if (left?.size === 0) groups.delete(from as string);
      if (to !== null) groups.set(to, (groups.get(to) ?? new Set()).add(id));
    }
    if (after === undefined) return;
    const time = this.#timeOf(after);
    const queued = this.#queued.get(id);
    if (queued !== undefined && queued <= time) return;
    this.#heap.push({ time, id });
    this.#queued.set(id, time);
    // Superseded entries of rows that keep moving earlier would pile up: rebuild once they outnumber the rows.
    if (this.#heap.length > 2 * this.rows.size + 64) {
      this.#heap.clear();
      this.#queued.clear();
      for (const [rowId, value] of this.rows) {
        const rowTime = this.#timeOf(value);
        this.#heap.push({ time: rowTime, id: rowId });
        this.#queued.set(rowId, rowTime);
      }
    }
  }
}

/** Fixed-capacity ring, oldest first. */
class Ring<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Adds `item` as the newest; returns the oldest when it had to make room for it. */
  push(item: T): T | undefined {
    if (this.capacity === 0) return undefined;
    const end = (this.#start + this.#length) % this.capacity;
    const evicted = this.#items[end];
    this.#items[end] = item;
    if (this.#length < this.capacity) {
      this.#length++;
      return undefined;
    }
    this.#start = (this.#start + 1) % this.capacity;
    return evicted;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const oldest = this.#items[this.#start];
    // Cleared so the ring does not keep it alive.
    this.#items[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.capacity;
    this.#length--;
    return oldest;
  }

  /** Items from logical index `from` (0 = oldest) to the newest. */
  slice(from = 0): T[] {
    const out: T[] = [];
    for (let i = Math.max(0, from); i < this.#length; i++)
      out.push(this.#items[(this.#start + i) % this.capacity] as T);
    return out;
  }
}

class MemoryLogStore implements LogStore {
  readonly #ring: Ring<LogEntry>;
  readonly #append: Append;

  constructor(capacity: number, append: Append) {
    this.#ring = new Ring(capacity);
    this.#append = append;
  }

  async append(entries: readonly LogEntry[], events: readonly LoggedEventInput[] = []): Promise<void> {
    for (const entry of entries) this.#ring.push(entry);
    await logAll(this.#append, events);
  }

  async recent(): Promise<LogEntry[]> {
    return this.#ring.slice();
  }
}

/** A registry whose writes log their events in `eventLog`. */
export function createMemoryRegistryStore(
  options: { recentLogs: number; eventLog: Pick<EventLog, 'append'> } & RegistryLimits,
): RegistryStore {
  const limits = rowLimits(options);
  const append: Append = (input) => options.eventLog.append(input);
  return {
    workers: new MemoryTimedTable(
      append,
      { timeOf: (row: StoredWorker) => row.dueAt, groupings: WORKER_GROUPINGS },
      limits.workers,
    ),
    resources: new MemoryTable(append, limits.resources),
    logs: new MemoryLogStore(options.recentLogs, append),
    deadLetters: new MemoryTable(append),
  };
}

/**
 * Ids are `<boot ms>-<seq>` with a gapless seq, so the position of an id in
 * the ring is arithmetic; `<boot ms>-0` is the id of "nothing yet".
 */
class MemoryEventLog implements EventLog {
  readonly #ring: Ring<AnyLoggedEvent>;
  readonly #maxBytes: number;
  /** The frames' bytes in the ring: with a thousand workers a `metrics_update` is ~20 KB, and 10,000 of them ~200 MB. */
  #bytes = 0;
  readonly #listeners = new Set<LiveListener>();
  readonly #boot: number;
  #seq = 0;

  constructor(capacity: number, maxBytes: number, boot: number) {
    this.#ring = new Ring(capacity);
    this.#maxBytes = maxBytes;
    this.#boot = boot;
  }

  async append(input: LoggedEventInput): Promise<AnyLoggedEvent> {
    const event = createLoggedEvent(`${this.#boot}-${++this.#seq}`, input);
    this.#bytes += event.frame.length - (this.#ring.push(retainedEvent(event))?.frame.length ?? 0);
    // The newest event stays even when it alone is over the limit: a client just behind it still resumes.
    while (this.#bytes > this.#maxBytes && this.#ring.length > 1)
      this.#bytes -= this.#ring.shift()?.frame.length ?? 0;
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  async latestId(): Promise<string> {
    return `${this.#boot}-${this.#seq}`;
  }

  async since(id: string): Promise<AnyLoggedEvent[] | 'resync'> {
    const parsed = parseEventId(id);
    if (!parsed || parsed.ms !== this.#boot || parsed.epoch) return 'resync';
    const oldestSeq = this.#seq - this.#ring.length + 1;
    // Resumable from the event just before the oldest retained one up to the latest.
    if (parsed.seq < oldestSeq - 1 || parsed.seq > this.#seq) {
      return 'resync';
    }
    return this.#ring.slice(parsed.seq - oldestSeq + 1);
  }

  subscribe(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The in-memory log never drops an event, so its `append` always resolves to one. */
export function createMemoryEventLog(options: {
  /** Events kept for replay. */
  capacity: number;
  /** And at most this many bytes of their frames; the oldest go first (default: no limit). */
  maxBytes?: number;
  boot?: number;
}): Omit<EventLog, 'append'> & { append(input: LoggedEventInput): Promise<AnyLoggedEvent> } {
  return new MemoryEventLog(options.capacity, options.maxBytes ?? Infinity, options.boot ?? Date.now());
}

/** The default storage: one process, nothing to connect to, always available. */
export function createMemoryStorage(
  options: {
    replayWindow: number;
    replayWindowBytes?: number;
    recentLogs: number;
  } & RegistryLimits,
): Storage {
  const eventLog = createMemoryEventLog({
    capacity: options.replayWindow,
    maxBytes: options.replayWindowBytes,
  });
  const since = Date.now();
  return {
    store: createMemoryRegistryStore({ ...options, eventLog }),
    eventLog,
    history: new MemoryHistoryStore(),
    actions: new MemoryActionStore((input) => eventLog.append(input)),
    status: () => ({ backend: 'memory', ok: true }),
    reachable: () => ({ since, afterOutage: false }),
    // Memory goes only with the process.
    onDataLost: () => () => {},
    close: async () => {},
  };
}
