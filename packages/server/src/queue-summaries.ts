import {
  QUEUE_STATS_FIELDS,
  type QueueStats,
  type QueueSummary,
  type QueueSummaryChange,
  type Worker,
} from '@pulseboard/protocol';
import { computeQueues, emptyQueue } from './aggregates.js';
import type { Registry } from './registry.js';

const sameStats = (a: QueueStats | null, b: QueueStats | null) =>
  a === b || (a !== null && b !== null && QUEUE_STATS_FIELDS.every((field) => a[field] === b[field]));

/** What listing the worker ids adds to a summary's JSON, besides the list. */
const IDS_FIELD = ',"workerIds":';

/**
 * Which queue summaries may have moved since the last `queues_update`, and what they are now.
 * Only those queues are rebuilt, each from its own workers (storage indexes workers by queue), so
 * a push costs the workers of the queues that moved, not the fleet.
 *
 * A status change or a departure names only the worker: its queue is looked up in what this
 * instance last learned of it (registrations, heartbeats, summaries on the stream, rows read), or
 * read from storage with the next rebuild when unknown.
 */
export class QueueSummaries {
  readonly #registry: Pick<Registry, 'workersById' | 'queueWorkers'>;
  /** Each worker's queue as last learned; those without one are not listed. */
  readonly #queueOf = new Map<string, string>();
  #dirty = new Set<string>();
  /** Workers whose status changed while their queue was unknown: read with the next rebuild. */
  #unplaced = new Set<string>();
  /**
   * Each queue's summary as the stream last told it (queues_update, dashboard_update): its figures and
   * its worker ids, each serialized (ids null: not yet told, so the next summary lists them).
   */
  #sent = new Map<string, { figures: string; ids: string | null }>();
  /** Counts registrations, departures and status changes: one during a rebuild's read may be missing from it. */
  #moves = 0;

  constructor(registry: Pick<Registry, 'workersById' | 'queueWorkers'>) {
    this.#registry = registry;
  }

  /** Some queue may have a new summary. */
  get dirty(): boolean {
    return this.#dirty.size > 0 || this.#unplaced.size > 0;
  }

  /** A worker registered or was re-described: its queue may be another. */
  registered(worker: Worker): void {
    this.#moves++;
    this.#place(worker.id, worker.queue);
  }

  /** A status change moves its queue's consumer count. */
  statusChanged(id: string): void {
    this.#moves++;
    const queue = this.#queueOf.get(id);
    if (queue === undefined) this.#unplaced.add(id);
    else this.#dirty.add(queue);
  }

  left(id: string): void {
    this.#moves++;
    this.#unplaced.delete(id);
    this.#place(id, null);
  }

  /** Most heartbeats repeat the queue stats: only one that changes them moves its queue. */
  heartbeat(worker: Worker, before: Worker): void {
    if (worker.queue === before.queue && sameStats(worker.queueStats, before.queueStats)) return;
    if (before.queue !== null) this.#dirty.add(before.queue);
    this.#place(worker.id, worker.queue);
  }

  /** A `queues_update` on the stream, from this instance or another. */
  sent(queues: readonly QueueSummaryChange[]): void {
    for (const queue of queues) this.#remember(queue);
  }

  /**
   * A `dashboard_update` on the stream: every queue's summary anew. Its snapshot may have been read
   * before a `queues_update` that went out ahead of it (on Redis the read takes a while), and clients
   * now show its older figures: a queue it tells otherwise than the stream last did is rebuilt, and
   * sent again if it moved, instead of waiting for the next `dashboard_update`.
   */
  reconciled(queues: readonly QueueSummary[]): void {
    const told = this.#sent;
    this.#sent = new Map();
    for (const queue of queues) this.#remember(queue);
    for (const [name, before] of told) {
      const now = this.#sent.get(name);
      if (now?.figures !== before.figures || (now.ids !== before.ids && before.ids !== null))
        this.#dirty.add(name);
    }
  }

  /**
   * The summaries of the queues marked since the last call that differ from what the stream last
   * said (a queue left without workers reporting stats comes once more, empty: clients drop it),
   * each with its worker ids only when they are not the ones last told, and their size serialized. A failed read loses the marks: the next change, or
   * `dashboard_update`, brings the summaries.
   */
  async take(): Promise<{ queues: QueueSummaryChange[]; bytes: number }> {
    const dirty = this.#dirty;
    const unplaced = [...this.#unplaced];
    this.#dirty = new Set();
    this.#unplaced = new Set();
    for (const worker of await this.#registry.workersById(unplaced)) {
      if (worker?.queue != null) dirty.add(worker.queue);
    }
    const names = [...dirty];
    const read = new Map<string, Worker[]>();
    let reading = names;
    for (let round = 0; reading.length > 0 && round < 3; round++) {
      const moves = this.#moves;
      const lists = await Promise.all(
        reading.map(async (name) => [name, await this.#registry.queueWorkers(name)] as const),
      );
      for (const [name, list] of lists) read.set(name, list);
      // A worker that joined, left or changed status meanwhile (on Redis, through another instance) may be
      // missing from what was read, or still in it: its queue is read again now, not a push gap later.
      reading = this.#moves === moves ? [] : reading.filter((name) => this.#dirty.delete(name));
    }
    const workers = [...read.values()].flat();
    const queues: QueueSummaryChange[] = [];
    let bytes = 0;
    const built = new Set<string>();
    for (const queue of computeQueues(workers)) {
      built.add(queue.name);
      const { workerIds, ...figures } = queue;
      const told = this.#sent.get(queue.name);
      const now = { figures: JSON.stringify(figures), ids: JSON.stringify(workerIds) };
      if (told?.figures === now.figures && told.ids === now.ids) continue;
      const sameWorkers = told?.ids === now.ids;
      queues.push(sameWorkers ? figures : queue);
      bytes += now.figures.length + (sameWorkers ? 0 : IDS_FIELD.length + now.ids.length);
      // Remembered now too (the feed does it again): on Redis the feed may lag the next push.
      this.#sent.set(queue.name, now);
    }
    for (const name of names) {
      if (built.has(name) || !this.#sent.delete(name)) continue;
      const gone = emptyQueue(name);
      queues.push(gone);
      bytes += JSON.stringify(gone).length;
    }
    return { queues, bytes };
  }

  /** Marks the queue worker `id` leaves (when known) and the one it is in (null: none). */
  #place(id: string, queue: string | null): void {
    const before = this.#queueOf.get(id);
    // A worker staying in its queue (every heartbeat that moves its stats): no second map write.
    if (before === queue) {
      if (queue !== null) this.#dirty.add(queue);
      return;
    }
    if (before !== undefined) this.#dirty.add(before);
    if (queue === null) this.#queueOf.delete(id);
    else {
      this.#queueOf.set(id, queue);
      this.#dirty.add(queue);
    }
  }

  /** A summary on the stream: what it says now, and where its workers are (when it lists them). */
  #remember(queue: QueueSummaryChange): void {
    const { workerIds, ...figures } = queue;
    const told = this.#sent.get(queue.name);
    const now = {
      figures: JSON.stringify(figures),
      ids: workerIds ? JSON.stringify(workerIds) : (told?.ids ?? null),
    };
    // Our own push coming back on the feed: known already.
    if (told?.figures === now.figures && told.ids === now.ids) return;
    if (workerIds?.length === 0) this.#sent.delete(queue.name);
    else this.#sent.set(queue.name, now);
    for (const id of workerIds ?? []) this.#queueOf.set(id, queue.name);
  }
}
