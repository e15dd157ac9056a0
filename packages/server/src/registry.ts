import {
  type DeregisterReason,
  type HeartbeatBody,
  type LogEntry,
  type LogLineInput,
  METRICS_FIELDS,
  QUEUE_STATS_FIELDS,
  type QueueStats,
  type RegisterWorkerBody,
  type ReportableStatus,
  type Resource,
  type ResourceReport,
  type StatusChangeReason,
  PROTOCOL_VERSION as v,
  type Worker,
  type WorkerMetrics,
  type WorkerStatus,
} from '@pulseboard/protocol';
import type { LoggedEventInput } from './events.js';
import { Listeners } from './listeners.js';
import type { Change, ChangeEvents, RegistryStore, Storage, StoredWorker } from './store/types.js';

export interface RegistryOptions {
  /**
   * Each write to `store` logs its events itself, in the same atomic step (see `ChangeEvents`);
   * the sweeper judges staleness only on time storage was `reachable` (heartbeats could be heard).
   */
  storage: Pick<Storage, 'store' | 'reachable'>;
  staleAfterMs: number;
  expireAfterMs: number;
  /** After storage was unreachable, how much longer than `staleAfterMs` before workers are judged again. */
  outageGraceMs: number;
  now?: () => number;
}

export interface Snapshot {
  workers: Worker[];
  resources: Resource[];
  logs: LogEntry[];
}

const sameDescription = (a: Worker, b: Worker) =>
  a.name === b.name &&
  a.queue === b.queue &&
  JSON.stringify(a.labels) === JSON.stringify(b.labels) &&
  JSON.stringify(a.actions) === JSON.stringify(b.actions);

const sameResource = (a: Resource, b: Resource) =>
  a.name === b.name &&
  a.kind === b.kind &&
  a.status === b.status &&
  a.latencyMs === b.latencyMs &&
  a.message === b.message;

function statusReason(
  from: WorkerStatus,
  to: WorkerStatus,
  cause: 'reported' | 'registered',
): StatusChangeReason {
  if (from === 'offline') return 'recovered';
  if (to === 'stopping') return 'stopping';
  return cause;
}

/**
 * A worker's next record: `base` with a new status, heartbeat time and
 * figures, its fields in the order `register` creates them. Every stored
 * worker then has one object shape, which keeps the heartbeat path (a new
 * record per heartbeat) on V8's fast paths; spreading `base` cost ~4 µs a
 * heartbeat in shape misses (docs/benchmarks.md, ingest).
 */
function nextRecord(
  base: Worker,
  status: WorkerStatus,
  now: number,
  lastHeartbeatAt: number,
  metrics: WorkerMetrics | null,
  queueStats: QueueStats | null,
): Worker {
  return {
    id: base.id,
    name: base.name,
    queue: base.queue,
    status,
    registeredAt: base.registeredAt,
    lastHeartbeatAt,
    statusChangedAt: base.status === status ? base.statusChangedAt : now,
    metrics,
    queueStats,
    labels: base.labels,
    actions: base.actions ?? [],
    ...(base.fleet !== undefined && { fleet: base.fleet }),
  };
}

/**
 * Merges a partial report over the stored figures: the named fields change, the others stay (0
 * when never reported), in `fields` order so every record has one shape. Compiled once per list
 * of fields into one object literal, as ajv compiles its validators: a loop over the names took
 * ~10 times as long, and this runs twice a heartbeat. The names are the protocol's constants.
 */
function merger<K extends string>(fields: readonly K[]): Merge<K> {
  const read = (field: K) => {
    const key = JSON.stringify(field);
    return `${key}: patch[${key}] ?? base?.[${key}] ?? 0`;
  };
  return new Function('base', 'patch', `return { ${fields.map(read).join(', ')} };`) as Merge<K>;
}

type Merge<K extends string> = (
  base: Record<K, number> | null,
  patch: Partial<Record<K, number>>,
) => Record<K, number>;

