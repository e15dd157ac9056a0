/**
 * The Pulseboard wire contract, shared by the server and the widgets.
 *
 * Types, a few frozen constants and the event-id parser; no runtime dependencies. docs/protocol.md
 * is the prose version of this file and must agree with it.
 */

/** Bumped on any incompatible change to a payload. Every payload carries it as `v`. */
export const PROTOCOL_VERSION = 1 as const;
export type ProtocolVersion = typeof PROTOCOL_VERSION;

export {
  type ClippedField,
  clipDeadLetter,
  clipText,
  DEAD_LETTER_LIMITS,
  type DeadLetter,
  type DeadLetterInput,
} from './dead-letters.js';

import type { DeadLetter, DeadLetterInput } from './dead-letters.js';

export * from './actions.js';
export { compareEventIds, type EventId, parseEventId } from './event-id.js';
export * from './history.js';

import type {
  ActionCompletedPayload,
  ActionDeclaration,
  ActionDelivery,
  ActionRequestedPayload,
  Permission,
} from './actions.js';
import type { InitialHistory } from './history.js';

// ---------------------------------------------------------------------------
// Models

export const WORKER_STATUSES = [
  'starting',
  'healthy',
  'degraded',
  'unhealthy',
  'offline',
  'stopping',
] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/** Statuses a worker may report about itself; `offline` is only ever set by the server. */
export const REPORTABLE_STATUSES = [
  'starting',
  'healthy',
  'degraded',
  'unhealthy',
  'stopping',
] as const satisfies readonly WorkerStatus[];
export type ReportableStatus = (typeof REPORTABLE_STATUSES)[number];

export interface WorkerMetrics {
  /** Percent of one machine, 0..100 (may exceed 100 on multi-core if the worker reports so; capped at 10,000). */
  cpu: number;
  /** Resident memory in bytes. */
  memoryBytes: number;
  requestsPerSec: number;
  responseTimeMs: number;
  /** Errors counted since the worker started. */
  errorCount: number;
  uptimeSec: number;
}

export interface QueueStats {
  /** Messages waiting. */
  depth: number;
  inFlight: number;
  processed: number;
  failed: number;
  /** Messages in the dead-letter queue. */
  deadLetter: number;
  /** Messages processed per second. */
  ratePerSec: number;
}

export interface Worker {
  /** `[A-Za-z0-9._:-]{1,128}` */
  id: string;
  name: string;
  /** The queue this worker consumes, if any. */
  queue: string | null;
  status: WorkerStatus;
  /** Epoch milliseconds (server clock). */
  registeredAt: number;
  lastHeartbeatAt: number;
  statusChangedAt: number;
  metrics: WorkerMetrics | null;
  queueStats: QueueStats | null;
  /** Free-form labels (host, version, region...), string to string, small. */
  labels: Record<string, string>;
  /** What operators can ask this worker to do (declared at registration; `[]` when nothing). */
  actions: ActionDeclaration[];
  /** The fleet whose action stream takes this worker's actions (`GET /api/fleets/:id/actions`), when registered with one. */
  fleet?: string;
}

export const RESOURCE_STATUSES = ['healthy', 'degraded', 'down', 'unknown'] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];

