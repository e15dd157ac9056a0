import {
  type ErrorBody,
  type HeartbeatResponse,
  type RegisterWorkerResponse,
  WORKER_STATUSES,
} from '@pulseboard/protocol';
import { z } from 'zod';
import { resourceSchema, workerSchema } from './events.js';

/**
 * What the HTTP API answers, as zod schemas, named as docs/openapi.json's
 * components (scripts/generate-schemas.ts). A test holds real answers to them.
 */

const count = z.number().min(0);

export const responseSchemas = {
  RegisterWorkerResponse: z.object({
    worker: workerSchema,
    heartbeatIntervalMs: count.meta({ description: 'How often the server expects a heartbeat.' }),
  }) satisfies z.ZodType<RegisterWorkerResponse>,
  HeartbeatResponse: z.object({
    status: z.enum(WORKER_STATUSES).meta({ description: 'The status the server now holds.' }),
    heartbeatIntervalMs: count,
  }) satisfies z.ZodType<HeartbeatResponse>,
  LogsAccepted: z.object({ accepted: count.meta({ description: 'Lines stored.' }) }),
  WorkerList: z.object({
    workers: z.array(workerSchema).meta({ description: 'One page, in id order.' }),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'The cursor of the next page; null on the last one.' }),
  }),
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
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .meta({ description: 'Field by field, for validation errors (at most 20).' }),
    }),
  }) satisfies z.ZodType<ErrorBody>,
};
