import {
  type Aggregates,
  FLEET_HISTORY_RULES,
  type FleetHistoryField,
  HISTORY_MAX_RANGE_MS,
  HISTORY_STATUS_CHANGES_MAX,
  type QueueSummary,
  type StatusChangeRecord,
  WORKER_HISTORY_FIELDS,
  WORKER_HISTORY_RULES,
} from '@pulseboard/protocol';
import type { AnyLoggedEvent } from '../events.js';
import type { HistoryStore, RingBatch, RingRecord } from '../store/history-types.js';
import type { EventLog } from '../store/types.js';
import { Bucket, ruleCodes } from './bucket.js';
import { FLEET, ringKey, statusKey, workerSeries } from './keys.js';
import { MAX_BUCKET, recordBytes, TIERS, type Tier, writeRecord } from './ring.js';

const WORKER_RULES = ruleCodes(WORKER_HISTORY_RULES);
const FLEET_RULES = ruleCodes(FLEET_HISTORY_RULES);

/** A series' open bucket at one resolution, and the ring it is written to. */
interface OpenSeries {
  key: string;
  bucket: Bucket;
}

/**
 * A resolution's open bucket: its number (0: none) and each series' samples so far. The series are
 * kept (and emptied) from bucket to bucket; a worker's go when it leaves.
 */
interface Period {
  tier: Tier;
  bucket: number;
  fleet: OpenSeries;
  /** By worker id. */
  workers: Map<string, OpenSeries>;
  /** The newest bucket closed. */
  newest: number;
}

/** A closed bucket's records, encoded when it closed (its series' buckets are reused right away). */
interface Closed {
  tier: Tier;
  bucket: number;
  batch: RingBatch;
}

export interface RecorderOptions {
  eventLog: EventLog;
  store: HistoryStore;
  now: () => number;
  /** A write that failed (storage away): those buckets are lost, later ones are written. */
  onError: (err: unknown) => void;
}

/** The fleet's sample from a `dashboard_update`, in FLEET_HISTORY_RULES order. */
function fleetSample(a: Aggregates, queues: readonly QueueSummary[]): Float64Array {
  const sample: Record<FleetHistoryField, number> = {
    cpuAvg: a.cpu.avg,
    cpuMax: a.cpu.max,
    memoryTotal: a.memoryBytes.total,
    requestsPerSec: a.requestsPerSec.total,
    responseTimeAvg: a.responseTimeMs.avg,
    responseTimeP95: a.responseTimeMs.p95,
    errorRate: a.errorRate,
    errorCount: a.errorCount,
    deadLetter: a.deadLetter.total,
    queueDepth: queues.reduce((sum, queue) => sum + queue.depth, 0),
    workers: a.workers.total,
    healthy: a.workers.byStatus.healthy,
    degraded: a.workers.byStatus.degraded,
    unhealthy: a.workers.byStatus.unhealthy,
    offline: a.workers.byStatus.offline,
  };
  return Float64Array.from(Object.keys(FLEET_HISTORY_RULES), (field) => sample[field as FleetHistoryField]);
}

/**
 * Turns the event feed into history: each worker's `metrics_update` rows and
 * each `dashboard_update` are samples, folded into the open bucket of each
 * resolution; a bucket is written once, when our clock leaves it (on the next
 * event, or the next `tick`), for every series in one batch. Samples go by our
 * clock at arrival, never a time in the event, so a wrong clock elsewhere
 * cannot misplace them. On Redis every instance sees every event and keeps the
 * same buckets; the first to claim a bucket writes it. Status changes are
 * kept as they come; a worker that leaves takes its history with it.
 */
