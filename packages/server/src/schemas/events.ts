import {
  ACTION_STATUSES,
  ACTION_TARGETS,
  type Action,
  type ClippedField,
  type DeadLetter,
  type DeregisterReason,
  type EventPayloads,
  type EventType,
  LOG_LEVELS,
  type LogEntry,
  PERMISSIONS,
  PROTOCOL_VERSION,
  RESOURCE_KINDS,
  RESOURCE_STATUSES,
  type ReconnectPayload,
  type Resource,
  type SnapshotWorker,
  WORKER_STATUSES,
  type Worker,
} from '@pulseboard/protocol';
import { z } from 'zod';
import { declarationOutSchema } from '../actions/declarations.js';
import { idSchema, metricsSchema, queueStatsSchema } from '../validation.js';
import { initialHistorySchema, STATUS_CHANGE_REASONS } from './history.js';

/**
 * What the server sends, as zod schemas: the models and every event payload of
 * @pulseboard/protocol's types. The JSON Schemas in @pulseboard/protocol/schema
 * and docs/openapi.json are generated from them (scripts/generate-schemas.ts),
 * and a test holds every event a real server emits to them.
 *
 * Objects are open (z.object, not strict): a client validating what it receives
 * should keep working when a later server adds a field.
 */

const v = z.literal(PROTOCOL_VERSION).meta({ description: 'Protocol version' });
const epochMs = z.number().min(0).meta({ description: 'Epoch milliseconds' });
const count = z.number().min(0);
const byStatus = <const T extends readonly [string, ...string[]]>(statuses: T) =>
  z.record(z.enum(statuses), count);

const workerStatusSchema = z.enum(WORKER_STATUSES);

export const workerSchema = z.object({
  id: idSchema,
  name: z.string(),
  queue: z.string().nullable(),
  status: workerStatusSchema,
  registeredAt: epochMs,
  lastHeartbeatAt: epochMs,
  statusChangedAt: epochMs,
  // The same fields and bounds the server accepts from workers, without the request's strictness.
  metrics: z.object(metricsSchema.shape).nullable(),
  queueStats: z.object(queueStatsSchema.shape).nullable(),
  labels: z.record(z.string(), z.string()),
  actions: z.array(declarationOutSchema),
  fleet: z.string().optional().meta({ description: 'The fleet whose action stream takes its actions.' }),
}) satisfies z.ZodType<Worker>;

/** The action lists of the workers a payload lists, each distinct one once. */
const actionSets = z.array(z.array(declarationOutSchema)).optional().meta({
  description:
    'The action lists the workers declare, each distinct list once; a worker names its own by index (actionSet).',
});

/** A worker in `initial_data` or `dashboard_update`: its actions inline, or the index of its list in `actionSets`. */
const snapshotWorkerSchema = workerSchema.extend({
  actions: workerSchema.shape.actions.optional(),
  actionSet: z.number().int().min(0).optional().meta({
    description: "The index of this worker's actions in actionSets; actions is then left out.",
  }),
}) satisfies z.ZodType<SnapshotWorker>;

export const actionSchema = z.object({
  id: z.string(),
  worker: idSchema,
  action: z.string().meta({ description: "The declared action's name" }),
  target: z.enum(ACTION_TARGETS),
  queue: z.string().nullable().meta({ description: "The worker's queue when it was requested" }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  by: z.string().meta({ description: "Who asked: the operate token's label, never the token" }),
  status: z.enum(ACTION_STATUSES),
  requestedAt: epochMs,
  expiresAt: epochMs.meta({ description: 'When it completes as timeout if not answered by then' }),
  deliveredAt: epochMs.nullable(),
  completedAt: epochMs.nullable(),
  durationMs: count.nullable(),
  message: z.string().nullable(),
  data: z
    .unknown()
    .meta({ description: "What the worker's handler returned besides ok and message, or null" }),
}) satisfies z.ZodType<Action>;

export const resourceSchema = z.object({
  id: idSchema,
  name: z.string(),
  kind: z.enum(RESOURCE_KINDS),
  status: z.enum(RESOURCE_STATUSES),
  latencyMs: count.nullable(),
  message: z.string().nullable(),
  updatedAt: epochMs.meta({ description: 'When its state last changed (epoch milliseconds)' }),
}) satisfies z.ZodType<Resource>;

const logEntrySchema = z.object({
  workerId: idSchema,
  level: z.enum(LOG_LEVELS),
  message: z.string(),
  at: epochMs,
}) satisfies z.ZodType<LogEntry>;

const queueSummarySchema = z.object({
  name: z.string(),
  ...queueStatsSchema.shape,
  consumers: count,
  workerIds: z.array(idSchema),
});

const aggregatesSchema = z.object({
  workers: z.object({ total: count, byStatus: byStatus(WORKER_STATUSES) }),
  resources: z.object({ total: count, byStatus: byStatus(RESOURCE_STATUSES) }),
  cpu: z.object({ avg: count, max: count }),
  memoryBytes: z.object({ avg: count, total: count }),
  requestsPerSec: z.object({ total: count }),
  responseTimeMs: z.object({ avg: count, p95: count }),
  errorCount: count,
  errorRate: z.number().min(0).max(1),
  deadLetter: z.object({ total: count }),
});

const configSchema = z.object({
  heartbeatIntervalMs: count,
  staleAfterMs: count,
  expireAfterMs: count,
  pingIntervalMs: count,
  dashboardIntervalMs: count,
  metricsIntervalMs: count,
  replayWindow: count,
});

const CLIPPED_FIELDS = ['name', 'message', 'stack', 'payload'] as const satisfies readonly ClippedField[];

export const deadLetterSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  failedAt: epochMs,
  attempts: count,
  error: z.object({ message: z.string(), stack: z.string().optional() }),
  payload: z.unknown().optional(),
  workerId: idSchema.meta({ description: 'The worker that reported it.' }),
  clipped: z.array(z.enum(CLIPPED_FIELDS)).optional().meta({
    description:
      'Fields cut short, each ending with "… [truncated: N more characters]"; with payload, payload is that JSON text.',
  }),
}) satisfies z.ZodType<DeadLetter>;

