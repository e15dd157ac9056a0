import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { compareEventIds, type EventId, LOGGED_EVENT_TYPES, parseEventId } from '@pulseboard/protocol';
import { formatEventId } from '../event-id.js';
import { type AnyLoggedEvent, createLoggedEvent, type LoggedEventInput } from '../events.js';
import { guard, type RedisClient } from './redis-client.js';
import type { EventFields, History, LoggedReply, RawStreamEntry } from './redis-scripts.js';
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

/** 8 hex digits: short in every id, and a repeat across two generations is a 1 in 4 billion chance. */
const newEpoch = () => randomUUID().slice(0, 8);

export interface RedisEventLogOptions {
  client: RedisClient;
  /** A connection of its own for the blocking read; the log owns it and closes it. */
  reader: RedisClient;
  key: string;
  /** Key of the stream's epoch (the storage generation), part of every event id. */
  epochKey: string;
  /** Key of the lease that makes one instance at a time the publisher of `dashboard_update`. */
  leaseKey: string;
  /** Stream length kept (approximately: `MAXLEN ~` trims whole nodes, so a little more). */
  maxLen: number;
  dashboardIntervalMs: number;
  /** A listener threw or a read failed; the loop carries on. */
  onError: (err: unknown) => void;
}

/** An entry we wrote (`type`, JSON `data`, `epoch`), or null for anything else found in the stream. */
function toEvent(streamId: string, fields: Record<string, string>): AnyLoggedEvent | null {
  const { type, data, epoch } = fields;
  if (!type || !data || !epoch || !LOGGED_TYPES.has(type)) return null;
  try {
    return createLoggedEvent(`${streamId}-${epoch}`, { type, data: JSON.parse(data) } as LoggedEventInput);
  } catch {
    return null;
  }
}

function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}

const fieldsOfEvent = (input: LoggedEventInput) => [input.type, JSON.stringify(input.data)] as const;

/**
 * The event history as one Redis stream. An event id is the stream id plus the
 * stream's epoch, the same on every instance. One blocking XREAD loop per
 * instance feeds the live listeners, in stream order, with every instance's
 * events including its own (so nothing is delivered twice), resuming from the
 * last id it delivered after a reconnect (so nothing is lost).
 *
 * A new epoch means Redis lost its data: whoever learns of it first (a
 * script's reply, the loop meeting an entry of the new epoch, the check after
 * a reconnect) calls the reset listeners before any event of the new epoch is
 * delivered, so a stream that began before the reset never receives one: it is
 * told to reconnect, and its old id resyncs.
 */
export class RedisEventLog implements EventLog {
  readonly #options: RedisEventLogOptions;
  readonly #listeners = new Set<LiveListener>();
  readonly #resetListeners = new Set<() => void>();
  readonly #waiters = new Set<{ position: EventId; resolve: (reached: boolean) => void }>();
  /** Identifies this instance as a lease holder. */
  readonly #owner = randomUUID();
  readonly #leaseMs: number;
  #epoch: string;
  /** Epochs left behind: a late reply from one must not bring it back. */
  readonly #retired = new Set<string>();
  /** The stream id the loop reads after. */
  #cursor: string;
  #delivered: EventId;
  #deliveredId: string;
  #running = true;
  readonly #loop: Promise<void>;

  /** Starts reading after the newest entry already in the stream. */
  static async open(options: RedisEventLogOptions): Promise<RedisEventLog> {
    const { client, key, epochKey } = options;
    const epoch = await guard(client.claimEpoch({ stream: key, epochKey, candidate: newEpoch() }));
    const newest = await guard(client.xRevRange(key, '+', '-', { COUNT: 1 }));
    return new RedisEventLog(options, epoch, newest?.[0]?.id ?? '0-0');
  }

  private constructor(options: RedisEventLogOptions, epoch: string, cursor: string) {
    this.#options = options;
    // Longer than the interval, so a live publisher keeps it; short enough that a dead one is replaced quickly.
    this.#leaseMs = Math.ceil(options.dashboardIntervalMs * 2.5);
    this.#epoch = epoch;
    this.#cursor = cursor;
    this.#delivered = { ...(parseEventId(cursor) ?? { ms: 0, seq: 0 }), epoch };
    this.#deliveredId = formatEventId(this.#delivered);
    this.#loop = this.#read();
  }

  /** True while the read loop's connection is up. */
  get reading(): boolean {
    return this.#options.reader.isReady;
  }

  /** Calls `listener` when the epoch changes (Redis lost its data), before any event of the new one is delivered. */
  onReset(listener: () => void): () => void {
    this.#resetListeners.add(listener);
    return () => this.#resetListeners.delete(listener);
  }

  /** Asks Redis for the epoch (starting a new one if the key is gone); after a reconnect. */
  async checkEpoch(): Promise<void> {
    const { client, key, epochKey } = this.#options;
    this.#adopt(await guard(client.claimEpoch({ stream: key, epochKey, candidate: newEpoch() })));
  }