const mergeMetrics = merger(METRICS_FIELDS);
const mergeQueueStats = merger(QUEUE_STATS_FIELDS);

function stored(worker: Worker, reportedStatus: ReportableStatus, dueAt: number): StoredWorker {
  return { worker, reportedStatus, dueAt };
}

/** A known worker's record after a heartbeat: partial figures merged over the stored ones. */
function beat(current: StoredWorker, body: HeartbeatBody, now: number, dueAt: number): StoredWorker {
  const reportedStatus: ReportableStatus = body.status ?? current.reportedStatus;
  const base = current.worker;
  const metrics = body.metrics ? mergeMetrics(base.metrics, body.metrics) : base.metrics;
  const queueStats = body.queueStats ? mergeQueueStats(base.queueStats, body.queueStats) : base.queueStats;
  return stored(nextRecord(base, reportedStatus, now, now, metrics, queueStats), reportedStatus, dueAt);
}

/**
 * Worker and resource state and its transitions, each written together with
 * the events it causes; owns no timers.
 */
export class Registry {
  readonly #store: RegistryStore;
  readonly #storage: RegistryOptions['storage'];
  readonly #heartbeats = new Listeners<[worker: Worker, before: Worker]>();
  readonly #staleAfterMs: number;
  readonly #expireAfterMs: number;
  readonly #outageGraceMs: number;
  readonly #now: () => number;

