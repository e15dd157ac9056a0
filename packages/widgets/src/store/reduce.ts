import {
  ACTION_STATUSES,
  type Action,
  type LogEntry,
  type LogLevel,
  METRICS_FIELDS,
  PROTOCOL_VERSION,
  QUEUE_STATS_FIELDS,
  type QueueSummary,
  type QueueSummaryChange,
  type Worker,
  type WorkerStatus,
} from '@pulseboard/protocol';
import {
  appendAggregateSample,
  appendWorkerSample,
  readHistorySeed,
  seedAggregateHistory,
  seedWorkerHistory,
} from './history.js';
import { LogRing } from './log-ring.js';
import * as read from './sanitize.js';
import { type DepartedWorker, type StateFields, type StoreState, update } from './state.js';
import type { LogLine, Slice, WorkerHistory } from './types.js';
import { VersionedMap } from './versioned-map.js';

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

/** The slice each field of the state belongs to, so the slices an event changed follow from its patch. */
const SLICE_OF: Partial<Record<keyof StateFields, Slice>> = {
  workers: 'workers',
  departed: 'workers',
  rosterVersion: 'workers',
  declarationsVersion: 'actions',
  resources: 'resources',
  queues: 'queues',
  aggregates: 'aggregates',
  aggregateHistory: 'aggregates',
  logRing: 'logs',
  lineRing: 'logs',
  history: 'history',
  can: 'actions',
  actions: 'actions',
};

/** Recent actions the store keeps: enough for every control on screen to show its last outcome. */
export const ACTIONS_KEPT = 100;

