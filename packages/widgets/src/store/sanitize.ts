import {
  ACTION_PARAM_TYPES,
  ACTION_STATUSES,
  ACTION_TARGETS,
  type Action,
  type ActionDeclaration,
  type ActionParamSpec,
  type ActionParams,
  type ActionTarget,
  type Aggregates,
  LOG_LEVELS,
  type LogEntry,
  type LogLevel,
  METRICS_FIELDS,
  PERMISSIONS,
  type Permission,
  QUEUE_STATS_FIELDS,
  type QueueStats,
  type QueueSummary,
  type QueueSummaryChange,
  RESOURCE_KINDS,
  RESOURCE_STATUSES,
  type Resource,
  type ResourceKind,
  type ResourceStatus,
  type ServerTimings,
  WORKER_STATUSES,
  type Worker,
  type WorkerMetrics,
  type WorkerStatus,
} from '@pulseboard/protocol';

/**
 * Defensive readers for payloads from the wire. Each returns a clean value or
 * `null` when the input is unusable; none throws. Numbers that are NaN,
 * infinite or negative become 0, so views never print "NaN".
 */

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;

const nullableCount = (value: unknown): number | null =>
  value === null || value === undefined ? null : count(value);

export const text = <F extends string | null>(value: unknown, fallback: F): string | F =>
  typeof value === 'string' ? value : fallback;

const oneOf = <T extends string>(values: readonly T[], value: unknown): T | null =>
  values.includes(value as T) ? (value as T) : null;

export const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

export const workerStatus = (value: unknown): WorkerStatus | null => oneOf(WORKER_STATUSES, value);

/**
 * `{ [key]: count(value[key]) }` for each key, in order (a missing or
 * non-object `value` gives zeros). The numeric records below are key tables
 * read through this one helper rather than one hand-written literal each.
 */
function counts<K extends string>(keys: readonly K[], value: unknown): Record<K, number> {
  const source = isRecord(value) ? value : {};
  const result = {} as Record<K, number>;
  for (const key of keys) result[key] = count(source[key]);
  return result;
}

const TIMING_KEYS = [
  'heartbeatIntervalMs',
  'staleAfterMs',
  'expireAfterMs',
  'pingIntervalMs',
  'dashboardIntervalMs',
  'metricsIntervalMs',
  'replayWindow',
] as const satisfies readonly (keyof ServerTimings)[];

export const metrics = (value: unknown): WorkerMetrics | null =>
  isRecord(value) ? counts(METRICS_FIELDS, value) : null;

export const queueStats = (value: unknown): QueueStats | null =>
  isRecord(value) ? counts(QUEUE_STATS_FIELDS, value) : null;

/**
 * Reads `metrics_update` rows: a row's value array, in the order of the
 * event's field `names`, as `{ [key]: count(value) }` for each of `keys` (0
 * for a key the event does not name; other names are never read, so a hostile
 * one reaches no prototype). Null for a row whose values are null ("never
 * reported"; the reducer drops rows whose values are neither). The positions
 * are found once per event rather than once per row: a tick brings 1,000 rows.
 */
export function rowReader<K extends string>(
  keys: readonly K[],
  names: unknown[],
): (values: unknown[] | null) => Record<K, number> | null {
  const at = keys.map((key) => names.indexOf(key));
  return (values) => {
    if (!values) return null;
    const result = {} as Record<K, number>;
    keys.forEach((key, i) => {
      result[key] = count(values[at[i]!]);
    });
    return result;
  };
}

function labels(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isRecord(value)) return result;
  for (const [key, label] of Object.entries(value)) if (typeof label === 'string') result[key] = label;
  return result;
}

/** The entries of a record (none for anything else) whose value `read` accepts, as a new record. */
function entries<T>(value: unknown, read: (item: unknown) => T | undefined): Record<string, T> {
  // fromEntries defines own properties: a hostile "__proto__" key stays a key.
  return Object.fromEntries(
    Object.entries(isRecord(value) ? value : {}).flatMap(([key, item]) => {
      const clean = read(item);
      return clean === undefined ? [] : [[key, clean]];
    }),
  );
}

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** A parameter's description, with only the fields a form can use; undefined for an unknown type. */
function paramSpec(value: unknown): ActionParamSpec | undefined {
  if (!isRecord(value)) return undefined;
  const type = oneOf(ACTION_PARAM_TYPES, value.type);
  if (!type) return undefined;
  const spec: ActionParamSpec = {
    type,
    label: text(value.label, null) ?? undefined,
    description: text(value.description, null) ?? undefined,
    required: value.required === true,
    minimum: finite(value.minimum),
    maximum: finite(value.maximum),
    integer: value.integer === true,
    minLength: finite(value.minLength),
    maxLength: finite(value.maxLength),
  };
  if (type === 'enum') spec.values = Array.isArray(value.values) ? value.values.filter(isId) : [];
  return spec;
}

