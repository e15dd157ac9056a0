import { METRICS_FIELDS, PROTOCOL_VERSION, QUEUE_STATS_FIELDS, type Worker } from '@pulseboard/protocol';
import type { Slice, WorkerHistory } from '../client/types.js';
import { appendAggregateSample, appendWorkerSample, emptyWorkerHistory } from './history.js';
import { LogRing } from './log-ring.js';
import * as read from './sanitize.js';
import { type DepartedWorker, type StateFields, type StoreState, update } from './state.js';

/** What a reducer did: the next state, the slices it changed, and what it had to skip (for one warning per kind). */
export interface Reduction {
  state: StoreState;
  changed: ReadonlySet<Slice>;
  /** A short, stable description of a problem with the input (no per-event details), or null. */
  problem: string | null;
  /** True when the event as a whole was unusable (as opposed to a few items in it). */
  skipped: boolean;
}

/** An event as the reducers take it: a name and the parsed, untrusted `data`. */
export interface RawEvent {
  type: string;
  data: unknown;
}

/**
 * What a reducer made of an event it could use: the fields to replace (none: the
 * state stays as it is) and whether malformed items had to be dropped. A reducer
 * that cannot use the event at all returns, instead, a short description of what
 * was wrong with it.
 */
interface Change {
  patch?: Partial<StateFields>;
  dropped?: boolean;
}

/** The slice each field of the state belongs to, so the slices an event changed follow from its patch. */
const SLICE_OF: Partial<Record<keyof StateFields, Slice>> = {
  workers: 'workers',
  departed: 'workers',
  resources: 'resources',
  queues: 'queues',
  aggregates: 'aggregates',
  aggregateHistory: 'aggregates',
  logRing: 'logs',
  history: 'history',
};

function result(state: StoreState, type: string, { patch, dropped }: Change): Reduction {
  const changed = new Set<Slice>();
  for (const key in patch) {
    const slice = SLICE_OF[key as keyof StateFields];
    if (slice) changed.add(slice);
  }
  return {
    state: patch ? update(state, patch) : state,
    changed,
    problem: dropped ? `${type}: malformed items dropped` : null,
    skipped: false,
  };
}

const skipped = (state: StoreState, type: string, what: string): Reduction => ({
  state,
  changed: new Set(),
  problem: `${type}: ${what}; skipped`,
  skipped: true,
});

/** Gives a map the reducer may change: `map` itself when it is a draft, otherwise a copy (which becomes one). */
type Own = <K, V>(map: ReadonlyMap<K, V>) => Map<K, V>;

type Reducer = (state: StoreState, data: read.Json, now: number, own: Own) => Change | string;

/**
 * Applies one event to the state. Pure apart from `now`, which stamps
 * departures, and `drafts`; never throws: input it cannot use is skipped and
 * described in `problem`.
 *
 * `drafts` are maps this reducer made for states nobody has seen yet: they are
 * updated in place instead of copied (and maps it copies are added), so a burst
 * of heartbeats between two frames copies the 1,000-worker map once, not once
 * per event. The caller clears it whenever it hands a state out.
 */
export function reduce(
  state: StoreState,
  event: RawEvent,
  now: number = Date.now(),
  drafts: Set<object> = new Set(),
): Reduction {
  const { type, data } = event;
  const reducer = Object.hasOwn(reducers, type) ? reducers[type] : undefined;
  if (!reducer) return skipped(state, `"${type}"`, 'unknown event type');
  if (!read.isRecord(data)) return skipped(state, type, 'payload is not an object');
  if (typeof data.v === 'number' && data.v !== PROTOCOL_VERSION) {
    return skipped(state, type, `unsupported protocol version ${data.v}`);
  }
  const own: Own = (map) => {
    if (drafts.has(map)) return map as Map<never, never>;
    const copy = new Map(map);
    drafts.add(copy);
    return copy;
  };
  const change = reducer(state, data, now, own);
  return typeof change === 'string' ? skipped(state, type, change) : result(state, type, change);
}

