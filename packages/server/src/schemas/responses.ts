import {
  type ErrorBody,
  type HeartbeatBatchResponse,
  type HeartbeatResponse,
  type RegisterWorkerResponse,
  WORKER_STATUSES,
} from '@pulseboard/protocol';
import { z } from 'zod';
import { resourceSchema, workerSchema } from './events.js';
import { historyResponseSchema } from './history.js';

/**
 * What the HTTP API answers, as zod schemas, named as docs/openapi.json's
 * components (scripts/generate-schemas.ts). A test holds real answers to them.
 */

const count = z.number().min(0);

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