const values = z.array(z.number()).nullable();
const DEREGISTER_REASONS = ['requested', 'expired'] as const satisfies readonly DeregisterReason[];
const RECONNECT_REASONS = [
  'shutdown',
  'storage_reset',
] as const satisfies readonly ReconnectPayload['reason'][];

/** Every event's payload (the JSON of its `data:` line), by event name. */
export const eventPayloadSchemas = {
  initial_data: z
    .object({
      v,
      resync: z.boolean(),
      at: epochMs,
      workers: z.array(snapshotWorkerSchema),
      actionSets,
      resources: z.array(resourceSchema),
      queues: z.array(queueSummarySchema),
      aggregates: aggregatesSchema,
      logs: z.array(logEntrySchema),
      config: configSchema,
      history: initialHistorySchema,
      can: z.array(z.enum(PERMISSIONS)).meta({
        description: "What this stream's token allows: read, and operate when it may request actions.",
      }),
    })
    .meta({
      description:
        'First message of every connection; after a resume outside the replay window, with resync: true.',
    }),
  dashboard_update: z
    .object({
      v,
      at: epochMs,
      aggregates: aggregatesSchema,
      queues: z.array(queueSummarySchema),
      workers: z.array(snapshotWorkerSchema),
      actionSets,
    })
    .meta({ description: 'Periodic: aggregates, queues and the workers changed since the previous one.' }),
  worker_registered: z
    .object({ v, worker: workerSchema })
    .meta({ description: 'A worker registered, or changed name, queue or labels on registering again.' }),
  worker_deregistered: z
    .object({ v, id: idSchema, reason: z.enum(DEREGISTER_REASONS) })
    .meta({ description: 'A worker left (DELETE) or expired.' }),
  worker_status_change: z
    .object({
      v,
      id: idSchema,
      from: workerStatusSchema,
      to: workerStatusSchema,
      at: epochMs,
      reason: z.enum(STATUS_CHANGE_REASONS),
    })
    .meta({ description: "A worker's status changed." }),
  worker_status_update: z
    .object({ v, id: idSchema, status: workerStatusSchema, lastHeartbeatAt: epochMs })
    .meta({
      description: 'No longer sent (heartbeats travel in metrics_update); still a known ?types= name.',
      deprecated: true,
    }),
  metrics_update: z
    .object({
      v,
      at: epochMs,
      fields: z.object({ metrics: z.array(z.string()), queueStats: z.array(z.string()) }),
      items: z.array(
        z.tuple([idSchema, epochMs, values, values]).meta({
          description:
            '[id, lastHeartbeatAt, metrics, queueStats]: the values in the order fields names, or null.',
        }),
      ),
    })
    .meta({
      description: 'Per flush: the latest values of every worker that heartbeated since the previous one.',
    }),
  queues_update: z
    .object({
      v,
      at: epochMs,
      queues: z.array(
        queueSummarySchema.extend({
          workerIds: queueSummarySchema.shape.workerIds.optional().meta({
            description:
              "Only when the queue's workers differ from the list the stream last carried for it; absent: keep that list.",
          }),
        }),
      ),
    })
    .meta({
      description:
        'The summary of each queue whose summary changed since the previous queues_update or dashboard_update; a queue left with no workers comes once more with consumers 0 and workerIds [].',
    }),
  resources_update: z
    .object({ v, resources: z.array(resourceSchema) })
    .meta({ description: 'The resources whose state changed.' }),
  dead_letters_update: z
    .object({
      v,
      at: epochMs,
      queue: z.string(),
      added: z.array(deadLetterSchema).meta({ description: 'Put in (replacing the same id), newest first.' }),
      removed: z
        .array(z.string())
        .meta({ description: 'Ids that left: retried, deleted, or past the bounds.' }),
      replace: z.boolean().meta({ description: 'True: drop what you hold for the queue before adding.' }),
      total: count.meta({ description: "The list's length after the change." }),
    })
    .meta({ description: "A change to a queue's dead letters, as a delta." }),
  log: z.object({ v, entries: z.array(logEntrySchema) }).meta({ description: 'Log lines a worker sent.' }),
  ping: z.object({ v, at: epochMs }).meta({ description: 'Every pingIntervalMs, for the client watchdog.' }),
  reconnect: z
    .object({ v, reason: z.enum(RECONNECT_REASONS), retryMs: count })
    .meta({ description: 'The server ends the stream on purpose: resume after retryMs.' }),
  action_requested: z
    .object({ v, action: actionSchema })
    .meta({ description: 'An operator requested an action (status pending).' }),
  action_completed: z.object({ v, action: actionSchema }).meta({
    description: 'An action completed: the worker answered (ok, error) or nobody did in time (timeout).',
  }),
} satisfies { [T in EventType]: z.ZodType<EventPayloads[T]> };
