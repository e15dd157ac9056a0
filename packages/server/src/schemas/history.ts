import {
  FLEET_HISTORY_FIELDS,
  type FleetHistoryField,
  type HistoryResponse,
  type InitialHistory,
  PROTOCOL_VERSION,
  SPARKLINE_FIELDS,
  type StatusChangeReason,
  type StatusChangeRecord,
  WORKER_HISTORY_FIELDS,
  WORKER_STATUSES,
} from '@pulseboard/protocol';
import { z } from 'zod';
import { idSchema } from '../validation.js';

/** What history answers and `initial_data.history` carry, as zod schemas (see schemas/events.ts). */

export const STATUS_CHANGE_REASONS = [
  'reported',
  'stale',
  'recovered',
  'registered',
  'stopping',
] as const satisfies readonly StatusChangeReason[];

const epochMs = z.number().min(0).meta({ description: 'Epoch milliseconds' });
const column = z
  .array(z.number().nullable())
  .meta({ description: 'One value per bucket, oldest first; null: no sample in that bucket.' });
const columns = <F extends string>(fields: readonly F[]) =>
  z.object(Object.fromEntries(fields.map((field) => [field, column])) as Record<F, typeof column>);
const stepMs = z.number().int().positive().meta({ description: 'Bucket width (ms): 10,000 or 60,000.' });

const statusChangeSchema = z.object({
  at: epochMs,
  from: z.enum(WORKER_STATUSES),
  to: z.enum(WORKER_STATUSES),
  reason: z.enum(STATUS_CHANGE_REASONS),
}) satisfies z.ZodType<StatusChangeRecord>;

export const initialHistorySchema = z
  .object({
    from: epochMs.meta({ description: 'Start of the first bucket.' }),
    stepMs,
    buckets: z.number().int().min(0).meta({ description: 'Values per column.' }),
    fleet: columns<FleetHistoryField>(FLEET_HISTORY_FIELDS),
    fields: z.array(z.string()).meta({ description: `Each row's columns, in order: ${SPARKLINE_FIELDS}.` }),
    workers: z
      .array(z.tuple([idSchema], column))
      .meta({ description: '[id, ...a column per field]: one row per worker with a sample in the window.' }),
  })
  .meta({
    description: 'The recent window of history (closed buckets only), so charts are full at first paint.',
  }) satisfies z.ZodType<InitialHistory>;

export const historyResponseSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  worker: idSchema.nullable().meta({ description: 'The worker asked for; null: the fleet.' }),
  from: epochMs.meta({ description: 'Start of the first bucket answered.' }),
  to: epochMs.meta({
    description: 'End of the last bucket answered: (to - from) / stepMs values per field.',
  }),
  stepMs,
  values: z.record(z.string(), column).meta({
    description: `By field name: a worker's ${WORKER_HISTORY_FIELDS.join(', ')}; the fleet's ${FLEET_HISTORY_FIELDS.join(', ')}.`,
  }),
  statusChanges: z
    .array(statusChangeSchema)
    .meta({ description: "The worker's status changes in the range, oldest first; [] for the fleet." }),
}) satisfies z.ZodType<HistoryResponse>;
