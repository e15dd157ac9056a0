import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { compareEventIds, type EventId, LOGGED_EVENT_TYPES, parseEventId } from '@pulseboard/protocol';
import { type AnyLoggedEvent, createLoggedEvent, type LoggedEventInput } from '../events.js';
import { guard, type RedisClient } from './redis-client.js';
import type { RawStreamEntry } from './redis-scripts.js';
import { type EventLog, type LiveListener, StorageUnavailableError } from './types.js';

/** How long one XREAD blocks; an idle loop wakes this often, which also notices a dead socket. */
const BLOCK_MS = 2000;
/** Entries per XREAD, so a long backlog after a reconnect is read in bounded chunks. */
const BATCH = 1000;
/** How long `append` and `since` wait for the read loop to pass an id before giving up on it. */
const CATCH_UP_TIMEOUT_MS = 5000;
/** Pause after a failed read, so a command error cannot spin the loop. */
const RETRY_MS = 100;

const LOGGED_TYPES: ReadonlySet<string> = new Set(LOGGED_EVENT_TYPES);

export interface RedisEventLogOptions {
  client: RedisClient;
  /** A connection of its own for the blocking read; the log owns it and closes it. */
  reader: RedisClient;
  key: string;
  /** Key of the lease that makes one instance at a time the publisher of `dashboard_update`. */
  leaseKey: string;
  /** Stream length kept (approximately: `MAXLEN ~` trims whole nodes, so a little more). */
  maxLen: number;
  dashboardIntervalMs: number;
  /** A listener threw or a read failed; the loop carries on. */
  onError: (err: unknown) => void;
}

/** An entry we wrote (`type` and JSON `data`), or null for anything else found in the stream. */
function toEvent(id: string, fields: Record<string, string>): AnyLoggedEvent | null {
  const { type, data } = fields;
  if (!type || !data || !LOGGED_TYPES.has(type)) return null;
  try {
    return createLoggedEvent(id, { type, data: JSON.parse(data) } as LoggedEventInput);
  } catch {
    return null;
  }
}

function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}

/**
 * The event history as one Redis stream; the stream id is the event id on
 * every instance. One blocking XREAD loop per instance feeds the live
 * listeners, in stream order, with every instance's events including its own
 * (so nothing is delivered twice), resuming from the last id it delivered
 * after a reconnect (so nothing is lost).
 */
export class RedisEventLog implements EventLog {
  readonly #options: RedisEventLogOptions;
  readonly #listeners = new Set<LiveListener>();
  readonly #waiters = new Set<{ position: EventId; resolve: (reached: boolean) => void }>();
  /** Identifies this instance as a lease holder. */
  readonly #owner = randomUUID();
  readonly #leaseMs: number;
  #delivered: EventId;
  #deliveredId: string;
  #running = true;
  readonly #loop: Promise<void>;

  /** Starts reading after the newest entry already in the stream. */
  static async open(options: RedisEventLogOptions): Promise<RedisEventLog> {
    const newest = await guard(options.client.xRevRange(options.key, '+', '-', { COUNT: 1 }));
    return new RedisEventLog(options, newest?.[0]?.id ?? '0-0');
  }

  private constructor(options: RedisEventLogOptions, startId: string) {
    this.#options = options;
    // Longer than the interval, so a live publisher keeps it; short enough that a dead one is replaced quickly.
    this.#leaseMs = Math.ceil(options.dashboardIntervalMs * 2.5);
    this.#deliveredId = startId;
    this.#delivered = parseEventId(startId) ?? { ms: 0, seq: 0 };
    this.#loop = this.#read();
  }

  /** True while the read loop's connection is up. */
  get reading(): boolean {
    return this.#options.reader.isReady;
  }

  async append(input: LoggedEventInput): Promise<AnyLoggedEvent | null> {
    const { client, key, leaseKey, maxLen } = this.#options;
    // Every instance computes the periodic dashboard (so each one's error rate and snapshot stay
    // current); the lease lets only one of them log it.
    const owner = input.type === 'dashboard_update' ? this.#owner : '';
    // A publish still in flight when close() gave the lease up must not take it back: the instance is
    // going away, and a lease it re-took would keep the next publisher out for a whole lease period.
    if (owner && !this.#running) return null;
    const data = JSON.stringify(input.data);
    const id = await guard(
      client.appendEvent(key, leaseKey, { maxLen, type: input.type, data, owner, leaseMs: this.#leaseMs }),
    );
    if (id === null) return null;
    const event = createLoggedEvent(id, input);
    // Logged either way; waiting only makes local delivery happen before the caller answers, as in memory.
    await this.#reach(event.position);
    return event;
  }

  /** The newest event delivered here: events after it are still to come on the live feed. */
  async latestId(): Promise<string> {
    return this.#deliveredId;
  }

  async since(id: string): Promise<AnyLoggedEvent[] | 'resync'> {
    const from = parseEventId(id);
    if (!from) return 'resync';
    const entries = (await guard(this.#options.client.entriesAfter(this.#options.key, id))) as
      | RawStreamEntry[]
      | null;
    if (entries === null) return 'resync';
    const events = entries.flatMap(([entryId, flat]) => toEvent(entryId, fieldsOf(flat)) ?? []);
    // The caller queues live events while it replays these; once the loop has passed the last of
    // them, every later event reaches that queue and none of these reaches it after the replay.
    const last = entries.length > 0 ? parseEventId(entries[entries.length - 1]?.[0]) : from;
    if (last && !(await this.#reach(last))) {
      throw new StorageUnavailableError('The live event feed is not keeping up with Redis; retry shortly');
    }
    return events;
  }

  subscribe(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the loop, gives up the dashboard lease, closes the reader. */
  async close(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const waiter of this.#waiters) waiter.resolve(false);
    this.#waiters.clear();
    await guard(this.#options.client.releaseLease(this.#options.leaseKey, this.#owner)).catch(() => {});
    this.#options.reader.destroy();
    await this.#loop;
  }

  async #read(): Promise<void> {
    const { reader, key, onError } = this.#options;
    while (this.#running) {
      try {
        // The reader keeps its offline queue: while Redis is away this read waits for the reconnect.
        const reply = await reader.xRead({ key, id: this.#deliveredId }, { BLOCK: BLOCK_MS, COUNT: BATCH });
        for (const stream of reply ?? []) {
          for (const message of stream.messages ?? []) this.#deliver(message.id, message.message);
        }
        this.#settle();
      } catch (err) {
        if (!this.#running) return;
        onError(err);
        await delay(RETRY_MS);
      }
    }
  }

  #deliver(id: string, fields: Record<string, string>): void {
    const position = parseEventId(id);
    if (!position) return;
    // Advance past entries we cannot read too, so the next read does not return them again.
    this.#delivered = position;
    this.#deliveredId = id;
    const event = toEvent(id, fields);
    if (!event) return;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#options.onError(err);
      }
    }
  }

  #settle(): void {
    for (const waiter of this.#waiters) {
      if (compareEventIds(waiter.position, this.#delivered) <= 0) {
        this.#waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  /** Resolves true once the loop has delivered `position`, false on timeout or close. */
  #reach(position: EventId): Promise<boolean> {
    if (compareEventIds(position, this.#delivered) <= 0) return Promise.resolve(true);
    if (!this.#running) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        resolve(false);
      }, CATCH_UP_TIMEOUT_MS).unref();
      this.#waiters.add(waiter);
    });
  }
}
