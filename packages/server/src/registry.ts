import type {
  DeregisterReason,
  HeartbeatBody,
  LogEntry,
  LogLineInput,
  MetricsItem,
  QueueStats,
  RegisterWorkerBody,
  ReportableStatus,
  Resource,
  ResourceReport,
  StatusChangeReason,
  Worker,
  WorkerMetrics,
  WorkerStatus,
} from '@pulseboard/protocol';
import type { RegistryStore, StoredWorker } from './store/types.js';

/** What happened to the registry, in order; the hub turns these into events. */
export type RegistryChange =
  | { kind: 'registered'; worker: Worker }
  | { kind: 'deregistered'; id: string; reason: DeregisterReason }
  | {
      kind: 'status';
      id: string;
      from: WorkerStatus;
      to: WorkerStatus;
      at: number;
      reason: StatusChangeReason;
    }
  /** A heartbeat or re-registration: the latest metrics and `lastHeartbeatAt`, coalesced per tick by the hub. */
  | { kind: 'metrics'; item: MetricsItem }
  | { kind: 'resources'; resources: Resource[] }
  | { kind: 'logs'; entries: LogEntry[] };

export interface RegistryOptions {
  store: RegistryStore;
  /** Awaited, so a request answers only after its events are logged. */
  onChange: (changes: RegistryChange[]) => Promise<void>;
  staleAfterMs: number;
  expireAfterMs: number;
  now?: () => number;
}

export interface Snapshot {
  workers: Worker[];
  resources: Resource[];
  logs: LogEntry[];
}

const sameDescription = (a: Worker, b: Worker) =>
  a.name === b.name && a.queue === b.queue && JSON.stringify(a.labels) === JSON.stringify(b.labels);

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
  };
}

function stored(worker: Worker, reportedStatus: ReportableStatus, dueAt: number): StoredWorker {
  return { worker, reportedStatus, dueAt };
}

/** Worker and resource state and its transitions; owns no timers. */
export class Registry {
  readonly #store: RegistryStore;
  readonly #onChange: RegistryOptions['onChange'];
  readonly #staleAfterMs: number;
  readonly #expireAfterMs: number;
  readonly #now: () => number;

  constructor(options: RegistryOptions) {
    this.#store = options.store;
    this.#onChange = options.onChange;
    this.#staleAfterMs = options.staleAfterMs;
    this.#expireAfterMs = options.expireAfterMs;
    this.#now = options.now ?? Date.now;
  }

