import type { ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { parse } from './validation.js';

/**
 * `parse(schema, input)` for a hot path (`POST /api/heartbeats`, up to 1,000
 * items a request): a validator compiled by ajv from the schema's own JSON
 * Schema passes what it accepts as is, a twentieth of zod's time per
 * heartbeat item (docs/benchmarks.md); zod parses the rest, so every error a
 * client reads is zod's. Zod stays the judge: test/compiled-parser.test.ts
 * checks that the two agree. Ajv is loaded and the validator compiled at the
 * first call, in the background (~0.2–0.4 s, which a server that never sees
 * a batch does not pay); zod parses until it is ready.
 */
export class CompiledParser<T> {
  readonly #schema: z.ZodType<T>;
  readonly #onError: (err: unknown) => void;
  #check: ValidateFunction | undefined;
  #compiling: Promise<ValidateFunction> | undefined;

  constructor(schema: z.ZodType<T>, onError: (err: unknown) => void) {
    this.#schema = schema;
    this.#onError = onError;
  }

  /** The input when valid (the schemas it serves transform nothing), else zod's 400. */
  parse(input: unknown): T {
    if (this.#compiling === undefined) this.compile().catch(this.#onError);
    return this.#check?.(input) ? (input as T) : parse(this.#schema, input);
  }

  /** The compiled validator, compiling it once. */
  compile(): Promise<ValidateFunction> {
    this.#compiling ??= import('ajv/dist/2020.js').then(({ Ajv2020 }) => {
      // Ajv's defaults: string lengths in code points, as zod counts them; strict mode throws on
      // any keyword it does not know rather than ignore it.
      this.#check = new Ajv2020().compile(z.toJSONSchema(this.#schema, { io: 'input' }));
      return this.#check;
    });
    return this.#compiling;
  }
}
