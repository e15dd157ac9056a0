import { compareEventIds, type EventId, parseEventId } from '@pulseboard/protocol';
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
 * Live events logged in one turn of the event loop. Their frames are joined
 * once, and every unfiltered client gets that same buffer in one write.
 */
export class Batch {
  readonly events: readonly AnyLoggedEvent[];
  readonly first: EventId;
  readonly last: AnyLoggedEvent;
  #joined: Buffer | undefined;
  readonly #projections: ProjectionCache[] = [];

  constructor(events: readonly AnyLoggedEvent[]) {
    this.events = events;
    this.first = (events[0] as AnyLoggedEvent).position;
    this.last = events[events.length - 1] as AnyLoggedEvent;
  }

  get joined(): Buffer {
    this.#joined ??=
      this.events.length === 1 ? this.last.frame : Buffer.concat(this.events.map((e) => e.frame));
    return this.#joined;
  }

  /** Worker-filter projections of event `i`, shared by the clients with the same filter. */
  projections(i: number): ProjectionCache {
    let cache = this.#projections[i];
    if (!cache) {
      cache = new Map();
      this.#projections[i] = cache;
    }
    return cache;
  }
}

/**
 * One SSE connection. It starts `pending`: what its session writes (retry line,
 * replay or snapshot) collects in an outbox and live events queue up, then
 * `goLive(id)` adds the queued events after `id` and writes it all at once
 * (one write per resuming client), and the client switches to direct writes.
 */
export class SseClient {
  readonly filter: StreamFilter;
  readonly #unfiltered: boolean;
  #state: 'pending' | 'live' | 'closed' = 'pending';
  #pending: AnyLoggedEvent[] = [];
  #pendingBytes = 0;
  #outbox: Buffer[] = [];
  #outboxBytes = 0;
  /** Frames in the outbox: a snapshot's pieces count as one. */
  #outboxFrames = 0;
  /** The newest event id this client has been given or has deliberately not been given (filtered, skipped). */
  #lastId: EventId | null = null;
  #lastIdText = '';
  readonly #sink: Sink;
  readonly #limits: ClientLimits;
  readonly #onDrop: (reason: DropReason) => void;
  readonly #onSent: (frames: number) => void;

  constructor(options: {
    sink: Sink;
    filter: StreamFilter;
    limits: ClientLimits;
    onDrop: (reason: DropReason) => void;
    /** Frames written outside `deliver` (which returns its count instead, summed by the broadcaster). */
    onSent: (frames: number) => void;
  }) {
    this.#sink = options.sink;
    this.filter = options.filter;
    this.#unfiltered = !options.filter.types && !options.filter.workers;
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
    return this.#sink.buffered() + this.#outboxBytes;
  }

