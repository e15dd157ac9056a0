import {
  clipDeadLetter,
  type DeadLetter,
  type DeadLetterPage,
  type DeadLettersResponse,
  PROTOCOL_VERSION as v,
} from '@pulseboard/protocol';
import type { z } from 'zod';
import { HttpError } from '../errors.js';
import type { LoggedEventInput } from '../events.js';
import type { RegistryStore } from '../store/types.js';
import { checkTimes } from '../validation.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  applyChange,
  type DeadLetterList,
  diff,
  type ListBounds,
  type ListChange,
  newestFirst,
} from './list.js';
import type { deadLettersBodySchema, deadLettersQuerySchema } from './schema.js';

export interface DeadLettersOptions {
  store: Pick<RegistryStore, 'workers' | 'deadLetters'>;
  bounds: ListBounds;
  now?: () => number;
}

const unknownQueue = (message: string) => new HttpError(404, 'unknown_queue', message);

/** Throws 400 naming each id given twice in one request (in `added`, or in both `added` and `removed`). */
function checkRepeats(body: z.infer<typeof deadLettersBodySchema>): void {
  const seen = new Set(body.removed);
  const issues: { path: string; message: string }[] = [];
  body.added?.forEach((entry, i) => {
    if (seen.has(entry.id)) issues.push({ path: `added.${i}.id`, message: 'repeated id (once per request)' });
    seen.add(entry.id);
  });
  if (issues.length > 0) throw new HttpError(400, 'invalid_body', 'Invalid body', issues.slice(0, 20));
}

/**
 * The dead letters of each queue: a bounded list per queue, changed by the
 * workers that consume it, each change stored with its `dead_letters_update`
 * in one atomic step (as the registry's writes are), and read a page at a time.
 */
export class DeadLetters {
  readonly #store: DeadLettersOptions['store'];
  readonly #bounds: ListBounds;
  readonly #now: () => number;

  constructor(options: DeadLettersOptions) {
    this.#store = options.store;
    this.#bounds = options.bounds;
    this.#now = options.now ?? Date.now;
  }

  /** Applies a worker's change to its queue's list; 404 for an unknown worker or a queue it does not consume. */
  async report(workerId: string, body: z.infer<typeof deadLettersBodySchema>): Promise<DeadLettersResponse> {
    checkRepeats(body);
    const now = this.#now();
    checkTimes(body.added ?? [], now, 'added', 'failedAt');
    const stored = await this.#store.workers.get(workerId);
    if (!stored) {
      throw new HttpError(404, 'unknown_worker', `No worker "${workerId}" is registered; register it again`);
    }
    const { queue } = body;
    if (stored.worker.queue !== queue) {
      const consumes = stored.worker.queue === null ? 'no queue' : `queue "${stored.worker.queue}"`;
      throw unknownQueue(`Worker "${workerId}" consumes ${consumes}, not "${queue}"`);
    }
    const added: DeadLetter[] = (body.added ?? []).map((input) => ({ ...clipDeadLetter(input), workerId }));
    const change: ListChange = { added, removed: body.removed ?? [], replace: body.replace ?? false };
    const { before, after } = await this.#store.deadLetters.update(
      queue,
      (current) => (changes(current, change) ? applyChange(current, change, this.#bounds) : current),
      (before, after): LoggedEventInput[] => {
        const done = diff(before, after, added);
        // Entries older than a full list's oldest leave at once: nothing to tell.
        if (!change.replace && done.added.length === 0 && done.removed.length === 0) return [];
        const data = { v, at: now, queue, ...done, replace: change.replace, total: size(after) };
        return [{ type: 'dead_letters_update', data }];
      },
    );
    const done = diff(before, after, added);
    return { added: done.added.length, removed: done.removed.length, total: size(after) };
  }

  /** One page of a queue's list, newest first; 404 for a queue no worker consumes and no list holds. */
  async page(query: z.infer<typeof deadLettersQuerySchema>): Promise<DeadLetterPage> {
    const list = await this.#store.deadLetters.get(query.queue);
    if (!list) {
      const consumed = (await this.#store.workers.list()).some((row) => row.worker.queue === query.queue);
      if (!consumed)
        throw unknownQueue(`No worker consumes queue "${query.queue}" and it has no dead letters`);
    }
    const all = list?.entries ?? [];
    const mine = query.worker === undefined ? all : all.filter((entry) => entry.workerId === query.worker);
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const after = cursor ? mine.filter((entry) => newestFirst(cursor, entry) < 0) : mine;
    const deadLetters = after.slice(0, query.limit);
    const last = deadLetters.at(-1);
    return {
      queue: query.queue,
      deadLetters,
      total: mine.length,
      nextCursor: after.length > query.limit && last ? encodeCursor(last) : null,
    };
  }
}

const size = (list: DeadLetterList | undefined) => list?.entries.length ?? 0;

/** Whether `change` would change `list`: a removal of ids it does not hold changes nothing and says nothing. */
function changes(list: DeadLetterList | undefined, change: ListChange): boolean {
  if (change.added.length > 0) return true;
  if (!list) return false;
  if (change.replace) return true;
  const removed = new Set(change.removed);
  return list.entries.some((entry) => removed.has(entry.id));
}