  /** Creates the worker, or refreshes it when the id is known (registration is idempotent). */
  async register(body: RegisterWorkerBody): Promise<{ worker: Worker; created: boolean }> {
    const now = this.#now();
    const { before, after } = await this.#store.workers.update(body.id, (current) => {
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
        metrics: body.metrics ?? base?.metrics ?? null,
        queueStats: body.queueStats ?? base?.queueStats ?? null,
        labels: body.labels ?? base?.labels ?? {},
      };
      return stored(worker, reportedStatus, now + this.#staleAfterMs);
    });
    const worker = (after as StoredWorker).worker;
    const changes: RegistryChange[] = [];
    if (!before) {
      changes.push({ kind: 'registered', worker });
    } else {
      if (!sameDescription(before.worker, worker)) changes.push({ kind: 'registered', worker });
      const status = statusChange(before.worker, worker, 'registered');
      if (status) changes.push(status);
      changes.push(metricsChange(worker));
    }
    await this.#onChange(changes);
    return { worker, created: !before };
  }

  /** Returns undefined for an unknown worker, so the caller can answer 404 and the reporter re-registers. */
  async heartbeat(id: string, body: HeartbeatBody): Promise<Worker | undefined> {
    const now = this.#now();
    const { before, after } = await this.#store.workers.update(id, (current) => {
      if (!current) return undefined;
      const reportedStatus: ReportableStatus = body.status ?? current.reportedStatus;
      const base = current.worker;
      const metrics = body.metrics ?? base.metrics;
      const queueStats = body.queueStats ?? base.queueStats;
      return stored(
        nextRecord(base, reportedStatus, now, now, metrics, queueStats),
        reportedStatus,
        now + this.#staleAfterMs,
      );
    });
    if (!before || !after) return undefined;
    const changes: RegistryChange[] = [];
    const status = statusChange(before.worker, after.worker, 'reported');
    if (status) changes.push(status);
    changes.push(metricsChange(after.worker));
    const resources: Resource[] = [];
    let failure: unknown;
    try {
      for (const report of body.resources ?? []) {
        const { resource, changed } = await this.#upsertResource(report, now);
        if (changed) resources.push(resource);
      }
    } catch (err) {
      // A resource refused (past the limit) or not stored: what was stored is announced all the same.
      failure = err;
    }
    if (resources.length) changes.push({ kind: 'resources', resources });
    await this.#onChange(changes);
    if (failure) throw failure;
    return after.worker;
  }

  async deregister(id: string, reason: DeregisterReason = 'requested'): Promise<boolean> {
    const { before } = await this.#store.workers.update(id, () => undefined);
    if (!before) return false;
    await this.#onChange([{ kind: 'deregistered', id, reason }]);
    return true;
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
    await this.#store.logs.append(entries);
    await this.#onChange([{ kind: 'logs', entries }]);
    return entries;
  }

  async upsertResource(report: ResourceReport): Promise<Resource> {
    const { resource, changed } = await this.#upsertResource(report, this.#now());
    if (changed) await this.#onChange([{ kind: 'resources', resources: [resource] }]);
    return resource;
  }

  /**
   * Marks workers offline and removes long-offline ones: those whose `dueAt`
   * has passed, which the store lists without reading the rest. Each
   * transition is re-checked inside the store's atomic update, so only the
   * caller that actually made it emits it.
   */
  async sweep(): Promise<void> {
    const now = this.#now();
    const changes: RegistryChange[] = [];
    for (const { worker } of await this.#store.workers.due(now)) {
      const { id } = worker;
      const { before, after } = await this.#store.workers.update(id, (current) => {
        if (!current || current.dueAt > now) return current;
        if (current.worker.status === 'offline') return undefined;
        const w = current.worker;
        const worker = nextRecord(w, 'offline', now, w.lastHeartbeatAt, w.metrics, w.queueStats);
        return stored(worker, current.reportedStatus, now + this.#expireAfterMs);
      });
      if (!before || before === after) continue;
      if (after) {
        changes.push({
          kind: 'status',
          id,
          from: before.worker.status,
          to: 'offline',
          at: now,
          reason: 'stale',
        });
      } else {
        changes.push({ kind: 'deregistered', id, reason: 'expired' });
      }
    }
    if (changes.length) await this.#onChange(changes);
  }

  async snapshot(): Promise<Snapshot> {
    const [stored, resources, logs] = await Promise.all([
      this.#store.workers.list(),
      this.#store.resources.list(),
      this.#store.logs.recent(),
    ]);
    return { workers: stored.map((s) => s.worker), resources, logs };
  }

  /**
   * Stores a resource report. One that repeats what is stored changes nothing, not even
   * `updatedAt`: every stored change is one a client is told about.
   */
  async #upsertResource(
    report: ResourceReport,
    now: number,
  ): Promise<{ resource: Resource; changed: boolean }> {
    const { before, after } = await this.#store.resources.update(report.id, (current) => {
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
    });
    return { resource: after as Resource, changed: after !== before };
  }
}

/** A status that changed is announced at once; an unchanged one says nothing new. */
function statusChange(
  before: Worker,
  after: Worker,
  cause: 'reported' | 'registered',
): RegistryChange | undefined {
  if (before.status === after.status) return undefined;
  return {
    kind: 'status',
    id: after.id,
    from: before.status,
    to: after.status,
    at: after.statusChangedAt,
    reason: statusReason(before.status, after.status, cause),
  };
}

const metricsChange = (worker: Worker): RegistryChange => ({
  kind: 'metrics',
  item: {
    id: worker.id,
    metrics: worker.metrics,
    queueStats: worker.queueStats,
    lastHeartbeatAt: worker.lastHeartbeatAt,
  },
});