export const RESOURCE_KINDS = ['database', 'cache', 'broker', 'http', 'storage', 'other'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface Resource {
  id: string;
  name: string;
  kind: ResourceKind;
  status: ResourceStatus;
  latencyMs: number | null;
  message: string | null;
  updatedAt: number;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  workerId: string;
  level: LogLevel;
  message: string;
  /** Epoch milliseconds; the worker's timestamp if it sent one, else the server's receipt time. */
  at: number;
}

/** A queue as the dashboard shows it: the sum over the workers that consume it. */
export interface QueueSummary {
  name: string;
  depth: number;
  inFlight: number;
  processed: number;
  failed: number;
  deadLetter: number;
  ratePerSec: number;
  /** Workers consuming this queue that are not offline. */
  consumers: number;
  workerIds: string[];
}

export interface Aggregates {
  workers: { total: number; byStatus: Record<WorkerStatus, number> };
  resources: { total: number; byStatus: Record<ResourceStatus, number> };
  /** Averages and maxima are over workers that reported metrics and are not offline. */
  cpu: { avg: number; max: number };
  memoryBytes: { avg: number; total: number };
  requestsPerSec: { total: number };
  responseTimeMs: { avg: number; p95: number };
  /** Sum of `errorCount` over live workers. */
  errorCount: number;
  /** errors per request over the last dashboard interval (0..1), 0 when idle. */
  errorRate: number;
  deadLetter: { total: number };
}

/** Timings the server runs with, so clients can reason about staleness and liveness. */
export interface ServerTimings {
  heartbeatIntervalMs: number;
  staleAfterMs: number;
  expireAfterMs: number;
  pingIntervalMs: number;
  dashboardIntervalMs: number;
  metricsIntervalMs: number;
  /** How many events the server keeps for replay. */
  replayWindow: number;
}

// ---------------------------------------------------------------------------
// Events

/**
 * A worker as `initial_data` and `dashboard_update` list it: with `actionSet`, its actions are
 * `actionSets[actionSet]` (a list many workers declare, sent once) and `actions` is left out;
 * without, `actions` as in `Worker`.
 */
export type SnapshotWorker = Omit<Worker, 'actions'> & { actions?: ActionDeclaration[]; actionSet?: number };

export interface InitialDataPayload {
  v: ProtocolVersion;
  /** True when this snapshot replaces state after a resume that fell outside the replay window. */
  resync: boolean;
  at: number;
  workers: SnapshotWorker[];
  /**
   * The action lists workers declare, each distinct list once; a worker names its own by index
   * (`actionSet`). The server always sends it; a snapshot one tab hands another may not have it.
   */
  actionSets?: ActionDeclaration[][];
  resources: Resource[];
  queues: QueueSummary[];
  aggregates: Aggregates;
  /** Most recent log lines, oldest first. */
  logs: LogEntry[];
  config: ServerTimings;
  /**
   * The recent window of the server's history (fleet aggregates, workers' sparklines). The server
   * always sends it; a snapshot from an older server, or one a tab hands another, may not have it.
   */
  history?: InitialHistory;
  /** What this stream's token allows: `read`, and `operate` when it may request actions. */
  can: Permission[];
}

export interface DashboardUpdatePayload {
  v: ProtocolVersion;
  at: number;
  aggregates: Aggregates;
  queues: QueueSummary[];
  /** Workers whose record changed since the previous dashboard_update (never the whole registry). */
  workers: SnapshotWorker[];
  /** Their action lists, each distinct one once, as in `initial_data`. */
  actionSets?: ActionDeclaration[][];
}

export interface WorkerRegisteredPayload {
  v: ProtocolVersion;
  worker: Worker;
}

export type DeregisterReason = 'requested' | 'expired';

export interface WorkerDeregisteredPayload {
  v: ProtocolVersion;
  id: string;
  reason: DeregisterReason;
}

export type StatusChangeReason = 'reported' | 'stale' | 'recovered' | 'registered' | 'stopping';

export interface WorkerStatusChangePayload {
  v: ProtocolVersion;
  id: string;
  from: WorkerStatus;
  to: WorkerStatus;
  at: number;
  reason: StatusChangeReason;
}

/**
 * @deprecated No longer sent: a heartbeat that keeps the status is reported as
 * `lastHeartbeatAt` on its `metrics_update` row, coalesced per tick. Kept so
 * clients that still list it in `?types=` or handle it keep working.
 */
export interface WorkerStatusUpdatePayload {
  v: ProtocolVersion;
  id: string;
  status: WorkerStatus;
  lastHeartbeatAt: number;
}

/** A worker's latest heartbeat values, as the server coalesces them per tick. */
export interface MetricsItem {
  id: string;
  metrics: WorkerMetrics | null;
  queueStats: QueueStats | null;
  /** The worker's latest heartbeat (server clock). */
  lastHeartbeatAt: number;
}

/** The order of the values in a metrics row's `metrics` array (sent as `metrics_update.fields.metrics`). */
export const METRICS_FIELDS = [
  'cpu',
  'memoryBytes',
  'requestsPerSec',
  'responseTimeMs',
  'errorCount',
  'uptimeSec',
] as const satisfies readonly (keyof WorkerMetrics)[];

/** The order of the values in a metrics row's `queueStats` array (sent as `metrics_update.fields.queueStats`). */
export const QUEUE_STATS_FIELDS = [
  'depth',
  'inFlight',
  'processed',
  'failed',
  'deadLetter',
  'ratePerSec',
] as const satisfies readonly (keyof QueueStats)[];

/**
 * One worker in a `metrics_update`: a `MetricsItem` as an array, values in the
 * order `fields` names, so 1,000 workers cost ~75 KB a tick instead of ~270 KB.
 */
export type MetricsRow = [
  id: string,
  lastHeartbeatAt: number,
  metrics: number[] | null,
  queueStats: number[] | null,
];

export interface MetricsUpdatePayload {
  v: ProtocolVersion;
  at: number;
  /** What each row's value arrays hold, in order (read by name, so fields can be added later). */
  fields: { metrics: readonly string[]; queueStats: readonly string[] };
  /**
   * One row per worker that heartbeated (or re-registered) during the tick,
   * whether or not it sent metrics; latest values only.
   */
  items: MetricsRow[];
}

/**
 * A queue's summary in `queues_update`: `workerIds` only when the queue's
 * workers are not the ones the stream last listed for it (a queue new to the
 * stream, a worker joining or leaving it); without it, keep the list you have.
 * At 10,000 workers the lists were nearly all of each push's bytes, and most
 * pushes only move numbers.
 */
export type QueueSummaryChange = Omit<QueueSummary, 'workerIds'> & { workerIds?: string[] };

/**
 * The summary of each queue whose summary changed since the previous
 * `queues_update` or `dashboard_update`, and nothing else. A queue left with no
 * worker reporting stats is sent once more with `consumers: 0`, `workerIds: []`
 * and zeros: drop it.
 */
export interface QueuesUpdatePayload {
  v: ProtocolVersion;
  at: number;
  queues: QueueSummaryChange[];
}

/**
 * A change to one queue's dead letters, as a delta: `removed` ids leave the
 * list (retried, deleted, or pushed out by its bounds), then `added` ones are
 * put in (replacing an entry with the same id), newest first. With `replace`,
 * the list was replaced: drop what you hold for the queue before adding.
 * `total` is the list's length after the change.
 */
export interface DeadLettersUpdatePayload {
  v: ProtocolVersion;
  at: number;
  queue: string;
  added: DeadLetter[];
  removed: string[];
  replace: boolean;
  total: number;
}

export interface ResourcesUpdatePayload {
  v: ProtocolVersion;
  /** Only the resources that changed. */
  resources: Resource[];
}

export interface LogPayload {
  v: ProtocolVersion;
  entries: LogEntry[];
}

export interface PingPayload {
  v: ProtocolVersion;
  at: number;
}

/**
 * Sent before the server closes a stream on purpose: reconnect after `retryMs`, resuming from your last
 * id. `shutdown`: the instance is stopping. `storage_reset`: Redis lost its data, so the resume gets a
 * fresh `initial_data` with `resync: true`.
 */
export interface ReconnectPayload {
  v: ProtocolVersion;
  reason: 'shutdown' | 'storage_reset';
  retryMs: number;
}

export interface EventPayloads {
  initial_data: InitialDataPayload;
  dashboard_update: DashboardUpdatePayload;
  worker_registered: WorkerRegisteredPayload;
  worker_deregistered: WorkerDeregisteredPayload;
  worker_status_change: WorkerStatusChangePayload;
  worker_status_update: WorkerStatusUpdatePayload;
  metrics_update: MetricsUpdatePayload;
  queues_update: QueuesUpdatePayload;
  resources_update: ResourcesUpdatePayload;
  dead_letters_update: DeadLettersUpdatePayload;
  log: LogPayload;
  ping: PingPayload;
  reconnect: ReconnectPayload;
  action_requested: ActionRequestedPayload;
  action_completed: ActionCompletedPayload;
}

export type EventType = keyof EventPayloads;

export const EVENT_TYPES = [
  'initial_data',
  'dashboard_update',
  'worker_registered',
  'worker_deregistered',
  'worker_status_change',
  'worker_status_update',
  'metrics_update',
  'queues_update',
  'resources_update',
  'dead_letters_update',
  'log',
  'ping',
  'reconnect',
  'action_requested',
  'action_completed',
] as const satisfies readonly EventType[];

/**
 * Events that are stored in the event log and replayed on resume. `initial_data`,
 * `ping` and `reconnect` are per-connection messages: they carry the id of the
 * latest logged event (so a resume from them is exact) but are never replayed.
 */
export const LOGGED_EVENT_TYPES = [
  'dashboard_update',
  'worker_registered',
  'worker_deregistered',
  'worker_status_change',
  'worker_status_update',
  'metrics_update',
  'queues_update',
  'resources_update',
  'dead_letters_update',
  'log',
  'action_requested',
  'action_completed',
] as const satisfies readonly EventType[];
export type LoggedEventType = (typeof LOGGED_EVENT_TYPES)[number];

/** A message as it travels: SSE `id:`, `event:` and the parsed `data:`. */
export interface PulseEvent<T extends EventType = EventType> {
  /**
   * Opaque, ordered id. `<ms>-<seq>` in memory (boot time and a counter);
   * `<ms>-<seq>-<epoch>` on Redis (the stream id and the storage generation).
   * So an id from another boot or generation is recognised as unknown rather
   * than mistaken for a recent one. See `parseEventId`.
   */
  id: string;
  type: T;
  data: EventPayloads[T];
}

export type AnyPulseEvent = { [T in EventType]: PulseEvent<T> }[EventType];

// ---------------------------------------------------------------------------
// HTTP API bodies (worker side)

export interface RegisterWorkerBody {
  id: string;
  name?: string;
  queue?: string | null;
  status?: ReportableStatus;
  labels?: Record<string, string>;
  /** Partial as in a heartbeat: named fields change, the others are kept (0 when never reported). */
  metrics?: Partial<WorkerMetrics>;
  queueStats?: Partial<QueueStats>;
  /** What operators can ask it to do (at most `LIMITS.actionsPerWorker`); registering again replaces the list. */
  actions?: ActionDeclaration[];
  /**
   * A fleet id (an id like a worker's): its actions also go to that fleet's stream
   * (`GET /api/fleets/:id/actions`), one stream for a process reporting many workers. Registering
   * again without it leaves the worker in no fleet.
   */
  fleet?: string;
}

/** What a heartbeat answers: small, since a fleet sends thousands a second. */
export interface HeartbeatResponse {
  /** The status the server now holds (the last reported one, restored after `offline`). */
  status: WorkerStatus;
  heartbeatIntervalMs: number;
  /** With `takeActions: true` in the heartbeat: the actions waiting for this worker, now delivered to it. */
  actions?: ActionDelivery[];
}

export interface RegisterWorkerResponse {
  worker: Worker;
  /** How often the server expects a heartbeat. */
  heartbeatIntervalMs: number;
}

/**
 * A heartbeat. `metrics` and `queueStats` may be partial: the named fields
 * change, the others keep their values (0 for a worker that never reported them).
 */
export interface HeartbeatBody {
  status?: ReportableStatus;
  metrics?: Partial<WorkerMetrics>;
  queueStats?: Partial<QueueStats>;
  /** Resources this worker can see, upserted as with PUT /api/resources/:id. */
  resources?: ResourceReport[];
  /**
   * For a worker that holds no action stream: the answer carries the actions waiting for it
   * (each delivered once: one lost with the answer times out).
   */
  takeActions?: boolean;
}

/** `POST /api/heartbeats`: several workers' heartbeats in one request (at most `LIMITS.heartbeatBatchMax`). */
export interface HeartbeatBatchBody {
  /** Items carry no `takeActions`: a batch answer has no room for actions. */
  heartbeats: (Omit<HeartbeatBody, 'takeActions'> & { id: string })[];
}

/** A batch item not applied, and why (it changed nothing). */
export interface BatchItemFailure {
  /** Null when the item had no string `id`. */
  id: string | null;
  ok: false;
  /** `invalid_body`, `unknown_worker` (register again), `duplicate_item`, `registry_full`, … */
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** One item's answer, in item order: applied whole, or not at all with the reason. */
export type HeartbeatBatchResult = { id: string; ok: true; status: WorkerStatus } | BatchItemFailure;

export interface HeartbeatBatchResponse {
  results: HeartbeatBatchResult[];
  heartbeatIntervalMs: number;
}

/** `POST /api/workers` with `workers`: several registrations in one request (at most `LIMITS.registerBatchMax`). */
export interface RegisterWorkerBatchBody {
  workers: RegisterWorkerBody[];
}

/** One registration's answer, in item order: `created` false for a known id (refreshed). */
export type RegisterWorkerBatchResult =
  | { id: string; ok: true; status: WorkerStatus; created: boolean }
  | BatchItemFailure;

export interface RegisterWorkerBatchResponse {
  results: RegisterWorkerBatchResult[];
  heartbeatIntervalMs: number;
}

/** `DELETE /api/workers` with `workers`: several deregistrations in one request (at most `LIMITS.registerBatchMax`). */
export interface DeregisterWorkerBatchBody {
  workers: string[];
}

/** One item's answer, in item order: deregistered, or not (`unknown_worker`, `invalid_body`, `duplicate_item`). */
export type DeregisterWorkerBatchResult = { id: string; ok: true } | BatchItemFailure;

export interface DeregisterWorkerBatchResponse {
  results: DeregisterWorkerBatchResult[];
}

export interface ResourceReport {
  id: string;
  name?: string;
  kind?: ResourceKind;
  status: ResourceStatus;
  latencyMs?: number | null;
  message?: string | null;
}

export interface LogLineInput {
  level: LogLevel;
  message: string;
  at?: number;
}

export interface LogsBody {
  entries: LogLineInput[];
}

/**
 * `POST /api/workers/:id/dead-letters`: a change to the dead letters of `queue`
 * (the worker's queue). `removed` go first, then `added`; with `replace`, the
 * entries not in `added` go too (a worker sending its whole list after a restart).
 */
export interface DeadLettersBody {
  queue: string;
  added?: DeadLetterInput[];
  removed?: string[];
  replace?: boolean;
}

export interface DeadLettersResponse {
  /** Entries stored (after clipping); those pushed out at once by the bounds count too. */
  added: number;
  /** Ids that left the list: asked for and present, or pushed out by the bounds. */
  removed: number;
  /** The list's length now. */
  total: number;
}

/** `GET /api/dead-letters?queue=`: one page of a queue's dead letters, newest first. */
export interface DeadLetterPage {
  queue: string;
  deadLetters: DeadLetter[];
  /** Entries in the list (all pages). */
  total: number;
  /** The cursor of the next page; null on the last one. */
  nextCursor: string | null;
}

/** Every error response from the API. */
export interface ErrorBody {
  error: {
    /** Stable machine-readable code, e.g. `invalid_body`, `unknown_worker`, `unauthorized`. */
    code: string;
    message: string;
    /** Field-level details for validation errors. */
    issues?: { path: string; message: string }[];
  };
}

/** Caps shared by validation on the server and defensive rendering in the widgets. */
export const LIMITS = {
  idPattern: /^[A-Za-z0-9._:-]{1,128}$/,
  nameMax: 200,
  queueMax: 200,
  labelCount: 32,
  labelKeyMax: 64,
  labelValueMax: 256,
  logMessageMax: 8192,
  logBatchMax: 1000,
  /** Items in one `POST /api/heartbeats`. */
  heartbeatBatchMax: 1000,
  /** Registrations in one `POST /api/workers` batch. */
  registerBatchMax: 1000,
  resourcesPerHeartbeat: 64,
  resourceMessageMax: 1024,
  /** Metric values above this are rejected as nonsense (about 9e15, safe integer range). */
  numberMax: Number.MAX_SAFE_INTEGER,
  cpuMax: 10_000,
  /** Action and parameter names. */
  actionNamePattern: /^[A-Za-z0-9._:-]{1,64}$/,
  actionsPerWorker: 32,
  actionLabelMax: 200,
  actionConfirmMax: 1000,
  actionParamsMax: 16,
  actionParamValuesMax: 64,
  /** A string parameter's value, and an enum value, at most. */
  actionParamStringMax: 4096,
  actionMessageMax: 4096,
  /** A result's `data`, serialized, at most. */
  actionDataBytes: 16_384,
} as const;