  constructor(options: RegistryOptions) {
    this.#outageGraceMs = options.outageGraceMs;
    this.#storage = options.storage;
    this.#store = options.storage.store;
    this.#staleAfterMs = options.staleAfterMs;
    this.#expireAfterMs = options.expireAfterMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Calls `listener` with the record each heartbeat or re-registration wrote, and the one before
   * it (the hub coalesces the figures into `metrics_update` and learns which queues moved).
   * Returns the unsubscribe.
   */
  subscribeHeartbeats(listener: (worker: Worker, before: Worker) => void): () => void {
    return this.#heartbeats.subscribe(listener);
  }

  /** Creates the worker, or refreshes it when the id is known (registration is idempotent). */
  async register(body: RegisterWorkerBody): Promise<{ worker: Worker; created: boolean }> {
    const now = this.#now();
    const { before, after } = await this.#store.workers.update(
      body.id,
      (current) => {
        const reportedStatus = body.status ?? current?.reportedStatus ?? 'starting';
        const base = current?.worker;
        // The field order nextRecord keeps.
        const worker: Worker = {
          id: body.id,
          name: body.name ?? base?.name ?? body.id,
          queue: body.queue !== undefined ? body.queue : (base?.queue ?? null),
          status: reportedStatus,
          registeredAt: base?.registeredAt ?? now,
          lastHeartbeatAt: now,
          statusChangedAt: base && base.status === reportedStatus ? base.statusChangedAt : now,
          metrics: body.metrics ? mergeMetrics(base?.metrics ?? null, body.metrics) : (base?.metrics ?? null),
          queueStats: body.queueStats
            ? mergeQueueStats(base?.queueStats ?? null, body.queueStats)
            : (base?.queueStats ?? null),
          labels: body.labels ?? base?.labels ?? {},
          // A record stored before workers declared actions has none.
          actions: body.actions ?? base?.actions ?? [],
          ...(body.fleet !== undefined && { fleet: body.fleet }),
        };
        return stored(worker, reportedStatus, now + this.#staleAfterMs);
      },
      (before, after) => {
        const worker = (after as StoredWorker).worker;
        if (!before) return [registered(worker)];
        const events = sameDescription(before.worker, worker) ? [] : [registered(worker)];
        return events.concat(statusChange(before.worker, worker, 'registered'));
      },
    );
    const worker = (after as StoredWorker).worker;
    if (before) this.#heartbeats.emit(worker, before.worker);
    return { worker, created: !before };
  }

  /** One worker's heartbeat: its record after it, undefined when unknown; a refused resource throws. */
  async heartbeat(id: string, body: HeartbeatBody): Promise<Worker | undefined> {
    const [result] = await this.heartbeats([id], [body]);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * The heartbeats of one worker or many (`bodies[i]` from `ids[i]`), stored in one pass. Per
   * worker: its record after the heartbeat, undefined when unknown (the caller answers 404 and the
   * reporter registers again), or the error that stopped its write or refused one of its
   * resources (each resource is stored with its event, so the heartbeat and the resources before
   * the refused one stay announced).
   */
  async heartbeats(
    ids: readonly string[],
    bodies: readonly HeartbeatBody[],
  ): Promise<(Worker | undefined | Error)[]> {
    const now = this.#now();
    const dueAt = now + this.#staleAfterMs;
    const changes = await this.#store.workers.updateExisting(
      ids,
      (current, i) => beat(current, bodies[i] as HeartbeatBody, now, dueAt),
      beatEvents,
    );
    const results: (Worker | undefined | Error)[] = new Array(ids.length);
    // Made only for a heartbeat that reports resources: most do not.
    let reports: Promise<void>[] | undefined;
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i] as Change<StoredWorker> | Error;
      if (change instanceof Error) {
        results[i] = change;
        continue;
      }
      const { before, after } = change;
      results[i] = after?.worker;
      if (!before || !after) continue;
      // The records are announced as they are: no copy a heartbeat.
      this.#heartbeats.emit(after.worker, before.worker);
      const resources = (bodies[i] as HeartbeatBody).resources;
      if (!resources?.length) continue;
      const report = this.#upsertResources(resources, now).catch((err: unknown) => {
        results[i] = err as Error;
      });
      if (reports) reports.push(report);
      else reports = [report];
    }
    if (reports) await Promise.all(reports);
    return results;
  }

  async deregister(id: string, reason: DeregisterReason = 'requested'): Promise<boolean> {
    const { before } = await this.#store.workers.update(
      id,
      () => undefined,
      () => [deregistered(id, reason)],
    );
    return before !== undefined;
  }

  /** Returns undefined for an unknown worker. */
  async addLogs(id: string, lines: readonly LogLineInput[]): Promise<LogEntry[] | undefined> {
    if (!(await this.#store.workers.get(id))) return undefined;
    const now = this.#now();
    const entries = lines.map((line) => ({
      workerId: id,
      level: line.level,
      message: line.message,
      at: line.at ?? now,
    }));
    await this.#store.logs.append(entries, [{ type: 'log', data: { v, entries } }]);
    return entries;
  }

  async upsertResource(report: ResourceReport): Promise<Resource> {
    return this.#upsertResource(report, this.#now());
  }

  /**
   * Marks workers offline and removes long-offline ones: those whose `dueAt`
   * has passed, which the store lists without reading the rest. Each
   * transition is re-checked inside the store's atomic update, so only the
   * caller that actually made it emits it.
   */
  async sweep(): Promise<void> {
    const now = this.#now();
    // Heartbeats failed while storage was away, and reporters back off: no verdicts until they had a
    // stale period (plus their longest backoff, after an outage) to get one through.
    const reachable = this.#storage.reachable();
    const grace = this.#staleAfterMs + (reachable?.afterOutage ? this.#outageGraceMs : 0);
    if (!reachable || now < reachable.since + grace) return;
    for (const { worker } of await this.#store.workers.due(now)) {
      const { id } = worker;
      await this.#store.workers.update(
        id,
        (current) => {
          if (!current || current.dueAt > now) return current;
          if (current.worker.status === 'offline') return undefined;
          const w = current.worker;
          const worker = nextRecord(w, 'offline', now, w.lastHeartbeatAt, w.metrics, w.queueStats);
          return stored(worker, current.reportedStatus, now + this.#expireAfterMs);
        },
        (before, after): LoggedEventInput[] =>
          after
            ? [statusEvent(id, (before as StoredWorker).worker.status, 'offline', now, 'stale')]
            : [deregistered(id, 'expired')],
      );
    }
  }

  async worker(id: string): Promise<Worker | undefined> {
    return (await this.#store.workers.get(id))?.worker;
  }

  /** The workers of `ids`, in their order (undefined for one that is gone). */
  async workersById(ids: readonly string[]): Promise<(Worker | undefined)[]> {
    return (await this.#store.workers.many(ids)).map((stored) => stored?.worker);
  }

  /** The workers of `queue`, read without the rest. */
  async queueWorkers(queue: string): Promise<Worker[]> {
    return (await this.#store.workers.inGroup('queue', queue)).map((stored) => stored.worker);
  }

  /** The ids of the workers registered with `fleet`, read without the rest. */
  async fleetWorkerIds(fleet: string): Promise<string[]> {
    return (await this.#store.workers.inGroup('fleet', fleet)).map((stored) => stored.worker.id);
  }

  async snapshot(): Promise<Snapshot> {
    const [stored, resources, logs] = await Promise.all([
      this.#store.workers.list(),
      this.#store.resources.list(),
      this.#store.logs.recent(),
    ]);
    return { workers: stored.map((s) => s.worker), resources, logs };
  }

  /** One after the other: one refused (past the limit) leaves the ones before it stored and announced. */
  async #upsertResources(reports: readonly ResourceReport[], now: number): Promise<void> {
    for (const report of reports) await this.#upsertResource(report, now);
  }

  /**
   * Stores a resource report. One that repeats what is stored changes nothing, not even
   * `updatedAt`: every stored change is one a client is told about.
   */
  async #upsertResource(report: ResourceReport, now: number): Promise<Resource> {
    const { after } = await this.#store.resources.update(
      report.id,
      (current) => {
        const next: Resource = {
          id: report.id,
          name: report.name ?? current?.name ?? report.id,
          kind: report.kind ?? current?.kind ?? 'other',
          status: report.status,
          latencyMs: report.latencyMs !== undefined ? report.latencyMs : (current?.latencyMs ?? null),
          message: report.message !== undefined ? report.message : (current?.message ?? null),
          updatedAt: now,
        };
        return current && sameResource(current, next) ? current : next;
      },
      (_, after) => [{ type: 'resources_update', data: { v, resources: [after as Resource] } }],
    );
    return after as Resource;
  }
}

/** A heartbeat writes only known workers' rows, so `before` and `after` are both there. */
const beatEvents: ChangeEvents<StoredWorker> = (before, after) =>
  statusChange((before as StoredWorker).worker, (after as StoredWorker).worker, 'reported');

const registered = (worker: Worker): LoggedEventInput => ({ type: 'worker_registered', data: { v, worker } });

const deregistered = (id: string, reason: DeregisterReason): LoggedEventInput => ({
  type: 'worker_deregistered',
  data: { v, id, reason },
});

const statusEvent = (
  id: string,
  from: WorkerStatus,
  to: WorkerStatus,
  at: number,
  reason: StatusChangeReason,
): LoggedEventInput => ({ type: 'worker_status_change', data: { v, id, from, to, at, reason } });

/** What most writes log: shared, so a heartbeat that changes no status allocates no list. */
const NO_EVENTS: readonly LoggedEventInput[] = [];

/** A status that changed is announced at once; an unchanged one says nothing new. */
function statusChange(
  before: Worker,
  after: Worker,
  cause: 'reported' | 'registered',
): readonly LoggedEventInput[] {
  if (before.status === after.status) return NO_EVENTS;
  const reason = statusReason(before.status, after.status, cause);
  return [statusEvent(after.id, before.status, after.status, after.statusChangedAt, reason)];
}