/** The well-formed action declarations of a worker record; labels and confirm texts stay text. */
export function actions(value: unknown): ActionDeclaration[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): ActionDeclaration[] => {
    if (!isRecord(item) || !isId(item.name) || typeof item.label !== 'string') return [];
    const target = oneOf<ActionTarget>(ACTION_TARGETS, item.target);
    if (!target) return [];
    const declaration: ActionDeclaration = { name: item.name, target, label: item.label };
    if (typeof item.confirm === 'string') declaration.confirm = item.confirm;
    if (item.dangerous === true) declaration.dangerous = true;
    declaration.params = entries(item.params, paramSpec);
    return [declaration];
  });
}

const paramValue = (value: unknown) =>
  typeof value === 'string' || typeof value === 'boolean' || finite(value) !== undefined
    ? (value as ActionParams[string])
    : undefined;

/** An action record (`action_requested`, `action_completed`, `GET /api/actions`); null without id, worker, name, target or status. */
export function action(value: unknown): Action | null {
  if (!isRecord(value) || !isId(value.id) || !isId(value.worker) || !isId(value.action)) return null;
  const target = oneOf(ACTION_TARGETS, value.target);
  const status = oneOf(ACTION_STATUSES, value.status);
  if (!target || !status) return null;
  return {
    id: value.id,
    worker: value.worker,
    action: value.action,
    target,
    queue: text(value.queue, null),
    params: entries(value.params, paramValue),
    by: text(value.by, ''),
    status,
    requestedAt: count(value.requestedAt),
    expiresAt: count(value.expiresAt),
    deliveredAt: nullableCount(value.deliveredAt),
    completedAt: nullableCount(value.completedAt),
    durationMs: nullableCount(value.durationMs),
    message: text(value.message, null),
    data: value.data ?? null,
  };
}

/** `initial_data.can`: the permissions it names that this client knows. */
export const permissions = (value: unknown): Permission[] =>
  PERMISSIONS.filter((p) => Array.isArray(value) && value.includes(p));

/** A worker record; one naming `actionSet` (in `initial_data`) gets that list of `sets`, shared, not copied. */
export function worker(value: unknown, sets?: ActionDeclaration[][]): Worker | null {
  if (!isRecord(value) || !isId(value.id)) return null;
  const status = workerStatus(value.status);
  if (!status) return null;
  return {
    id: value.id,
    name: text(value.name, value.id),
    queue: text(value.queue, null),
    status,
    registeredAt: count(value.registeredAt),
    lastHeartbeatAt: count(value.lastHeartbeatAt),
    statusChangedAt: count(value.statusChangedAt),
    metrics: metrics(value.metrics),
    queueStats: queueStats(value.queueStats),
    labels: labels(value.labels),
    actions:
      sets && typeof value.actionSet === 'number' ? (sets[value.actionSet] ?? []) : actions(value.actions),
  };
}

export function resource(value: unknown): Resource | null {
  if (!isRecord(value) || !isId(value.id)) return null;
  const status = oneOf<ResourceStatus>(RESOURCE_STATUSES, value.status);
  if (!status) return null;
  return {
    id: value.id,
    name: text(value.name, value.id),
    kind: oneOf<ResourceKind>(RESOURCE_KINDS, value.kind) ?? 'other',
    status,
    latencyMs: nullableCount(value.latencyMs),
    message: text(value.message, null),
    updatedAt: count(value.updatedAt),
  };
}

export function logEntry(value: unknown): LogEntry | null {
  if (!isRecord(value) || typeof value.message !== 'string') return null;
  return {
    workerId: text(value.workerId, ''),
    level: oneOf<LogLevel>(LOG_LEVELS, value.level) ?? 'info',
    message: value.message,
    at: count(value.at),
  };
}

/** A queue's summary as `queues_update` carries it: `workerIds` only when they changed. */
export function queueChange(value: unknown): QueueSummaryChange | null {
  if (!isRecord(value) || typeof value.name !== 'string') return null;
  return {
    name: value.name,
    ...counts([...QUEUE_STATS_FIELDS, 'consumers'], value),
    workerIds: Array.isArray(value.workerIds) ? value.workerIds.filter(isId) : undefined,
  };
}

export function queueSummary(value: unknown): QueueSummary | null {
  const queue = queueChange(value);
  return queue && { ...queue, workerIds: queue.workerIds ?? [] };
}

export const timings = (value: unknown): ServerTimings | null =>
  isRecord(value) ? counts(TIMING_KEYS, value) : null;

export function aggregates(value: unknown): Aggregates | null {
  if (!isRecord(value)) return null;
  const byStatus = <K extends string>(key: string, statuses: readonly K[]) => {
    const group = isRecord(value[key]) ? value[key] : {};
    return { total: count(group.total), byStatus: counts(statuses, group.byStatus) };
  };
  return {
    workers: byStatus('workers', WORKER_STATUSES),
    resources: byStatus('resources', RESOURCE_STATUSES),
    cpu: counts(['avg', 'max'], value.cpu),
    memoryBytes: counts(['avg', 'total'], value.memoryBytes),
    requestsPerSec: counts(['total'], value.requestsPerSec),
    responseTimeMs: counts(['avg', 'p95'], value.responseTimeMs),
    errorCount: count(value.errorCount),
    errorRate: count(value.errorRate),
    deadLetter: counts(['total'], value.deadLetter),
  };
}
