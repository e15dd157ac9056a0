import { DEAD_LETTER_LIMITS, LIMITS } from '@pulseboard/protocol';
import { z } from 'zod';
import { idSchema, PAGE_SIZE } from '../validation.js';

/**
 * The dead-letter API's request schemas. Long text and big payloads are not
 * refused here: the server clips them (`clipDeadLetter`) with a visible marker.
 */

const jobId = z.string().min(1).max(DEAD_LETTER_LIMITS.idMax);
export const queueName = z.string().min(1).max(LIMITS.queueMax);

export const deadLetterInputSchema = z.strictObject({
  id: jobId.meta({ description: "The job's id in its queue, unique within the queue." }),
  name: z
    .string()
    .optional()
    .meta({ description: `Clipped past ${DEAD_LETTER_LIMITS.nameMax} characters.` }),
  failedAt: z.number().min(0).max(LIMITS.numberMax).meta({
    description:
      "Epoch ms of the last failure, at most a day ahead of the server's clock (else 400 invalid_timestamp).",
  }),
  attempts: z.number().int().min(0).max(LIMITS.numberMax),
  error: z.strictObject({
    message: z.string().meta({ description: `Clipped past ${DEAD_LETTER_LIMITS.messageMax} characters.` }),
    stack: z
      .string()
      .optional()
      .meta({ description: `Clipped past ${DEAD_LETTER_LIMITS.stackMax} characters.` }),
  }),
  clipped: z
    .array(z.enum(['name', 'message', 'stack', 'payload']))
    .max(4)
    .optional()
    .meta({
      description: 'Fields the reporter clipped already; with payload, payload is its clipped JSON text.',
    }),
  payload: z
    .unknown()
    .optional()
    .meta({
      description: `Any JSON value. Past ${DEAD_LETTER_LIMITS.payloadMax} characters of JSON, or ${DEAD_LETTER_LIMITS.payloadDepthMax} levels deep, it is kept as its clipped JSON text.`,
    }),
});

export const deadLettersBodySchema = z.strictObject({
  queue: queueName.meta({ description: "The reporting worker's queue." }),
  added: z.array(deadLetterInputSchema).max(DEAD_LETTER_LIMITS.batchMax).optional(),
  removed: z.array(jobId).max(DEAD_LETTER_LIMITS.removeMax).optional(),
  replace: z.boolean().optional().meta({ description: 'The list becomes `added`: entries not in it leave.' }),
});

/** `GET /api/dead-letters`: a queue, optionally one worker's entries, a page. */
export const deadLettersQuerySchema = z.object({
  queue: queueName,
  worker: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(PAGE_SIZE.max).default(PAGE_SIZE.default),
  cursor: z.string().max(1024).optional(),
});
