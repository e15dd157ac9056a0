import {
  ACTION_TARGETS,
  type ActionDelivery,
  type ActionList,
  type BatchItemFailure,
  type DeadLetterPage,
  type DeadLettersResponse,
  type DeregisterWorkerBatchResponse,
  type ErrorBody,
  type HeartbeatBatchResponse,
  type HeartbeatResponse,
  type RegisterWorkerBatchResponse,
  type RegisterWorkerResponse,
  type RequestActionResponse,
  WORKER_STATUSES,
} from '@pulseboard/protocol';
import { z } from 'zod';
import { actionSchema, deadLetterSchema, resourceSchema, workerSchema } from './events.js';
import { historyResponseSchema } from './history.js';

/**
 * What the HTTP API answers, as zod schemas, named as docs/openapi.json's
 * components (scripts/generate-schemas.ts). A test holds real answers to them.
 */

const count = z.number().min(0);

/** What a worker receives: on its action stream (`event: action`) or in a heartbeat answer. */
const actionDeliverySchema = z.object({
  id: z.string(),
  worker: z.string().meta({ description: "The worker it is for (a fleet's stream carries many)." }),
  action: z.string(),
  target: z.enum(ACTION_TARGETS),
  queue: z.string().nullable(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  by: z.string(),
  requestedAt: count,
  expiresAt: count.meta({
    description: 'Answer before this (epoch ms, server clock), or it completes as timeout.',
  }),
}) satisfies z.ZodType<ActionDelivery>;

const issues = z
  .array(z.object({ path: z.string(), message: z.string() }))
  .optional()
  .meta({ description: 'Field by field, for validation errors (at most 20).' });

const status = z.enum(WORKER_STATUSES).meta({ description: 'The status the server now holds.' });

/** A batch item not applied (it changed nothing), and why. */
const batchItemFailure = z.object({
  id: z.string().nullable().meta({ description: 'Null when the item had no string id.' }),
  ok: z.literal(false),
  error: z.object({
    code: z.string().meta({
      description: 'invalid_body, unknown_worker (register again), duplicate_item, registry_full, ...',
    }),
    message: z.string(),
    issues,
  }),
}) satisfies z.ZodType<BatchItemFailure>;

export const responseSchemas = {
  RegisterWorkerResponse: z.object({
    worker: workerSchema,
    heartbeatIntervalMs: count.meta({ description: 'How often the server expects a heartbeat.' }),
  }) satisfies z.ZodType<RegisterWorkerResponse>,
  HeartbeatResponse: z.object({
    status: z.enum(WORKER_STATUSES).meta({ description: 'The status the server now holds.' }),
    heartbeatIntervalMs: count,
    actions: z.array(actionDeliverySchema).optional().meta({
      description: 'With takeActions: true, the actions waiting for this worker, now delivered to it.',
    }),
  }) satisfies z.ZodType<HeartbeatResponse>,
  HeartbeatBatchResponse: z.object({
    results: z
      .array(z.union([z.object({ id: z.string(), ok: z.literal(true), status }), batchItemFailure]))
      .meta({ description: 'One per item, in item order.' }),
    heartbeatIntervalMs: count,
  }) satisfies z.ZodType<HeartbeatBatchResponse>,
  RegisterWorkerBatchResponse: z.object({
    results: z
      .array(
        z.union([
          z.object({
            id: z.string(),
            ok: z.literal(true),
            status,
            created: z.boolean().meta({ description: 'False for a known id (refreshed).' }),
          }),
          batchItemFailure,
        ]),
      )
      .meta({ description: 'One per item, in item order.' }),
    heartbeatIntervalMs: count,
  }) satisfies z.ZodType<RegisterWorkerBatchResponse>,
  DeregisterWorkerBatchResponse: z.object({
    results: z
      .array(z.union([z.object({ id: z.string(), ok: z.literal(true) }), batchItemFailure]))
      .meta({ description: 'One per item, in item order.' }),
  }) satisfies z.ZodType<DeregisterWorkerBatchResponse>,
  LogsAccepted: z.object({ accepted: count.meta({ description: 'Lines stored.' }) }),
  WorkerList: z.object({
    workers: z.array(workerSchema).meta({ description: 'One page, in id order.' }),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'The cursor of the next page; null on the last one.' }),
  }),
  HistoryResponse: historyResponseSchema,
  ResourceList: z.object({ resources: z.array(resourceSchema) }),
  DeadLettersResponse: z.object({
    added: count.meta({ description: 'Entries stored.' }),
    removed: count.meta({ description: 'Ids that left the list (asked for, or pushed out by its bounds).' }),
    total: count.meta({ description: "The list's length now." }),
  }) satisfies z.ZodType<DeadLettersResponse>,
  DeadLetterPage: z.object({
    queue: z.string(),
    deadLetters: z.array(deadLetterSchema).meta({ description: 'One page, newest first.' }),
    total: count.meta({ description: 'Entries in the list (of the worker, with ?worker=).' }),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'The cursor of the next page; null on the last one.' }),
  }) satisfies z.ZodType<DeadLetterPage>,
  ActionAccepted: z.object({
    id: z.string().meta({ description: "The action's id: its events and result name it." }),
    action: actionSchema,
  }) satisfies z.ZodType<RequestActionResponse>,
  ActionResponse: z.object({ action: actionSchema }),
  ActionList: z.object({
    actions: z
      .array(actionSchema)
      .meta({ description: 'Newest first: open and recently completed actions.' }),
  }) satisfies z.ZodType<ActionList>,
  ActionDelivery: actionDeliverySchema,
  ResourceResponse: z.object({ resource: resourceSchema }),
  Health: z.object({
    status: z.enum(['ok', 'degraded', 'shutting_down']),
    clients: count.meta({ description: 'Open streams.' }),
    storage: z.enum(['memory', 'redis']),
    reason: z.string().optional().meta({ description: 'Why, when degraded.' }),
  }),
  ErrorBody: z.object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, machine-readable: invalid_body, unknown_worker, ...' }),
      message: z.string(),
      issues,
    }),
  }) satisfies z.ZodType<ErrorBody>,
};