export class HistoryRecorder {
  readonly #store: HistoryStore;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  readonly #periods: Period[];
  /** The writes in flight, in order: a worker's history is dropped only after them. */
  #writes: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(options: RecorderOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.#onError = options.onError;
    this.#periods = TIERS.map((tier) => ({
      tier,
      bucket: 0,
      fleet: { key: ringKey(tier, FLEET), bucket: new Bucket(FLEET_RULES) },
      workers: new Map(),
      newest: 0,
    }));
    this.#unsubscribe = options.eventLog.subscribe((event) => this.#record(event));
  }

  /** Writes the buckets our clock has left; called on a timer so a quiet feed still closes them. */
  tick(): Promise<void> {
    this.#roll(this.#now());
    return this.settled();
  }

  /** Resolves when the writes begun so far are done (failed ones reported to onError). */
  settled(): Promise<void> {
    return this.#writes;
  }

  close(): void {
    this.#unsubscribe();
  }

  #record(event: AnyLoggedEvent): void {
    const now = this.#now();
    this.#roll(now);
    switch (event.type) {
      case 'metrics_update': {
        const { fields, items } = event.data;
        const metrics = WORKER_HISTORY_FIELDS.map((field) => fields.metrics.indexOf(field));
        const queueStats = WORKER_HISTORY_FIELDS.map((field) => fields.queueStats.indexOf(field));
        const sample = new Float64Array(WORKER_HISTORY_FIELDS.length);
        for (const [id, , metricValues, queueValues] of items) {
          for (let i = 0; i < sample.length; i++) {
            const m = metrics[i] as number;
            const q = queueStats[i] as number;
            sample[i] = (m >= 0 ? metricValues?.[m] : q >= 0 ? queueValues?.[q] : undefined) ?? Number.NaN;
          }
          this.#workerSample(id, sample);
        }
        break;
      }
      case 'dashboard_update':
        this.#fleetSample(fleetSample(event.data.aggregates, event.data.queues));
        break;
      case 'worker_status_change': {
        // As the event says: every instance then adds the same entry, which is stored once. A time far
        // off ours is trimmed at once (past) or never answered (future, as ranges end at now).
        const { id, at, from, to, reason } = event.data;
        const record: StatusChangeRecord = { at, from, to, reason };
        this.#enqueue(() =>
          this.#store.addEntry(statusKey(id), at, JSON.stringify(record), {
            keepFrom: now - HISTORY_MAX_RANGE_MS,
            max: HISTORY_STATUS_CHANGES_MAX,
            ttlMs: HISTORY_MAX_RANGE_MS,
          }),
        );
        break;
      }
      case 'worker_deregistered': {
        const { id } = event.data;
        for (const period of this.#periods) period.workers.delete(id);
        const keys = [...TIERS.map((tier) => ringKey(tier, workerSeries(id))), statusKey(id)];
        this.#enqueue(() => this.#store.drop(keys));
        break;
      }
    }
  }

  #workerSample(id: string, sample: ArrayLike<number>): void {
    for (const period of this.#periods) {
      if (period.bucket === 0) continue;
      let open = period.workers.get(id);
      if (!open) {
        open = { key: ringKey(period.tier, workerSeries(id)), bucket: new Bucket(WORKER_RULES) };
        period.workers.set(id, open);
      }
      open.bucket.add(sample);
    }
  }

  #fleetSample(sample: ArrayLike<number>): void {
    for (const period of this.#periods) if (period.bucket !== 0) period.fleet.bucket.add(sample);
  }

  /** The records of the period's series that had samples, in one buffer, emptying their buckets. */
  #close({ tier, bucket, fleet, workers }: Period): Closed {
    const series = [fleet, ...workers.values()].filter((open) => !open.bucket.empty);
    let bytes = 0;
    for (const open of series) bytes += recordBytes(open.bucket.width);
    const buffer = new Uint8Array(bytes);
    const view = new DataView(buffer.buffer);
    const values = new Float64Array(Math.max(WORKER_RULES.length, FLEET_RULES.length));
    const records: RingRecord[] = [];
    let start = 0;
    for (const { key, bucket: open } of series) {
      const { width } = open;
      const length = recordBytes(width);
      open.drain(values);
      writeRecord(view, start, bucket, values, width);
      const offset = (bucket % tier.slots) * length;
      records.push({ key, offset, start, length, size: tier.slots * length, ttlMs: tier.ttlMs });
      start += length;
    }
    return { tier, bucket, batch: { bytes: buffer, records } };
  }

  /**
   * Closes each period our clock has left and opens the one it is in. A bucket is written once: after
   * the clock goes back, samples are dropped until it passes the newest bucket written, unless it went
   * back further than the resolution keeps (then that was the wrong time, and recording starts over).
   */
  #roll(now: number): void {
    for (const period of this.#periods) {
      const { tier } = period;
      const bucket = Math.floor(now / tier.stepMs);
      if (bucket === period.bucket) continue;
      if (period.bucket !== 0) {
        const closed = this.#close(period);
        if (closed.batch.records.length > 0) {
          period.newest = Math.max(period.newest, closed.bucket);
          this.#enqueue(() => this.#write(closed));
        }
      }
      if (bucket <= period.newest - tier.slots) period.newest = bucket - 1;
      // 0: recording nothing (a clock gone back, or beyond what a bucket number holds; see ring.ts).
      period.bucket = bucket > period.newest && bucket <= MAX_BUCKET ? bucket : 0;
    }
  }

  async #write({ tier, bucket, batch }: Closed): Promise<void> {
    if (await this.#store.claim(`${tier.stepMs}:${bucket}`, tier.stepMs * 2)) await this.#store.write(batch);
  }

  #enqueue(write: () => Promise<void>): void {
    this.#writes = this.#writes.then(write).catch(this.#onError);
  }
}