/** Forgets departed workers (and their history) older than `departedTtlMs`. */
export function pruneDeparted(state: StoreState, now: number = Date.now()): Reduction {
  const expired = [...state.departed].filter(([, d]) => d.at + state.options.departedTtlMs <= now);
  if (expired.length === 0) return result(state, '', {});
  const departed = new Map(state.departed);
  const history = new Map(state.history);
  for (const [id] of expired) {
    departed.delete(id);
    if (!state.workers.has(id)) history.delete(id);
  }
  return result(state, '', { patch: { departed, history } });
}

/** `map` (or its draft) with `items` set by id. */
function upsert<T extends { id: string }>(own: Own, map: ReadonlyMap<string, T>, items: T[]): Map<string, T> {
  const next = own(map);
  for (const item of items) next.set(item.id, item);
  return next;
}

function recordSample(
  history: Map<string, WorkerHistory>,
  worker: Pick<Worker, 'id' | 'metrics'>,
  at: number,
  limit: number,
): void {
  if (!worker.metrics) return;
  history.set(
    worker.id,
    appendWorkerSample(history.get(worker.id) ?? emptyWorkerHistory(), at, worker.metrics, limit),
  );
}

const isValues = (value: unknown) => value === null || Array.isArray(value);

/** `worker_status_change` and the deprecated `worker_status_update` differ only in their field names. */
const statusReducer =
  (statusKey: string, timeKey: string, field: 'statusChangedAt' | 'lastHeartbeatAt'): Reducer =>
  (state, data, _now, own) => {
    const status = read.workerStatus(data[statusKey]);
    if (!read.isId(data.id) || !status) return 'missing id or status';
    const current = state.workers.get(data.id);
    if (!current) return {};
    const workers = own(state.workers);
    workers.set(data.id, { ...current, status, [field]: read.count(data[timeKey]) });
    return { patch: { workers } };
  };

