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

export interface BatchOptions<T extends { id: string }> {
  /** The envelope's one key: `{ [key]: [...] }`. */
  key: string;
  max: number;
  /** What each item must be: a schema, or its compiled parser on a hot path. */
  item: z.ZodType<T> | CompiledParser<T>;
  logger: Logger;
  /** Names the request in a logged failure (method POST unless told). */
  path: string;
  method?: string;
  /** The id a refused item is answered with: by default its string `id`, else null. */
  idOf?: (item: unknown) => string | null;
}

/** What a batch's valid items come back as, per item: its answer, or the error that refused it. */
export type Applied<R> = readonly (R | Error)[];

/** An item's answer when applied: its id, `ok`, and what the route adds. */
export type Ok<R> = { id: string; ok: true } & R;

/** `apply` for items written each on their own, all under way at once: a rejection is its item's answer. */
export const eachOnItsOwn =
  <T, R>(apply: (item: T) => Promise<R>) =>
  (items: readonly T[]): Promise<Applied<R>> =>
    Promise.all(items.map((item) => apply(item).catch((err: unknown) => err as Error)));

/**
 * Each item validated whole, then the valid ones applied together (so storage
 * can write them in one pass), each answered with its outcome, in item order:
 * a bad item changes nothing and never blocks the others. The same id twice:
 * the second is `duplicate_item`, so no answer depends on the order items are
 * applied in. Past `max` items, 413 before any item is looked at; storage away
 * fails the request (503), as it would fail every item. Built once per route:
 * the envelope's schema is compiled by zod at its first use.
 */
export class Batch<T extends { id: string }> {
  readonly #options: BatchOptions<T>;
  readonly #envelope: z.ZodType<Record<string, unknown[]>>;

  constructor(options: BatchOptions<T>) {
    this.#options = options;
    this.#envelope = z.strictObject({ [options.key]: z.array(z.unknown()) });
  }

  async apply<R extends object>(
    input: unknown,
    apply: (items: readonly T[]) => Promise<Applied<Ok<R>>>,
  ): Promise<(Ok<R> | BatchItemFailure)[]> {
    const { key, max, item } = this.#options;
    const listed = (input as Record<string, unknown> | null)?.[key];
    if (Array.isArray(listed) && listed.length > max) {
      throw new HttpError(
        413,
        'payload_too_large',
        `A batch holds at most ${max} ${key} (got ${listed.length})`,
      );
    }
    const raw = parse(this.#envelope, input)[key] as unknown[];
    const answers: (Ok<R> | BatchItemFailure)[] = new Array(raw.length);
    const valid: T[] = [];
    /** Where each valid item is in the batch. */
    const at: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < raw.length; i++) {
      let parsed: T;
      try {
        parsed = item instanceof CompiledParser ? item.parse(raw[i]) : parse(item, raw[i]);
      } catch (err) {
        answers[i] = this.#failure(raw[i], err as HttpError);
        continue;
      }
      if (seen.has(parsed.id)) {
        answers[i] = this.#failure(
          raw[i],
          new HttpError(400, 'duplicate_item', `Worker "${parsed.id}" is in this batch already`),
        );
        continue;
      }
      seen.add(parsed.id);
      valid.push(parsed);
      at.push(i);
    }
    const applied = valid.length > 0 ? await apply(valid) : [];
    for (let k = 0; k < applied.length; k++) {
      const outcome = applied[k] as Ok<R> | Error;
      const i = at[k] as number;
      if (!(outcome instanceof Error)) answers[i] = outcome;
      else if (outcome instanceof StorageUnavailableError) throw outcome;
      else {
        const context = { method: this.#options.method ?? 'POST', path: `${this.#options.path} #${i}` };
        answers[i] = this.#failure(raw[i], toHttpError(outcome, this.#options.logger, context));
      }
    }
    return answers;
  }

  /** A refused item's answer, named by the item as the client sent it. */
  #failure(item: unknown, error: HttpError): BatchItemFailure {
    return {
      id: (this.#options.idOf ?? idOf)(item),
      ok: false,
      error: { code: error.code, message: error.message, ...(error.issues && { issues: error.issues }) },
    };
  }
}
