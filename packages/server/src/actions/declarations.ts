import { ACTION_PARAM_TYPES, ACTION_TARGETS, type ActionDeclaration, LIMITS } from '@pulseboard/protocol';
import { z } from 'zod';

/**
 * What a worker may declare at registration, as strict zod schemas (unknown
 * keys are errors), capped by the protocol's LIMITS. Apart from the request
 * schemas (schemas.ts), so validation.ts can use it without an import cycle.
 */

export const nameSchema = z.string().regex(LIMITS.actionNamePattern, 'must match [A-Za-z0-9._:-]{1,64}');
const length = z.number().int().min(0).max(LIMITS.actionParamStringMax);
const bound = z.number().min(-LIMITS.numberMax).max(LIMITS.numberMax);

const paramSpecShape = {
  type: z.enum(ACTION_PARAM_TYPES),
  label: z.string().min(1).max(LIMITS.actionLabelMax).optional(),
  description: z.string().max(LIMITS.actionConfirmMax).optional(),
  required: z.boolean().optional(),
  minimum: bound.optional(),
  maximum: bound.optional(),
  integer: z.boolean().optional(),
  minLength: length.optional(),
  maxLength: length.optional(),
  values: z
    .array(z.string().min(1).max(LIMITS.actionParamStringMax))
    .min(1)
    .max(LIMITS.actionParamValuesMax)
    .optional(),
};

const paramSpecSchema = z
  .strictObject(paramSpecShape)
  // Refinements have no JSON Schema form: the descriptions say what they check.
  .refine((spec) => (spec.type === 'enum') === (spec.values !== undefined), {
    message: 'values is required for type enum and allowed for no other type',
    path: ['values'],
  })
  .refine((spec) => (spec.minimum ?? -Infinity) <= (spec.maximum ?? Infinity), {
    message: 'minimum is greater than maximum',
    path: ['minimum'],
  })
  .refine((spec) => (spec.minLength ?? 0) <= (spec.maxLength ?? Infinity), {
    message: 'minLength is greater than maxLength',
    path: ['minLength'],
  })
  .meta({
    description:
      'values for type enum only; minimum <= maximum; minLength <= maxLength. Bounds apply to their type.',
  });

const paramsSpecSchema = z
  .record(nameSchema, paramSpecSchema)
  .refine(
    (params) => Object.keys(params).length <= LIMITS.actionParamsMax,
    `at most ${LIMITS.actionParamsMax} params`,
  )
  .meta({ maxProperties: LIMITS.actionParamsMax });

const declarationShape = {
  name: nameSchema,
  target: z.enum(ACTION_TARGETS),
  label: z.string().min(1).max(LIMITS.actionLabelMax),
  confirm: z.string().min(1).max(LIMITS.actionConfirmMax).optional(),
  dangerous: z.boolean().optional(),
};

export const declarationSchema = z
  .strictObject({
    ...declarationShape,
    params: paramsSpecSchema.optional(),
  })
  // The convention that makes an action act on one dead letter (protocol's actsOnOneDeadLetter).
  .refine(
    ({ target, params }) =>
      target !== 'deadLetters' || !params?.id || (params.id.type === 'string' && params.id.required === true),
    {
      message: 'a deadLetters action that takes an id (one dead letter) must declare it a required string',
      path: ['params', 'id'],
    },
  )
  .meta({
    description:
      'A deadLetters action with a param id acts on one dead letter (its id); that param must then be a required string.',
  }) satisfies z.ZodType<ActionDeclaration>;

/** A declaration as the server sends it: the same fields, in open objects (see schemas/events.ts). */
export const declarationOutSchema = z.object({
  ...declarationShape,
  params: z.record(z.string(), z.object(paramSpecShape)).optional(),
}) satisfies z.ZodType<ActionDeclaration>;

/** A worker's declarations: unique names. */
export const declarationsSchema = z
  .array(declarationSchema)
  .max(LIMITS.actionsPerWorker)
  .refine(
    (actions) => new Set(actions.map((action) => action.name)).size === actions.length,
    'action names must be unique',
  )
  .meta({ description: 'Unique names.' });