/** The Reduction of a usable event: `patch` applied (when it has fields), and the items it had to drop. */
function result(state: StoreState, type: string, patch: Partial<StateFields>, dropped: boolean): Reduction {
  const changed = new Set<Slice>();
  let fields = 0;
  for (const key in patch) {
    fields++;
    const slice = SLICE_OF[key as keyof StateFields];
    if (slice) changed.add(slice);
  }
  return {
    state: fields > 0 ? update(state, patch) : state,
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

/** The map fields of the state, which reducers change through {@link EventContext.own}. */
type MapField = 'workers' | 'resources' | 'history' | 'departed' | 'actions';

/** What a reducer has besides the state and the payload, and what it notes while reading the payload. */
class EventContext {
  /** Set when malformed items of the payload (list items, metrics rows) were left out. */
  dropped = false;
  /** Set when a worker joined, left or was renamed, or a departed one was forgotten (see `rosterVersion`). */
  roster = false;
  /** Set when a worker joined or left declaring actions, or declared others (see `declarationsVersion`). */
  declared = false;
  /** The maps the reducer changed, by field. */
  readonly patch: Partial<StateFields> = {};
  /** The lines the event adds to `lines`. */
  readonly lines: LogLine[] = [];

  constructor(
    readonly state: StoreState,
    /** When the event is applied: stamps departures, and is the snapshot time if the payload lacks one. */
    readonly now: number,
    readonly drafts: Set<object>,
  ) {}

  /**
   * The state's map `key` for the reducer to change, which makes it part of the patch:
   * the version itself when it is a draft (see `reduce`), otherwise the next, which becomes one.
   */
  own<K extends MapField>(key: K): StateFields[K] {
    // A map in the patch is a draft already: a metrics tick's 2,000 rows skip the checks.
    const patched = this.patch[key];
    if (patched) return patched;
    const current: VersionedMap<unknown, unknown> = this.state[key];
    const map = this.drafts.has(current) ? current : current.next();
    this.drafts.add(map);
    this.patch[key] = map as never;
    return map as StateFields[K];
  }

  /** Sets worker `id` to `record`, or removes it when there is none, noting the id in `workerChanges`. */
  worker(id: string, record?: Worker): void {
    const workers = this.own('workers');
    if (record) workers.set(id, record);
    else workers.delete(id);
    let step = this.patch.workerChanges ?? this.state.workerChanges;
    // One step per state handed out: the events between two frames add to the same one.
    if (!this.drafts.has(step)) {
      step = { ids: new Set(), before: new WeakRef(step) };
      this.drafts.add(step);
      this.patch.workerChanges = step;
    }
    (step.ids as Set<string> | null)?.add(id);
  }

  /** Adds a line to `lines`, numbered on from the newest. */
  line(
    workerId: string,
    workerName: string,
    level: LogLevel,
    at: number,
    message: string,
    kind: LogLine['kind'],
  ): void {
    const ring = this.state.lineRing;
    const seq = (this.lines.at(-1) ?? ring.at(ring.size - 1))?.seq ?? 0;
    this.lines.push({ seq: seq + 1, at: at || this.now, level, workerId, workerName, message, kind });
  }

  /** A line for each of `entries`, named after the workers in `workers` (or the state's). */
  logLines(entries: readonly LogEntry[], workers: ReadonlyMap<string, Worker> = this.state.workers): void {
    for (const e of entries)
      this.line(e.workerId, nameOf(this.state, e.workerId, workers), e.level, e.at, e.message, 'log');
  }

  /** The items of a list field that `read` accepts (noting any it does not); null when `value` is not a list. */
  list<T>(value: unknown, read: (item: unknown) => T | null): T[] | null {
    if (!Array.isArray(value)) return null;
    const items: T[] = [];
    for (const item of value) {
      const clean = read(item);
      if (clean) items.push(clean);
    }
    if (items.length !== value.length) this.dropped = true;
    return items;
  }
}

/**
 * What a reducer makes of an event: the maps it changes go through `event.own`;
 * it returns the other fields to replace (if any), or, when it cannot use the
 * event at all, a short description of what was wrong with it.
 */
type Reducer = (
  state: StoreState,
  data: read.Json,
  event: EventContext,
) => Partial<StateFields> | string | undefined;

/**
 * Applies one event to the state. Pure apart from `now`, which stamps
 * departures, and `drafts`; never throws: input it cannot use is skipped and
 * described in `problem`.
 *
 * `drafts` are map versions (see `VersionedMap`) this reducer made for states
 * nobody has seen yet: they are changed as they are (and versions it makes are
 * added), so a burst of heartbeats between two frames makes one version of the
 * 1,000-worker map, not one per event. The caller clears it whenever it hands a
 * state out.
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
  const context = new EventContext(state, now, drafts);
  const fields = reducer(state, data, context);
  if (typeof fields === 'string') return skipped(state, type, fields);
  const lines = context.lines.length > 0 ? { lineRing: state.lineRing.append(context.lines) } : {};
  return result(state, type, Object.assign(context.patch, fields, lines, versions(context)), context.dropped);
}

/** The next `rosterVersion` and `declarationsVersion`, when the event changed what they follow. */
const versions = ({ roster, declared, state }: EventContext): Partial<StateFields> => ({
  ...(roster && { rosterVersion: state.rosterVersion + 1 }),
  ...(declared && { declarationsVersion: state.declarationsVersion + 1 }),
});

/** Forgets departed workers (and their history) older than `departedTtlMs`. */
export function pruneDeparted(state: StoreState, now: number = Date.now()): Reduction {
  const event = new EventContext(state, now, new Set());
  for (const [id, { at }] of state.departed) {
    if (at + state.options.departedTtlMs > now) continue;
    event.own('departed').delete(id);
    // History is replaced whenever a departure expires; a worker that came back keeps its entry.
    const history = event.own('history');
    if (!state.workers.has(id)) history.delete(id);
    event.roster = true;
  }
  return result(state, '', Object.assign(event.patch, versions(event)), false);
}

const text = JSON.stringify;

/** A payload's `workers`, each naming an `actionSets` list given that list, read once (1,000 BullMQ queues share one). */
const readWorkers = (event: EventContext, data: read.Json) => {
  const sets = Array.isArray(data.actionSets) ? data.actionSets.map(read.actions) : [];
  return event.list(data.workers, (value) => read.worker(value, sets));
};

/**
 * Sets `workers` by id, noting whether one joined or was renamed, and whether one joined declaring actions or
 * declared others (a heartbeat's copy changes none of these).
 */
function upsertWorkers(event: EventContext, workers: Worker[]): void {
  for (const worker of workers) {
    const held = event.state.workers.get(worker.id);
    if (held?.name !== worker.name) event.roster = true;
    if (
      (held?.actions.length || worker.actions.length) &&
      held?.actions !== worker.actions &&
      text(held?.actions) !== text(worker.actions)
    )
      event.declared = true;
  }
  for (const worker of workers) event.worker(worker.id, worker);
}

function recordSample(
  history: VersionedMap<string, WorkerHistory>,
  worker: Pick<Worker, 'id' | 'metrics'>,
  at: number,
  limit: number,
): void {
  if (!worker.metrics) return;
  history.set(worker.id, appendWorkerSample(history.get(worker.id), at, worker.metrics, limit));
}

const isValues = (value: unknown) => value === null || Array.isArray(value);

/**
 * `queues` over the state's (`whole`: instead of them): each replaces its namesake, keeping its worker ids
 * unless it lists them, and one listing no workers is gone; a summary that says nothing new keeps the
 * state's object, and a list with nothing new the state's list, so no element redraws for it (the periodic
 * `dashboard_update` resends every queue).
 */
function mergeQueues(
  state: StoreState,
  queues: QueueSummaryChange[],
  whole?: boolean,
): Partial<StateFields> | undefined {
  const held = new Map(state.queues.map((q) => [q.name, q]));
  const next = whole ? new Map<string, QueueSummary>() : new Map(held);
  for (const q of queues) {
    const was = held.get(q.name);
    const now = { ...q, workerIds: q.workerIds ?? was?.workerIds ?? [] };
    if (!whole && q.workerIds?.length === 0) next.delete(q.name);
    else
      next.set(
        q.name,
        // Figures first, the ids (10,000 at 10,000 workers) only when listed; both read by the same
        // sanitizer, so their keys come in the same order.
        was &&
          text({ ...q, workerIds: 0 }) === text({ ...was, workerIds: 0 }) &&
          (now.workerIds === was.workerIds || text(now.workerIds) === text(was.workerIds))
          ? was
          : now,
      );
  }
  const list = [...next.values()];
  if (list.length !== state.queues.length || list.some((q, i) => q !== state.queues[i]))
    return { queues: list };
}

/** A worker's name for its lines: from `workers` (a snapshot's), the state's or the departed; else its id. */
const nameOf = (
  state: StoreState,
  id: string,
  workers: ReadonlyMap<string, Worker> = state.workers,
): string =>
  workers.get(id)?.name || state.workers.get(id)?.name || state.departed.get(id)?.worker.name || id;

/** How far along an action is: pending, delivered, then any outcome, which is final. */
const stage = (action: Action) => Math.min(ACTION_STATUSES.indexOf(action.status), 2);

/**
 * Adds or advances `items` in `actions`, oldest first; a status never goes back, so a replayed event or an older list
 * changes nothing. The oldest go past `ACTIONS_KEPT`.
 */
function mergeActions(event: EventContext, items: readonly Action[]): void {
  let map: VersionedMap<string, Action> | undefined;
  for (const action of items) {
    const known = (map ?? event.state.actions).get(action.id);
    if (known && stage(known) >= stage(action)) continue;
    map ??= event.own('actions');
    map.set(action.id, action);
  }
  for (const id of map?.keys() ?? []) {
    if (map!.size <= ACTIONS_KEPT) break;
    map!.delete(id);
  }
}

/** `action_requested` and `action_completed`: the action as it is now. */
const actionReducer: Reducer = (_state, data, event) => {
  const action = read.action(data.action);
  if (!action) return 'missing or malformed action';
  mergeActions(event, [action]);
};

/** The level of a status change's line. */
const STATUS_LEVEL: Partial<Record<WorkerStatus, LogLevel>> = {
  unhealthy: 'error',
  offline: 'warn',
  degraded: 'warn',
};

/**
 * `worker_status_change` and the deprecated `worker_status_update` differ in their field names, and in that
 * a change is a line in `lines`.
 */
const statusReducer =
  (
    statusKey: string,
    timeKey: string,
    field: 'statusChangedAt' | 'lastHeartbeatAt',
    isChange: boolean,
  ): Reducer =>
  (state, data, event) => {
    const status = read.workerStatus(data[statusKey]);
    if (!read.isId(data.id) || !status) return 'missing id or status';
    const at = read.count(data[timeKey]);
    const current = state.workers.get(data.id);
    if (current) event.worker(data.id, { ...current, status, [field]: at });
    if (isChange) {
      const reason = read.text(data.reason, '');
      const message = `Status ${read.text(data.from, '?')} → ${status}${reason ? ` (${reason})` : ''}`;
      event.line(data.id, nameOf(state, data.id), STATUS_LEVEL[status] ?? 'info', at, message, 'event');
    }
  };

const reducers: Record<string, Reducer> = {
  initial_data(state, data, event) {
    const workers = readWorkers(event, data);
    const resources = event.list(data.resources, read.resource);
    const queues = event.list(data.queues, read.queueSummary);
    const logs = event.list(data.logs, read.logEntry);
    const aggregates = read.aggregates(data.aggregates);
    const config = read.timings(data.config);
    if (!workers || !resources || !queues || !logs || !aggregates || !config) {
      return 'missing workers, resources, queues, logs, aggregates or config';
    }
    const at = read.count(data.at) || event.now;
    const { historyLength, aggregateWindowMs, logCapacity } = state.options;
    event.roster = true;
    const workerMap = new Map(workers.map((w) => [w.id, w]));
    // Client-side history outlives a resync for workers that are still there, so sparklines do not reset;
    // the server's recent history fills in what is older than the client's own samples.
    const seed = readHistorySeed(data.history);
    const history = new VersionedMap<string, WorkerHistory>();
    for (const worker of workers) {
      const previous = state.history.get(worker.id);
      const seeded = seed ? seedWorkerHistory(previous, seed, worker.id, historyLength) : previous;
      if (seeded) history.set(worker.id, seeded);
      recordSample(history, worker, at, historyLength);
    }
    const departed = new VersionedMap<string, DepartedWorker>();
    for (const [id, entry] of state.departed) if (!workerMap.has(id)) departed.set(id, entry);
    for (const [id, worker] of state.workers) {
      if (!workerMap.has(id)) departed.set(id, { worker, at: event.now, reason: 'resync' });
    }
    // `lines` outlive a resync: the snapshot adds the entries newer than the newest it has (none, the first time).
    let newest = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < state.lineRing.size; i++) {
      const line = state.lineRing.at(i)!;
      // A time past what a Date holds (8.64e15 ms, from an older server) must not hide every later line.
      if (line.kind === 'log') newest = Math.max(newest, line.at <= 8.64e15 ? line.at : 0);
    }
    event.logLines(
      logs.filter((e) => e.at > newest),
      workerMap,
    );
    // Only if the server sends them; else the client asks for the list (see `action_list`).
    mergeActions(event, (event.list(data.actions, read.action) ?? []).reverse());
    return {
      can: read.permissions(data.can),
      ready: true,
      workers: new VersionedMap(workerMap),
      resources: new VersionedMap(new Map(resources.map((r) => [r.id, r]))),
      queues,
      aggregates,
      aggregateHistory: appendAggregateSample(
        seed ? seedAggregateHistory(state.aggregateHistory, seed) : state.aggregateHistory,
        at,
        aggregates,
        aggregateWindowMs,
      ),
      config,
      logRing: LogRing.empty(logCapacity).append(logs),
      history,
      departed,
      workerChanges: { ids: null, before: null },
    };
  },

  dashboard_update(state, data, event) {
    const aggregates = read.aggregates(data.aggregates);
    const queues = event.list(data.queues, read.queueSummary);
    const workers = readWorkers(event, data);
    if (!aggregates || !queues || !workers) return 'missing aggregates, queues or workers';
    upsertWorkers(event, workers);
    return {
      aggregates,
      ...mergeQueues(state, queues, true),
      aggregateHistory: appendAggregateSample(
        state.aggregateHistory,
        read.count(data.at),
        aggregates,
        state.options.aggregateWindowMs,
      ),
    };
  },

  worker_registered(state, data, event) {
    const worker = read.worker(data.worker);
    if (!worker) return 'missing or malformed worker';
    upsertWorkers(event, [worker]);
    const message = worker.queue ? `Registered · queue ${worker.queue}` : 'Registered';
    event.line(worker.id, worker.name, 'info', worker.registeredAt, message, 'event');
    if (state.departed.has(worker.id)) event.own('departed').delete(worker.id);
    if (worker.metrics) {
      recordSample(event.own('history'), worker, worker.lastHeartbeatAt, state.options.historyLength);
    }
  },

  worker_deregistered(state, data, event) {
    if (!read.isId(data.id)) return 'missing id';
    const expired = data.reason === 'expired';
    const message = expired ? 'Expired after going offline' : 'Deregistered';
    event.line(data.id, nameOf(state, data.id), expired ? 'warn' : 'info', event.now, message, 'event');
    const worker = state.workers.get(data.id);
    if (!worker) return;
    event.roster = true;
    if (worker.actions.length) event.declared = true;
    event.worker(data.id);
    event.own('departed').set(data.id, {
      worker,
      at: event.now,
      reason: read.text(data.reason, 'requested'),
    });
  },

  worker_status_change: statusReducer('to', 'at', 'statusChangedAt', true),
  worker_status_update: statusReducer('status', 'lastHeartbeatAt', 'lastHeartbeatAt', false),

  metrics_update(state, data, event) {
    if (!Array.isArray(data.items)) return 'missing items';
    const at = read.count(data.at);
    // Any value, a string or null too: only arrays of names pass.
    const fields = data.fields as read.Json | null | undefined;
    // Without the names, no value can be read: better to keep the current ones than to blank them.
    if (!Array.isArray(fields?.metrics) || !Array.isArray(fields.queueStats)) return 'missing fields';
    const readMetrics = read.rowReader(METRICS_FIELDS, fields.metrics);
    const readQueueStats = read.rowReader(QUEUE_STATS_FIELDS, fields.queueStats);
    const { historyLength } = state.options;
    let history: VersionedMap<string, WorkerHistory> | undefined;
    for (const row of data.items as unknown[]) {
      // A row is [id, lastHeartbeatAt, metrics values, queueStats values] (see MetricsRow).
      // Values are an array, or null for "never reported"; anything else is a malformed row.
      if (!Array.isArray(row) || !read.isId(row[0]) || !isValues(row[2]) || !isValues(row[3])) {
        event.dropped = true;
        continue;
      }
      const [id, heartbeatAt, metricValues, queueValues] = row;
      const current = state.workers.get(id);
      if (!current) continue;
      const metrics = readMetrics(metricValues);
      event.worker(id, {
        ...current,
        metrics,
        queueStats: readQueueStats(queueValues),
        // Heartbeats ride here; max, since instances flush their ticks independently.
        lastHeartbeatAt: Math.max(current.lastHeartbeatAt, read.count(heartbeatAt)),
      });
      // One `own` per event, not per item.
      history ??= event.own('history');
      recordSample(history, { id, metrics }, at, historyLength);
    }
  },

  queues_update(state, data, event) {
    const queues = event.list(data.queues, read.queueChange);
    if (!queues) return 'missing queues';
    return mergeQueues(state, queues);
  },

  resources_update(_state, data, event) {
    const resources = event.list(data.resources, read.resource);
    if (!resources) return 'missing resources';
    if (resources.length === 0) return;
    const map = event.own('resources');
    for (const resource of resources) map.set(resource.id, resource);
  },

  log(state, data, event) {
    const entries = event.list(data.entries, read.logEntry);
    if (!entries) return 'missing entries';
    event.logLines(entries);
    if (entries.length > 0) return { logRing: state.logRing.append(entries) };
  },

  // Read by <dlq-monitor>'s open list (client.subscribe); the store keeps no dead letters.
  dead_letters_update() {},

  action_requested: actionReducer,
  action_completed: actionReducer,

  // Not an event of the stream: the answer of `GET /api/actions` (newest first), which the client asks for after
  // each `initial_data` without actions.
  action_list(_state, data, event) {
    const actions = event.list(data.actions, read.action);
    if (!actions) return 'missing actions';
    mergeActions(event, actions.reverse());
  },

  // Connection-level messages: the transport acts on them; the data is unchanged.
  ping() {},
  reconnect() {},
};
