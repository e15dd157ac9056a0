/**
 * A batch request's items applied each on its own, one rule for every batch
 * (`POST /api/heartbeats`, `POST /api/workers` and `DELETE /api/workers` with `workers`).
 */
import type { BatchItemFailure } from '@pulseboard/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CompiledParser } from './compiled-parser.js';
import { HttpError, toHttpError } from './errors.js';
import { StorageUnavailableError } from './store/types.js';
import { parse } from './validation.js';

const idOf = (item: unknown): string | null => {
  const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : null;
};

export interface BatchOptions<T extends { id: string }, R> {
  /** The envelope's one key: `{ [key]: [...] }`. */
  key: string;
  max: number;
  /** What each item must be: a schema, or its compiled parser on a hot path. */
  item: z.ZodType<T> | CompiledParser<T>;
  /** Applies a valid item; an HttpError it throws is that item's answer. */
  apply(item: T): Promise<R>;
  logger: Logger;
  /** Names the request in a logged failure. */
  path: string;
  /** The id a refused item is answered with: by default its string `id`, else null. */
  idOf?: (item: unknown) => string | null;
}

/**
 * Each item validated whole, then applied (or answered with why not), in item
 * order: a bad item changes nothing and never blocks the others. The same id
 * twice: the second is `duplicate_item`, so no answer depends on the order
 * items are applied in. Past `max` items, 413 before any item is looked at;
 * storage away fails the request (503), as it would fail every item.
 */
export async function applyBatch<T extends { id: string }, R extends object>(
  input: unknown,
  options: BatchOptions<T, R>,
): Promise<(({ id: string; ok: true } & R) | BatchItemFailure)[]> {
  const { key, max } = options;
  const listed = (input as Record<string, unknown> | null)?.[key];
  if (Array.isArray(listed) && listed.length > max) {
    throw new HttpError(
      413,
      'payload_too_large',
      `A batch holds at most ${max} ${key} (got ${listed.length})`,
    );
  }
  const items = parse(z.strictObject({ [key]: z.array(z.unknown()) }), input)[key] as unknown[];
  const seen = new Set<string>();
  return Promise.all(
    items.map(async (raw, i) => {
      const failed = (error: HttpError): BatchItemFailure => ({
        id: (options.idOf ?? idOf)(raw),
        ok: false,
        error: { code: error.code, message: error.message, ...(error.issues && { issues: error.issues }) },
      });
      let item: T;
      try {
        item = options.item instanceof CompiledParser ? options.item.parse(raw) : parse(options.item, raw);
      } catch (err) {
        return failed(err as HttpError);
      }
      if (seen.has(item.id)) {
        return failed(new HttpError(400, 'duplicate_item', `Worker "${item.id}" is in this batch already`));
      }
      seen.add(item.id);
      try {
        return { id: item.id, ok: true as const, ...(await options.apply(item)) };
      } catch (err) {
        if (err instanceof StorageUnavailableError) throw err;
        return failed(toHttpError(err, options.logger, { method: 'POST', path: `${options.path} #${i}` }));
      }
    }),
  );
}