const reducers: Record<string, Reducer> = {
  initial_data(state, data, now) {
    const workers = read.list(data.workers, read.worker);
    const resources = read.list(data.resources, read.resource);
    const queues = read.list(data.queues, read.queueSummary);
    const logs = read.list(data.logs, read.logEntry);
    const aggregates = read.aggregates(data.aggregates);
    const config = read.timings(data.config);
    if (!workers || !resources || !queues || !logs || !aggregates || !config) {
      return 'missing workers, resources, queues, logs, aggregates or config';
    }
    const at = read.count(data.at) || now;
    const { historyLength, aggregateWindowMs, logCapacity } = state.options;
    const workerMap = new Map(workers.items.map((w) => [w.id, w]));
    // Client-side history outlives a resync for workers that are still there, so sparklines do not reset.
    const history = new Map<string, WorkerHistory>();
    for (const worker of workers.items) {
      const previous = state.history.get(worker.id);
      if (previous) history.set(worker.id, previous);
      recordSample(history, worker, at, historyLength);
    }
    const departed = new Map<string, DepartedWorker>();
    for (const [id, entry] of state.departed) if (!workerMap.has(id)) departed.set(id, entry);
    for (const [id, worker] of state.workers) {
      if (!workerMap.has(id)) departed.set(id, { worker, at: now, reason: 'resync' });
    }
    return {
      patch: {
        ready: true,
        workers: workerMap,
        resources: new Map(resources.items.map((r) => [r.id, r])),
        queues: queues.items,
        aggregates,
        aggregateHistory: appendAggregateSample(state.aggregateHistory, at, aggregates, aggregateWindowMs),
        config,
        logRing: LogRing.empty(logCapacity).append(logs.items),
        history,
        departed,
      },
      dropped: workers.dropped || resources.dropped || queues.dropped || logs.dropped,
    };
  },

  dashboard_update(state, data, _now, own) {
    const aggregates = read.aggregates(data.aggregates);
    const queues = read.list(data.queues, read.queueSummary);
    const workers = read.list(data.workers, read.worker);
    if (!aggregates || !queues || !workers) return 'missing aggregates, queues or workers';
    const patch: Partial<StateFields> = {
      aggregates,
      queues: queues.items,
      aggregateHistory: appendAggregateSample(
        state.aggregateHistory,
        read.count(data.at),
        aggregates,
        state.options.aggregateWindowMs,
      ),
    };
    if (workers.items.length > 0) patch.workers = upsert(own, state.workers, workers.items);
    return { patch, dropped: queues.dropped || workers.dropped };
  },

  worker_registered(state, data, _now, own) {
    const worker = read.worker(data.worker);
    if (!worker) return 'missing or malformed worker';
    const patch: Partial<StateFields> = { workers: upsert(own, state.workers, [worker]) };
    if (state.departed.has(worker.id)) {
      const departed = own(state.departed);
      departed.delete(worker.id);
      patch.departed = departed;
    }
    if (worker.metrics) {
      const history = own(state.history);
      recordSample(history, worker, worker.lastHeartbeatAt, state.options.historyLength);
      patch.history = history;
    }
    return { patch };
  },

  worker_deregistered(state, data, now, own) {
    if (!read.isId(data.id)) return 'missing id';
    const worker = state.workers.get(data.id);
    if (!worker) return {};
    const workers = own(state.workers);
    workers.delete(data.id);
    const departed = own(state.departed);
    departed.set(data.id, {
      worker,
      at: now,
      reason: typeof data.reason === 'string' ? data.reason : 'requested',
    });
    return { patch: { workers, departed } };
  },

  worker_status_change: statusReducer('to', 'at', 'statusChangedAt'),
  worker_status_update: statusReducer('status', 'lastHeartbeatAt', 'lastHeartbeatAt'),

  metrics_update(state, data, _now, own) {
    if (!Array.isArray(data.items)) return 'missing items';
    const at = read.count(data.at);
    // Any value, a string or null too: only arrays of names pass.
    const fields = data.fields as read.Json | null | undefined;
    // Without the names, no value can be read: better to keep the current ones than to blank them.
    if (!Array.isArray(fields?.metrics) || !Array.isArray(fields.queueStats)) return 'missing fields';
    const readMetrics = read.rowReader(METRICS_FIELDS, fields.metrics);
    const readQueueStats = read.rowReader(QUEUE_STATS_FIELDS, fields.queueStats);
    const { historyLength } = state.options;
    let workers: Map<string, Worker> | undefined;
    let history: Map<string, WorkerHistory> | undefined;
    let dropped = false;
    for (const row of data.items as unknown[]) {
      // A row is [id, lastHeartbeatAt, metrics values, queueStats values] (see MetricsRow).
      // Values are an array, or null for "never reported"; anything else is a malformed row.
      if (!Array.isArray(row) || !read.isId(row[0]) || !isValues(row[2]) || !isValues(row[3])) {
        dropped = true;
        continue;
      }
      const [id, heartbeatAt, metricValues, queueValues] = row;
      const current = state.workers.get(id);
      if (!current) continue;
      const metrics = readMetrics(metricValues);
      // At most one map copy per event, not per item: 1,000 workers per tick stay cheap.
      workers ??= own(state.workers);
      history ??= own(state.history);
      workers.set(id, {
        ...current,
        metrics,
        queueStats: readQueueStats(queueValues),
        // Heartbeats ride here; max, since instances flush their ticks independently.
        lastHeartbeatAt: Math.max(current.lastHeartbeatAt, read.count(heartbeatAt)),
      });
      recordSample(history, { id, metrics }, at, historyLength);
    }
    if (!workers || !history) return { dropped };
    return { patch: { workers, history }, dropped };
  },

  resources_update(state, data, _now, own) {
    const resources = read.list(data.resources, read.resource);
    if (!resources) return 'missing resources';
    if (resources.items.length === 0) return { dropped: resources.dropped };
    return {
      patch: { resources: upsert(own, state.resources, resources.items) },
      dropped: resources.dropped,
    };
  },

  log(state, data) {
    const entries = read.list(data.entries, read.logEntry);
    if (!entries) return 'missing entries';
    if (entries.items.length === 0) return { dropped: entries.dropped };
    return {
      patch: { logRing: state.logRing.append(entries.items) },
      dropped: entries.dropped,
    };
  },

  // Connection-level messages: the transport acts on them; the data is unchanged.
  ping: () => ({}),
  reconnect: () => ({}),
};
