import {
  ACTION_TARGETS,
  type ActionDelivery,
  type ActionList,
  type ErrorBody,
  type HeartbeatBatchResponse,
  type HeartbeatResponse,
  type RegisterWorkerResponse,
  type RequestActionResponse,
  WORKER_STATUSES,
} from '@pulseboard/protocol';
import { z } from 'zod';
import { actionSchema, resourceSchema, workerSchema } from './events.js';
import { historyResponseSchema } from './history.js';

/**
 * What the HTTP API answers, as zod schemas, named as docs/openapi.json's
 * components (scripts/generate-schemas.ts). A test holds real answers to them.
 */

const count = z.number().min(0);

/** What a worker receives: on its action stream (`event: action`) or in a heartbeat answer. */
const actionDeliverySchema = z.object({
  id: z.string(),
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
      .array(
        z.union([
          z.object({ id: z.string(), ok: z.literal(true), status: z.enum(WORKER_STATUSES) }),
          z.object({
            id: z.string().nullable().meta({ description: 'Null when the item had no string id.' }),
            ok: z.literal(false),
            error: z.object({
              code: z.string().meta({
                description:
                  'invalid_body, unknown_worker (register again), duplicate_item, registry_full, ...',
              }),
              message: z.string(),
              issues,
            }),
          }),
        ]),
      )
      .meta({ description: 'One per item, in item order.' }),
    heartbeatIntervalMs: count,
  }) satisfies z.ZodType<HeartbeatBatchResponse>,
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
