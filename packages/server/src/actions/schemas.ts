import { ACTION_TARGETS, LIMITS } from '@pulseboard/protocol';
import { z } from 'zod';
import { idSchema } from '../validation.js';
import { nameSchema } from './declarations.js';

/** What the action endpoints accept: strict objects, capped by the protocol's LIMITS. */

const paramValue = z.union([z.string().max(LIMITS.actionParamStringMax), z.number(), z.boolean()]);

/** Parameter values as sent; each is then checked against the worker's declaration (params.ts). */
export const paramsSchema = z
  .record(nameSchema, paramValue)
  .refine(
    (params) => Object.keys(params).length <= LIMITS.actionParamsMax,
    `at most ${LIMITS.actionParamsMax} params`,
  )
  .meta({ maxProperties: LIMITS.actionParamsMax });

export const requestActionSchema = z.strictObject({
  worker: idSchema,
  action: nameSchema,
  target: z.enum(ACTION_TARGETS).optional(),
  params: paramsSchema.optional(),
});

export const actionResultSchema = z.strictObject({
  ok: z.boolean(),
  message: z.string().max(LIMITS.actionMessageMax).optional(),
  data: z
    .json()
    .optional()
    .refine(
      (data) => data === undefined || Buffer.byteLength(JSON.stringify(data)) <= LIMITS.actionDataBytes,
      `data is at most ${LIMITS.actionDataBytes} bytes of JSON`,
    )
    .meta({ description: `Any JSON, at most ${LIMITS.actionDataBytes} bytes serialized.` }),
  worker: idSchema.optional(),
});

/** `GET /api/actions?limit=` */
export const ACTION_LIST = { default: 50, max: 500 };
export const actionListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(ACTION_LIST.max).default(ACTION_LIST.default),
});

/** Action ids as the server makes them (and the only ones a path may name). */
export const actionIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not an action id');
