import {
  FLEET_HISTORY_FIELDS,
  type FleetHistoryField,
  HISTORY_MAX_RANGE_MS,
  type HistoryResponse,
  type HistoryValues,
  type InitialHistory,
  PROTOCOL_VERSION,
  SPARKLINE_FIELDS,
  type SparklineRow,
  type StatusChangeRecord,
  WORKER_HISTORY_FIELDS,
} from '@pulseboard/protocol';
import type { HistoryStore } from '../store/history-types.js';
import { FLEET, ringKey, statusKey, workerSeries } from './keys.js';
import { decodeColumns, spans, TIERS, type Tier } from './ring.js';

const [FINE, COARSE] = TIERS as [Tier, Tier];
const SPARKLINE_COLUMNS = SPARKLINE_FIELDS.map((field) => WORKER_HISTORY_FIELDS.indexOf(field));

export interface HistoryOptions {
  store: HistoryStore;
  now: () => number;
  /** Writes the buckets the clock has left, so an answer has every closed bucket (HistoryRecorder.tick). */
  closeBuckets: () => Promise<void>;
  /** How far back `initial_data.history` reaches (ms). */
  initialWindowMs: number;
}

/** Columns by field name. */
const byName = <F extends string>(fields: readonly F[], columns: (number | null)[][]): HistoryValues<F> =>
  Object.fromEntries(fields.map((field, i) => [field, columns[i]])) as HistoryValues<F>;

/** The recent window as read at one bucket: the fleet's columns and each worker's sparkline row (null: none). */
interface Recent {
  end: number;
  fleet: Promise<HistoryValues<FleetHistoryField>>;
  rows: Map<string, Promise<SparklineRow | null>>;
}

/**
 * Reads history: a range of the fleet's or a worker's series at the finest
 * resolution that covers it, and the recent window `initial_data` carries.
 * Answers hold closed buckets only: the one still open is not in the store yet.
 */
export class History {
  readonly #store: HistoryStore;
  readonly #now: () => number;
  readonly #closeBuckets: () => Promise<void>;
  readonly #initialBuckets: number;
  /** The recent window only changes when a bucket closes: read once per bucket, whatever the connections. */
  #recent: Recent | null = null;

  constructor(options: HistoryOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.#closeBuckets = options.closeBuckets;
    this.#initialBuckets = Math.max(1, Math.round(options.initialWindowMs / FINE.stepMs));
  }

  /** The server's clock, which history files samples by. */
  now(): number {
    return this.#now();
  }

  /**
   * `[from, to)` of the fleet (`worker` null) or a registered worker, clamped
   * to what is kept (24 h back, up to the open bucket) and widened to whole
   * buckets. The caller has checked that `from < to` and the span is at most
   * HISTORY_MAX_RANGE_MS.
   */
  async range(worker: string | null, from: number, to: number): Promise<HistoryResponse> {
    await this.#closeBuckets();
    const now = this.#now();
    const start = Math.max(from, now - HISTORY_MAX_RANGE_MS);
    const tier = start >= now - FINE.slots * FINE.stepMs ? FINE : COARSE;
    const open = Math.floor(now / tier.stepMs);
    const end = Math.min(Math.ceil(to / tier.stepMs), open);
    const first = Math.min(Math.max(Math.floor(start / tier.stepMs), end - tier.slots), end);
    const count = end - first;
    const fields = worker === null ? FLEET_HISTORY_FIELDS : WORKER_HISTORY_FIELDS;
    const key = ringKey(tier, worker === null ? FLEET : workerSeries(worker));
    const [columns, statusChanges] = await Promise.all([
      this.#columns(tier, [key], fields.length, first, count).then(([c]) => c as (number | null)[][]),
      worker === null ? [] : this.#statusChanges(worker, first * tier.stepMs, end * tier.stepMs),
    ]);
    return {
      v: PROTOCOL_VERSION,
      worker,
      from: first * tier.stepMs,
      to: end * tier.stepMs,
      stepMs: tier.stepMs,
      values: byName<string>(fields, columns),
      statusChanges,
    };
  }

  /** The recent window for `initial_data`: the fleet, and a sparkline row for each of `workers` that has one. */
  async initial(workers: readonly string[]): Promise<InitialHistory> {
    await this.#closeBuckets();
    const end = Math.floor(this.#now() / FINE.stepMs);
    if (this.#recent?.end !== end) {
      this.#recent = {
        end,
        fleet: this.#window(end, [FLEET], FLEET_HISTORY_FIELDS.length).then(([columns]) =>
          byName(FLEET_HISTORY_FIELDS, columns as (number | null)[][]),
        ),
        rows: new Map(),
      };
      this.#forgetOnFailure(this.#recent.fleet);
    }
    const recent = this.#recent;
    const missing = workers.filter((id) => !recent.rows.has(id));
    if (missing.length > 0) {
      const read = this.#window(end, missing.map(workerSeries), WORKER_HISTORY_FIELDS.length);
      this.#forgetOnFailure(read);
      missing.forEach((id, i) => {
        recent.rows.set(
          id,
          read.then((all) => sparklineRow(id, all[i] as (number | null)[][])),
        );
      });
    }
    const rows = await Promise.all(workers.map((id) => recent.rows.get(id) as Promise<SparklineRow | null>));
    return {
      from: (end - this.#initialBuckets) * FINE.stepMs,
      stepMs: FINE.stepMs,
      buckets: this.#initialBuckets,
      fleet: await recent.fleet,
      fields: SPARKLINE_FIELDS,
      workers: rows.filter((row) => row !== null),
    };
  }

  /** A read that failed (storage away) is not served to the next connection: the window is read again. */
  #forgetOnFailure(read: Promise<unknown>): void {
    const recent = this.#recent;
    read.catch(() => {
      if (this.#recent === recent) this.#recent = null;
    });
  }

  #window(end: number, series: readonly string[], fields: number): Promise<(number | null)[][][]> {
    const keys = series.map((name) => ringKey(FINE, name));
    return this.#columns(FINE, keys, fields, end - this.#initialBuckets, this.#initialBuckets);
  }

  /** Buckets `[first, first + count)` of each ring in `keys`, as columns. */
  async #columns(
    tier: Tier,
    keys: readonly string[],
    fields: number,
    first: number,
    count: number,
  ): Promise<(number | null)[][][]> {
    if (count <= 0) return keys.map(() => Array.from({ length: fields }, () => []));
    const parts = await Promise.all(
      spans(tier, fields, first, count).map(({ offset, length }) => this.#store.read(keys, offset, length)),
    );
    return keys.map((_, k) =>
      decodeColumns(
        parts.map((part) => part[k] as Uint8Array),
        fields,
        first,
        count,
      ),
    );
  }

  async #statusChanges(worker: string, from: number, to: number): Promise<StatusChangeRecord[]> {
    const entries = await this.#store.entries(statusKey(worker), from, to);
    return entries.map((entry) => JSON.parse(entry) as StatusChangeRecord);
  }
}

/** A worker's sparkline columns; null when it has no sample in the window. */
function sparklineRow(id: string, columns: (number | null)[][]): SparklineRow | null {
  const picked = SPARKLINE_COLUMNS.map((i) => columns[i] as (number | null)[]);
  return picked.some((column) => column.some((value) => value !== null)) ? [id, ...picked] : null;
}
