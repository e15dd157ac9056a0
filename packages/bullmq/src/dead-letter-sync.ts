import { DEAD_LETTER_LIMITS, type DeadLetterInput } from '@pulseboard/protocol';
import type { DeadLetterChange } from '@pulseboard/reporter';
import type { Redis } from 'ioredis';
import { type BullDeadLetter, readDeadLetter } from './dead-letters.js';

export interface DeadLetterSyncOptions {
  client: Redis;
  prefix: string;
  /** The BullMQ queue's name. */
  queue: string;
  /** The newest failed jobs reported at most (BullMQ keeps every failed job unless told `removeOnFail`). */
  max: number;
  /** A change to send (`reportDeadLetters`); the first is the whole list (`replace`). */
  report(change: DeadLetterChange): void;
  onError(error: unknown): void;
}

/** A dead letter as the protocol carries it: no empty name, no empty `clipped`. */
function toInput({ name, clipped, ...letter }: BullDeadLetter): DeadLetterInput {
  return { ...letter, ...(name ? { name } : {}), ...(clipped.length ? { clipped } : {}) };
}

/**
 * Keeps one queue's dead letters in step with BullMQ's failed set
 * (`<prefix>:<queue>:failed`, scored by when each job failed): the newest
 * `max` jobs, read with one ZREVRANGE; only those new to the list (or failed
 * again since) are read whole, those that left it (retried, removed, cleaned,
 * or pushed out by newer ones) are reported removed.
 */
export function createDeadLetterSync(options: DeadLetterSyncOptions) {
  const { client, prefix, queue } = options;
  /** Job id → its score in the failed set when reported; null until the first (whole) report. */
  let reported: Map<string, number> | null = null;
  let reading: Promise<void> | undefined;
  let again = false;

  async function read(): Promise<void> {
    const flat = await client.zrevrange(`${prefix}:${queue}:failed`, 0, options.max - 1, 'WITHSCORES');
    const now = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i] as string;
      // Longer than a dead letter's id may be: the server would refuse the whole report.
      if (id.length <= DEAD_LETTER_LIMITS.idMax) now.set(id, Number(flat[i + 1]));
    }
    const fresh = [...now].filter(([id, score]) => reported?.get(id) !== score).map(([id]) => id);
    const read = await Promise.all(fresh.map((id) => readDeadLetter(client, prefix, queue, id)));
    const added: DeadLetterInput[] = [];
    read.forEach((letter, i) => {
      if (letter) added.push(toInput(letter));
      // Gone between the two reads: not listed, so a later read finds it if it comes back.
      else now.delete(fresh[i] as string);
    });
    const replace = reported === null;
    const removed = replace ? [] : [...(reported as Map<string, number>).keys()].filter((id) => !now.has(id));
    reported = now;
    if (replace || added.length > 0 || removed.length > 0) options.report({ replace, added, removed });
  }

  /** Reads the failed set again; a call while a read is on its way reads once more after it. */
  function refresh(): Promise<void> {
    if (reading) {
      again = true;
      return reading;
    }
    reading = read()
      .catch(options.onError)
      .finally(() => {
        reading = undefined;
        if (again) {
          again = false;
          void refresh();
        }
      });
    return reading;
  }

  return {
    refresh,
    /** Whether the next reconciliation has something to check: never read yet, or some failed job listed. */
    get stale(): boolean {
      return reported === null || reported.size > 0;
    },
  };
}
