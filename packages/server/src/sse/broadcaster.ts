import { type PingPayload, PROTOCOL_VERSION, type ReconnectPayload } from '@pulseboard/protocol';
import type { AnyLoggedEvent } from '../events.js';
import { Listeners } from '../listeners.js';
import type { EventLog } from '../store/types.js';
import { Batch, type ClientLimits, type DropReason, SseClient } from './client.js';
import type { StreamFilter } from './filter.js';
import { encodeFrame } from './frame.js';
import type { Sink } from './sink.js';

export interface BroadcasterOptions {
  eventLog: EventLog;
  limits: ClientLimits;
  pingIntervalMs: number;
}

/**
 * A fan-out writes to every client, so fan-outs are spaced at least this far
 * apart: a burst of events (1,000 workers recovering at once after a network
 * blip) reaches each client in a few writes instead of one per event, while
 * an event after a quiet spell still goes out on the next turn.
 */
const FLUSH_GAP_MS = 10;

/**
 * Fans the event log's live feed out to every connected client, and pings
 * them. Events logged during one turn of the event loop go out together at
 * its end (setImmediate), or FLUSH_GAP_MS after the previous fan-out if that
 * is later: one write per client per fan-out however many events it holds,
 * so a busy server batches more instead of falling behind.
 */
export class Broadcaster {
  readonly #clients = new Set<SseClient>();
  readonly #options: BroadcasterOptions;
  #batch: AnyLoggedEvent[] = [];
  #flushSoon: NodeJS.Immediate | undefined;
  #flushLater: NodeJS.Timeout | undefined;
  #flushedAt = Number.NEGATIVE_INFINITY;
  #unsubscribe: (() => void) | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  readonly #sent = new Listeners<[frames: number]>();
  readonly #dropped = new Listeners<[reason: DropReason, client: SseClient]>();

  constructor(options: BroadcasterOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Bytes queued across all clients: what slow clients cost the server right now. */
  buffered(): number {
    let total = 0;
    for (const client of this.#clients) total += client.buffered();
    return total;
  }

  /** Frames written, summed per fan-out: one call per batch, not one per client. Returns the unsubscribe. */
  onSent(listener: (frames: number) => void): () => void {
    return this.#sent.subscribe(listener);
  }

  /** A client the server disconnected (slow, or unable to catch up). Returns the unsubscribe. */
  onDrop(listener: (reason: DropReason, client: SseClient) => void): () => void {
    return this.#dropped.subscribe(listener);
  }

  start(): void {
    this.#unsubscribe = this.#options.eventLog.subscribe((event) => {
      this.#batch.push(event);
      this.#scheduleFlush();
    });
    this.#pingTimer = setInterval(() => this.#ping(), this.#options.pingIntervalMs).unref();
  }

  open(sink: Sink, filter: StreamFilter): SseClient {
    const client: SseClient = new SseClient({
      sink,
      filter,
      limits: this.#options.limits,
      onSent: (frames) => this.#sent.emit(frames),
      onDrop: (reason) => {
        this.#clients.delete(client);
        this.#dropped.emit(reason, client);
      },
    });
    this.#clients.add(client);
    return client;
  }

  remove(client: SseClient): void {
    client.close();
    this.#clients.delete(client);
  }

  /** Stops the feed and the pings, then tells every client to reconnect elsewhere or later. */
  close(retryMs: number): void {
    this.#unsubscribe?.();
    clearInterval(this.#pingTimer);
    this.reconnectAll('shutdown', retryMs);
  }

  /** Tells every client to reconnect (resuming from its last id) and ends the streams. */
  reconnectAll(reason: ReconnectPayload['reason'], retryMs: number): void {
    // Everything logged so far goes out first, so the reconnect frame's id covers what the client has.
    this.#flush();
    const payload: ReconnectPayload = { v: PROTOCOL_VERSION, reason, retryMs };
    this.#broadcastControl('reconnect', JSON.stringify(payload), () => true);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #scheduleFlush(): void {
    if (this.#flushSoon || this.#flushLater) return;
    const wait = this.#flushedAt + FLUSH_GAP_MS - performance.now();
    if (wait > 0) this.#flushLater = setTimeout(() => this.#flush(), wait);
    else this.#flushSoon = setImmediate(() => this.#flush());
  }

  #flush(): void {
    clearImmediate(this.#flushSoon);
    clearTimeout(this.#flushLater);
    this.#flushSoon = undefined;
    this.#flushLater = undefined;
    if (this.#batch.length === 0) return;
    this.#flushedAt = performance.now();
    const batch = new Batch(this.#batch);
    this.#batch = [];
    let frames = 0;
    for (const client of this.#clients) frames += client.deliver(batch);
    if (frames) this.#sent.emit(frames);
  }

  #ping(): void {
    const payload: PingPayload = { v: PROTOCOL_VERSION, at: Date.now() };
    // A pending client's last id may be behind events it has queued: pinging it would skip them.
    this.#broadcastControl('ping', JSON.stringify(payload), (client) => client.live);
  }

  /** Control frames carry each client's last id; clients sharing an id share the bytes. */
  #broadcastControl(type: 'ping' | 'reconnect', json: string, include: (client: SseClient) => boolean): void {
    const frames = new Map<string, Buffer>();
    for (const client of [...this.#clients]) {
      if (!include(client) || !client.lastId) continue;
      let frame = frames.get(client.lastId);
      if (!frame) {
        frame = encodeFrame(client.lastId, type, json);
        frames.set(client.lastId, frame);
      }
      client.sendControl(client.lastId, frame);
    }
  }
}
