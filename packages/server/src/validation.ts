import {
  LIMITS,
  LOG_LEVELS,
  REPORTABLE_STATUSES,
  RESOURCE_KINDS,
  RESOURCE_STATUSES,
} from '@pulseboard/protocol';
import { z } from 'zod';
import { declarationsSchema } from './actions/declarations.js';
import { HttpError } from './errors.js';

/**
 * Request schemas. Objects are strict (unknown keys are errors, not silently
 * dropped), numbers finite, non-negative and bounded, strings capped by the
 * protocol's LIMITS.
 */

/** `LIMITS.idPattern` without its anchors, for messages and for patterns that embed an id. */
export const ID_RULE = LIMITS.idPattern.source.slice(1, -1);

export const idSchema = z.string().regex(LIMITS.idPattern, `must match ${ID_RULE}`);

const count = z.number().min(0).max(LIMITS.numberMax);
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// A refinement has no JSON Schema form, so each one below says in `meta` what it checks.
const labelKey = z
  .string()
  .min(1)
  .max(LIMITS.labelKeyMax)
  .refine(
    (key) => !RESERVED_KEYS.has(key),
    'reserved key: "__proto__", "constructor" and "prototype" are not allowed',
  )
  .meta({ not: { enum: [...RESERVED_KEYS] } });

export const metricsSchema = z.strictObject({
  cpu: z.number().min(0).max(LIMITS.cpuMax),
  memoryBytes: count,
  requestsPerSec: count,
  responseTimeMs: count,
  errorCount: count,
  uptimeSec: count,
});

export const queueStatsSchema = z.strictObject({
  depth: count,
  inFlight: count,
  processed: count,
  failed: count,
  deadLetter: count,
  ratePerSec: count,
});

export const registerSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(LIMITS.nameMax).optional(),
  queue: z.string().min(1).max(LIMITS.queueMax).nullable().optional(),
  status: z.enum(REPORTABLE_STATUSES).optional(),
  labels: z
    .record(labelKey, z.string().max(LIMITS.labelValueMax))
    .refine(
      (labels) => Object.keys(labels).length <= LIMITS.labelCount,
      `at most ${LIMITS.labelCount} labels`,
    )
    .meta({ maxProperties: LIMITS.labelCount })
    .optional(),
  metrics: metricsSchema.partial().optional(),
  queueStats: queueStatsSchema.partial().optional(),
  actions: declarationsSchema.optional(),
  fleet: idSchema.optional().meta({
    description:
      "A fleet id: the fleet's action stream (GET /api/fleets/{id}/actions) takes this worker's actions.",
  }),
});

export const resourceBodySchema = z.strictObject({
  name: z.string().min(1).max(LIMITS.nameMax).optional(),
  kind: z.enum(RESOURCE_KINDS).optional(),
  status: z.enum(RESOURCE_STATUSES),
  latencyMs: count.nullable().optional(),
  message: z.string().max(LIMITS.resourceMessageMax).nullable().optional(),
});

const resourceReportSchema = resourceBodySchema.extend({ id: idSchema });

/** A heartbeat's figures may be partial: the named fields change, the others keep their values. */
export const heartbeatSchema = z.strictObject({
  status: z.enum(REPORTABLE_STATUSES).optional(),
  metrics: metricsSchema.partial().optional(),
  queueStats: queueStatsSchema.partial().optional(),
  resources: z.array(resourceReportSchema).max(LIMITS.resourcesPerHeartbeat).optional(),
  takeActions: z.boolean().optional(),
});

/** One item of `POST /api/heartbeats`: a heartbeat with its worker's id (and no actions: the answer has no room). */
export const heartbeatItemSchema = heartbeatSchema.omit({ takeActions: true }).extend({ id: idSchema });
export type HeartbeatItem = z.infer<typeof heartbeatItemSchema>;

/** `POST /api/heartbeats` as documented; the route checks the count first (413), then each item on its own. */
export const heartbeatBatchSchema = z.strictObject({
  heartbeats: z.array(heartbeatItemSchema).max(LIMITS.heartbeatBatchMax),
});

/** `POST /api/workers` with `workers`, as documented; each item is checked, and answered, on its own. */
export const registerBatchSchema = z.strictObject({
  workers: z.array(registerSchema).max(LIMITS.registerBatchMax),
});

/** `DELETE /api/workers`: worker ids, each answered on its own. */
export const deregisterBatchSchema = z.strictObject({
  workers: z.array(idSchema).max(LIMITS.registerBatchMax),
});

export const logsSchema = z.strictObject({
  entries: z
    .array(
      z.strictObject({
        level: z.enum(LOG_LEVELS),
        message: z.string().max(LIMITS.logMessageMax),
        at: count.optional().meta({
          description:
            "Epoch ms, a time a JS Date holds, at most a day ahead of the server's clock (else 400 invalid_timestamp); default: receipt time.",
        }),
      }),
    )
    .min(1)
    .max(LIMITS.logBatchMax),
});

/** `GET /api/workers` pages: this many workers by default, at most the maximum. */
export const PAGE_SIZE = { default: 500, max: 1000 };

/** `?limit=&cursor=`: other parameters are left alone. */
export const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_SIZE.max).default(PAGE_SIZE.default),
  cursor: idSchema.optional(),
});

/** A day: clocks drift and batches wait, but a time further ahead is a bug (seconds for ms) or an attack. */
const MAX_FUTURE_MS = 86_400_000;
/** The largest time a JS Date holds (ECMA-262: ±8.64e15 ms); past it every date formatter throws. */
export const MAX_DATE_MS = 8.64e15;

/**
 * Throws 400 `invalid_timestamp` when an item's `at` (or `field`; epoch ms) is no date a
 * JS Date can hold or lies more than a day after `now`: a dashboard formats
 * every time it is given.
 */
export function checkTimes<K extends string = 'at'>(
  items: readonly Partial<Record<NoInfer<K>, number>>[],
  now: number,
  path: string,
  field = 'at' as K,
): void {
  const latest = Math.min(MAX_DATE_MS, now + MAX_FUTURE_MS);
  const issues = items.flatMap((item, i) => {
    const at = item[field];
    return at === undefined || at <= latest
      ? []
      : [
          {
            path: `${path}.${i}.${field}`,
            message: `Not a date at most a day ahead of the server's clock: ${at}`,
          },
        ];
  });
  if (issues.length > 0) {
    throw new HttpError(400, 'invalid_timestamp', 'Invalid timestamp', issues.slice(0, 20));
  }
}

/** Parses or throws a 400 listing the bad fields (the first 20, so a huge bad batch gets a small answer). */
export function parse<T>(schema: z.ZodType<T>, input: unknown, what = 'body'): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(
    400,
    `invalid_${what}`,
    `Invalid ${what}`,
    result.error.issues.slice(0, 20).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: describe(issue),
    })),
  );
}

/**
 * An issue's message. A bad record key (zod 4 `invalid_key`) only says "Invalid key in record";
 * the reason (reserved, too long) is in its nested issues.
 */
function describe(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_key' || issue.issues.length === 0) return issue.message;
  return `Invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`;
}
