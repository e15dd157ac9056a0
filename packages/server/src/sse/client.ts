import { compareEventIds, type EventId, parseEventId } from '../event-id.js';
import type { AnyLoggedEvent } from '../events.js';
import { type ProjectionCache, type StreamFilter, selectFrame } from './filter.js';
import type { Sink } from './sink.js';

export interface ClientLimits {
  /** Past this many queued bytes, superseded `metrics_update` events are skipped. */
  softBytes: number;
  /** Past this many queued bytes, the client is disconnected. */
  hardBytes: number;
}

export type DropReason = 'slow' | 'backlog';

/**
 * One SSE connection. It starts `pending`: live events queue up while the
 * route writes the snapshot or the replay, then `goLive(id)` sends the queued
 * events after `id` and switches to direct writes.
 */
export class SseClient {
  readonly filter: StreamFilter;
  #state: 'pending' | 'live' | 'closed' = 'pending';
  #pending: AnyLoggedEvent[] = [];
  #pendingBytes = 0;
  /** The newest event id this client has been given or has deliberately not been given (filtered, skipped). */
  #lastId: EventId | null = null;
  #lastIdText = '';
  readonly #sink: Sink;
  readonly #limits: ClientLimits;
  readonly #onDrop: (reason: DropReason) => void;
  readonly #onSent: () => void;

  constructor(options: {
    sink: Sink;
    filter: StreamFilter;
    limits: ClientLimits;
    onDrop: (reason: DropReason) => void;
    onSent: () => void;
  }) {
    this.#sink = options.sink;
    this.filter = options.filter;
    this.#limits = options.limits;
    this.#onDrop = options.onDrop;
    this.#onSent = options.onSent;
  }

  get live(): boolean {
    return this.#state === 'live';
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  get lastId(): string {
    return this.#lastIdText;
  }

  buffered(): number {
    return this.#sink.buffered();
  }

  /** A live event from the broadcaster. */
  deliver(event: AnyLoggedEvent, cache: ProjectionCache): void {
    if (this.#state === 'pending') {
      this.#pending.push(event);
      this.#pendingBytes += event.frame.length;
      // A client that cannot catch up must not hold an unbounded queue either.
      if (this.#pendingBytes > this.#limits.hardBytes) this.drop('backlog');
      return;
    }
    if (this.#state === 'live') this.#sendEvent(event, cache);
  }

  /** Writes catch-up frames (replay), waiting for the socket instead of dropping a client that is merely behind. */
  async catchUp(events: readonly AnyLoggedEvent[]): Promise<void> {
    for (const event of events) {
      while (this.#state === 'pending' && this.#sink.buffered() > this.#limits.softBytes)
        await this.#sink.drained();
      if (this.#state !== 'pending') return;
      this.#sendEvent(event, new Map());
    }
  }

  /** Sends a per-connection frame (initial_data, ping, reconnect) that carries `id`. */
  sendControl(id: string, frame: Buffer): void {
    this.#advance(id);
    this.#write(frame, false);
  }

  /** Writes raw bytes that carry no id (the `retry:` line). */
  sendRaw(frame: Buffer): void {
    this.#write(frame, false);
  }

  goLive(afterId: string): void {
    if (this.#state !== 'pending') return;
    this.#advance(afterId);
    const queued = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#state = 'live';
    for (const event of queued) {
      if (!this.#lastId || compareEventIds(event.position, this.#lastId) > 0)
        this.#sendEvent(event, new Map());
    }
  }

  drop(reason: DropReason): void {
    if (this.#state === 'closed') return;
    this.#onDrop(reason);
    this.close();
    this.#sink.destroy();
  }

  /** Ends the stream politely (after a `reconnect` frame, for instance). */
  end(): void {
    if (this.#state === 'closed') return;
    this.close();
    this.#sink.end();
  }

  /** Marks the client closed without touching the socket (it already closed). */
  close(): void {
    this.#state = 'closed';
    this.#pending = [];
  }

  /** Callers pass only events newer than `#lastId` (live events arrive in order). */
  #sendEvent(event: AnyLoggedEvent, cache: ProjectionCache): void {
    this.#lastId = event.position;
    this.#lastIdText = event.id;
    const frame = selectFrame(event, this.filter, cache);
    if (frame) this.#write(frame, event.type === 'metrics_update');
  }

  #write(frame: Buffer, supersedable: boolean): void {
    if (this.#state === 'closed') return;
    const queued = this.#sink.buffered();
    // So a client never holds more than the hard bound plus one frame.
    if (queued > this.#limits.hardBytes) {
      this.drop('slow');
      return;
    }
    // The next metrics_update carries fresher values, so this one is the first thing to give up.
    if (supersedable && queued > this.#limits.softBytes) return;
    this.#sink.write(frame);
    this.#onSent();
  }

  #advance(id: string): void {
    const parsed = parseEventId(id);
    if (parsed && (!this.#lastId || compareEventIds(parsed, this.#lastId) > 0)) {
      this.#lastId = parsed;
      this.#lastIdText = id;
    }
  }
}