  async append(input: LoggedEventInput): Promise<AnyLoggedEvent | null> {
    // Every instance computes the periodic dashboard (so each one's error rate and snapshot stay
    // current); the lease lets only one of them log it.
    const owner = input.type === 'dashboard_update' ? this.#owner : '';
    // A publish still in flight when close() gave the lease up must not take it back: the instance is
    // going away, and a lease it re-took would keep the next publisher out for a whole lease period.
    if (owner && !this.#running) return null;
    const { client, leaseKey: key } = this.#options;
    const lease = { key, owner, ms: this.#leaseMs };
    const ids = await this.commit(
      (history, events) => client.appendEvent(history, lease, events[0] as EventFields[number]),
      [input],
    );
    return ids && createLoggedEvent(ids[0] as string, input);
  }

  /**
   * Runs `write`, a script that logs `inputs` (as `logEvents` does) with
   * whatever else it changes, then waits for the loop to deliver them here.
   * Resolves to their event ids, or to what the script answered instead when
   * it declined (a lost compare-and-set, a lease held by another).
   */
  async commit<Declined>(
    write: (history: History, events: EventFields) => Promise<LoggedReply | Declined>,
    inputs: readonly LoggedEventInput[],
  ): Promise<string[] | Declined> {
    const { key: stream, epochKey, maxLen } = this.#options;
    const candidate = inputs.length ? newEpoch() : '';
    const reply = await guard(write({ stream, epochKey, maxLen, candidate }, inputs.map(fieldsOfEvent)));
    if (!Array.isArray(reply)) return reply as Declined;
    const [epoch = '', ...streamIds] = reply;
    if (streamIds.length === 0) return [];
    this.#adopt(epoch);
    const ids = streamIds.map((id) => `${id}-${epoch}`);
    // Logged either way; waiting only makes local delivery happen before the caller answers, as in memory.
    await this.#reach(parseEventId(ids.at(-1)) as EventId);
    return ids;
  }

  /** The newest event delivered here: events after it are still to come on the live feed. */
  async latestId(): Promise<string> {
    return this.#deliveredId;
  }

  async since(id: string): Promise<AnyLoggedEvent[] | 'resync'> {
    const from = parseEventId(id);
    if (!from?.epoch) return 'resync';
    const { client, key, epochKey } = this.#options;
    const streamId = `${from.ms}-${from.seq}`;
    const entries = (await guard(client.entriesAfter(key, epochKey, { id: streamId, epoch: from.epoch }))) as
      | RawStreamEntry[]
      | null;
    if (entries === null) return 'resync';
    // Redis is in that epoch, whether or not this instance had noticed yet.
    this.#adopt(from.epoch);
    const events = entries.flatMap(([entryId, flat]) => toEvent(entryId, fieldsOf(flat)) ?? []);
    // The caller queues live events while it replays these; once the loop has passed the last of
    // them, every later event reaches that queue and none of these reaches it after the replay.
    const last = events.at(-1)?.position ?? from;
    if (!(await this.#reach(last))) {
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

  /**
   * Moves to `epoch` if it is new: the reset listeners run first (ending the
   * streams that began before it), then the loop reads the new stream from
   * its start. Waiters for ids of the old epoch give up.
   */
  #adopt(epoch: string): void {
    if (epoch === this.#epoch || this.#retired.has(epoch)) return;
    this.#retired.add(this.#epoch);
    this.#epoch = epoch;
    this.#cursor = '0-0';
    this.#delivered = { ms: 0, seq: 0, epoch };
    this.#deliveredId = formatEventId(this.#delivered);
    for (const waiter of this.#waiters) {
      if (waiter.position.epoch !== epoch) {
        this.#waiters.delete(waiter);
        waiter.resolve(false);
      }
    }
    for (const listener of this.#resetListeners) {
      try {
        listener();
      } catch (err) {
        this.#options.onError(err);
      }
    }
  }

  async #read(): Promise<void> {
    const { client, reader, key, onError } = this.#options;
    while (this.#running) {
      try {
        const epoch = this.#epoch;
        // The reader keeps its offline queue: while Redis is away this read waits for the reconnect.
        const reply = await reader.xRead({ key, id: this.#cursor }, { BLOCK: BLOCK_MS, COUNT: BATCH });
        for (const message of reply?.[0]?.messages ?? []) {
          // The epoch changed while this read waited: what it returned belongs to the old history, or
          // starts somewhere in the new one; read the new one from its start instead.
          if (this.#epoch !== epoch) break;
          const entryEpoch = message.message.epoch;
          if (entryEpoch && entryEpoch !== epoch) {
            // Streams told to reconnect while the commands connection is still down would be answered 503
            // (and an EventSource gives up on that): it adopts the epoch when it is back (checkEpoch), or
            // this loop does, reading these again, once it is.
            if (client.isReady) this.#adopt(entryEpoch);
            else await delay(RETRY_MS);
            break;
          }
          this.#deliver(message.id, message.message);
        }
        this.#settle();
      } catch (err) {
        if (!this.#running) return;
        onError(err);
        await delay(RETRY_MS);
      }
    }
  }

  #deliver(streamId: string, fields: Record<string, string>): void {
    // Advance past entries we cannot read too, so the next read does not return them again.
    this.#cursor = streamId;
    const event = toEvent(streamId, fields);
    if (!event) return;
    this.#delivered = event.position;
    this.#deliveredId = event.id;
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

  /** Resolves true once the loop has delivered `position`, false on timeout, close or a new epoch. */
  #reach(position: EventId): Promise<boolean> {
    if (compareEventIds(position, this.#delivered) <= 0) return Promise.resolve(true);
    if (!this.#running || this.#retired.has(position.epoch)) return Promise.resolve(false);
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