  /** A batch of live events from the broadcaster; returns the number of frames written. */
  deliver(batch: Batch): number {
    if (this.#state === 'closed') return 0;
    // The replay may already hold these: the live feed reaches clients a turn after the log.
    if (this.#lastId && compareEventIds(batch.last.position, this.#lastId) <= 0) return 0;
    if (this.#state === 'pending') {
      for (const event of batch.events) {
        this.#pending.push(event);
        this.#pendingBytes += event.frame.length;
      }
      // A client that cannot catch up must not hold an unbounded queue either.
      if (this.#pendingBytes > this.#limits.hardBytes) this.drop('backlog');
      return 0;
    }
    const queued = this.#sink.buffered();
    // So a client never holds more than the hard bound plus one batch.
    if (queued > this.#limits.hardBytes) {
      this.drop('slow');
      return 0;
    }
    const whole = !this.#lastId || compareEventIds(batch.first, this.#lastId) > 0;
    if (whole && this.#unfiltered && queued <= this.#limits.softBytes) {
      this.#advanceTo(batch.last);
      this.#sink.write(batch.joined);
      return batch.events.length;
    }
    const frames: Buffer[] = [];
    let bytes = queued;
    batch.events.forEach((event, i) => {
      if (this.#lastId && compareEventIds(event.position, this.#lastId) <= 0) return;
      this.#advanceTo(event);
      const frame = selectFrame(event, this.filter, batch.projections(i));
      // The first thing to give up: its workers' figures come back with their next heartbeats (docs/protocol.md).
      if (!frame || (event.type === 'metrics_update' && bytes > this.#limits.softBytes)) return;
      frames.push(frame);
      bytes += frame.length;
    });
    if (frames.length) this.#sink.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
    return frames.length;
  }

  /** Replays missed events into the outbox, writing and waiting for the socket whenever it passes the soft bound (a client catching up is not slow). */
  async catchUp(events: readonly AnyLoggedEvent[]): Promise<void> {
    for (const event of events) {
      if (this.#state !== 'pending') return;
      this.#advanceTo(event);
      const frame = selectFrame(event, this.filter, new Map());
      if (frame) await this.#emitPaced(frame, true);
    }
  }

  /**
   * Sends `initial_data`, which carries `id`, piece by piece, waiting for the socket
   * as a replay does: with thousands of workers a snapshot is megabytes, and written
   * at once it would count against the next live event's hard bound.
   */
  async sendSnapshot(id: string, pieces: readonly Buffer[]): Promise<void> {
    this.#advance(id);
    for (const [i, piece] of pieces.entries()) {
      if (this.#state !== 'pending') return;
      await this.#emitPaced(piece, i === pieces.length - 1);
    }
  }

  /** Sends a per-connection frame (initial_data, ping, reconnect) that carries `id`. */
  sendControl(id: string, frame: Buffer): void {
    this.#advance(id);
    this.#emit(frame);
  }

  /** Writes raw bytes that carry no id (the `retry:` line). */
  sendRaw(frame: Buffer): void {
    this.#emit(frame);
  }

  goLive(afterId: string): void {
    if (this.#state !== 'pending') return;
    this.#advance(afterId);
    const queued = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const event of queued) {
      if (this.#lastId && compareEventIds(event.position, this.#lastId) <= 0) continue;
      this.#advanceTo(event);
      const frame = selectFrame(event, this.filter, new Map());
      if (frame) this.#emit(frame);
    }
    this.#state = 'live';
    this.#flushOutbox();
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
    this.#flushOutbox();
    this.close();
    this.#sink.end();
  }

  /** Marks the client closed without touching the socket (it already closed). */
  close(): void {
    this.#state = 'closed';
    this.#pending = [];
    this.#outbox = [];
    this.#outboxBytes = 0;
    this.#outboxFrames = 0;
  }

  /** While pending, frames wait in the outbox for one write; afterwards they go straight out. */
  #emit(frame: Buffer): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'live') {
      this.#sink.write(frame);
      this.#onSent(1);
      return;
    }
    this.#queue(frame, true);
  }

  #queue(bytes: Buffer, endsFrame: boolean): void {
    this.#outbox.push(bytes);
    this.#outboxBytes += bytes.length;
    if (endsFrame) this.#outboxFrames++;
  }

  /** Queues bytes while pending, writing and waiting for the socket whenever they pass the soft bound. */
  async #emitPaced(bytes: Buffer, endsFrame: boolean): Promise<void> {
    this.#queue(bytes, endsFrame);
    if (this.#outboxBytes < this.#limits.softBytes) return;
    this.#flushOutbox();
    while (this.#state === 'pending' && this.#sink.buffered() > this.#limits.softBytes)
      await this.#sink.drained();
  }

  #flushOutbox(): void {
    const frames = this.#outbox;
    if (frames.length === 0) return;
    const count = this.#outboxFrames;
    this.#outbox = [];
    this.#outboxBytes = 0;
    this.#outboxFrames = 0;
    this.#sink.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
    if (count > 0) this.#onSent(count);
  }

  #advanceTo(event: AnyLoggedEvent): void {
    this.#lastId = event.position;
    this.#lastIdText = event.id;
  }

  #advance(id: string): void {
    const parsed = parseEventId(id);
    if (parsed && (!this.#lastId || compareEventIds(parsed, this.#lastId) > 0)) {
      this.#lastId = parsed;
      this.#lastIdText = id;
    }
  }
}
